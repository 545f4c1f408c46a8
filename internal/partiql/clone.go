package partiql

// Clone returns a deep copy of s that shares nothing with it, for a
// rewriter to change a statement ParseCached returned.
func Clone(s Statement) Statement {
	switch s := s.(type) {
	case *Select:
		return cloneSelect(s)
	case *Insert:
		c := *s
		c.Value = CloneExpr(s.Value)
		if s.Columns != nil {
			c.Columns = append([]Ident(nil), s.Columns...)
		}
		if s.Rows != nil {
			c.Rows = make([][]Expr, len(s.Rows))
			for i, row := range s.Rows {
				c.Rows[i] = cloneList(row)
			}
		}
		return &c
	case *Update:
		c := *s
		if s.Sets != nil {
			c.Sets = make([]SetItem, len(s.Sets))
			for i, it := range s.Sets {
				c.Sets[i] = SetItem{Path: clonePath(it.Path), Value: CloneExpr(it.Value)}
			}
		}
		if s.Removes != nil {
			c.Removes = make([]*Path, len(s.Removes))
			for i, p := range s.Removes {
				c.Removes[i] = clonePath(p)
			}
		}
		c.Where = CloneExpr(s.Where)
		return &c
	case *Delete:
		c := *s
		c.Where = CloneExpr(s.Where)
		return &c
	case *Exists:
		c := *s
		c.Select = cloneSelect(s.Select)
		return &c
	case ddlStatement:
		return cloneDDL(s) // ddl.go
	}
	return s
}

func cloneSelect(s *Select) *Select {
	if s == nil {
		return nil
	}
	c := *s
	c.Projection = cloneList(s.Projection)
	c.Where = CloneExpr(s.Where)
	if s.OrderBy != nil {
		c.OrderBy = make([]OrderItem, len(s.OrderBy))
		for i, o := range s.OrderBy {
			c.OrderBy[i] = OrderItem{Path: clonePath(o.Path), Desc: o.Desc}
		}
	}
	c.Limit = CloneExpr(s.Limit)
	c.Offset = CloneExpr(s.Offset)
	return &c
}

func clonePath(p *Path) *Path {
	if p == nil {
		return nil
	}
	c := *p
	c.Segments = append([]Segment(nil), p.Segments...)
	return &c
}

func cloneList(list []Expr) []Expr {
	if list == nil {
		return nil
	}
	c := make([]Expr, len(list))
	for i, e := range list {
		c[i] = CloneExpr(e)
	}
	return c
}

// CloneExpr returns a deep copy of e.
func CloneExpr(e Expr) Expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *Path:
		return clonePath(e)
	case *Param:
		c := *e
		return &c
	case *String:
		c := *e
		return &c
	case *Number:
		c := *e
		return &c
	case *Bool:
		c := *e
		return &c
	case *Null:
		c := *e
		return &c
	case *Missing:
		c := *e
		return &c
	case *List:
		return &List{Pos: e.Pos, Elems: cloneList(e.Elems)}
	case *Bag:
		return &Bag{Pos: e.Pos, Elems: cloneList(e.Elems)}
	case *Map:
		c := &Map{Pos: e.Pos}
		if e.Entries != nil {
			c.Entries = make([]MapEntry, len(e.Entries))
			for i, en := range e.Entries {
				c.Entries[i] = MapEntry{Key: en.Key, Value: CloneExpr(en.Value)}
			}
		}
		return c
	case *Binary:
		return &Binary{Pos: e.Pos, Op: e.Op, L: CloneExpr(e.L), R: CloneExpr(e.R)}
	case *Not:
		return &Not{Pos: e.Pos, X: CloneExpr(e.X)}
	case *In:
		return &In{Pos: e.Pos, X: CloneExpr(e.X), List: cloneList(e.List), Not: e.Not}
	case *Between:
		return &Between{Pos: e.Pos, X: CloneExpr(e.X), Lo: CloneExpr(e.Lo), Hi: CloneExpr(e.Hi), Not: e.Not}
	case *Is:
		c := *e
		c.X = CloneExpr(e.X)
		return &c
	case *Call:
		return &Call{Pos: e.Pos, Name: e.Name, Args: cloneList(e.Args)}
	}
	return e
}
