package dynamosql

import (
	"context"
	"fmt"
	"hash/maphash"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

// DynamoDB refuses a transaction with two operations (writes or condition
// checks) on one item. The driver refuses the second statement at Exec
// time when both statements show the item's key: for an INSERT in its
// VALUE map (or a map passed as the VALUE parameter), for UPDATE, DELETE
// and EXISTS in equalities of the WHERE clause on the key attributes, with
// literals or ? parameters. The table's key schema comes from the
// connector's catalog, described only when two statements of one
// transaction touch the same table. A key the driver cannot see is left to
// DynamoDB, which then refuses the whole transaction at Commit.

// checkKeys refuses statements of table (about to be added) that target
// an item an earlier statement of t, or an earlier one of stmts, targets.
//
// Statements are indexed by table and item key (t.tables), so a check costs
// one map lookup, not a comparison with every earlier statement. A table is
// described, and its first statement keyed, only when a second statement
// touches it.
func (t *transaction) checkKeys(ctx context.Context, table string, stmts []types.ParameterizedStatement) error {
	if t.tables == nil {
		t.tables = make(map[string]*txTable)
	}
	base := len(t.stmts)
	added := 0
	var buf [128]byte // item keys
	defer func() {
		// On error, forget what was learnt of statements not added.
		if added < len(stmts) {
			t.forget(base)
		}
	}()
	for i, s := range stmts {
		name := table
		if name == "" {
			name = partiql.TableName(parsed(*s.Statement))
		}
		if name == "" {
			added++
			continue
		}
		tt := t.lastTable
		if tt == nil || t.lastName != name { // a transaction often stays on one table
			if tt = t.tables[name]; tt == nil {
				t.tables[name] = &txTable{first: base + i}
				added++
				continue
			}
			t.lastName, t.lastTable = name, tt
		}
		if tt.keys == nil {
			// A second statement on the table: learn its key schema and
			// key the first statement.
			tt.keys = make(map[uint64]int, MaxTxStatements)
			if tbl, err := t.c.c.catalog.Table(ctx, name); err == nil && tbl.Key.PartitionKey != "" {
				tt.schema = tbl.Key
			}
			first := t.statement(tt.first, stmts)
			tt.index(t, stmts, tt.first, tt.keyOf(buf[:0], first))
		}
		if j, dup := tt.index(t, stmts, base+i, tt.keyOf(buf[:0], s)); dup {
			return fmt.Errorf("%w: statement %d targets the same item of table %q as statement %d (same %s): DynamoDB allows one operation per item per transaction; merge the two into one statement or run them in separate transactions",
				ErrTxDuplicateKey, base+i, name, j, t.keyNames(ctx, name))
		}
		added++
	}
	return nil
}

// txTable indexes the statements of a transaction on one table.
type txTable struct {
	// first is the index of the table's first statement.
	first int
	// keys maps the hashes of the item keys of the table's statements to
	// their indexes; nil until a second statement touches the table.
	keys map[uint64]int
	// exact maps item keys whose hash collided with another key's to
	// their indexes (nil unless that ever happened).
	exact map[string]int
	// schema is the table's key, known once keys is set (empty when the
	// table cannot be described: DynamoDB judges at Commit).
	schema indexhint.KeySchema
	// text and stmt are the last statement text keyOf parsed, and the
	// statement: a transaction usually repeats one text.
	text string
	stmt partiql.Statement
}

// keySeed seeds keyHash.
var keySeed = maphash.MakeSeed()

// collideKeys makes every item key hash to the same value (for tests of
// the collision path).
var collideKeys bool

// keyHash hashes item keys for txTable.keys.
func keyHash(k []byte) uint64 {
	if collideKeys {
		return 42
	}
	return maphash.Bytes(keySeed, k)
}

// index records that statement j (of t followed by stmts) targets the
// item with key k (nil: not shown), unless an earlier statement targets
// it: then it returns that statement's index and true.
func (tt *txTable) index(t *transaction, stmts []types.ParameterizedStatement, j int, k []byte) (int, bool) {
	if k == nil {
		return 0, false
	}
	h := keyHash(k)
	prev, seen := tt.keys[h]
	if !seen {
		tt.keys[h] = j
		return 0, false
	}
	var buf [128]byte
	if string(tt.keyOf(buf[:0], t.statement(prev, stmts))) == string(k) {
		return prev, true
	}
	// Another key with the same hash: keep this one exactly.
	if prev, dup := tt.exact[string(k)]; dup {
		return prev, true
	}
	if tt.exact == nil {
		tt.exact = make(map[string]int)
	}
	tt.exact[string(k)] = j
	return 0, false
}

// keyOf appends the canonical key of the item s targets to b, or returns
// nil when s does not show it or the table's key is unknown.
func (tt *txTable) keyOf(b []byte, s types.ParameterizedStatement) []byte {
	if tt.schema.PartitionKey == "" {
		return nil
	}
	text := *s.Statement
	if text != tt.text { // cheap when the texts share their bytes, as a repeated one does
		tt.text, tt.stmt = text, parsed(text)
	}
	b, ok := appendItemKey(b, tt.stmt, s.Parameters, tt.schema)
	if !ok {
		return nil
	}
	return b
}

// statement returns statement j of t followed by stmts.
func (t *transaction) statement(j int, stmts []types.ParameterizedStatement) types.ParameterizedStatement {
	if j < len(t.stmts) {
		return t.stmts[j]
	}
	return stmts[j-len(t.stmts)]
}

// forget removes from t.tables what was learnt of statements from index
// base on (statements that were not added).
func (t *transaction) forget(base int) {
	t.lastName, t.lastTable = "", nil
	for name, tt := range t.tables {
		if tt.first >= base {
			delete(t.tables, name)
			continue
		}
		for k, j := range tt.keys {
			if j >= base {
				delete(tt.keys, k)
			}
		}
		for k, j := range tt.exact {
			if j >= base {
				delete(tt.exact, k)
			}
		}
	}
}

// keyNames names the key attributes of table, for messages.
func (t *transaction) keyNames(ctx context.Context, table string) string {
	tbl, err := t.c.c.catalog.Table(ctx, table)
	if err != nil {
		return "key"
	}
	if tbl.Key.SortKey == "" {
		return tbl.Key.PartitionKey
	}
	return tbl.Key.PartitionKey + " and " + tbl.Key.SortKey
}

// parsed returns the statement text parses to, or nil.
func parsed(text string) partiql.Statement {
	s, err := partiql.ParseCached(text)
	if err != nil {
		return nil
	}
	return s
}

// itemKey returns a canonical text for the primary key of the item s
// targets, or "" when s does not show all of it.
func itemKey(s partiql.Statement, params []types.AttributeValue, key indexhint.KeySchema) string {
	var buf [128]byte
	b, ok := appendItemKey(buf[:0], s, params, key)
	if !ok {
		return ""
	}
	return string(b)
}

// appendItemKey appends itemKey's text to b; false when s does not show
// the whole key.
func appendItemKey(b []byte, s partiql.Statement, params []types.AttributeValue, key indexhint.KeySchema) ([]byte, bool) {
	var src keySource
	switch s := s.(type) {
	case *partiql.Insert:
		switch v := s.Value.(type) {
		case *partiql.Map:
			src.entries = v.Entries
		case *partiql.Param:
			if v.N < 0 || v.N >= len(params) {
				return b, false
			}
			m, ok := params[v.N].(*types.AttributeValueMemberM)
			if !ok {
				return b, false
			}
			src.item = m.Value
		default:
			return b, false
		}
	case *partiql.Update:
		src.conj = partiql.Conjuncts(s.Where)
	case *partiql.Delete:
		src.conj = partiql.Conjuncts(s.Where)
	case *partiql.Exists:
		if s.Select == nil || s.Select.Index != "" {
			return b, false
		}
		src.conj = partiql.Conjuncts(s.Select.Where)
	case *partiql.Select: // a read of ReadItems
		if s.Index != "" {
			return b, false
		}
		src.conj = partiql.Conjuncts(s.Where)
	default:
		return b, false
	}
	src.params = params
	b, ok := src.appendKey(b, key.PartitionKey)
	if ok && key.SortKey != "" {
		b, ok = src.appendKey(b, key.SortKey)
	}
	return b, ok
}

// keySource is where a statement shows the values of its item's key: the
// entries of an INSERT's VALUE map, an item passed as the VALUE parameter,
// or the top-level conjuncts of a WHERE clause.
type keySource struct {
	entries []partiql.MapEntry
	item    map[string]types.AttributeValue
	conj    []partiql.Expr
	params  []types.AttributeValue
}

// appendKey appends the canonical key text of attribute attr's value.
func (k *keySource) appendKey(b []byte, attr string) ([]byte, bool) {
	switch {
	case k.entries != nil:
		for _, e := range k.entries {
			if e.Key == attr {
				return appendExprKey(b, e.Value, k.params)
			}
		}
	case k.item != nil:
		return appendAVKey(b, k.item[attr])
	default:
		// Equalities attr = value (or value = attr).
		for _, c := range k.conj {
			e, ok := c.(*partiql.Binary)
			if !ok || e.Op != partiql.OpEq {
				continue
			}
			if p, ok := e.L.(*partiql.Path); ok && p.IsSimple() && p.Name() == attr {
				if out, ok := appendExprKey(b, e.R, k.params); ok {
					return out, true
				}
			}
			if p, ok := e.R.(*partiql.Path); ok && p.IsSimple() && p.Name() == attr {
				if out, ok := appendExprKey(b, e.L, k.params); ok {
					return out, true
				}
			}
		}
	}
	return b, false
}

// appendExprKey appends the canonical key text of a literal or parameter
// (see exprKey).
func appendExprKey(b []byte, e partiql.Expr, params []types.AttributeValue) ([]byte, bool) {
	switch e := e.(type) {
	case *partiql.Param:
		if e.N < 0 || e.N >= len(params) {
			return b, false
		}
		return appendAVKey(b, params[e.N])
	case *partiql.String:
		return appendCanonKey(b, 'S', e.Value), true
	case *partiql.Number:
		return appendCanonKey(b, 'N', numberKey(e.Text)), true
	}
	return b, false
}

// appendAVKey appends the canonical key text of a key attribute value (see
// avKey).
func appendAVKey(b []byte, av types.AttributeValue) ([]byte, bool) {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return appendCanonKey(b, 'S', v.Value), true
	case *types.AttributeValueMemberN:
		return appendCanonKey(b, 'N', numberKey(v.Value)), true
	case *types.AttributeValueMemberB:
		return appendCanonKeyBytes(b, 'B', v.Value), true
	}
	return b, false
}

// appendCanonKey appends canonKey(typ, s).
func appendCanonKey(b []byte, typ byte, s string) []byte {
	b = append(b, typ)
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// appendCanonKeyBytes appends canonKey(typ, string(s)).
func appendCanonKeyBytes(b []byte, typ byte, s []byte) []byte {
	b = append(b, typ)
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// exprKey returns the canonical key text of a literal or parameter.
func exprKey(e partiql.Expr, params []types.AttributeValue) (string, bool) {
	switch e := e.(type) {
	case *partiql.Param:
		if e.N < 0 || e.N >= len(params) {
			return "", false
		}
		return avKey(params[e.N])
	case *partiql.String:
		return canonKey('S', e.Value), true
	case *partiql.Number:
		return canonKey('N', numberKey(e.Text)), true
	}
	return "", false
}

// avKey returns the canonical key text of a key attribute value (S, N or
// B): equal for equal keys, numbers compared by value.
func avKey(av types.AttributeValue) (string, bool) {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return canonKey('S', v.Value), true
	case *types.AttributeValueMemberN:
		return canonKey('N', numberKey(v.Value)), true
	case *types.AttributeValueMemberB:
		return canonKey('B', string(v.Value)), true
	}
	return "", false
}

// canonKey is typ, the length of s, ':' and s: concatenations of key texts
// are unambiguous.
func canonKey(typ byte, s string) string {
	return string(typ) + strconv.Itoa(len(s)) + ":" + s
}
