package dynamosql

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
func (t *transaction) checkKeys(ctx context.Context, table string, stmts []types.ParameterizedStatement) error {
	if t.items == nil {
		t.items = make(map[*string]*txItem)
	}
	added := make([]*string, 0, len(stmts))
	defer func() {
		// On error, forget what was learnt of statements not added.
		if len(added) < len(stmts) {
			for _, s := range stmts {
				delete(t.items, s.Statement)
			}
		}
	}()
	for i, s := range stmts {
		it := t.item(s.Statement, table)
		if it.table != "" {
			for j := range len(t.stmts) + i {
				var other types.ParameterizedStatement
				if j < len(t.stmts) {
					other = t.stmts[j]
				} else {
					other = stmts[j-len(t.stmts)]
				}
				ot := t.item(other.Statement, "")
				if ot.table != it.table {
					continue
				}
				t.keyOf(ctx, ot, other)
				t.keyOf(ctx, it, s)
				if it.key != "" && it.key == ot.key {
					return fmt.Errorf("%w: statement %d targets the same item of table %q as statement %d (same %s): DynamoDB allows one operation per item per transaction; merge the two into one statement or run them in separate transactions",
						ErrTxDuplicateKey, len(t.stmts)+i, it.table, j, t.keyNames(ctx, it.table))
				}
			}
		}
		added = append(added, s.Statement)
	}
	return nil
}

// item returns what t knows of the statement whose text is at text; table
// is its table when known, "" to find it by parsing.
func (t *transaction) item(text *string, table string) *txItem {
	if it := t.items[text]; it != nil {
		return it
	}
	if table == "" {
		table = partiql.TableName(parsed(*text))
	}
	it := &txItem{table: table}
	t.items[text] = it
	return it
}

// keyOf computes it.key once.
func (t *transaction) keyOf(ctx context.Context, it *txItem, s types.ParameterizedStatement) {
	if it.keyed {
		return
	}
	it.keyed = true
	tbl, err := t.c.c.catalog.Table(ctx, it.table)
	if err != nil || tbl.Key.PartitionKey == "" {
		return // unknown here; DynamoDB judges at Commit
	}
	it.key = itemKey(parsed(*s.Statement), s.Parameters, tbl.Key)
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
	attrs := []string{key.PartitionKey}
	if key.SortKey != "" {
		attrs = append(attrs, key.SortKey)
	}
	var find func(attr string) (string, bool)
	switch s := s.(type) {
	case *partiql.Insert:
		find = insertKeyFinder(s, params)
	case *partiql.Update:
		find = whereKeyFinder(s.Where, params)
	case *partiql.Delete:
		find = whereKeyFinder(s.Where, params)
	case *partiql.Exists:
		if s.Select == nil || s.Select.Index != "" {
			return ""
		}
		find = whereKeyFinder(s.Select.Where, params)
	case *partiql.Select: // a read of ReadItems
		if s.Index != "" {
			return ""
		}
		find = whereKeyFinder(s.Where, params)
	}
	if find == nil {
		return ""
	}
	var b strings.Builder
	for _, a := range attrs {
		v, ok := find(a)
		if !ok {
			return ""
		}
		b.WriteString(v)
	}
	return b.String()
}

// insertKeyFinder finds key values in an INSERT's VALUE map, written out or
// passed as a parameter.
func insertKeyFinder(s *partiql.Insert, params []types.AttributeValue) func(string) (string, bool) {
	switch v := s.Value.(type) {
	case *partiql.Map:
		return func(attr string) (string, bool) {
			for _, e := range v.Entries {
				if e.Key == attr {
					return exprKey(e.Value, params)
				}
			}
			return "", false
		}
	case *partiql.Param:
		if v.N < 0 || v.N >= len(params) {
			return nil
		}
		m, ok := params[v.N].(*types.AttributeValueMemberM)
		if !ok {
			return nil
		}
		return func(attr string) (string, bool) { return avKey(m.Value[attr]) }
	}
	return nil
}

// whereKeyFinder finds key values in the equalities attr = value (or value
// = attr) of a WHERE clause's top-level conjuncts.
func whereKeyFinder(where partiql.Expr, params []types.AttributeValue) func(string) (string, bool) {
	conj := partiql.Conjuncts(where)
	return func(attr string) (string, bool) {
		for _, c := range conj {
			b, ok := c.(*partiql.Binary)
			if !ok || b.Op != partiql.OpEq {
				continue
			}
			if p, ok := b.L.(*partiql.Path); ok && p.IsSimple() && p.Name() == attr {
				if v, ok := exprKey(b.R, params); ok {
					return v, true
				}
			}
			if p, ok := b.R.(*partiql.Path); ok && p.IsSimple() && p.Name() == attr {
				if v, ok := exprKey(b.L, params); ok {
					return v, true
				}
			}
		}
		return "", false
	}
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
