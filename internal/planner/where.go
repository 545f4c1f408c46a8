package planner

import "github.com/dynamosql/dynamosql/internal/partiql"

// condKind is what a WHERE conjunct does to one attribute, as far as key
// conditions go.
type condKind uint8

const (
	condNone   condKind = iota
	condEq              // a = v
	condIn              // a IN [v, ...]
	condRange           // a < v, a <= v, a > v, a >= v, a BETWEEN v AND w
	condBegins          // begins_with(a, v)
)

// cond is a top-level WHERE conjunct that DynamoDB can use as a key
// condition: a simple attribute compared with values (parameters or
// literals).
type cond struct {
	at   int // position among the conjuncts
	attr string
	kind condKind
	// op is the operator with attr on its left: OpEq, OpLt, OpLe, OpGt,
	// OpGe, OpBetween or OpBeginsWith ("" for condIn); vals are its
	// operands.
	op   string
	vals []partiql.Expr
}

// where is a WHERE clause split at its top-level ANDs, with the conjuncts
// that can serve as key conditions.
type where struct {
	conj  []partiql.Expr
	conds []cond
}

func analyzeWhere(e partiql.Expr) *where {
	w := &where{conj: partiql.Conjuncts(e)}
	for i, x := range w.conj {
		if c, ok := keyCond(x); ok {
			c.at = i
			w.conds = append(w.conds, c)
		}
	}
	return w
}

// keyCond recognises a conjunct DynamoDB can use as a key condition.
func keyCond(e partiql.Expr) (cond, bool) {
	switch e := e.(type) {
	case *partiql.Binary:
		if !e.Op.IsComparison() || e.Op == partiql.OpNe {
			return cond{}, false
		}
		op := string(e.Op)
		var c cond
		if p, ok := e.L.(*partiql.Path); ok && p.IsSimple() && isValue(e.R) {
			c = cond{attr: p.Name(), vals: []partiql.Expr{e.R}}
		} else if p, ok := e.R.(*partiql.Path); ok && p.IsSimple() && isValue(e.L) {
			c = cond{attr: p.Name(), vals: []partiql.Expr{e.L}}
			op = flipped[op] // v < a is a > v
		} else {
			return cond{}, false
		}
		c.op, c.kind = op, condRange
		if op == OpEq {
			c.kind = condEq
		}
		return c, true
	case *partiql.In:
		p, ok := e.X.(*partiql.Path)
		if e.Not || !ok || !p.IsSimple() || len(e.List) == 0 {
			return cond{}, false
		}
		for _, v := range e.List {
			if !isValue(v) {
				return cond{}, false
			}
		}
		return cond{attr: p.Name(), kind: condIn, vals: e.List}, true
	case *partiql.Between:
		p, ok := e.X.(*partiql.Path)
		if e.Not || !ok || !p.IsSimple() || !isValue(e.Lo) || !isValue(e.Hi) {
			return cond{}, false
		}
		return cond{attr: p.Name(), kind: condRange, op: OpBetween, vals: []partiql.Expr{e.Lo, e.Hi}}, true
	case *partiql.Call:
		if e.Name != "begins_with" || len(e.Args) != 2 {
			return cond{}, false
		}
		p, ok := e.Args[0].(*partiql.Path)
		if !ok || !p.IsSimple() || !isValue(e.Args[1]) {
			return cond{}, false
		}
		return cond{attr: p.Name(), kind: condBegins, op: OpBeginsWith, vals: e.Args[1:]}, true
	}
	return cond{}, false
}

// flipped maps a comparison operator to the one with its operands swapped.
var flipped = map[string]string{OpEq: OpEq, OpLt: OpGt, OpLe: OpGe, OpGt: OpLt, OpGe: OpLe}

// isValue reports whether e is a value a key condition may compare with: a
// parameter, a string or a number (key attributes are S, N or B; binary
// values come as parameters).
func isValue(e partiql.Expr) bool {
	switch e.(type) {
	case *partiql.Param, *partiql.String, *partiql.Number:
		return true
	}
	return false
}

// find returns the first condition on attr of one of the kinds, or nil.
func (w *where) find(attr string, kinds ...condKind) *cond {
	for i := range w.conds {
		c := &w.conds[i]
		if c.attr != attr {
			continue
		}
		for _, k := range kinds {
			if c.kind == k {
				return c
			}
		}
	}
	return nil
}

// compositeMatch is how far a WHERE clause pins a composite attribute:
// its first len(eqs) components are compared with =, and the next one, when
// rng is set, with a range or begins_with.
type compositeMatch struct {
	comp *Composite
	eqs  []*cond
	rng  *cond
}

// full reports whether every component is pinned with =.
func (m *compositeMatch) full() bool { return m.rng == nil && len(m.eqs) == len(m.comp.Components) }

// matchComposite returns the longest prefix of c's components that the
// WHERE clause compares with =, followed by a range or begins_with on the
// next component if there is one; nil when it constrains no leading
// component.
func (w *where) matchComposite(c *Composite) *compositeMatch {
	m := &compositeMatch{comp: c}
	for _, name := range c.Components {
		eq := w.find(name, condEq)
		if eq == nil {
			break
		}
		m.eqs = append(m.eqs, eq)
	}
	if k := len(m.eqs); k < len(c.Components) {
		kind := c.Kinds[k]
		for i := range w.conds {
			r := &w.conds[i]
			if r.attr != c.Components[k] || (r.kind != condRange && r.kind != condBegins) {
				continue
			}
			if r.kind == condBegins && kind != KindString && kind != KindBytes {
				continue
			}
			m.rng = r
			break
		}
	}
	if len(m.eqs) == 0 && m.rng == nil {
		return nil
	}
	return m
}

// attributes returns the top-level attributes the expressions use.
func attributes(set map[string]bool, exprs ...partiql.Expr) {
	for _, e := range exprs {
		partiql.Walk(e, func(x partiql.Expr) bool {
			if p, ok := x.(*partiql.Path); ok {
				set[p.Root()] = true
			}
			return true
		})
	}
}

// OpIn is the Op of a KeyCond made of IN: Values lists the values.
const OpIn = "IN"

// KeyCond is a top-level conjunct of a WHERE clause that DynamoDB could
// use as a key condition: a top-level attribute compared with values
// (parameters, strings or numbers), as the planner classifies it.
type KeyCond struct {
	// At is the conjunct's position among the conjuncts.
	At int
	// Attr is the attribute.
	Attr string
	// Op is the operator with Attr on its left: OpEq, OpLt, OpLe, OpGt,
	// OpGe, OpBetween, OpBeginsWith or OpIn.
	Op string
	// Values are its operands: one, two for OpBetween, the list for OpIn.
	Values []partiql.Expr
}

// SplitWhere splits a WHERE clause at its top-level ANDs and returns the
// conjuncts and, in order, those that could serve as key conditions: the
// classification the planner chooses indexes with, for callers that build
// DynamoDB key conditions themselves (the driver's COUNT(*)).
func SplitWhere(e partiql.Expr) ([]partiql.Expr, []KeyCond) {
	w := analyzeWhere(e)
	keys := make([]KeyCond, len(w.conds))
	for i, c := range w.conds {
		op := c.op
		if c.kind == condIn {
			op = OpIn
		}
		keys[i] = KeyCond{At: c.at, Attr: c.attr, Op: op, Values: c.vals}
	}
	return w.conj, keys
}
