package partiql

// Equal reports whether a and b are the same statement. It ignores source
// positions and whether identifiers were quoted (DynamoDB reads "a" and a
// alike), and compares numbers by their text (1.0 and 1 differ).
func Equal(a, b Statement) bool {
	switch a := a.(type) {
	case *Select:
		b, ok := b.(*Select)
		return ok && equalSelect(a, b)
	case *Insert:
		b, ok := b.(*Insert)
		if !ok || a.Table != b.Table || !EqualExpr(a.Value, b.Value) ||
			len(a.Columns) != len(b.Columns) || len(a.Rows) != len(b.Rows) ||
			(a.Columns == nil) != (b.Columns == nil) {
			return false
		}
		for i := range a.Columns {
			if a.Columns[i].Name != b.Columns[i].Name {
				return false
			}
		}
		for i := range a.Rows {
			if !equalList(a.Rows[i], b.Rows[i]) {
				return false
			}
		}
		return true
	case *Update:
		b, ok := b.(*Update)
		if !ok || a.Table != b.Table || a.Returning != b.Returning ||
			len(a.Sets) != len(b.Sets) || len(a.Removes) != len(b.Removes) ||
			!EqualExpr(a.Where, b.Where) {
			return false
		}
		for i := range a.Sets {
			if !equalPath(a.Sets[i].Path, b.Sets[i].Path) || !EqualExpr(a.Sets[i].Value, b.Sets[i].Value) {
				return false
			}
		}
		for i := range a.Removes {
			if !equalPath(a.Removes[i], b.Removes[i]) {
				return false
			}
		}
		return true
	case *Delete:
		b, ok := b.(*Delete)
		return ok && a.Table == b.Table && a.Returning == b.Returning && EqualExpr(a.Where, b.Where)
	case *Exists:
		b, ok := b.(*Exists)
		return ok && equalSelect(a.Select, b.Select)
	case ddlStatement:
		return equalDDL(a, b) // ddl.go
	case nil:
		return b == nil
	}
	return false
}

func equalSelect(a, b *Select) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Star != b.Star || a.Count != b.Count || a.Table != b.Table || a.Index != b.Index ||
		!equalList(a.Projection, b.Projection) || !EqualExpr(a.Where, b.Where) ||
		len(a.OrderBy) != len(b.OrderBy) || !EqualExpr(a.Limit, b.Limit) || !EqualExpr(a.Offset, b.Offset) {
		return false
	}
	for i := range a.OrderBy {
		if a.OrderBy[i].Desc != b.OrderBy[i].Desc || !equalPath(a.OrderBy[i].Path, b.OrderBy[i].Path) {
			return false
		}
	}
	return true
}

func equalPath(a, b *Path) bool {
	if a == nil || b == nil {
		return a == b
	}
	if len(a.Segments) != len(b.Segments) {
		return false
	}
	for i, s := range a.Segments {
		t := b.Segments[i]
		if s.IsIndex != t.IsIndex || s.IsIndex && s.Index != t.Index || !s.IsIndex && s.Name != t.Name {
			return false
		}
	}
	return true
}

func equalList(a, b []Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !EqualExpr(a[i], b[i]) {
			return false
		}
	}
	return true
}

// EqualExpr reports whether a and b are the same expression, as Equal
// compares statements.
func EqualExpr(a, b Expr) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case *Path:
		b, ok := b.(*Path)
		return ok && equalPath(a, b)
	case *Param:
		b, ok := b.(*Param)
		return ok && a.N == b.N
	case *String:
		b, ok := b.(*String)
		return ok && a.Value == b.Value
	case *Number:
		b, ok := b.(*Number)
		return ok && a.Text == b.Text
	case *Bool:
		b, ok := b.(*Bool)
		return ok && a.Value == b.Value
	case *Null:
		_, ok := b.(*Null)
		return ok
	case *Missing:
		_, ok := b.(*Missing)
		return ok
	case *List:
		b, ok := b.(*List)
		return ok && equalList(a.Elems, b.Elems)
	case *Bag:
		b, ok := b.(*Bag)
		return ok && equalList(a.Elems, b.Elems)
	case *Map:
		b, ok := b.(*Map)
		if !ok || len(a.Entries) != len(b.Entries) {
			return false
		}
		for i, en := range a.Entries {
			if en.Key != b.Entries[i].Key || !EqualExpr(en.Value, b.Entries[i].Value) {
				return false
			}
		}
		return true
	case *Binary:
		b, ok := b.(*Binary)
		return ok && a.Op == b.Op && EqualExpr(a.L, b.L) && EqualExpr(a.R, b.R)
	case *Not:
		b, ok := b.(*Not)
		return ok && EqualExpr(a.X, b.X)
	case *In:
		b, ok := b.(*In)
		return ok && a.Not == b.Not && EqualExpr(a.X, b.X) && equalList(a.List, b.List)
	case *Between:
		b, ok := b.(*Between)
		return ok && a.Not == b.Not && EqualExpr(a.X, b.X) && EqualExpr(a.Lo, b.Lo) && EqualExpr(a.Hi, b.Hi)
	case *Is:
		b, ok := b.(*Is)
		return ok && a.Not == b.Not && a.What == b.What && EqualExpr(a.X, b.X)
	case *Call:
		b, ok := b.(*Call)
		return ok && a.Name == b.Name && equalList(a.Args, b.Args)
	}
	return false
}
