package dynamosql

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Stage 5 of the pipeline: results. Every driver.Rows of the driver is
// here: rows streams a SELECT page by page (and holds the items of a
// RETURNING clause); countResult is the one row of a COUNT(*); memRows
// holds the rows of LIST TABLES, DESCRIBE and SHOW CREATE TABLE (ddl.go). A row's
// values are decoded from DynamoDB's attribute values by decode.go.

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
	table  string
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
	pages    int // page requests sent (including one read ahead)
	fetched  int // items of the pages reached so far (rows returned or to return)
	returned int
	skip     int // rows an OFFSET still has to skip (see skipRows)
	position *Position
	typeName []string // lazily computed database type names

	// read-ahead (readahead.go): readAhead allows it, started is set once
	// the first row was returned, ahead is the next page's request in
	// flight.
	readAhead bool
	started   bool
	ahead     *pageFetch

	// absent is what a missing attribute reads as (missing.go).
	absent driver.Value

	// rec records the statement (observe.go); it ends when the rows are
	// closed or a page fails.
	rec *stmtRec
	// cur is the item NextRow stepped to, which ScanColumn reads
	// (rows_go127.go).
	cur map[string]types.AttributeValue
	// prev holds each column's last string value, reused while a column
	// repeats it (see Next).
	prev    []driver.Value
	prevBuf [8]driver.Value
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
		table:    p.a.table,
		dec:      c.decodeOptions(),
		fetch:    true,
		pageSize: o.pageSize,
		maxRows:  o.maxRows,
		maxPages: o.maxPages,
		position: o.position,
		skip:     p.offset,
		rec:      p.rec,
		// Read-ahead hides a request's round trip behind the reading of
		// the page before it; MaxPages(1) never has a page to read ahead.
		readAhead: !o.noReadAhead && !c.c.cfg.NoReadAhead && o.maxPages != 1,
	}
	if o.markMissing {
		r.absent = Missing{}
	}
	r.text = p.query
	r.in.Statement = &r.text
	r.in.Parameters = p.params
	if p.consistent {
		r.in.ConsistentRead = aws.Bool(true)
	}
	if o.startToken != nil {
		r.in.NextToken = o.startToken
	}
	if err := r.nextPage(); err != nil {
		return nil, err
	}
	if p.a.star {
		for len(r.items) == 0 && !r.done && !r.pageLimitReached() {
			if err := r.nextPage(); err != nil {
				return nil, err
			}
		}
		r.cols = c.starColumns(ctx, p.a.table, r.items, c.hiddenComposites(p.a.table, o.compositeColumns))
	} else {
		r.cols = p.a.cols
	}
	return r, nil
}

// itemRows returns the items of a write's RETURNING clause as rows. ALL
// OLD and ALL NEW return whole items: the table's key columns come first,
// as for SELECT *. MODIFIED OLD and MODIFIED NEW return only the
// attributes the UPDATE changed, never the key: the columns are exactly
// the attributes DynamoDB returned.
func (c *conn) itemRows(ctx context.Context, p *prepared, items []map[string]types.AttributeValue) driver.Rows {
	r := &rows{c: c, ctx: ctx, items: items, done: true, dec: c.decodeOptions()}
	if len(items) > 0 {
		table := p.a.table
		if u, ok := p.a.stmt.(*partiql.Update); ok && (u.Returning == partiql.ReturnModifiedOld || u.Returning == partiql.ReturnModifiedNew) {
			table = "" // no key columns
		}
		r.cols = c.starColumns(ctx, table, items, c.hiddenComposites(p.a.table, p.opts.compositeColumns))
	}
	return r
}

// emptyRows is a result without columns or rows.
func emptyRows() driver.Rows { return &rows{done: true} }

// starColumns names the columns of a SELECT *: the table's partition and
// sort key first, then the other attributes of the first item... of the
// page, sorted, except the attributes hidden lists (the registered
// composite attributes, see composites.go); hidden may be nil.
func (c *conn) starColumns(ctx context.Context, table string, items []map[string]types.AttributeValue, hidden map[string]bool) []column {
	var cols []column
	seen := make(map[string]bool, len(hidden))
	for k := range hidden {
		seen[k] = true
	}
	if table != "" {
		if t, err := c.c.catalog.Table(ctx, table); err == nil {
			for _, k := range []string{t.Key.PartitionKey, t.Key.SortKey} {
				if k != "" && !seen[k] {
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

// pageInput returns the request of the next page: DynamoDB's Limit is
// the page size, cut to the rows MaxRows still wants. Every row of the
// pages reached is returned unless the reader stops, so the count is the
// same whether the page is fetched now or read ahead.
func (r *rows) pageInput() *dynamodb.ExecuteStatementInput {
	limit := r.pageSize
	if r.maxRows > 0 {
		remaining := int32(r.maxRows - r.fetched)
		if limit == 0 || remaining < limit {
			limit = remaining
		}
	}
	if limit > 0 {
		r.in.Limit = aws.Int32(limit)
	} else {
		r.in.Limit = nil
	}
	return &r.in
}

// nextPage makes the next page the current one: the page read ahead when
// one is in flight (waiting for it), else one fetched now.
func (r *rows) nextPage() error {
	if r.ahead != nil {
		return r.takeAhead() // readahead.go
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	r.pages++
	out, err := r.c.fetch(r.ctx, r.pageInput()) // send.go
	return r.reach(out, err)
}

// reach makes out, the answer to a page request, the current page, or
// returns the request's error.
func (r *rows) reach(out *dynamodb.ExecuteStatementOutput, err error) error {
	if err != nil {
		if ctxErr := r.ctx.Err(); ctxErr != nil {
			return r.rec.end(ctxErr)
		}
		return r.rec.end(r.c.statementError(r.table, err))
	}
	r.items = out.Items
	r.fetched += len(out.Items)
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

// Close stops the result: no further page is fetched, and a page being
// read ahead is cancelled and waited for (no goroutine outlives Close).
func (r *rows) Close() error {
	r.closed = true
	r.items, r.cur = nil, nil
	r.stopAhead() // readahead.go
	_ = r.rec.end(nil)
	return nil
}

// Next fills dest with the next row, fetching the next page when the
// current one is used up (pages may be empty and still not the last).
func (r *rows) Next(dest []driver.Value) error {
	item, err := r.advance()
	if err != nil {
		return err
	}
	if r.prev == nil {
		if len(r.cols) <= len(r.prevBuf) {
			r.prev = r.prevBuf[:len(r.cols)]
		} else {
			r.prev = make([]driver.Value, len(r.cols))
		}
	}
	for i := range r.cols {
		av, ok := r.cols[i].lookup(item)
		if !ok {
			dest[i] = r.absent
			continue
		}
		if s, isS := av.(*types.AttributeValueMemberS); isS && !r.dec.parseTime {
			// A string in a driver.Value costs an allocation; a column
			// that repeats its value (the partition key of a query, a
			// status) reuses the last row's.
			if prev, same := r.prev[i].(string); !same || prev != s.Value {
				r.prev[i] = s.Value
			}
			dest[i] = r.prev[i]
			continue
		}
		dest[i] = decodeValue(av, r.dec) // decode.go
	}
	return nil
}

// advance moves to the next item, fetching the next page when the current
// one is used up (pages may be empty and still not the last), and returns
// it. The page lets go of the item: the caller holds the only reference.
func (r *rows) advance() (map[string]types.AttributeValue, error) {
	if r.closed {
		return nil, io.EOF
	}
	if r.skip > 0 {
		if err := r.skipRows(); err != nil {
			return nil, err
		}
	}
	for r.pos >= len(r.items) {
		if r.ahead == nil && (r.done || !r.fetch || (r.maxRows > 0 && r.returned >= r.maxRows) || r.pageLimitReached()) {
			return nil, io.EOF
		}
		if err := r.nextPage(); err != nil {
			return nil, err
		}
	}
	if r.started && r.ahead == nil && r.readAhead {
		r.readNext() // readahead.go
	}
	item := r.items[r.pos]
	r.items[r.pos] = nil // let the page's items go as they are read
	r.pos++
	r.returned++
	r.started = true
	if p := r.position; p != nil {
		p.Rows++
	}
	return item, nil
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

// ---- results held in memory ----

// memRows is a result held in memory: the rows of LIST TABLES, DESCRIBE
// and SHOW CREATE TABLE, with their column types.
type memRows struct {
	cols []memColumn
	rows [][]driver.Value
	pos  int
}

// memColumn is a column of memRows.
type memColumn struct {
	name     string
	typeName string
	scan     reflect.Type
	nullable bool
}

var (
	_ driver.Rows                           = (*memRows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*memRows)(nil)
	_ driver.RowsColumnTypeScanType         = (*memRows)(nil)
	_ driver.RowsColumnTypeNullable         = (*memRows)(nil)
)

// Columns returns the column names.
func (r *memRows) Columns() []string {
	names := make([]string, len(r.cols))
	for i, c := range r.cols {
		names[i] = c.name
	}
	return names
}

// Close releases the rows.
func (r *memRows) Close() error {
	r.rows, r.pos = nil, 0
	return nil
}

// Next fills dest with the next row.
func (r *memRows) Next(dest []driver.Value) error {
	if r.pos >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.pos])
	r.pos++
	return nil
}

// ColumnTypeDatabaseTypeName returns the column's type: S, N, BOOL,
// TIMESTAMP or JSON.
func (r *memRows) ColumnTypeDatabaseTypeName(index int) string { return r.cols[index].typeName }

// ColumnTypeScanType returns the Go type of the column's values.
func (r *memRows) ColumnTypeScanType(index int) reflect.Type { return r.cols[index].scan }

// ColumnTypeNullable reports whether the column may hold NULL.
func (r *memRows) ColumnTypeNullable(index int) (nullable, ok bool) {
	return r.cols[index].nullable, true
}

// ---- LIMIT 0, OFFSET ----

// noRows returns the empty result of a SELECT ... LIMIT 0, without sending
// anything. Its columns are the projection's, or for SELECT * the table's
// key attributes (no item tells the others).
func (c *conn) noRows(ctx context.Context, p *prepared) driver.Rows {
	r := &rows{c: c, ctx: ctx, done: true, dec: c.decodeOptions()}
	r.cols = p.a.cols
	if p.a.star {
		r.cols = c.starColumns(ctx, p.a.table, nil, c.hiddenComposites(p.a.table, p.opts.compositeColumns))
	}
	return r
}

// skipRows consumes the rows an OFFSET skips, fetching pages as needed.
// Skipped rows count towards maxRows (which is OFFSET + LIMIT) but not in
// Position.Rows.
func (r *rows) skipRows() error {
	for r.skip > 0 {
		for r.pos >= len(r.items) {
			if r.ahead == nil && (r.done || !r.fetch || (r.maxRows > 0 && r.returned >= r.maxRows)) {
				r.skip = 0
				return io.EOF
			}
			if err := r.nextPage(); err != nil {
				return err
			}
		}
		n := min(r.skip, len(r.items)-r.pos)
		clear(r.items[r.pos : r.pos+n])
		r.pos += n
		r.skip -= n
		r.returned += n
	}
	return nil
}

// ---- COUNT(*) ----

// countRows runs a COUNT(*): with Select=COUNT when count.go can express
// it exactly, else it pages through the key-attribute SELECT
// countForm (rewrite.go) wrote, holding one page at a time, and returns one row
// with one column, COUNT(*), holding the count as an int64. MaxRows does
// not cap the count; PageSize, ConsistentRead and Track apply to the pages
// read.
func (c *conn) countRows(ctx context.Context, p *prepared) (driver.Rows, error) {
	if n, ok, err := c.countNative(ctx, p); ok { // count.go: Select=COUNT
		if err != nil {
			return nil, err
		}
		return &countResult{n: n, position: p.opts.position}, nil
	}
	q := *p
	q.opts.maxRows = 0
	q.offset = 0
	dr, err := c.selectRows(ctx, &q)
	if err != nil {
		return nil, err
	}
	r := dr.(*rows)
	defer r.Close()
	var n int64
	for {
		n += int64(len(r.items))
		if r.done {
			break
		}
		if err := r.nextPage(); err != nil {
			return nil, err
		}
	}
	return &countResult{n: n, position: p.opts.position}, nil
}

// countResult is the one-row result of a COUNT(*).
type countResult struct {
	n        int64
	read     bool
	position *Position
}

var (
	_ driver.Rows                           = (*countResult)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*countResult)(nil)
	_ driver.RowsColumnTypeScanType         = (*countResult)(nil)
	_ driver.RowsColumnTypeNullable         = (*countResult)(nil)
)

// Columns returns the one column, COUNT(*).
func (r *countResult) Columns() []string { return []string{countColumn} }

// Close releases nothing.
func (r *countResult) Close() error { r.read = true; return nil }

// Next returns the count once.
func (r *countResult) Next(dest []driver.Value) error {
	if r.read {
		return io.EOF
	}
	r.read = true
	dest[0] = r.n
	if r.position != nil {
		r.position.Rows++
	}
	return nil
}

// ColumnTypeDatabaseTypeName returns N.
func (r *countResult) ColumnTypeDatabaseTypeName(int) string { return "N" }

// ColumnTypeScanType returns int64.
func (r *countResult) ColumnTypeScanType(int) reflect.Type { return reflect.TypeFor[int64]() }

// ColumnTypeNullable reports the count as never NULL.
func (r *countResult) ColumnTypeNullable(int) (nullable, ok bool) { return false, true }

// ---- columns ----

// projection returns the columns of a SELECT's explicit projection, in
// order, or star=true for SELECT * (and any other statement, whose columns
// come from the items of its RETURNING clause).
//
// Columns are named as written, without quotes: a, a.b, a.b[2]. DynamoDB
// returns a nested path under its last field name (with the list indexes
// that follow it): SELECT m.x returns the attribute "x", SELECT m.y[1]
// returns "y[1]".
func projection(st partiql.Statement) (cols []column, star bool) {
	sel, ok := st.(*partiql.Select)
	if !ok || sel.Star || sel.Count || len(sel.Projection) == 0 {
		return nil, true
	}
	cols = make([]column, 0, len(sel.Projection))
	for _, e := range sel.Projection {
		p, ok := e.(*partiql.Path)
		if !ok || len(p.Segments) == 0 {
			return nil, true
		}
		cols = append(cols, pathColumn(p))
	}
	return cols, false
}

func pathColumn(p *partiql.Path) column {
	if p.IsSimple() {
		n := p.Segments[0].Name
		return column{name: n, key: n}
	}
	var name strings.Builder
	for i, s := range p.Segments {
		if s.IsIndex {
			name.WriteByte('[')
			name.WriteString(strconv.Itoa(s.Index))
			name.WriteByte(']')
			continue
		}
		if i > 0 {
			name.WriteByte('.')
		}
		name.WriteString(s.Name)
	}
	c := column{name: name.String()}
	// DynamoDB returns a nested path under a key made of one of its field
	// names with the list indexes that follow it, holding the rest of the
	// path as a sub-document: SELECT m.y[2].z returns "y[2]": {"z": ...}.
	// Try the second field first (what DynamoDB does), then the others.
	var starts []int
	for i, s := range p.Segments {
		if !s.IsIndex && i > 0 {
			starts = append(starts, i)
			break
		}
	}
	for i := len(p.Segments) - 1; i >= 0; i-- {
		if !p.Segments[i].IsIndex && (len(starts) == 0 || i != starts[0]) {
			starts = append(starts, i)
		}
	}
	for _, i := range starts {
		var key strings.Builder
		key.WriteString(p.Segments[i].Name)
		j := i + 1
		for ; j < len(p.Segments) && p.Segments[j].IsIndex; j++ {
			key.WriteByte('[')
			key.WriteString(strconv.Itoa(p.Segments[j].Index))
			key.WriteByte(']')
		}
		c.nested = append(c.nested, nestedKey{key: key.String(), rest: p.Segments[j:]})
	}
	return c
}

// nestedKey is one way DynamoDB may return a nested path: under key, with
// the rest of the path inside.
type nestedKey struct {
	key  string
	rest []partiql.Segment
}

// lookup finds the column's value in an item.
func (c *column) lookup(item map[string]types.AttributeValue) (types.AttributeValue, bool) {
	if c.nested == nil {
		av, ok := item[c.key]
		return av, ok
	}
	for _, n := range c.nested {
		av, ok := item[n.key]
		if !ok {
			continue
		}
		if av, ok = descend(av, n.rest); ok {
			return av, true
		}
	}
	return nil, false
}

func descend(av types.AttributeValue, path []partiql.Segment) (types.AttributeValue, bool) {
	for _, s := range path {
		if s.IsIndex {
			l, ok := av.(*types.AttributeValueMemberL)
			if !ok || s.Index < 0 || s.Index >= len(l.Value) {
				return nil, false
			}
			av = l.Value[s.Index]
			continue
		}
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok {
			return nil, false
		}
		if av, ok = m.Value[s.Name]; !ok {
			return nil, false
		}
	}
	return av, true
}
