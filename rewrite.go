package dynamosql

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/partiql"
	"github.com/dynamosql/dynamosql/internal/planner"
)

// Stage 2 of the pipeline: SQL forms that DynamoDB's PartiQL lacks
// (standard INSERT ... VALUES, multi-row VALUES, LIMIT/OFFSET, COUNT(*))
// become PartiQL plus client-side work. What depends on the text alone is
// worked out once, in the analysis (rewrite.init); what depends on the
// arguments or on the table's key is applied per execution (conn.rewrite).

// maxLimit bounds LIMIT + OFFSET: the row counters of a result are sized
// for it.
const maxLimit = math.MaxInt32

// countColumn names the one column of a COUNT(*) result: the projection as
// written.
const countColumn = "COUNT(*)"

// rewriteKind says which translation a text needs.
type rewriteKind uint8

const (
	rewriteNone   rewriteKind = iota // sent as written
	rewriteLimit                     // SELECT ... LIMIT n [OFFSET m]
	rewriteCount                     // SELECT COUNT(*) ...
	rewriteInsert                    // INSERT INTO t (cols) VALUES (...), ...
	rewriteItem                      // INSERT INTO t VALUE ? (itemparam.go)
)

// rewrite is the translation of a text, as far as the text alone tells.
type rewrite struct {
	kind rewriteKind
	// sel is the SELECT to send for a SELECT (the statement itself, or it
	// without LIMIT and OFFSET), nil for other statements and COUNT(*).
	sel *form
	// limit and offset are LIMIT's and OFFSET's expressions (a *Number
	// or a *Param of the statement as written).
	limit, offset partiql.Expr
	// countBase is the SELECT of a COUNT(*) without COUNT(*) and ORDER BY;
	// count is its form for the table's key (see countForm).
	countBase *partiql.Select
	count     atomic.Pointer[countForm]
	// rows are the INSERT statements of INSERT ... VALUES, one per row.
	rows []insertRow
	// items are the INSERT statements of INSERT ... VALUE ? (itemparam.go).
	items *itemForms
}

// form is a SELECT the driver sends for a text, and the plans made for it.
type form struct {
	sel  *partiql.Select
	text string
	// params picks the parameters sent from those given (their indexes),
	// nil when all are sent in order.
	params []int
	// plans are the plans made for sel, one per set of options used.
	plans atomic.Pointer[[]*planner.Entry]
}

// countForm is the key-attribute SELECT of a COUNT(*) for a table key.
type countForm struct {
	key indexhint.KeySchema
	*form
}

// insertRow is one row of INSERT ... VALUES as an INSERT statement.
type insertRow struct {
	text   string
	params []int // indexes of the statement's parameters, in printed order
	keys   *keyParts
}

// init works out the translation of a's statement; it fails when the
// statement cannot be translated whatever its arguments.
func (rw *rewrite) init(a *analysis) error {
	switch s := a.stmt.(type) {
	case *partiql.Select:
		switch {
		case s.Count:
			if s.Limit != nil {
				return unsupported("COUNT(*) with LIMIT or OFFSET: the count is a single row and LIMIT does not cap what is counted; remove the clause, or SELECT the key attributes with LIMIT and count the rows in Go")
			}
			q := *s                         // shallow: only the top-level fields change
			q.Count, q.OrderBy = false, nil // the order does not change a count
			rw.kind, rw.countBase = rewriteCount, &q
		case s.Limit != nil:
			q := *s
			q.Limit, q.Offset = nil, nil
			f, err := newForm(&q)
			if err != nil {
				return err
			}
			rw.kind, rw.sel, rw.limit, rw.offset = rewriteLimit, f, s.Limit, s.Offset
		default:
			rw.sel = &form{sel: s, text: a.text}
		}
	case *partiql.Insert:
		if p, ok := s.Value.(*partiql.Param); ok {
			rw.initItem(s, p)
			return nil
		}
		if s.Rows == nil {
			return nil
		}
		maps := s.ValueMaps()
		if len(maps) > MaxTxStatements {
			return fmt.Errorf("%w: INSERT ... VALUES has %d rows and DynamoDB writes at most %d items atomically (one ExecuteTransaction): split it into statements of at most %d rows, or use the mapper's batch writes (mapper.Repository.PutMany), which are not atomic",
				ErrTxTooLarge, len(maps), MaxTxStatements, MaxTxStatements)
		}
		rw.kind = rewriteInsert
		rw.rows = make([]insertRow, len(maps))
		for i, m := range maps {
			text, params, err := printed(&partiql.Insert{Table: s.Table, TableQuoted: true, Value: m})
			if err != nil {
				if len(maps) > 1 {
					return fmt.Errorf("row %d: %w", i+1, err)
				}
				return err
			}
			rw.rows[i] = insertRow{text: text, params: params, keys: mapKeyParts(m)}
		}
	}
	return nil
}

// newForm prints sel as the SELECT to send.
func newForm(sel *partiql.Select) (*form, error) {
	text, params, err := printed(sel)
	if err != nil {
		return nil, err
	}
	return &form{sel: sel, text: text, params: params}, nil
}

// printed prints s and lists its parameters, in printed order, as indexes
// of the parameters of the statement it was made from.
func printed(s partiql.Statement) (string, []int, error) {
	text := partiql.Print(s)
	if len(text) > MaxStatementLength {
		return "", nil, fmt.Errorf("%w: translated to PartiQL, the statement has %d characters and DynamoDB accepts at most %d: shorten it or pass long values as ? parameters",
			ErrStatementTooLong, len(text), MaxStatementLength)
	}
	ps := partiql.Params(s)
	params := make([]int, len(ps))
	for i, x := range ps {
		params[i] = x.N
	}
	return text, params, nil
}

// pick returns the parameters idx names among args (args itself for nil).
func pick(args []types.AttributeValue, idx []int) []types.AttributeValue {
	if idx == nil {
		return args
	}
	if len(idx) == 0 {
		return nil
	}
	out := make([]types.AttributeValue, len(idx))
	for i, j := range idx {
		out[i] = args[j]
	}
	return out
}

// rewrite applies the translation of p's text to p's arguments: it sets
// the statement to send and the client-side work.
func (c *conn) rewrite(ctx context.Context, p *prepared) error {
	rw := &p.a.rw
	switch rw.kind {
	case rewriteLimit:
		return rw.applyLimit(p)
	case rewriteCount:
		f, err := c.countForm(ctx, p.a)
		if err != nil {
			return err
		}
		p.form, p.query, p.params = f, f.text, pick(p.params, f.params)
		p.count = true
	case rewriteInsert:
		if len(rw.rows) == 1 {
			p.query, p.params = rw.rows[0].text, pick(p.params, rw.rows[0].params)
			return nil
		}
		return c.rewriteRows(ctx, p)
	case rewriteItem:
		return c.rewriteItem(ctx, p) // itemparam.go
	default:
		p.form = rw.sel
	}
	return nil
}

// ---- LIMIT / OFFSET ----

// applyLimit removes LIMIT n [OFFSET m] from a SELECT: the rows skip the
// first m items on the client (p.offset) and stop after n more
// (p.opts.maxRows = m + n, which also sizes DynamoDB's Limit so that no
// request reads more items than still wanted). LIMIT 0 sends nothing.
func (rw *rewrite) applyLimit(p *prepared) error {
	n, err := limitValue(p.params, "LIMIT", rw.limit)
	if err != nil {
		return err
	}
	m := 0
	if rw.offset != nil {
		if m, err = limitValue(p.params, "OFFSET", rw.offset); err != nil {
			return err
		}
	}
	if n+m > maxLimit {
		return fmt.Errorf("%w: LIMIT %d OFFSET %d reads %d rows; at most %d are supported", ErrInvalidLimit, n, m, n+m, maxLimit)
	}
	p.form, p.query, p.params = rw.sel, rw.sel.text, pick(p.params, rw.sel.params)
	if n == 0 {
		p.none = true
		return nil
	}
	if o := p.opts.maxRows; o > 0 && o < n {
		n = o // MaxRows caps the rows delivered, after the OFFSET
	}
	p.offset = m
	p.opts.maxRows = m + n
	return nil
}

// limitValue returns the value of a LIMIT or OFFSET: an integer literal or
// a ? whose argument is a whole number.
func limitValue(args []types.AttributeValue, clause string, e partiql.Expr) (int, error) {
	var text, what string
	switch x := e.(type) {
	case *partiql.Number:
		text, what = x.Text, clause+" "+x.Text
	case *partiql.Param:
		what = fmt.Sprintf("%s ? (argument %d)", clause, x.N+1)
		num, ok := args[x.N].(*types.AttributeValueMemberN)
		if !ok {
			return 0, fmt.Errorf("%w: %s is a %s; pass a whole number", ErrInvalidLimit, what, typeName(args[x.N]))
		}
		text = num.Value
	default:
		return 0, fmt.Errorf("%w: %s must be a whole number or ?", ErrInvalidLimit, clause)
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil || v < 0 || v > maxLimit {
		return 0, fmt.Errorf("%w: %s: %q is not a whole number from 0 to %d", ErrInvalidLimit, what, text, maxLimit)
	}
	return int(v), nil
}

// ---- COUNT(*) ----

// countForm returns the SELECT that a COUNT(*) sends: the table's key
// attributes with the same FROM and WHERE, which plan routes and checks
// against the scan policy like any SELECT; countRows (rows.go) pages
// through it and counts. It is made once per text and table key.
func (c *conn) countForm(ctx context.Context, a *analysis) (*form, error) {
	t, err := c.c.catalog.Table(ctx, a.rw.countBase.Table)
	if err != nil {
		return nil, &inContext{doing: fmt.Sprintf("COUNT(*) needs the key attributes of table %q", a.rw.countBase.Table), err: describeError(a.rw.countBase.Table, err)}
	}
	if cf := a.rw.count.Load(); cf != nil && cf.key == t.Key {
		return cf.form, nil
	}
	q := *a.rw.countBase
	q.Projection = []partiql.Expr{partiql.NewPath(t.Key.PartitionKey)}
	if t.Key.SortKey != "" {
		q.Projection = append(q.Projection, partiql.NewPath(t.Key.SortKey))
	}
	f, err := newForm(&q)
	if err != nil {
		return nil, err
	}
	a.rw.count.Store(&countForm{key: t.Key, form: f})
	return f, nil
}

// ---- INSERT ... VALUES ----

// rewriteRows turns a multi-row INSERT into one INSERT per row (p.multi),
// sent as one ExecuteTransaction (send.go) or added to the open
// transaction, after checking that no two rows have the same primary key
// (a transaction allows one operation per item).
func (c *conn) rewriteRows(ctx context.Context, p *prepared) error {
	rows := p.a.rw.rows
	return c.multiRows(ctx, p, len(rows), "rows", func(i int) (*string, []types.AttributeValue, keyed) {
		return &rows[i].text, pick(p.params, rows[i].params), keyed{table: p.a.table, keys: rows[i].keys, params: p.params}
	})
}

// multiRows sets p.multi to the n INSERT statements row returns (its text,
// its parameters, and its item key), after checking that no two have the
// same primary key; what names the rows in the error ("rows", "items").
func (c *conn) multiRows(ctx context.Context, p *prepared, n int, what string, row func(i int) (*string, []types.AttributeValue, keyed)) error {
	check := keyCheck{cat: c.c.catalog}
	multi := make([]types.ParameterizedStatement, n)
	keys := make([]keyed, n)
	for i := range n {
		text, params, k := row(i)
		if j, dup := check.add(ctx, k); dup {
			return fmt.Errorf("%w: %s %d and %d of the INSERT have the same primary key; DynamoDB writes them as one transaction, which allows one operation per item: remove one of them (nothing was written)",
				ErrTxDuplicateKey, what, j+1, i+1)
		}
		multi[i] = types.ParameterizedStatement{Statement: text, Parameters: params}
		keys[i] = k
	}
	p.multi, p.multiKeys = multi, keys
	return nil
}
