package dynamosql

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/decimal"
	"github.com/dynamosql/dynamosql/internal/itemkey"
	"github.com/dynamosql/dynamosql/internal/partiql"
	"github.com/dynamosql/dynamosql/internal/planner"
)

// COUNT(*) without moving items: when the WHERE clause of a COUNT(*) can
// be written exactly as a DynamoDB key condition and filter, the count is
// a Query (or, without a partition key condition, a Scan) with
// Select=COUNT: DynamoDB counts the matching items of each page and sends
// the number, not the items. Anything else keeps the PartiQL path
// (countForm in rewrite.go, countRows in rows.go), which reads the key
// attributes of every matching item. Both read (and are billed for) the
// same items; the first moves a few bytes per page instead of every key.
// The plan (plan.go) is the same for both: the index chosen, the access
// path and the scan policy (a count over a whole table is a scan).

// MaxCountSegments bounds the parallel Scan segments of a COUNT(*) over a
// whole table or index (CountSegments, count_segments).
const MaxCountSegments = 64

// maxExpression is DynamoDB's limit on the length of an expression.
const maxExpression = 4096

// maxInValues is DynamoDB's limit on the values of an IN in a condition.
const maxInValues = 100

// CountSegments makes a SELECT COUNT(*) that reads a whole table or index
// (a scan: no partition key condition) read it as n parallel Scan
// segments (1 to MaxCountSegments), n requests in flight at once. It
// changes nothing for a count with a partition key condition (a Query) or
// one the driver counts from PartiQL pages (see docs/sql.md). The DSN key
// count_segments (Config.CountSegments) sets it for every statement.
func CountSegments(n int) Option {
	return optionFunc(func(o *stmtOptions) error {
		if n < 1 || n > MaxCountSegments {
			return fmt.Errorf("%w: CountSegments(%d): the number of segments must be between 1 and %d", ErrBadOption, n, MaxCountSegments)
		}
		o.countSegments = n
		return nil
	})
}

// countRequest is a COUNT(*) as DynamoDB requests with Select=COUNT: a
// Query per partition key value, or a Scan in segments.
type countRequest struct {
	table, index string
	consistent   bool
	limit        *int32
	keyCond      string // "" for a Scan
	filter       string // "" for none
	names        map[string]string
	values       map[string]types.AttributeValue
	// pks are the partition key values of a Query, one Query each (IN),
	// sent as pkValue.
	pks      []types.AttributeValue
	segments int
}

// describe says, for Explain, what the count sends.
func (req *countRequest) describe() string {
	var s string
	switch {
	case req.keyCond != "" && len(req.pks) > 1:
		s = fmt.Sprintf("COUNT(*): %d Queries (one per partition key value) with Select=COUNT, key condition %s", len(req.pks), req.keyCond)
	case req.keyCond != "":
		s = "COUNT(*): Query with Select=COUNT, key condition " + req.keyCond
	case req.segments > 1:
		s = fmt.Sprintf("COUNT(*): Scan with Select=COUNT in %d parallel segments", req.segments)
	default:
		s = "COUNT(*): Scan with Select=COUNT"
	}
	if req.filter != "" {
		s += ", filter " + req.filter
	}
	return s + "; DynamoDB sends the count, not the items"
}

// pkValue is the expression attribute value of a Query's partition key.
const pkValue = ":pk"

// countNative counts p's items with Select=COUNT when its WHERE clause
// can be expressed exactly as a key condition and filter. ok is false
// when it cannot: the caller then counts PartiQL pages.
func (c *conn) countNative(ctx context.Context, p *prepared) (n int64, ok bool, err error) {
	req, ok := c.countRequestOf(ctx, p)
	if !ok {
		return 0, false, nil
	}
	n, pages, err := req.run(ctx, c)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return 0, true, ctxErr
		}
		if isNotFound(err) || isIndexError(err) {
			c.c.catalog.Invalidate(req.table)
		}
		return 0, true, err
	}
	if pos := p.opts.position; pos != nil {
		pos.Pages += int(pages)
		pos.Done, pos.NextToken = true, ""
	}
	return n, true, nil
}

// countRequestOf builds the Select=COUNT request of p, a COUNT(*)'s key
// SELECT after planning, or reports false.
func (c *conn) countRequestOf(ctx context.Context, p *prepared) (*countRequest, bool) {
	pl := p.plan
	if pl == nil || p.opts.startToken != nil || p.form == nil {
		// No plan (no metadata, a table DynamoDB will say is missing),
		// or a PartiQL NextToken to resume from: PartiQL pages only.
		return nil, false
	}
	stmt := p.form.sel
	if pl.Rewritten {
		stmt = pl.Stmt
	}
	if stmt == nil || pl.Access == AccessUnknown {
		return nil, false
	}
	t, err := c.c.catalog.Table(ctx, pl.Table)
	if err != nil {
		return nil, false
	}
	key := t.Key
	if pl.Index != "" {
		ix := t.Index(pl.Index)
		if ix == nil {
			return nil, false
		}
		key = ix.Key
	}
	params := partiql.Params(stmt)
	if len(params) != len(p.params) {
		return nil, false
	}
	b := exprBuilder{args: make(map[*partiql.Param]types.AttributeValue, len(params))}
	for i, x := range params {
		b.args[x] = p.params[i]
	}
	req := &countRequest{table: pl.Table, index: pl.Index, consistent: p.consistent, segments: 1}
	if p.opts.pageSize > 0 {
		req.limit = aws.Int32(p.opts.pageSize)
	}
	if pl.Access == AccessScan {
		if stmt.Where != nil {
			var ok bool
			if req.filter, ok = b.cond(stmt.Where); !ok {
				return nil, false
			}
		}
		req.segments = max(p.opts.countSegments, c.c.cfg.CountSegments, 1)
	} else if !req.keyConditions(&b, stmt.Where, t, key) {
		return nil, false
	}
	if len(req.keyCond) > maxExpression || len(req.filter) > maxExpression {
		return nil, false
	}
	req.names, req.values = b.names, b.values
	return req, true
}

// keyConditions splits where into the Query's key condition (= or IN on
// the partition key of key, at most one condition on its sort key) and
// its filter. It reports false when the split is not exact: a value of
// another type than the key attribute's, another condition on a key
// attribute (DynamoDB refuses key attributes in a Query's filter).
func (req *countRequest) keyConditions(b *exprBuilder, where partiql.Expr, t *indexhint.Table, key indexhint.KeySchema) bool {
	conj, conds := planner.SplitWhere(where)
	pk := -1 // = first, then IN, as the planner chooses
	for _, op := range []string{planner.OpEq, planner.OpIn} {
		for i, k := range conds {
			if pk < 0 && k.Attr == key.PartitionKey && k.Op == op {
				pk = i
			}
		}
	}
	if pk < 0 {
		return false
	}
	pkAt, skAt := conds[pk].At, -1
	seen := make(map[string]bool)
	for _, v := range conds[pk].Values {
		av, ok := b.arg(v)
		if !ok || typeName(av) != t.AttributeTypes[key.PartitionKey] {
			return false
		}
		kb, _ := itemkey.Append(nil, av)
		if !seen[string(kb)] { // IN [a, a] reads the partition once
			seen[string(kb)] = true
			req.pks = append(req.pks, av)
		}
	}
	var kc strings.Builder
	kc.WriteString(b.name(key.PartitionKey))
	kc.WriteString(" = " + pkValue)
	if key.SortKey != "" {
		for _, k := range conds {
			if k.Attr != key.SortKey || k.Op == planner.OpIn {
				continue
			}
			text, ok := b.sortKeyCond(k, t.AttributeTypes[k.Attr])
			if !ok {
				return false
			}
			kc.WriteString(" AND " + text)
			skAt = k.At
			break
		}
	}
	req.keyCond = kc.String()
	keys := map[string]bool{key.PartitionKey: true, key.SortKey: true, t.Key.PartitionKey: true, t.Key.SortKey: true}
	var filter []string
	for i, x := range conj {
		if i == pkAt || i == skAt {
			continue
		}
		if usesAny(x, keys) {
			return false
		}
		text, ok := b.cond(x)
		if !ok {
			return false
		}
		filter = append(filter, text)
	}
	req.filter = joinCond(filter, " AND ")
	return true
}

// usesAny reports whether e uses one of the top-level attributes.
func usesAny(e partiql.Expr, attrs map[string]bool) bool {
	found := false
	partiql.Walk(e, func(x partiql.Expr) bool {
		if p, ok := x.(*partiql.Path); ok && attrs[p.Root()] {
			found = true
		}
		return !found
	})
	return found
}

// sortKeyCond writes k, a condition on the sort key of type typ, as a key
// condition, or reports false.
func (b *exprBuilder) sortKeyCond(k planner.KeyCond, typ string) (string, bool) {
	vals := make([]types.AttributeValue, len(k.Values))
	for i, v := range k.Values {
		av, ok := b.arg(v)
		if !ok || typeName(av) != typ {
			return "", false
		}
		vals[i] = av
	}
	name := b.name(k.Attr)
	switch k.Op {
	case planner.OpEq, planner.OpLt, planner.OpLe, planner.OpGt, planner.OpGe:
		return name + " " + k.Op + " " + b.value(vals[0]), true
	case planner.OpBetween:
		// Bounds out of order: DynamoDB refuses the BETWEEN, in PartiQL
		// as here.
		return name + " BETWEEN " + b.value(vals[0]) + " AND " + b.value(vals[1]), true
	case planner.OpBeginsWith:
		if typ != "S" && typ != "B" {
			return "", false
		}
		return "begins_with(" + name + ", " + b.value(vals[0]) + ")", true
	}
	return "", false
}

// exprBuilder writes PartiQL conditions as DynamoDB condition expressions,
// with every attribute name and value as a placeholder.
type exprBuilder struct {
	args   map[*partiql.Param]types.AttributeValue
	names  map[string]string // placeholder -> attribute name
	byName map[string]string // attribute name -> placeholder
	values map[string]types.AttributeValue
}

// name returns the placeholder of an attribute name.
func (b *exprBuilder) name(n string) string {
	if p, ok := b.byName[n]; ok {
		return p
	}
	if b.names == nil {
		b.names, b.byName = make(map[string]string), make(map[string]string)
	}
	p := "#n" + strconv.Itoa(len(b.names))
	b.names[p], b.byName[n] = n, p
	return p
}

// value returns a new placeholder for av.
func (b *exprBuilder) value(av types.AttributeValue) string {
	if b.values == nil {
		b.values = make(map[string]types.AttributeValue)
	}
	p := ":v" + strconv.Itoa(len(b.values))
	b.values[p] = av
	return p
}

// arg returns the value of e, a parameter or a string, number or boolean
// literal; false for anything else (NULL and MISSING compare otherwise in
// PartiQL than in a condition expression).
func (b *exprBuilder) arg(e partiql.Expr) (types.AttributeValue, bool) {
	switch x := e.(type) {
	case *partiql.Param:
		av, ok := b.args[x]
		return av, ok && av != nil
	case *partiql.String:
		return &types.AttributeValueMemberS{Value: x.Value}, true
	case *partiql.Number:
		if decimal.Check(x.Text) != nil {
			return nil, false
		}
		return &types.AttributeValueMemberN{Value: x.Text}, true
	case *partiql.Bool:
		return &types.AttributeValueMemberBOOL{Value: x.Value}, true
	}
	return nil, false
}

// path writes a document path: #n0.#n1[2].
func (b *exprBuilder) path(p *partiql.Path) string {
	var s strings.Builder
	for i, seg := range p.Segments {
		switch {
		case seg.IsIndex:
			s.WriteString("[" + strconv.Itoa(seg.Index) + "]")
		default:
			if i > 0 {
				s.WriteByte('.')
			}
			s.WriteString(b.name(seg.Name))
		}
	}
	return s.String()
}

// operand writes an operand of a comparison: a path, size(path), or a
// value.
func (b *exprBuilder) operand(e partiql.Expr) (text string, isPath, ok bool) {
	switch x := e.(type) {
	case *partiql.Path:
		return b.path(x), true, true
	case *partiql.Call:
		if x.Name == "size" && len(x.Args) == 1 {
			if p, ok := x.Args[0].(*partiql.Path); ok {
				return "size(" + b.path(p) + ")", true, true
			}
		}
		return "", false, false
	}
	av, ok := b.arg(e)
	if !ok {
		return "", false, false
	}
	return b.value(av), false, true
}

// cond writes a condition, or reports false for one the driver cannot
// write exactly.
func (b *exprBuilder) cond(e partiql.Expr) (string, bool) {
	switch x := e.(type) {
	case *partiql.Binary:
		switch {
		case x.Op == partiql.OpAnd || x.Op == partiql.OpOr:
			l, ok := b.cond(x.L)
			if !ok {
				return "", false
			}
			r, ok := b.cond(x.R)
			if !ok {
				return "", false
			}
			return "(" + l + ") " + string(x.Op) + " (" + r + ")", true
		case x.Op.IsComparison():
			l, lp, ok := b.operand(x.L)
			if !ok {
				return "", false
			}
			r, rp, ok := b.operand(x.R)
			if !ok || !lp && !rp {
				return "", false
			}
			return l + " " + string(x.Op) + " " + r, true
		}
	case *partiql.In:
		p, ok := x.X.(*partiql.Path)
		if !ok || len(x.List) == 0 || len(x.List) > maxInValues {
			return "", false
		}
		vals := make([]string, len(x.List))
		for i, v := range x.List {
			av, ok := b.arg(v)
			if !ok {
				return "", false
			}
			vals[i] = b.value(av)
		}
		s := b.path(p) + " IN (" + strings.Join(vals, ", ") + ")"
		if x.Not {
			return "", false
		}
		return s, true
	case *partiql.Between:
		if x.Not {
			return "", false
		}
		v, isPath, ok := b.operand(x.X)
		if !ok || !isPath {
			return "", false
		}
		lo, _, ok := b.operand(x.Lo)
		if !ok {
			return "", false
		}
		hi, _, ok := b.operand(x.Hi)
		if !ok {
			return "", false
		}
		// DynamoDB refuses bounds out of order, in PartiQL as here.
		return v + " BETWEEN " + lo + " AND " + hi, true
	case *partiql.Is:
		p, ok := x.X.(*partiql.Path)
		if !ok || x.What != partiql.WhatMissing {
			return "", false
		}
		if x.Not {
			return "attribute_exists(" + b.path(p) + ")", true
		}
		return "attribute_not_exists(" + b.path(p) + ")", true
	case *partiql.Call:
		switch x.Name {
		case "begins_with", "contains", "attribute_type":
			if len(x.Args) != 2 {
				return "", false
			}
			p, ok := x.Args[0].(*partiql.Path)
			if !ok {
				return "", false
			}
			av, ok := b.arg(x.Args[1])
			if !ok {
				return "", false
			}
			return x.Name + "(" + b.path(p) + ", " + b.value(av) + ")", true
		}
	}
	return "", false
}

// joinCond joins conditions, each in parentheses.
func joinCond(conds []string, op string) string {
	switch len(conds) {
	case 0:
		return ""
	case 1:
		return conds[0]
	}
	return "(" + strings.Join(conds, ")"+op+"(") + ")"
}

// run sends the requests and adds up the counts. It returns the count
// and the number of requests (pages) sent.
func (req *countRequest) run(ctx context.Context, c *conn) (n, pages int64, err error) {
	if req.keyCond != "" {
		for _, pk := range req.pks {
			k, p, err := req.query(ctx, c, pk)
			n, pages = n+k, pages+p
			if err != nil {
				return 0, pages, err
			}
		}
		return n, pages, nil
	}
	if req.segments <= 1 {
		return req.scan(ctx, c, 0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var total, sent atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for seg := range req.segments {
		wg.Go(func() {
			k, p, err := req.scan(ctx, c, seg)
			total.Add(k)
			sent.Add(p)
			if err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	if first != nil {
		return 0, sent.Load(), first
	}
	return total.Load(), sent.Load(), nil
}

// query counts the items of one partition key value, page by page.
func (req *countRequest) query(ctx context.Context, c *conn, pk types.AttributeValue) (n, pages int64, err error) {
	values := make(map[string]types.AttributeValue, len(req.values)+1)
	for k, v := range req.values {
		values[k] = v
	}
	values[pkValue] = pk
	in := &dynamodb.QueryInput{
		TableName:                 &req.table,
		Select:                    types.SelectCount,
		KeyConditionExpression:    &req.keyCond,
		ExpressionAttributeNames:  req.names,
		ExpressionAttributeValues: values,
		ConsistentRead:            aws.Bool(req.consistent),
		Limit:                     req.limit,
	}
	if req.index != "" {
		in.IndexName = &req.index
	}
	if req.filter != "" {
		in.FilterExpression = &req.filter
	}
	return countPages(ctx, c, "Query", func(ctx context.Context, start map[string]types.AttributeValue) (int32, map[string]types.AttributeValue, error) {
		in.ExclusiveStartKey = start
		out, err := c.c.client.Query(ctx, in, c.c.obs.option)
		if err != nil {
			return 0, nil, err
		}
		return out.Count, out.LastEvaluatedKey, nil
	})
}

// scan counts the items of one segment (of req.segments), page by page.
func (req *countRequest) scan(ctx context.Context, c *conn, segment int) (n, pages int64, err error) {
	in := &dynamodb.ScanInput{
		TableName:                 &req.table,
		Select:                    types.SelectCount,
		ExpressionAttributeNames:  req.names,
		ExpressionAttributeValues: req.values,
		ConsistentRead:            aws.Bool(req.consistent),
		Limit:                     req.limit,
	}
	if req.index != "" {
		in.IndexName = &req.index
	}
	if req.filter != "" {
		in.FilterExpression = &req.filter
	}
	if req.segments > 1 {
		in.Segment, in.TotalSegments = aws.Int32(int32(segment)), aws.Int32(int32(req.segments))
	}
	return countPages(ctx, c, "Scan", func(ctx context.Context, start map[string]types.AttributeValue) (int32, map[string]types.AttributeValue, error) {
		in.ExclusiveStartKey = start
		out, err := c.c.client.Scan(ctx, in, c.c.obs.option)
		if err != nil {
			return 0, nil, err
		}
		return out.Count, out.LastEvaluatedKey, nil
	})
}

// countPages adds up the counts of the pages of a Query or Scan (op):
// page sends the page that starts at start (nil for the first) and returns
// its count and LastEvaluatedKey. It returns the count and the number of
// pages (requests).
func countPages(ctx context.Context, c *conn, op string, page func(ctx context.Context, start map[string]types.AttributeValue) (int32, map[string]types.AttributeValue, error)) (n, pages int64, err error) {
	var start map[string]types.AttributeValue
	for {
		var count int32
		var next map[string]types.AttributeValue
		err := c.readCall(ctx, func(ctx context.Context) (err error) {
			count, next, err = page(ctx, start)
			return err
		})
		if err != nil {
			return n, pages, wrapErr(op, err)
		}
		pages++
		n += int64(count)
		if len(next) == 0 {
			return n, pages, nil
		}
		start = next
	}
}
