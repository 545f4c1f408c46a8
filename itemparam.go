package dynamosql

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// A whole Go value as one parameter: INSERT INTO "t" VALUE ? with a map or
// a struct (converted by CheckNamedValue through attributevalue, honouring
// dynamodbav tags). DynamoDB refuses a parameter as the item ("Unsupported
// format in item expression"): the item must be a {...} literal. The
// driver expands the argument's top-level attributes into
// VALUE {'a': ?, 'b': ?, ...}, one parameter per attribute, in name order.
//
// The text sent depends on the argument's attribute names, so the
// expansion happens per execution (rewrite.go); the printed statement is
// built from the syntax tree without parsing, and kept per set of names
// with the text's analysis (a struct type always gives the same names, but
// for its omitempty fields).
//
// A slice of maps or structs as the argument writes one item per element,
// atomically, in one ExecuteTransaction (at most MaxTxStatements), like
// INSERT ... VALUES with several rows: an item is never a list, so the
// argument cannot mean anything else.

// maxItemForms bounds the statements kept per text (one per set of
// attribute names); past it, statements are printed for each execution.
const maxItemForms = 64

// itemForms are the INSERT statements printed for a text INSERT INTO t
// VALUE ?, by the argument's attribute names.
type itemForms struct {
	table string
	param int // the ? that holds the item
	forms sync.Map
	n     atomic.Int32
}

// itemForm is the INSERT of an item with the attributes names.
type itemForm struct {
	names []string // sorted
	text  string
	keys  *keyParts // the item key, from the map's parameters
}

// initItem records that s, INSERT INTO t VALUE ?, takes the whole item as
// parameter p.
func (rw *rewrite) initItem(s *partiql.Insert, p *partiql.Param) {
	rw.kind = rewriteItem
	rw.items = &itemForms{table: s.Table, param: p.N}
}

// form returns the statement that inserts an item with the attributes of
// m.
func (f *itemForms) form(m map[string]types.AttributeValue) (*itemForm, error) {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	sig := strings.Join(names, "\x00")
	if v, ok := f.forms.Load(sig); ok {
		return v.(*itemForm), nil
	}
	entries := make([]partiql.MapEntry, len(names))
	for i, n := range names {
		entries[i] = partiql.MapEntry{Key: n, Value: &partiql.Param{N: i}}
	}
	value := &partiql.Map{Entries: entries}
	text, _, err := printed(&partiql.Insert{Table: f.table, TableQuoted: true, Value: value})
	if err != nil {
		return nil, err
	}
	form := &itemForm{names: names, text: text, keys: mapKeyParts(value)}
	if f.n.Add(1) <= maxItemForms {
		if v, loaded := f.forms.LoadOrStore(sig, form); loaded {
			return v.(*itemForm), nil
		}
	}
	return form, nil
}

// params returns the parameters of form for m: its values in name order.
func (form *itemForm) params(m map[string]types.AttributeValue) []types.AttributeValue {
	out := make([]types.AttributeValue, len(form.names))
	for i, n := range form.names {
		out[i] = m[n]
	}
	return out
}

// rewriteItem expands the item argument of INSERT INTO t VALUE ?: a map
// (or struct) becomes one INSERT, a list of them one INSERT per element
// (p.multi).
func (c *conn) rewriteItem(ctx context.Context, p *prepared) error {
	f := p.a.rw.items
	n := f.param
	switch v := p.params[n].(type) {
	case *types.AttributeValueMemberM:
		form, err := f.itemForm(v, n, 0)
		if err != nil {
			return err
		}
		p.query, p.params, p.keys = form.text, form.params(v.Value), form.keys
		return nil
	case *types.AttributeValueMemberL:
		return c.rewriteItems(ctx, p, v.Value)
	default:
		return fmt.Errorf("%w: argument %d: INSERT ... VALUE ? takes the whole item, a map or a struct (or a slice of them, one item each), not a DynamoDB %s",
			ErrUnsupportedType, n+1, typeName(v))
	}
}

// itemForm is form for the map av, the item of row (from 1, 0 for a
// single item) of argument n, refused when it is empty.
func (f *itemForms) itemForm(av *types.AttributeValueMemberM, n, row int) (*itemForm, error) {
	if len(av.Value) == 0 {
		where := fmt.Sprintf("argument %d", n+1)
		if row > 0 {
			where += fmt.Sprintf(", item %d,", row)
		}
		return nil, fmt.Errorf("%w: %s has no attributes: an item needs at least its key", ErrInvalidValue, where)
	}
	return f.form(av.Value)
}

// rewriteItems turns INSERT INTO t VALUE ? with a list of items into one
// INSERT per item, checked for two items with one key (rewriteRows).
func (c *conn) rewriteItems(ctx context.Context, p *prepared, items []types.AttributeValue) error {
	f := p.a.rw.items
	n := f.param
	switch {
	case len(items) == 0:
		return fmt.Errorf("%w: argument %d: INSERT ... VALUE ? was given an empty list: nothing to insert", ErrInvalidValue, n+1)
	case len(items) > MaxTxStatements:
		return fmt.Errorf("%w: INSERT ... VALUE ? was given %d items and DynamoDB writes at most %d items atomically (one ExecuteTransaction): split the list, or use the mapper's batch writes (mapper.Repository.PutMany), which are not atomic",
			ErrTxTooLarge, len(items), MaxTxStatements)
	}
	forms := make([]*itemForm, len(items))
	maps := make([]map[string]types.AttributeValue, len(items))
	for i, it := range items {
		m, ok := it.(*types.AttributeValueMemberM)
		if !ok {
			return fmt.Errorf("%w: argument %d, item %d: INSERT ... VALUE ? takes a list of items (maps or structs), not a list holding a DynamoDB %s",
				ErrUnsupportedType, n+1, i+1, typeName(it))
		}
		form, err := f.itemForm(m, n, i+1)
		if err != nil {
			return err
		}
		forms[i], maps[i] = form, m.Value
	}
	if len(items) == 1 {
		p.query, p.params, p.keys = forms[0].text, forms[0].params(maps[0]), forms[0].keys
		return nil
	}
	return c.multiRows(ctx, p, len(items), "items", func(i int) (*string, []types.AttributeValue, keyed) {
		params := forms[i].params(maps[i])
		return &forms[i].text, params, keyed{table: p.a.table, keys: forms[i].keys, params: params}
	})
}
