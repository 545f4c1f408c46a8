package dynamosql

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/itemkey"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

// DynamoDB refuses a transaction with two operations (writes or condition
// checks) on one item. The driver refuses the second statement at Exec
// time when both statements show the item's key: for an INSERT in its
// VALUE map (or a map passed as the VALUE parameter), for UPDATE, DELETE
// and EXISTS in equalities of the WHERE clause on the key attributes, with
// literals or ? parameters. What a statement shows is worked out once per
// text (keyParts, in its analysis); the table's key schema comes from the
// connector's catalog, described only when two statements of one
// transaction touch the same table. A key the driver cannot see is left to
// DynamoDB, which then refuses the whole transaction at Commit.

// keyParts is what a statement shows of the key of the item it targets:
// the values given by equality to attributes (a *partiql.String,
// *partiql.Number or *partiql.Param). An INSERT ... VALUE ? shows nothing
// in its text: the rewrite expands its item into a VALUE map, whose key
// parts itemparam.go works out.
type keyParts struct {
	eq map[string]partiql.Expr
}

// keyPartsOf works out what s shows of its item's key; nil when it shows
// nothing (a read of an index, a statement without a key condition).
func keyPartsOf(s partiql.Statement) *keyParts {
	k := &keyParts{}
	switch s := s.(type) {
	case *partiql.Insert:
		if v, ok := s.Value.(*partiql.Map); ok {
			return mapKeyParts(v)
		}
		return nil
	case *partiql.Update:
		k.where(s.Where)
	case *partiql.Delete:
		k.where(s.Where)
	case *partiql.Exists:
		if s.Select == nil || s.Select.Index != "" {
			return nil
		}
		k.where(s.Select.Where)
	case *partiql.Select: // a read of ReadItems
		if s.Index != "" {
			return nil
		}
		k.where(s.Where)
	}
	if k.eq == nil {
		return nil
	}
	return k
}

// mapKeyParts returns the key parts of an INSERT's VALUE map.
func mapKeyParts(m *partiql.Map) *keyParts {
	k := &keyParts{}
	for _, e := range m.Entries {
		k.add(e.Key, e.Value)
	}
	if k.eq == nil {
		return nil
	}
	return k
}

// where records the equalities attr = value (or value = attr) among the
// top-level conjuncts of a WHERE clause.
func (k *keyParts) where(w partiql.Expr) {
	for _, c := range partiql.Conjuncts(w) {
		e, ok := c.(*partiql.Binary)
		if !ok || e.Op != partiql.OpEq {
			continue
		}
		if p, ok := e.L.(*partiql.Path); ok && p.IsSimple() {
			k.add(p.Name(), e.R)
		}
		if p, ok := e.R.(*partiql.Path); ok && p.IsSimple() {
			k.add(p.Name(), e.L)
		}
	}
}

// add records that attr equals e when e is a literal a key can hold or a
// parameter; the first equality of an attribute wins.
func (k *keyParts) add(attr string, e partiql.Expr) {
	switch e.(type) {
	case *partiql.String, *partiql.Number, *partiql.Param:
	default:
		return
	}
	if _, dup := k.eq[attr]; dup {
		return
	}
	if k.eq == nil {
		k.eq = make(map[string]partiql.Expr, 2)
	}
	k.eq[attr] = e
}

// appendKey appends to b the canonical key of the item the statement
// targets, given its parameters and the table's key schema; false when the
// statement does not show the whole key.
func (k *keyParts) appendKey(b []byte, params []types.AttributeValue, key indexhint.KeySchema) ([]byte, bool) {
	if k == nil || key.PartitionKey == "" {
		return b, false
	}
	b, ok := k.appendAttr(b, params, key.PartitionKey)
	if ok && key.SortKey != "" {
		b, ok = k.appendAttr(b, params, key.SortKey)
	}
	return b, ok
}

func (k *keyParts) appendAttr(b []byte, params []types.AttributeValue, attr string) ([]byte, bool) {
	switch e := k.eq[attr].(type) {
	case *partiql.Param:
		if e.N < 0 || e.N >= len(params) {
			return b, false
		}
		return itemkey.Append(b, params[e.N])
	case *partiql.String:
		return itemkey.AppendString(b, e.Value), true
	case *partiql.Number:
		return itemkey.AppendNumber(b, e.Text), true
	}
	return b, false
}

// value returns the value the statement gives to key attribute attr
// (appendAttr writes its canonical text without building it).
func (k *keyParts) value(params []types.AttributeValue, attr string) (types.AttributeValue, bool) {
	switch e := k.eq[attr].(type) {
	case *partiql.Param:
		if e.N < 0 || e.N >= len(params) {
			return nil, false
		}
		return params[e.N], true
	case *partiql.String:
		return &types.AttributeValueMemberS{Value: e.Value}, true
	case *partiql.Number:
		return &types.AttributeValueMemberN{Value: e.Text}, true
	}
	return nil, false
}

// keyed is a statement whose item key a check can compute: its table, what
// it shows of the key, and the parameters the parts refer to.
type keyed struct {
	table  string
	keys   *keyParts
	params []types.AttributeValue
}

// keyCheck refuses a second operation on one item among a list of
// statements (a transaction's, a multi-row INSERT's rows, the reads of
// ReadItems). Statements are indexed by table and item key, so a check
// costs one map lookup, not a comparison with every earlier statement. A
// table is described, and its first statement keyed, only when a second
// statement touches it.
type keyCheck struct {
	cat   *indexhint.Catalog
	stmts []keyed
	// tables indexes the statements by table; last is the table of the
	// last statement checked (a transaction often stays on one table).
	tables map[string]*keyTable
	last   *keyTable
	// collide makes every key hash alike (tests of the collision path).
	collide bool
}

// keyTable indexes the statements of one table.
type keyTable struct {
	name  string
	first int // the table's first statement
	// schema is the table's key; keys is nil until a second statement
	// touches the table (and the schema is known).
	schema indexhint.KeySchema
	keys   *itemkey.Index
}

// add checks statement s (number len(k.stmts)) against the earlier ones and
// records it; it returns the number of the earlier statement that targets
// the same item, and true, instead (s is then not recorded).
func (k *keyCheck) add(ctx context.Context, s keyed) (int, bool) {
	i := len(k.stmts)
	k.stmts = append(k.stmts, s)
	if s.table == "" {
		return 0, false
	}
	kt := k.last
	if kt == nil || kt.name != s.table {
		if kt = k.tables[s.table]; kt == nil {
			if k.tables == nil {
				k.tables = make(map[string]*keyTable)
			}
			k.tables[s.table] = &keyTable{name: s.table, first: i}
			return 0, false
		}
		k.last = kt
	}
	var buf [128]byte
	if kt.keys == nil {
		// A second statement on the table: learn its key schema and key
		// the first statement.
		kt.keys = &itemkey.Index{Collide: k.collide, SizeHint: cap(k.stmts) - kt.first}
		if t, err := k.cat.Table(ctx, s.table); err == nil {
			kt.schema = t.Key
		}
		if b, ok := k.keyOf(buf[:0], kt, kt.first); ok {
			kt.keys.Add(b, kt.first, nil)
		}
	}
	b, ok := k.keyOf(buf[:0], kt, i)
	if !ok {
		return 0, false
	}
	j, dup := kt.keys.Add(b, i, func(j int) []byte {
		b, _ := k.keyOf(nil, kt, j)
		return b
	})
	if dup {
		k.stmts = k.stmts[:i]
	}
	return j, dup
}

// keyOf appends the key of statement j's item.
func (k *keyCheck) keyOf(b []byte, kt *keyTable, j int) ([]byte, bool) {
	s := k.stmts[j]
	return s.keys.appendKey(b, s.params, kt.schema)
}

// truncate forgets the statements from n on (statements that were not
// added after all).
func (k *keyCheck) truncate(n int) {
	if n >= len(k.stmts) {
		return
	}
	k.stmts = k.stmts[:n]
	k.last = nil
	for name, kt := range k.tables {
		if kt.first >= n {
			delete(k.tables, name)
		} else if kt.keys != nil {
			kt.keys.Forget(n)
		}
	}
}

// onlyTable returns the table of the statements checked when they all
// touch one, "" otherwise (for errors).
func (k *keyCheck) onlyTable() string {
	if len(k.tables) != 1 {
		return ""
	}
	for name := range k.tables {
		return name
	}
	return ""
}

// keyNames names the key attributes of table, for messages.
func (k *keyCheck) keyNames(table string) string {
	kt := k.tables[table]
	if kt == nil || kt.schema.PartitionKey == "" {
		return "key"
	}
	if kt.schema.SortKey == "" {
		return kt.schema.PartitionKey
	}
	return kt.schema.PartitionKey + " and " + kt.schema.SortKey
}

// duplicateError is the error of statement i, which targets the item
// statement j targets.
func (k *keyCheck) duplicateError(i, j int, table string) error {
	return fmt.Errorf("%w: statement %d targets the same item of table %q as statement %d (same %s): DynamoDB allows one operation per item per transaction; merge the two into one statement or run them in separate transactions",
		ErrTxDuplicateKey, i, table, j, k.keyNames(table))
}
