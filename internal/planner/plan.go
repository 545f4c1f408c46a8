package planner

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Options are the per-statement settings that change a plan.
type Options struct {
	// Index forces this index (the driver's UseIndex option).
	Index string
	// NoHint sends the statement as written (the driver's NoIndexHint
	// option); it is still classified.
	NoHint bool
	// Consistent marks a strongly consistent read, which DynamoDB refuses
	// on global secondary indexes: they are not chosen.
	Consistent bool
}

// ErrUnknownIndex reports an index the table does not have.
var ErrUnknownIndex = errors.New("indexhint: no such index")

// KeyNeed is a partition key condition that would make a scan a query.
type KeyNeed struct {
	// Index is the index whose partition key it is, "" for the table's.
	Index string
	// Attributes is the partition key attribute, or the components of a
	// composite partition key (each needs =).
	Attributes []string
}

// Plan is the planner's decision for one SELECT text and set of options.
// It does not depend on parameter values: Params applies it to the values
// of each run. A Plan is immutable and safe for concurrent use.
type Plan struct {
	// Table is the table read.
	Table string
	// Index is the index read, "" for the table.
	Index string
	// Access is the access path of the statement sent.
	Access Access
	// Reason says, for people, why.
	Reason string
	// Rewritten reports that the statement to send differs from the one
	// planned.
	Rewritten bool
	// Text is the statement to send when Rewritten (Print of the rewritten
	// statement), "" otherwise.
	Text string
	// Stmt is the statement Text prints when Rewritten, nil otherwise. It
	// is shared: do not change it.
	Stmt *partiql.Select
	// Needs lists, for a scan, the conditions that would make it a query.
	Needs []KeyNeed
	// Indexes names the table's indexes.
	Indexes []string
	// Hints, for a scan, point out likely mistakes in WHERE (hints.go): a
	// double-quoted name meant as a string, a typo of a key attribute.
	Hints []string

	inParams int           // ? in the statement planned
	params   []paramSource // nil when the parameters pass through unchanged
}

// ParamCount returns the number of parameters sent with the statement.
func (p *Plan) ParamCount() int {
	if p.params == nil {
		return p.inParams
	}
	return len(p.params)
}

// Params returns the parameters to send for the values in of the
// statement's ? placeholders (in is returned as is when the plan does not
// change them). It computes composite values from their components.
func (p *Plan) Params(in []types.AttributeValue) ([]types.AttributeValue, error) {
	if len(in) != p.inParams {
		return nil, fmt.Errorf("indexhint: the statement has %d parameter(s), got %d", p.inParams, len(in))
	}
	if p.params == nil {
		return in, nil
	}
	out := make([]types.AttributeValue, len(p.params))
	var last *compositeValue // the values of a condition are consecutive
	var kc KeyCondition
	for i, s := range p.params {
		switch {
		case s.av != nil:
			out[i] = s.av
		case s.comp != nil:
			if s.comp != last {
				var err error
				if kc, err = s.comp.condition(in); err != nil {
					return nil, err
				}
				last = s.comp
			}
			out[i] = &types.AttributeValueMemberS{Value: kc.Values[s.vi]}
		default:
			out[i] = in[s.n]
		}
	}
	return out, nil
}

// paramSource says where one parameter of the statement sent comes from.
type paramSource struct {
	n    int                  // the input parameter, when av and comp are nil
	av   types.AttributeValue // a value computed when planning
	comp *compositeValue      // Values[vi] of a composite condition
	vi   int
}

// target is the table or one of its indexes.
type target struct {
	ix  *Index // nil for the table
	key KeySchema
}

func (t target) String() string {
	switch {
	case t.ix == nil:
		return "the table"
	case t.ix.Global:
		return fmt.Sprintf("global index %q", t.ix.Name)
	default:
		return fmt.Sprintf("local index %q", t.ix.Name)
	}
}

// candidate is what a target would make of a SELECT.
type candidate struct {
	tgt   target
	pk    condKind // condEq, condIn or condNone
	pkCmp *compositeMatch
	sk    int // 0: sort key free; 1: range or begins_with; 2: =
	skCmp *compositeMatch

	orderOK      bool // ORDER BY (if any) is on the target's key
	orderChanged bool // ORDER BY names composite components, replaced
	order        []partiql.OrderItem

	stmt    *partiql.Select
	sources map[*partiql.Param]*paramSource
	changed bool
	needAll bool     // SELECT * on an index that does not project ALL
	missing []string // attributes the index does not project
}

// PlanSelect decides how to run sel on table t, whose composite attributes
// are comps, and rewrites it: the chosen index written into FROM, composite
// components replaced by their composite attribute in WHERE and ORDER BY.
// sel is not changed (it may be shared); a rewrite works on a clone.
//
// The rules: a FROM that names an index is left alone, as is everything
// under NoHint. With = or IN on the table's partition key the table is read,
// or a local index whose sort key WHERE or ORDER BY uses. Otherwise the
// candidates are the global indexes whose partition key has = or IN; one
// whose sort key is constrained, and one that serves ORDER BY, is
// preferred; an index is skipped when it does not project the attributes
// the SELECT returns or uses (SELECT * needs an ALL projection). Anything
// else is a scan.
func PlanSelect(t *Table, comps []Composite, sel *partiql.Select, opts Options) (*Plan, error) {
	p, err := planSelect(t, comps, sel, opts)
	if err == nil && p.Access == AccessScan {
		p.Hints = scanHints(t, comps, sel.Where)
	}
	return p, err
}

func planSelect(t *Table, comps []Composite, sel *partiql.Select, opts Options) (*Plan, error) {
	p := &Plan{Table: sel.Table, Index: sel.Index, inParams: len(partiql.Params(sel))}
	for _, ix := range t.Indexes {
		p.Indexes = append(p.Indexes, ix.Name)
	}
	cmap := make(map[string]*Composite, len(comps))
	for i := range comps {
		cmap[comps[i].Attribute] = &comps[i]
	}
	w := analyzeWhere(sel.Where)

	switch {
	case sel.Index != "":
		if opts.Index != "" && opts.Index != sel.Index {
			return nil, fmt.Errorf("indexhint: UseIndex(%q) contradicts FROM %q.%q: name one index", opts.Index, sel.Table, sel.Index)
		}
		ix := t.Index(sel.Index)
		if ix == nil {
			p.Access = AccessUnknown
			p.Reason = fmt.Sprintf("the statement names index %q, which table %q does not have (%s): sent as written", sel.Index, t.Name, indexList(t))
			return p, nil
		}
		c := evaluate(w, sel, target{ix: ix, key: ix.Key}, nil)
		p.finish(t, c, cmap, fmt.Sprintf("the statement names %s: sent as written", c.tgt))
		return p, nil

	case opts.NoHint:
		c := evaluate(w, sel, target{key: t.Key}, nil)
		p.finish(t, c, cmap, "index hints are off (NoIndexHint): sent as written")
		return p, nil

	case opts.Index != "":
		ix := t.Index(opts.Index)
		if ix == nil {
			return nil, fmt.Errorf("%w: UseIndex(%q): table %q has %s", ErrUnknownIndex, opts.Index, t.Name, indexList(t))
		}
		c := evaluate(w, sel, target{ix: ix, key: ix.Key}, cmap)
		if err := c.rewrite(sel, true); err != nil {
			return nil, err
		}
		c.coverage(t)
		note := fmt.Sprintf("UseIndex(%q)", ix.Name)
		if lack := c.lacks(); lack != "" {
			note += "; beware: " + lack
		}
		p.finish(t, c, cmap, note)
		return p, nil
	}

	// Choose.
	var cands []*candidate
	var notes []string
	tc := evaluate(w, sel, target{key: t.Key}, cmap)
	if tc.pk != condNone {
		cands = append(cands, tc)
		for i := range t.Indexes {
			if ix := &t.Indexes[i]; !ix.Global {
				cands = append(cands, evaluate(w, sel, target{ix: ix, key: ix.Key}, cmap))
			}
		}
	} else {
		for i := range t.Indexes {
			ix := &t.Indexes[i]
			if !ix.Global {
				continue
			}
			c := evaluate(w, sel, target{ix: ix, key: ix.Key}, cmap)
			if c.pk == condNone {
				continue
			}
			if opts.Consistent {
				notes = append(notes, fmt.Sprintf("not %s: DynamoDB has no consistent reads on global indexes", c.tgt))
				continue
			}
			cands = append(cands, c)
		}
	}
	var best *candidate
	for _, c := range cands {
		if c.tgt.ix != nil && c.pk == tc.pk && c.sk == 0 && c.orderOK == tc.orderOK && tc.pk != condNone {
			continue // a local index that adds nothing to the table
		}
		if err := c.rewrite(sel, true); err != nil {
			return nil, err
		}
		c.coverage(t)
		if lack := c.lacks(); lack != "" {
			notes = append(notes, fmt.Sprintf("not %s: %s", c.tgt, lack))
			continue
		}
		if best == nil || better(c, best) {
			best = c
		}
	}
	if best == nil {
		// A scan: the statement is sent as written.
		best = tc
	}
	var why string
	switch {
	case best.tgt.ix == nil:
	case tc.pk != condNone:
		why = "chosen over the table for its sort key"
		if best.orderChanged || !tc.orderOK && best.orderOK {
			why = "chosen over the table: ORDER BY is on its sort key"
		}
	default:
		why = fmt.Sprintf("the table's partition key %q has no = or IN condition", t.Key.PartitionKey)
	}
	if why != "" {
		notes = append([]string{why}, notes...)
	}
	p.finish(t, best, cmap, strings.Join(notes, "; "))
	return p, nil
}

// better reports whether a is a better choice than b.
func better(a, b *candidate) bool {
	if a.orderOK != b.orderOK {
		return a.orderOK
	}
	if a.sk != b.sk {
		return a.sk > b.sk
	}
	if (a.tgt.ix == nil) != (b.tgt.ix == nil) {
		return a.tgt.ix == nil
	}
	if a.pk != b.pk {
		return a.pk == condEq
	}
	return false
}

// evaluate matches the WHERE clause and ORDER BY of sel against tgt's key;
// comps nil means composite attributes are not used.
func evaluate(w *where, sel *partiql.Select, tgt target, comps map[string]*Composite) *candidate {
	c := &candidate{tgt: tgt}
	k := tgt.key
	switch {
	case w.find(k.PartitionKey, condEq) != nil:
		c.pk = condEq
	case w.find(k.PartitionKey, condIn) != nil:
		c.pk = condIn
	default:
		if comp := comps[k.PartitionKey]; comp != nil {
			if m := w.matchComposite(comp); m != nil && m.full() {
				c.pk, c.pkCmp = condEq, m
			}
		}
	}
	if k.SortKey != "" {
		switch {
		case w.find(k.SortKey, condEq) != nil:
			c.sk = 2
		case w.find(k.SortKey, condRange, condBegins) != nil:
			c.sk = 1
		default:
			if comp := comps[k.SortKey]; comp != nil {
				if m := w.matchComposite(comp); m != nil {
					c.skCmp = m
					c.sk = 1
					if m.full() {
						c.sk = 2
					}
				}
			}
		}
	}
	c.order, c.orderChanged, c.orderOK = orderFor(sel.OrderBy, k, comps)
	return c
}

// orderFor maps ORDER BY onto key k: every item must be k's partition or
// sort key, or a run of a composite key attribute's components from its
// first (all in one direction), which becomes the composite attribute.
func orderFor(items []partiql.OrderItem, k KeySchema, comps map[string]*Composite) (out []partiql.OrderItem, changed, ok bool) {
	for i := 0; i < len(items); {
		it := items[i]
		name := it.Path.Name()
		if name == "" {
			return nil, false, false
		}
		if name == k.PartitionKey || name == k.SortKey {
			out = append(out, it)
			i++
			continue
		}
		var comp *Composite
		for _, attr := range []string{k.SortKey, k.PartitionKey} {
			if c := comps[attr]; c != nil && c.Components[0] == name {
				comp = c
				break
			}
		}
		if comp == nil {
			return nil, false, false
		}
		j := 0
		for j < len(comp.Components) && i+j < len(items) &&
			items[i+j].Path.Name() == comp.Components[j] && items[i+j].Desc == it.Desc {
			j++
		}
		out = append(out, partiql.OrderItem{Path: partiql.NewPath(comp.Attribute), Desc: it.Desc})
		changed = true
		i += j
	}
	return out, changed, true
}

// rewrite builds c.stmt from a clone of sel: the index in FROM (when
// setIndex), composite conditions, ORDER BY.
func (c *candidate) rewrite(sel *partiql.Select, setIndex bool) error {
	s := partiql.Clone(sel).(*partiql.Select)
	c.sources = make(map[*partiql.Param]*paramSource)
	if setIndex && c.tgt.ix != nil && s.Index != c.tgt.ix.Name {
		s.Index, s.IndexQuoted, s.TableQuoted = c.tgt.ix.Name, true, true
		c.changed = true
	}
	conj := partiql.Conjuncts(s.Where)
	insert := make(map[int][]partiql.Expr)
	drop := make(map[int]bool)
	for _, m := range []*compositeMatch{c.pkCmp, c.skCmp} {
		if m == nil {
			continue
		}
		v, err := newCompositeValue(m)
		if err != nil {
			return err
		}
		e, params := v.expr()
		var kc KeyCondition
		if v.constant() {
			if kc, err = v.condition(nil); err != nil {
				return err
			}
		}
		for i, p := range params {
			if v.constant() {
				c.sources[p] = &paramSource{av: &types.AttributeValueMemberS{Value: kc.Values[i]}}
			} else {
				c.sources[p] = &paramSource{comp: v, vi: i}
			}
		}
		first := len(conj)
		for _, eq := range m.eqs {
			first = min(first, eq.at)
			if m.exact() {
				drop[eq.at] = true
			}
		}
		if m.rng != nil {
			first = min(first, m.rng.at)
		}
		insert[first] = append(insert[first], e)
		c.changed = true
	}
	if len(insert) > 0 {
		var out []partiql.Expr
		for i, x := range conj {
			out = append(out, insert[i]...)
			if !drop[i] {
				out = append(out, x)
			}
		}
		s.Where = partiql.And(out...)
	}
	if c.orderChanged {
		s.OrderBy = c.order
		c.changed = true
	}
	c.stmt = s
	return nil
}

// coverage records what the candidate's index does not project.
func (c *candidate) coverage(t *Table) {
	ix := c.tgt.ix
	if ix == nil || ix.Projection == types.ProjectionTypeAll || ix.Projection == "" {
		return
	}
	s := c.stmt
	if s.Star {
		c.needAll = true
		return
	}
	if !ix.Global {
		// DynamoDB fetches the attributes a local index does not project
		// from the table.
		return
	}
	need := make(map[string]bool)
	attributes(need, s.Projection...)
	attributes(need, s.Where)
	for _, o := range s.OrderBy {
		attributes(need, o.Path)
	}
	have := map[string]bool{
		t.Key.PartitionKey: true, t.Key.SortKey: true,
		ix.Key.PartitionKey: true, ix.Key.SortKey: true,
	}
	if ix.Projection == types.ProjectionTypeInclude {
		for _, a := range ix.NonKeyAttributes {
			have[a] = true
		}
	}
	for a := range need {
		if !have[a] {
			c.missing = append(c.missing, a)
		}
	}
	slices.Sort(c.missing)
}

// lacks says what the candidate's index does not project, "" when it
// serves the statement.
func (c *candidate) lacks() string {
	switch {
	case c.needAll:
		return fmt.Sprintf("SELECT * needs every attribute and it projects %s", c.tgt.ix.Projection)
	case len(c.missing) > 0:
		return fmt.Sprintf("its %s projection lacks %s", c.tgt.ix.Projection, quoteList(c.missing))
	}
	return ""
}

// finish fills p from the chosen candidate.
func (p *Plan) finish(t *Table, c *candidate, comps map[string]*Composite, note string) {
	if c.tgt.ix != nil {
		p.Index = c.tgt.ix.Name
	}
	if c.changed {
		p.Rewritten = true
		p.Text = partiql.Print(c.stmt)
		p.Stmt = c.stmt
		p.params = c.paramSources(p.inParams)
	}
	var b strings.Builder
	switch {
	case c.pk == condNone:
		p.Access = AccessScan
		p.Needs = needs(t, comps)
		if c.tgt.ix != nil {
			p.Needs = []KeyNeed{keyNeed(c.tgt.ix.Name, c.tgt.key.PartitionKey, comps)}
			fmt.Fprintf(&b, "scan of %s of table %q: WHERE has no = or IN condition on its partition key %q", c.tgt, t.Name, c.tgt.key.PartitionKey)
		} else {
			fmt.Fprintf(&b, "scan of table %q: WHERE has no = or IN condition on a partition key (%s)", t.Name, needText(p.Needs))
		}
	case c.tgt.ix == nil && c.pk == condEq && (c.tgt.key.SortKey == "" || c.sk == 2):
		p.Access = AccessItem
		fmt.Fprintf(&b, "single-item read of table %q: WHERE gives its whole primary key with =", t.Name)
		if c.pkCmp != nil || c.skCmp != nil {
			b.WriteString(" (" + c.keyText() + ")")
		}
	default:
		p.Access = AccessQuery
		if c.tgt.ix == nil {
			fmt.Fprintf(&b, "query on table %q: WHERE has %s", t.Name, c.keyText())
		} else {
			fmt.Fprintf(&b, "query on %s of table %q: WHERE has %s", c.tgt, t.Name, c.keyText())
		}
	}
	if c.orderChanged {
		fmt.Fprintf(&b, "; ORDER BY %s", orderText(c.order))
	} else if !c.orderOK && p.Access != AccessScan {
		fmt.Fprintf(&b, "; beware: ORDER BY is not on the key of %s, DynamoDB will refuse it", c.tgt)
	}
	if note != "" {
		b.WriteString("; " + note)
	}
	p.Reason = b.String()
}

// keyText describes how WHERE uses the candidate's key.
func (c *candidate) keyText() string {
	var b strings.Builder
	k := c.tgt.key
	switch {
	case c.pkCmp != nil:
		fmt.Fprintf(&b, "= on %s, the components of its partition key %q", names(c.pkCmp), k.PartitionKey)
	case c.pk == condIn:
		fmt.Fprintf(&b, "IN on its partition key %q", k.PartitionKey)
	default:
		fmt.Fprintf(&b, "= on its partition key %q", k.PartitionKey)
	}
	switch {
	case c.skCmp != nil && c.skCmp.full():
		fmt.Fprintf(&b, " and = on %s, the components of its sort key %q", names(c.skCmp), k.SortKey)
	case c.skCmp != nil:
		fmt.Fprintf(&b, " and %s, leading components of its sort key %q", compText(c.skCmp), k.SortKey)
	case c.sk == 2:
		fmt.Fprintf(&b, " and = on its sort key %q", k.SortKey)
	case c.sk == 1:
		fmt.Fprintf(&b, " and a range condition on its sort key %q", k.SortKey)
	}
	return b.String()
}

// paramSources lists where each parameter of c.stmt comes from, nil when
// they are the input parameters in order.
func (c *candidate) paramSources(inParams int) []paramSource {
	ps := partiql.Params(c.stmt)
	out := make([]paramSource, len(ps))
	identity := true
	for i, p := range ps {
		if s := c.sources[p]; s != nil {
			out[i] = *s
			identity = false
			continue
		}
		out[i] = paramSource{n: p.N}
		if p.N != i {
			identity = false
		}
	}
	if identity && len(ps) == inParams {
		return nil
	}
	return out
}

// needs lists the partition key conditions that would make a SELECT on t
// a query: the table's, then each global index's.
func needs(t *Table, comps map[string]*Composite) []KeyNeed {
	out := []KeyNeed{keyNeed("", t.Key.PartitionKey, comps)}
	for _, ix := range t.Indexes {
		if ix.Global {
			out = append(out, keyNeed(ix.Name, ix.Key.PartitionKey, comps))
		}
	}
	return out
}

func keyNeed(index, pk string, comps map[string]*Composite) KeyNeed {
	if c := comps[pk]; c != nil {
		return KeyNeed{Index: index, Attributes: slices.Clone(c.Components)}
	}
	return KeyNeed{Index: index, Attributes: []string{pk}}
}

// needText describes needs for people: "id" (table) or "age" (index
// "byAge").
func needText(needs []KeyNeed) string {
	parts := make([]string, len(needs))
	for i, n := range needs {
		where := "table"
		if n.Index != "" {
			where = fmt.Sprintf("index %q", n.Index)
		}
		parts[i] = fmt.Sprintf("%s (%s)", strings.Join(quoteAll(n.Attributes), " and "), where)
	}
	return "needs one on " + strings.Join(parts, " or ")
}

// NeedsText describes, for an error message, the partition key conditions
// that would make the plan's scan a query.
func (p *Plan) NeedsText() string { return needText(p.Needs) }

func indexList(t *Table) string {
	if len(t.Indexes) == 0 {
		return "no indexes"
	}
	names := make([]string, len(t.Indexes))
	for i, ix := range t.Indexes {
		names[i] = ix.Name
	}
	return "indexes " + strings.Join(quoteAll(names), ", ")
}

func names(m *compositeMatch) string {
	n := make([]string, len(m.eqs))
	for i, eq := range m.eqs {
		n[i] = eq.attr
	}
	return strings.Join(quoteAll(n), ", ")
}

// compText describes the component conditions of m.
func compText(m *compositeMatch) string {
	var s string
	if len(m.eqs) > 0 {
		s = "= on " + names(m)
	}
	if m.rng != nil {
		if s != "" {
			s += " and "
		}
		s += fmt.Sprintf("%s on %q", m.rng.op, m.rng.attr)
	}
	return s
}

func orderText(items []partiql.OrderItem) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = partiql.PrintExpr(it.Path)
		if it.Desc {
			parts[i] += " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

func quoteList(s []string) string { return strings.Join(quoteAll(s), ", ") }
