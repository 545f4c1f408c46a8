package partiql

// Walk calls fn for e and then, when fn returns true, for each of e's
// sub-expressions in the order Print writes them, depth first. A nil e is
// not visited.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch e := e.(type) {
	case *List:
		walkList(e.Elems, fn)
	case *Bag:
		walkList(e.Elems, fn)
	case *Map:
		for _, en := range e.Entries {
			Walk(en.Value, fn)
		}
	case *Binary:
		Walk(e.L, fn)
		Walk(e.R, fn)
	case *Not:
		Walk(e.X, fn)
	case *In:
		Walk(e.X, fn)
		walkList(e.List, fn)
	case *Between:
		Walk(e.X, fn)
		Walk(e.Lo, fn)
		Walk(e.Hi, fn)
	case *Is:
		Walk(e.X, fn)
	case *Call:
		walkList(e.Args, fn)
	}
}

func walkList(list []Expr, fn func(Expr) bool) {
	for _, e := range list {
		Walk(e, fn)
	}
}

// WalkStatement calls Walk for every expression of s (projection, values,
// assignments, paths, WHERE, ORDER BY, LIMIT, OFFSET) in the order Print
// writes them.
func WalkStatement(s Statement, fn func(Expr) bool) {
	switch s := s.(type) {
	case *Select:
		walkSelect(s, fn)
	case *Insert:
		Walk(s.Value, fn)
		for _, row := range s.Rows {
			walkList(row, fn)
		}
	case *Update:
		for _, it := range s.Sets {
			if it.Path != nil {
				Walk(it.Path, fn)
			}
			Walk(it.Value, fn)
		}
		for _, p := range s.Removes {
			if p != nil {
				Walk(p, fn)
			}
		}
		Walk(s.Where, fn)
	case *Delete:
		Walk(s.Where, fn)
	case *Exists:
		if s.Select != nil {
			walkSelect(s.Select, fn)
		}
	}
}

func walkSelect(s *Select, fn func(Expr) bool) {
	walkList(s.Projection, fn)
	Walk(s.Where, fn)
	for _, o := range s.OrderBy {
		if o.Path != nil {
			Walk(o.Path, fn)
		}
	}
	Walk(s.Limit, fn)
	Walk(s.Offset, fn)
}

// Params returns the ? placeholders of s in the order Print writes them.
// For a parsed statement that is the order of the source, so Params(s)[i].N
// == i. The *Param values belong to s.
func Params(s Statement) []*Param {
	var params []*Param
	WalkStatement(s, func(e Expr) bool {
		if p, ok := e.(*Param); ok {
			params = append(params, p)
		}
		return true
	})
	return params
}

// Conjuncts splits e at its top-level ANDs: a AND (b AND c) gives a, b, c.
// It returns nil for a nil e and []Expr{e} when e is no AND.
func Conjuncts(e Expr) []Expr {
	return split(e, OpAnd, nil)
}

// Disjuncts splits e at its top-level ORs, as Conjuncts does at ANDs.
func Disjuncts(e Expr) []Expr {
	return split(e, OpOr, nil)
}

func split(e Expr, op Op, out []Expr) []Expr {
	if e == nil {
		return out
	}
	if b, ok := e.(*Binary); ok && b.Op == op {
		out = split(b.L, op, out)
		return split(b.R, op, out)
	}
	return append(out, e)
}

// And joins the non-nil exprs with AND, left to right. It returns nil when
// there are none and the expression itself when there is one.
func And(exprs ...Expr) Expr {
	return join(OpAnd, exprs)
}

// Or joins the non-nil exprs with OR, as And does with AND.
func Or(exprs ...Expr) Expr {
	return join(OpOr, exprs)
}

func join(op Op, exprs []Expr) Expr {
	var out Expr
	for _, e := range exprs {
		if e == nil {
			continue
		}
		if out == nil {
			out = e
		} else {
			out = &Binary{Op: op, L: out, R: e}
		}
	}
	return out
}
