package mapper

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"iter"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/pagination"
)

// defaultPageSize is the DynamoDB Limit of each request of Find.
const defaultPageSize = 1000

// scan reads the current row of a SELECT * into a T: each column is an
// attribute, rebuilt exactly as DynamoDB returned it (through
// dynamosql.Document into a dynamosql.Raw), NULL columns (attributes the
// item lacks) left out, then unmarshalled with attributevalue. It also
// returns the item.
func (r *Repository[T]) scan(rows *sql.Rows, cols []string) (T, map[string]types.AttributeValue, error) {
	var v T
	raws := make([]dynamosql.Raw, len(cols))
	dest := make([]any, len(cols))
	for i := range raws {
		dest[i] = dynamosql.Document(&raws[i])
	}
	if err := rows.Scan(dest...); err != nil {
		return v, nil, fmt.Errorf("mapper: %s: %w", r.m.Entity, err)
	}
	it := make(map[string]types.AttributeValue, len(cols))
	for i, c := range cols {
		av := raws[i].AV
		if n, ok := av.(*types.AttributeValueMemberNULL); av == nil || ok && n.Value {
			continue
		}
		it[c] = av
	}
	if err := r.m.unmarshal(it, &v); err != nil {
		return v, nil, err
	}
	return v, it, nil
}

// complete reports whether cols (the columns of a SELECT *, named after
// the attributes of the first page's items) include every attribute of
// the entity. The driver fixes a result's columns on its first page; when
// they are complete, later pages lose nothing the entity can hold.
func (r *Repository[T]) complete(cols []string) bool {
	for _, a := range r.m.Attributes {
		if !slices.Contains(cols, a.Name) {
			return false
		}
	}
	return true
}

// orderCheck verifies that rows come in their ORDER BY order. DynamoDB
// Local (3.3) applies ORDER BY ... DESC to each page on its own while the
// pages themselves advance in ascending order (with a Limit, and beyond
// 1 MB without one): a descending result longer than a page would come out
// scrambled. The mapper reads descending results without a Limit, which
// keeps results of up to one page right, and this check turns a larger
// scrambled result into an error instead of a wrong order.
type orderCheck struct {
	attr string
	desc bool
	prev types.AttributeValue
}

func (c *orderCheck) next(it map[string]types.AttributeValue) error {
	if c == nil || c.attr == "" {
		return nil
	}
	cur := it[c.attr]
	if cur == nil {
		return nil
	}
	if c.prev != nil {
		cmp := compareAV(c.prev, cur)
		if c.desc && cmp < 0 || !c.desc && cmp > 0 {
			dir := "ASC"
			if c.desc {
				dir = "DESC"
			}
			return fmt.Errorf("mapper: DynamoDB returned the rows of ORDER BY %s %s out of order across pages (%s after %s): DynamoDB Local orders each page of a descending query on its own; narrow the query so that its result fits in one 1 MB page, or sort ascending",
				quoteName(c.attr), dir, formatKey([]types.AttributeValue{cur}), formatKey([]types.AttributeValue{c.prev}))
		}
	}
	c.prev = cur
	return nil
}

// compareAV compares two key values of the same type: strings and
// binaries byte by byte, numbers by value.
func compareAV(a, b types.AttributeValue) int {
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		if y, ok := b.(*types.AttributeValueMemberS); ok {
			return strings.Compare(x.Value, y.Value)
		}
	case *types.AttributeValueMemberB:
		if y, ok := b.(*types.AttributeValueMemberB); ok {
			return bytes.Compare(x.Value, y.Value)
		}
	case *types.AttributeValueMemberN:
		if y, ok := b.(*types.AttributeValueMemberN); ok {
			rx, ok1 := new(big.Rat).SetString(x.Value)
			ry, ok2 := new(big.Rat).SetString(y.Value)
			if ok1 && ok2 {
				return rx.Cmp(ry)
			}
		}
	}
	return 0
}

// read describes one read of a query's result.
type read struct {
	plan       *selectPlan
	token      string // where to start ("" at the beginning)
	limit      int    // items per request (DynamoDB's Limit), 0 for none
	onePage    bool   // stop after one DynamoDB page (MaxPages(1))
	consistent bool
	allowScan  bool
	order      *orderCheck
}

// page reads the result from rd.token, passing each row and its item to emit (false
// stops). It returns where to resume ("" at the end) and whether emit
// stopped it.
//
// SELECT * names its columns after the first page's items. When those
// columns miss attributes of the entity, a later page's items could lose
// them, so the read stops at the first page boundary and returns that
// page's token: the caller resumes there with a new statement, whose
// columns come from that page. The price is one page read twice at each
// such boundary; entities whose items all carry all attributes never pay
// it.
//
// Descending reads send no Limit (see orderCheck).
func (r *Repository[T]) page(ctx context.Context, rd read, emit func(T, map[string]types.AttributeValue) bool) (next string, stopped bool, err error) {
	var pos dynamosql.Position
	s := rd.plan.s
	args := slices.Clip(s.args)
	// The mapper chose the table or index itself: the driver sends the
	// statement as written (its scan policy still applies). The items'
	// composite attributes come back too: the order check and the cursors
	// read them.
	args = append(args, dynamosql.Track(&pos), dynamosql.NoIndexHint(), dynamosql.CompositeColumns())
	if rd.allowScan {
		args = append(args, dynamosql.AllowScan())
	}
	if rd.limit > 0 && !rd.plan.desc {
		args = append(args, dynamosql.PageSize(min(rd.limit, 10000)))
	}
	if rd.onePage {
		args = append(args, dynamosql.MaxPages(1))
	}
	if rd.token != "" {
		args = append(args, dynamosql.StartToken(rd.token))
	}
	if rd.consistent || r.opts.ConsistentRead {
		args = append(args, dynamosql.ConsistentRead())
	}
	rows, err := r.querier(ctx).QueryContext(ctx, s.String(), args...)
	if err != nil {
		return "", false, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", false, err
	}
	complete := r.complete(cols)
	pages, firstNext := pos.Pages, pos.NextToken
	for rows.Next() {
		if !complete && pos.Pages != pages {
			// This row comes from a later page, read with the first
			// page's columns: resume at that page instead.
			return firstNext, false, rows.Close()
		}
		v, it, err := r.scan(rows, cols)
		if err != nil {
			return "", false, err
		}
		if err := rd.order.next(it); err != nil {
			return "", false, err
		}
		if !emit(v, it) {
			return "", true, rows.Close()
		}
	}
	if err := rows.Err(); err != nil {
		return "", false, err
	}
	if pos.Done {
		return "", false, nil
	}
	return pos.NextToken, false, nil
}

// Find returns the items q selects, in order, read lazily page by page
// (memory stays one DynamoDB page). Iteration stops at the first error,
// which is yielded with a zero T. Each request reads at most
// RepositoryOptions.PageSize items (descending queries read whole 1 MB
// pages, see FindPage). A query that has no condition on the partition
// key of the table or of an index scans the whole table.
//
// Do not write through the same *sql.DB from inside the loop when it
// allows a single connection (SetMaxOpenConns(1)): the open result holds
// it.
func (r *Repository[T]) Find(ctx context.Context, q Query) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		plan, err := r.m.selectStatement(q)
		if err != nil {
			yield(zero, err)
			return
		}
		size := r.opts.PageSize
		if size == 0 {
			size = defaultPageSize
		}
		rd := read{plan: plan, limit: size, consistent: q.ConsistentRead, allowScan: q.AllowScan,
			order: &orderCheck{attr: plan.sortAttr, desc: plan.desc}}
		for {
			next, stopped, err := r.page(ctx, rd, func(v T, _ map[string]types.AttributeValue) bool { return yield(v, nil) })
			if err != nil {
				yield(zero, fmt.Errorf("mapper: Find %s: %w", r.m.Entity, err))
				return
			}
			if stopped || next == "" {
				return
			}
			rd.token = next
		}
	}
}

// FindAll returns all the items q selects (see Find) in a slice. A zero
// Query reads the whole table (set AllowScan under the driver's
// scan=deny policy).
func (r *Repository[T]) FindAll(ctx context.Context, q Query) ([]T, error) {
	var out []T
	for v, err := range r.Find(ctx, q) {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// FindPage returns the page p asks for of the items q selects, through
// pagination.PaginateCarrying: exactly p.Size items unless the result
// ends (or the read budget runs out: a partial page, see
// pagination.Budget), HasNext only when another item exists, NextCursor
// signed and bound to the query. p.Sort, when set, replaces q.Sort; a
// sort no index can give is a *pagination.ParamError for "sort" (HTTP 400
// through pagination.WriteError), as are bad page, size and cursor values.
// Paging options (signer, boundary cache, limits, budget) come from
// RepositoryOptions.Paging and p.Budget.
//
// Each read is one DynamoDB request resumed at a NextToken
// (dynamosql.StartToken, MaxPages(1), Track). Ascending reads set
// DynamoDB's Limit (PageSize) to what the page still needs plus one item:
// the item beyond the page decides HasNext and travels in NextCursor, so a
// page reached by cursor usually costs one request. With a filter, reads
// are sized by the fraction of items that matched so far, and grow
// fourfold after a read that matched nothing, up to DynamoDB's 1 MB page
// (see docs/pagination.md for the cost model). Descending
// reads send no Limit, because DynamoDB Local (3.3) applies ORDER BY DESC
// to each Limit-sized page separately and would return the pages out of
// order: each read then returns a whole DynamoDB page (up to 1 MB) and
// Paginate keeps only what the page needs. When a descending result is
// longer than one DynamoDB page, DynamoDB Local returns its pages in the
// wrong order: the first page served may hold wrong items, and the first
// read that crosses a DynamoDB page boundary fails with an error (see
// orderCheck) rather than return more of them.
func (r *Repository[T]) FindPage(ctx context.Context, q Query, p pagination.Pageable) (pagination.Page[T], error) {
	if len(p.Sort) > 0 {
		q.Sort = p.Sort
	}
	plan, err := r.m.selectStatement(q)
	if err != nil {
		return pagination.Page[T]{}, err
	}
	opts := r.opts.Paging
	opts.Fingerprint = fingerprint(plan.s, q.ConsistentRead)
	// One order check across the reads of this call: they advance
	// through the result, except when Paginate reads a page again.
	order := &orderCheck{attr: plan.sortAttr, desc: plan.desc}
	var lastToken *string
	fetch := func(ctx context.Context, token string, limit int) ([]pageRow[T], string, error) {
		if lastToken != nil && *lastToken == token {
			order.prev = nil
		}
		lastToken = &token
		var rows []pageRow[T]
		// One DynamoDB request per read, as Paginate expects: it sizes
		// limit and reads again when a filter left the page short.
		rd := read{plan: plan, token: token, limit: limit, onePage: true, consistent: q.ConsistentRead, allowScan: q.AllowScan,
			order: order}
		next, _, err := r.page(ctx, rd, func(v T, it map[string]types.AttributeValue) bool {
			rows = append(rows, pageRow[T]{v: v, it: it})
			return true
		})
		if err != nil {
			return nil, "", fmt.Errorf("mapper: FindPage %s: %w", r.m.Entity, err)
		}
		return rows, next, nil
	}
	page, err := pagination.PaginateCarrying(ctx, fetch, newRowCodec[T](r.m), p, opts)
	if err != nil {
		return pagination.Page[T]{}, err
	}
	out := pagination.Page[T]{Page: page.Page, Size: page.Size, NumberOfElements: page.NumberOfElements,
		HasNext: page.HasNext, NextCursor: page.NextCursor, Offset: page.Offset, Partial: page.Partial,
		Content: make([]T, len(page.Content))}
	for i, row := range page.Content {
		out.Content[i] = row.v
	}
	return out, nil
}

// fingerprint identifies a query for cursors: its statement and its
// parameters, each written with its type.
func fingerprint(s *statement, consistent bool) []byte {
	parts := []string{"mapper/v1", s.String(), fmt.Sprint(consistent)}
	for _, a := range s.args {
		var b strings.Builder
		writeAV(&b, a.(types.AttributeValue))
		parts = append(parts, b.String())
	}
	return pagination.Fingerprint(parts...)
}

// writeAV writes an attribute value unambiguously (type, lengths).
func writeAV(b *strings.Builder, av types.AttributeValue) {
	str := func(tag, s string) { // tag, len(s), ':', s
		b.WriteString(tag)
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		str("S", v.Value)
	case *types.AttributeValueMemberN:
		str("N", v.Value)
	case *types.AttributeValueMemberB:
		str("B", string(v.Value))
	case *types.AttributeValueMemberBOOL:
		fmt.Fprintf(b, "BOOL%t", v.Value)
	case *types.AttributeValueMemberNULL:
		b.WriteString("NULL")
	case *types.AttributeValueMemberSS:
		fmt.Fprintf(b, "SS%d[", len(v.Value))
		for _, x := range v.Value {
			str("", x)
		}
		b.WriteString("]")
	case *types.AttributeValueMemberNS:
		fmt.Fprintf(b, "NS%d[", len(v.Value))
		for _, x := range v.Value {
			str("", x)
		}
		b.WriteString("]")
	case *types.AttributeValueMemberBS:
		fmt.Fprintf(b, "BS%d[", len(v.Value))
		for _, x := range v.Value {
			str("", string(x))
		}
		b.WriteString("]")
	case *types.AttributeValueMemberL:
		fmt.Fprintf(b, "L%d[", len(v.Value))
		for _, x := range v.Value {
			writeAV(b, x)
		}
		b.WriteString("]")
	case *types.AttributeValueMemberM:
		keys := make([]string, 0, len(v.Value))
		for k := range v.Value {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(b, "M%d{", len(keys))
		for _, k := range keys {
			str("", k)
			writeAV(b, v.Value[k])
		}
		b.WriteString("}")
	default:
		fmt.Fprintf(b, "%T", av)
	}
}
