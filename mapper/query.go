package mapper

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/pagination"
)

// Cond is a condition on one attribute, for Query.Where and Patch's If.
// Build it with Eq, Ne, Lt, Le, Gt, Ge, Between, BeginsWith, In, Contains,
// Exists or NotExists. Values are converted like the entity stores them
// (a time.Time field's value as its fixed-width text, for example).
type Cond struct {
	attr   string
	op     string
	values []any
}

// Condition operators beyond the comparisons of indexhint.
const (
	opNe        = "<>"
	opIn        = "IN"
	opContains  = "contains"
	opExists    = "IS NOT MISSING"
	opNotExists = "IS MISSING"
)

// Eq is attribute = value.
func Eq(attribute string, value any) Cond { return Cond{attribute, indexhint.OpEq, []any{value}} }

// Ne is attribute <> value.
func Ne(attribute string, value any) Cond { return Cond{attribute, opNe, []any{value}} }

// Lt is attribute < value.
func Lt(attribute string, value any) Cond { return Cond{attribute, indexhint.OpLt, []any{value}} }

// Le is attribute <= value.
func Le(attribute string, value any) Cond { return Cond{attribute, indexhint.OpLe, []any{value}} }

// Gt is attribute > value.
func Gt(attribute string, value any) Cond { return Cond{attribute, indexhint.OpGt, []any{value}} }

// Ge is attribute >= value.
func Ge(attribute string, value any) Cond { return Cond{attribute, indexhint.OpGe, []any{value}} }

// Between is attribute BETWEEN low AND high (inclusive).
func Between(attribute string, low, high any) Cond {
	return Cond{attribute, indexhint.OpBetween, []any{low, high}}
}

// BeginsWith is begins_with(attribute, prefix).
func BeginsWith(attribute string, prefix any) Cond {
	return Cond{attribute, indexhint.OpBeginsWith, []any{prefix}}
}

// In is attribute IN [values...]. On a partition key it makes a query
// read each of the partitions.
func In(attribute string, values ...any) Cond { return Cond{attribute, opIn, values} }

// Contains is contains(attribute, value): a substring of a string, an
// element of a set or list.
func Contains(attribute string, value any) Cond {
	return Cond{attribute, opContains, []any{value}}
}

// Exists is attribute IS NOT MISSING.
func Exists(attribute string) Cond { return Cond{attribute, opExists, nil} }

// NotExists is attribute IS MISSING.
func NotExists(attribute string) Cond { return Cond{attribute, opNotExists, nil} }

// String shows the condition with its values, for messages.
func (c Cond) String() string {
	switch c.op {
	case opExists, opNotExists:
		return c.attr + " " + c.op
	case indexhint.OpBetween:
		return fmt.Sprintf("%s BETWEEN %v AND %v", c.attr, c.values[0], c.values[1])
	case indexhint.OpBeginsWith, opContains:
		return fmt.Sprintf("%s(%s, %v)", c.op, c.attr, c.values[0])
	case opIn:
		return fmt.Sprintf("%s IN %v", c.attr, c.values)
	}
	return fmt.Sprintf("%s %s %v", c.attr, c.op, c.values[0])
}

func (c Cond) check() error {
	if c.attr == "" {
		return fmt.Errorf("mapper: a condition names no attribute")
	}
	want := 1
	switch c.op {
	case opExists, opNotExists:
		want = 0
	case indexhint.OpBetween:
		want = 2
	case opIn:
		if len(c.values) == 0 {
			return fmt.Errorf("mapper: %s IN: no values", c.attr)
		}
		if len(c.values) > 100 {
			return fmt.Errorf("mapper: %s IN: %d values; DynamoDB accepts at most 100", c.attr, len(c.values))
		}
		return nil
	case "":
		return fmt.Errorf("mapper: condition on %q has no operator (build conditions with mapper.Eq, mapper.Lt, ...)", c.attr)
	}
	if len(c.values) != want {
		return fmt.Errorf("mapper: %s %s: %d value(s), want %d", c.attr, c.op, len(c.values), want)
	}
	return nil
}

// Asc returns a sort by the properties in ascending order, for
// Query.Sort.
func Asc(properties ...string) pagination.Sort { return sortBy(pagination.Asc, properties) }

// Desc returns a sort by the properties in descending order, for
// Query.Sort.
func Desc(properties ...string) pagination.Sort { return sortBy(pagination.Desc, properties) }

func sortBy(d pagination.Direction, props []string) pagination.Sort {
	s := make(pagination.Sort, len(props))
	for i, p := range props {
		s[i] = pagination.Order{Property: p, Direction: d}
	}
	return s
}

// Query selects items for Find, FindAll and FindPage.
type Query struct {
	// Index is the secondary index to query. Empty lets the repository
	// choose: the table when Where has = or IN on its partition key,
	// otherwise the first declared index whose partition key (all of its
	// components) has = conditions, preferring one whose sort key matches
	// Sort or has a condition. With none, the table is scanned (the
	// driver's scan policy applies).
	Index string
	// Where lists conditions, all of which must hold. Conditions on the
	// chosen index's key become its key condition (conditions on the
	// components of a composite key become one condition on the
	// composite attribute, equalities on leading components and a range
	// on the next); the others filter.
	Where []Cond
	// Sort orders by the sort key of the chosen index: properties that
	// are its sort key, or leading components of its composite sort key,
	// all in one direction. It needs an = condition on the partition key.
	// FindPage uses the Pageable's Sort when it has one.
	Sort pagination.Sort
	// ConsistentRead asks for a strongly consistent read (not available
	// on global secondary indexes).
	ConsistentRead bool
	// AllowScan lets a query without a partition-key condition read the
	// whole table under the driver's scan=deny policy (and keeps scan=warn
	// from logging it): dynamosql.AllowScan.
	AllowScan bool
}

// target is a table or index to query, with its key.
type target struct {
	index        string // "" for the table
	pkAttr       string
	skAttr       string
	pkComponents []string
	skComponents []string
}

func (m *Metadata) tableTarget() target {
	t := target{pkAttr: m.PartitionKey, skAttr: m.SortKey, pkComponents: []string{m.PartitionKey}}
	if m.SortKey != "" {
		t.skComponents = []string{m.SortKey}
	}
	return t
}

func indexTarget(ix Index) target {
	return target{index: ix.Name, pkAttr: ix.PartitionKey, skAttr: ix.SortKey, pkComponents: ix.PartitionComponents, skComponents: ix.SortComponents}
}

// targets lists the table and its indexes.
func (m *Metadata) targets() []target {
	out := []target{m.tableTarget()}
	for _, ix := range m.Indexes {
		out = append(out, indexTarget(ix))
	}
	return out
}

// condsByAttr indexes conditions by attribute.
func condsByAttr(where []Cond) map[string][]int {
	out := map[string][]int{}
	for i, c := range where {
		out[c.attr] = append(out[c.attr], i)
	}
	return out
}

// hasEq reports whether where has an = (or, when in is true, IN) on attr.
func hasEq(where []Cond, by map[string][]int, attr string, in bool) bool {
	for _, i := range by[attr] {
		if where[i].op == indexhint.OpEq || (in && where[i].op == opIn) {
			return true
		}
	}
	return false
}

// partitionBound reports whether where fixes the target's partition key.
func (t target) partitionBound(where []Cond, by map[string][]int) bool {
	if hasEq(where, by, t.pkAttr, true) {
		return true
	}
	if len(t.pkComponents) < 2 {
		return false
	}
	for _, c := range t.pkComponents {
		if !hasEq(where, by, c, false) {
			return false
		}
	}
	return true
}

// partitionFixed reports whether where fixes the target's partition key
// to one value (=, not IN), as ORDER BY needs.
func (t target) partitionFixed(where []Cond, by map[string][]int) bool {
	if hasEq(where, by, t.pkAttr, false) {
		return true
	}
	return len(t.pkComponents) > 1 && t.partitionBound(where, by)
}

// sortConstrained reports whether where has a condition on the target's
// sort key or its first component.
func (t target) sortConstrained(by map[string][]int) bool {
	if t.skAttr == "" {
		return false
	}
	return len(by[t.skAttr]) > 0 || len(by[t.skComponents[0]]) > 0
}

// sortMatches reports whether the target can order by s: its sort key, or
// leading components of it, one direction.
func (t target) sortMatches(s pagination.Sort) (desc bool, ok bool) {
	if len(s) == 0 {
		return false, true
	}
	if t.skAttr == "" {
		return false, false
	}
	desc = s[0].Direction == pagination.Desc
	for _, o := range s {
		if (o.Direction == pagination.Desc) != desc {
			return false, false
		}
	}
	if len(s) == 1 && s[0].Property == t.skAttr {
		return desc, true
	}
	if len(s) > len(t.skComponents) {
		return false, false
	}
	for i, o := range s {
		if o.Property != t.skComponents[i] {
			return false, false
		}
	}
	return desc, true
}

// sortError explains a sort no candidate can give, as a pagination
// ParamError for the "sort" parameter (an HTTP 400 through the
// middleware).
func (m *Metadata) sortError(s pagination.Sort, msg string) error {
	idx := pagination.SortIndexes(m.SortIndexes())
	var props []string
	for _, p := range idx {
		for _, x := range p {
			if !slices.Contains(props, x) {
				props = append(props, x)
			}
		}
	}
	slices.Sort(props)
	return &pagination.ParamError{
		Parameter: "sort",
		Message:   fmt.Sprintf("cannot sort by %s: %s", s, msg),
		Allowed:   pagination.SortAllowed{Properties: props, Directions: []string{"asc", "desc"}, Indexes: idx},
	}
}

// choose picks the table or index a query reads.
func (m *Metadata) choose(q Query) (target, error) {
	by := condsByAttr(q.Where)
	if q.Index != "" {
		ix, ok := m.Index(q.Index)
		if !ok {
			var names []string
			for _, x := range m.Indexes {
				names = append(names, x.Name)
			}
			return target{}, fmt.Errorf("mapper: %s has no index %q (indexes: %s)", m.Entity, q.Index, strings.Join(names, ", "))
		}
		t := indexTarget(ix)
		if _, ok := t.sortMatches(q.Sort); !ok {
			return target{}, m.sortError(q.Sort, fmt.Sprintf("index %s sorts by %s", ix.Name, describeSortKey(t)))
		}
		if len(q.Sort) > 0 && !t.partitionFixed(q.Where, by) {
			return target{}, m.sortError(q.Sort, fmt.Sprintf("sorting needs a condition = on the partition key of index %s (%s)", ix.Name, strings.Join(t.pkComponents, ", ")))
		}
		return t, nil
	}
	var best *target
	bestScore := -1
	for _, t := range m.targets() {
		if !t.partitionBound(q.Where, by) || len(q.Sort) > 0 && !t.partitionFixed(q.Where, by) {
			continue
		}
		if _, ok := t.sortMatches(q.Sort); !ok {
			continue
		}
		score := 0
		if t.sortConstrained(by) {
			score++
		}
		if t.index == "" {
			score += 2 // the table itself: strongly consistent reads, no index to maintain
		}
		if score > bestScore {
			t := t
			best, bestScore = &t, score
		}
	}
	if best != nil {
		return *best, nil
	}
	if len(q.Sort) > 0 {
		return target{}, m.sortError(q.Sort, "no index that sorts by it has an = condition on its partition key in the query (IN does not allow sorting)")
	}
	return target{pkAttr: m.PartitionKey}, nil // a scan of the table
}

func describeSortKey(t target) string {
	if t.skAttr == "" {
		return "nothing (it has no sort key)"
	}
	return strings.Join(t.skComponents, ", ")
}

// selectPlan is a query's SELECT and how its rows are ordered.
type selectPlan struct {
	s *statement
	// sortAttr is the attribute of the ORDER BY, "" without one.
	sortAttr string
	desc     bool
}

// selectStatement builds the SELECT of a query: SELECT * FROM the target,
// key conditions first, then filters, then ORDER BY.
func (m *Metadata) selectStatement(q Query) (*selectPlan, error) {
	for _, c := range q.Where {
		if err := c.check(); err != nil {
			return nil, err
		}
	}
	t, err := m.choose(q)
	if err != nil {
		return nil, err
	}
	plan := &selectPlan{}
	used := make([]bool, len(q.Where))
	var pkPart, skPart func(*statement) error
	by := condsByAttr(q.Where)

	// Partition key: the attribute's own conditions, or one equality on
	// a composite built from its components.
	if c, ok := m.Composite(t.pkAttr); ok && !hasEq(q.Where, by, t.pkAttr, true) && t.partitionBound(q.Where, by) {
		values := make([]any, len(c.Components))
		for i, comp := range c.Components {
			j := firstEq(q.Where, by, comp)
			values[i] = q.Where[j].values[0]
			used[j] = true
		}
		enc, err := c.Encode(convertAll(m, c.Components, values)...)
		if err != nil {
			return nil, fmt.Errorf("mapper: %s: %w", m.Entity, err)
		}
		pkPart = keyPart(indexhint.KeyCondition{Op: indexhint.OpEq, Values: []string{enc}, Exact: true}, t.pkAttr)
	}
	// Sort key: a composite's conditions come from its components.
	if c, ok := m.Composite(t.skAttr); ok && len(by[t.skAttr]) == 0 {
		kc, consumed, err := m.compositeCondition(c, q.Where, by)
		if err != nil {
			return nil, err
		}
		if kc != nil {
			skPart = keyPart(*kc, t.skAttr)
			for _, j := range consumed {
				used[j] = true
			}
		}
	}
	s := &statement{}
	s.write("SELECT * FROM ", from(m.Table, t.index))
	n := 0
	and := func() {
		if n == 0 {
			s.write(" WHERE ")
		} else {
			s.write(" AND ")
		}
		n++
	}
	// The key condition first (partition key, then sort key), then the
	// filters in the order given.
	var err2 error
	writeKey := func(part func(*statement) error, attr string) {
		if part != nil {
			and()
			if err := part(s); err != nil && err2 == nil {
				err2 = err
			}
			return
		}
		for _, j := range by[attr] {
			if attr != "" && !used[j] {
				and()
				if err := m.writeCond(s, q.Where[j]); err != nil && err2 == nil {
					err2 = err
				}
				used[j] = true
			}
		}
	}
	writeKey(pkPart, t.pkAttr)
	writeKey(skPart, t.skAttr)
	if err2 != nil {
		return nil, err2
	}
	for j := range q.Where {
		if used[j] {
			continue
		}
		and()
		if err := m.writeCond(s, q.Where[j]); err != nil {
			return nil, err
		}
	}
	if len(q.Sort) > 0 {
		desc, _ := t.sortMatches(q.Sort)
		s.write(" ORDER BY ", quoteName(t.skAttr))
		if desc {
			s.write(" DESC")
		} else {
			s.write(" ASC")
		}
		plan.sortAttr, plan.desc = t.skAttr, desc
	}
	plan.s = s
	return plan, nil
}

func firstEq(where []Cond, by map[string][]int, attr string) int {
	for _, j := range by[attr] {
		if where[j].op == indexhint.OpEq {
			return j
		}
	}
	return -1
}

// convertAll converts component values to the Go types of their fields,
// so that the composite encodes them as the entity would.
func convertAll(m *Metadata, components []string, values []any) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
		if _, gv, present, err := m.attrValue(components[i], v); err == nil && present {
			out[i] = gv
		}
	}
	return out
}

// compositeCondition turns conditions on the components of composite c
// into one key condition: equalities on the leading components, then at
// most one range on the next. It returns nil when the first component has
// no usable condition, and the conditions it replaced exactly.
func (m *Metadata) compositeCondition(c indexhint.Composite, where []Cond, by map[string][]int) (*indexhint.KeyCondition, []int, error) {
	var eq []any
	var consumed []int
	k := 0
	for ; k < len(c.Components); k++ {
		j := firstEq(where, by, c.Components[k])
		if j < 0 {
			break
		}
		eq = append(eq, where[j].values[0])
		consumed = append(consumed, j)
	}
	eq = convertAll(m, c.Components[:k], eq)
	op, rangeIdx := "", -1
	var args []any
	if k < len(c.Components) {
		for _, j := range by[c.Components[k]] {
			switch where[j].op {
			case indexhint.OpLt, indexhint.OpLe, indexhint.OpGt, indexhint.OpGe, indexhint.OpBetween:
			case indexhint.OpBeginsWith:
				if kind := c.Kinds[k]; kind != indexhint.KindString && kind != indexhint.KindBytes {
					continue
				}
			default:
				continue
			}
			op, rangeIdx = where[j].op, j
			args = convertAll(m, slices.Repeat([]string{c.Components[k]}, len(where[j].values)), where[j].values)
			break
		}
	}
	if k == 0 && op == "" {
		return nil, nil, nil
	}
	kc, err := c.Condition(eq, op, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("mapper: %s: %w", m.Entity, err)
	}
	if rangeIdx >= 0 && kc.Exact {
		consumed = append(consumed, rangeIdx)
	}
	return &kc, consumed, nil
}

// keyPart writes a key condition on attr.
func keyPart(kc indexhint.KeyCondition, attr string) func(*statement) error {
	return func(s *statement) error {
		str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		switch kc.Op {
		case indexhint.OpBeginsWith:
			s.write("begins_with(", quoteName(attr), ", ")
			s.param(str(kc.Values[0]))
			s.write(")")
		case indexhint.OpBetween:
			s.write(quoteName(attr), " BETWEEN ")
			s.param(str(kc.Values[0]))
			s.write(" AND ")
			s.param(str(kc.Values[1]))
		default:
			s.write(quoteName(attr), " ", kc.Op, " ")
			s.param(str(kc.Values[0]))
		}
		return nil
	}
}

// writeCond writes one condition with its values as parameters.
func (m *Metadata) writeCond(s *statement, c Cond) error {
	values := make([]types.AttributeValue, len(c.values))
	for i, v := range c.values {
		av, _, _, err := m.attrValue(c.attr, v)
		if err != nil {
			return err
		}
		values[i] = av
	}
	q := quoteName(c.attr)
	switch c.op {
	case opExists, opNotExists:
		s.write(q, " ", c.op)
	case indexhint.OpBetween:
		s.write(q, " BETWEEN ")
		s.param(values[0])
		s.write(" AND ")
		s.param(values[1])
	case indexhint.OpBeginsWith, opContains:
		s.write(c.op, "(", q, ", ")
		s.param(values[0])
		s.write(")")
	case opIn:
		s.write(q, " IN [")
		for i, v := range values {
			if i > 0 {
				s.write(", ")
			}
			s.param(v)
		}
		s.write("]")
	default:
		s.write(q, " ", c.op, " ")
		s.param(values[0])
	}
	return nil
}
