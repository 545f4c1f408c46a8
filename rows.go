package dynamosql

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// column is one result column: its name as written in the projection and
// the item attribute DynamoDB returns it under.
type column struct {
	name string
	key  string
	// notNull is set for key attributes, which every item has.
	notNull bool
	// nested lists where DynamoDB may return a nested path (see lookup);
	// nil for a top-level attribute.
	nested []nestedKey
}

// rows streams a result page by page. It holds at most one DynamoDB page.
type rows struct {
	c      *conn
	ctx    context.Context
	in     dynamodb.ExecuteStatementInput
	text   string // the statement in.Statement points to
	sum    summaryTable
	cols   []column
	items  []map[string]types.AttributeValue
	pos    int
	done   bool // DynamoDB returned the last page
	closed bool
	dec    decodeOptions

	// fetching state
	fetch    bool // false for RETURNING results (one page, nothing to fetch)
	pageSize int32
	maxRows  int
	maxPages int
	pages    int // pages fetched
	returned int
	skip     int // rows an OFFSET still has to skip (see skipRows)
	position *Position
	typeName []string // lazily computed database type names

	// absent is what a missing attribute reads as (missing.go).
	absent driver.Value
}

// summaryTable is the part of a statement summary rows need.
type summaryTable struct {
	table string
}

var (
	_ driver.Rows                           = (*rows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*rows)(nil)
	_ driver.RowsColumnTypeNullable         = (*rows)(nil)
)

func (c *conn) decodeOptions() decodeOptions {
	return decodeOptions{parseTime: c.c.cfg.ParseTime, jsonDocuments: c.c.cfg.JSONDocuments}
}

// selectRows sends a SELECT and returns its rows after the first page (for
// SELECT *, after the first non-empty page, which names the columns).
func (c *conn) selectRows(ctx context.Context, p *prepared) (driver.Rows, error) {
	o := p.opts
	r := &rows{
		c:        c,
		ctx:      ctx,
		sum:      summaryTable{table: p.sum.Table},
		dec:      c.decodeOptions(),
		fetch:    true,
		pageSize: o.pageSize,
		maxRows:  o.maxRows,
		maxPages: o.maxPages,
		position: o.position,
		skip:     p.offset,
	}
	if o.markMissing {
		r.absent = Missing{}
	}
	r.text = p.query
	r.in.Statement = &r.text
	r.in.Parameters = p.params
	if o.consistentRead || c.c.cfg.ConsistentRead || c.tx != nil {
		r.in.ConsistentRead = aws.Bool(true)
	}
	if o.startToken != nil {
		r.in.NextToken = o.startToken
	}
	cols, star := p.projection() // stmtcache.go
	if err := r.fetchPage(); err != nil {
		return nil, err
	}
	if star {
		for len(r.items) == 0 && !r.done && !r.pageLimitReached() {
			if err := r.fetchPage(); err != nil {
				return nil, err
			}
		}
		r.cols = c.starColumns(ctx, p.sum.Table, r.items)
	} else {
		r.cols = cols
	}
	return r, nil
}

// itemRows returns the items of a write's RETURNING clause as rows.
func (c *conn) itemRows(ctx context.Context, p *prepared, items []map[string]types.AttributeValue) driver.Rows {
	r := &rows{c: c, ctx: ctx, items: items, done: true, dec: c.decodeOptions()}
	if len(items) > 0 {
		r.cols = c.starColumns(ctx, p.sum.Table, items)
	}
	return r
}

// emptyRows is a result without columns or rows.
func emptyRows() driver.Rows { return &rows{done: true} }

// starColumns names the columns of a SELECT *: the table's partition and
// sort key first, then the other attributes of the first item... of the
// page, sorted.
func (c *conn) starColumns(ctx context.Context, table string, items []map[string]types.AttributeValue) []column {
	var cols []column
	seen := make(map[string]bool)
	if table != "" {
		if t, err := c.c.catalog.Table(ctx, table); err == nil {
			for _, k := range []string{t.Key.PartitionKey, t.Key.SortKey} {
				if k != "" {
					cols = append(cols, column{name: k, key: k, notNull: true})
					seen[k] = true
				}
			}
		}
	}
	var rest []string
	for _, it := range items {
		for k := range it {
			if !seen[k] {
				seen[k] = true
				rest = append(rest, k)
			}
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		cols = append(cols, column{name: k, key: k})
	}
	return cols
}

// fetchPage sends the request for the next page.
func (r *rows) fetchPage() error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	limit := r.pageSize
	if r.maxRows > 0 {
		remaining := int32(r.maxRows - r.returned)
		if limit == 0 || remaining < limit {
			limit = remaining
		}
	}
	if limit > 0 {
		r.in.Limit = aws.Int32(limit)
	} else {
		r.in.Limit = nil
	}
	ctx, cancel := r.c.callContext(r.ctx)
	defer cancel()
	var out *dynamodb.ExecuteStatementOutput
	err := resend(ctx, func() error {
		var err error
		out, err = r.c.c.client.ExecuteStatement(ctx, &r.in)
		return err
	})
	if err != nil {
		if ctxErr := r.ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return r.c.statementError(r.sum.table, err)
	}
	r.items = out.Items
	r.pages++
	r.pos = 0
	r.typeName = nil
	r.in.NextToken = out.NextToken
	r.done = out.NextToken == nil || *out.NextToken == ""
	if p := r.position; p != nil {
		p.Pages++
		p.Done = r.done
		if r.done {
			p.NextToken = ""
		} else {
			p.NextToken = *out.NextToken
		}
	}
	return nil
}

// pageLimitReached reports that MaxPages pages were fetched.
func (r *rows) pageLimitReached() bool {
	return r.maxPages > 0 && r.pages >= r.maxPages
}

// Columns returns the column names.
func (r *rows) Columns() []string {
	names := make([]string, len(r.cols))
	for i, c := range r.cols {
		names[i] = c.name
	}
	return names
}

// Close stops the result: no further page is fetched.
func (r *rows) Close() error {
	r.closed = true
	r.items = nil
	return nil
}

// Next fills dest with the next row, fetching the next page when the
// current one is used up (pages may be empty and still not the last).
func (r *rows) Next(dest []driver.Value) error {
	if r.closed {
		return io.EOF
	}
	if r.skip > 0 {
		if err := r.skipRows(); err != nil {
			return err
		}
	}
	for r.pos >= len(r.items) {
		if r.done || !r.fetch || (r.maxRows > 0 && r.returned >= r.maxRows) || r.pageLimitReached() {
			return io.EOF
		}
		if err := r.fetchPage(); err != nil {
			return err
		}
	}
	item := r.items[r.pos]
	r.items[r.pos] = nil // let the page's items go as they are read
	r.pos++
	for i := range r.cols {
		if av, ok := r.cols[i].lookup(item); ok {
			dest[i] = rowValue(av, r.dec) // rowvalue.go
		} else {
			dest[i] = r.absent
		}
	}
	r.returned++
	if p := r.position; p != nil {
		p.Rows++
	}
	return nil
}

// ColumnTypeDatabaseTypeName returns the DynamoDB type of a column (S N B
// BOOL NULL SS NS BS L M) as seen in the first item of the current page
// that has the attribute, or "" when no item of the page has it.
func (r *rows) ColumnTypeDatabaseTypeName(index int) string {
	if r.typeName == nil {
		r.typeName = make([]string, len(r.cols))
		for i := range r.cols {
			c := &r.cols[i]
			for _, it := range r.items {
				if it == nil {
					continue
				}
				if av, ok := c.lookup(it); ok {
					r.typeName[i] = typeName(av)
					break
				}
			}
		}
	}
	return r.typeName[index]
}

// ColumnTypeScanType returns the Go type values of the column scan as.
func (r *rows) ColumnTypeScanType(index int) reflect.Type {
	return scanType(r.ColumnTypeDatabaseTypeName(index))
}

// ColumnTypeNullable reports key attributes as not nullable and every other
// attribute as nullable (an item may lack it).
func (r *rows) ColumnTypeNullable(index int) (nullable, ok bool) {
	return !r.cols[index].notNull, true
}
