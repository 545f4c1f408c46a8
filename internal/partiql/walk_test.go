package partiql

import (
	"testing"
)

func mustParse(t *testing.T, src string) Statement {
	t.Helper()
	s, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return s
}

func TestConjunctsAndAnd(t *testing.T) {
	where := mustParse(t, `SELECT * FROM t WHERE a = 1 AND (b = 2 AND c = 3) AND (d = 4 OR e = 5)`).(*Select).Where
	conj := Conjuncts(where)
	want := []string{"a = 1", "b = 2", "c = 3", "d = 4 OR e = 5"}
	if len(conj) != len(want) {
		t.Fatalf("Conjuncts = %d items, want %d", len(conj), len(want))
	}
	for i, c := range conj {
		if got := PrintExpr(c); got != want[i] {
			t.Errorf("conjunct %d = %s, want %s", i, got, want[i])
		}
	}
	if got := Disjuncts(conj[3]); len(got) != 2 || PrintExpr(got[1]) != "e = 5" {
		t.Errorf("Disjuncts = %v", got)
	}
	if Conjuncts(nil) != nil {
		t.Error("Conjuncts(nil) != nil")
	}
	if got := Conjuncts(conj[0]); len(got) != 1 || got[0] != conj[0] {
		t.Error("Conjuncts of a comparison is not itself")
	}

	if And() != nil || And(nil, nil) != nil {
		t.Error("And of nothing is not nil")
	}
	if And(nil, conj[0]) != conj[0] {
		t.Error("And of one is not itself")
	}
	joined := And(conj[3], conj[0], nil, conj[1])
	if got, want := PrintExpr(joined), "(d = 4 OR e = 5) AND a = 1 AND b = 2"; got != want {
		t.Errorf("And = %s, want %s", got, want)
	}
	if got, want := PrintExpr(Or(joined, conj[2])), "(d = 4 OR e = 5) AND a = 1 AND b = 2 OR c = 3"; got != want {
		t.Errorf("Or = %s, want %s", got, want)
	}
	if got, want := PrintExpr(&Not{X: Or(conj[0], conj[1])}), "NOT (a = 1 OR b = 2)"; got != want {
		t.Errorf("Not = %s, want %s", got, want)
	}
}

func TestWalk(t *testing.T) {
	stmt := mustParse(t, `SELECT x FROM t WHERE a = ? AND b IN [?, 'k'] AND NOT size(c) BETWEEN 1 AND ? ORDER BY d LIMIT ?`)
	var kinds []string
	WalkStatement(stmt, func(e Expr) bool {
		switch e := e.(type) {
		case *Path:
			kinds = append(kinds, "path:"+e.Root())
		case *Param:
			kinds = append(kinds, "?")
		case *Call:
			kinds = append(kinds, "call:"+e.Name)
		}
		return true
	})
	want := []string{"path:x", "path:a", "?", "path:b", "?", "call:size", "path:c", "?", "path:d", "?"}
	if len(kinds) != len(want) {
		t.Fatalf("visited %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("visited %v, want %v", kinds, want)
		}
	}

	// Returning false skips the children.
	n := 0
	Walk(stmt.(*Select).Where, func(e Expr) bool {
		n++
		_, isNot := e.(*Not)
		return !isNot
	})
	// AND, AND, =, a, ?, IN, b, ?, 'k', NOT; the NOT's children are skipped.
	if n != 10 {
		t.Errorf("visited %d nodes, want 10", n)
	}
}

func TestCloneIsDeep(t *testing.T) {
	for _, tt := range printTests {
		orig := mustParse(t, tt.in)
		before := Print(orig)
		c := Clone(orig)
		if !Equal(orig, c) {
			t.Errorf("Clone(Parse(%q)) is not Equal", tt.in)
			continue
		}
		// Scribble over every node of the clone; the original must not change.
		WalkStatement(c, func(e Expr) bool {
			switch e := e.(type) {
			case *Path:
				for i := range e.Segments {
					e.Segments[i].Name += "_x"
					e.Segments[i].Index++
				}
			case *Param:
				e.N += 100
			case *String:
				e.Value += "x"
			case *Number:
				e.Text += "0"
			case *Bool:
				e.Value = !e.Value
			case *Binary:
				e.Op = OpOr
			case *Map:
				for i := range e.Entries {
					e.Entries[i].Key += "x"
				}
			case *In:
				e.Not = !e.Not
			case *Call:
				e.Name += "x"
			}
			return true
		})
		switch c := c.(type) {
		case *Select:
			c.Table += "x"
			c.Index += "x"
		case *Insert:
			c.Table += "x"
			for i := range c.Columns {
				c.Columns[i].Name += "x"
			}
		case *Update:
			c.Table += "x"
		case *Delete:
			c.Table += "x"
		case *Exists:
			c.Select.Table += "x"
		}
		if after := Print(orig); after != before {
			t.Errorf("changing Clone(Parse(%q)) changed the original to %q", tt.in, after)
		}
	}
}

func TestEqual(t *testing.T) {
	same := [][2]string{
		{`SELECT * FROM "T" WHERE "a" = 1`, `select * from T where a = 1`},
		{`SELECT * FROM t WHERE a != 1`, `SELECT * FROM t WHERE a <> 1`},
		{`SELECT * FROM t WHERE a IN (1, 2)`, `SELECT * FROM t WHERE a IN [1, 2]`},
		{`SELECT * FROM t WHERE (a = 1 AND b = 2) AND c = 3`, `SELECT * FROM t WHERE a = 1 AND b = 2 AND c = 3`},
		{`SELECT * FROM t ORDER BY a ASC`, `SELECT * FROM t ORDER BY a`},
		{`UPDATE t SET a = 1, b = 2 WHERE k = 1`, `UPDATE t SET a = 1 SET b = 2 WHERE k = 1`},
	}
	for _, p := range same {
		if !Equal(mustParse(t, p[0]), mustParse(t, p[1])) {
			t.Errorf("Equal(%q, %q) = false", p[0], p[1])
		}
	}
	differ := [][2]string{
		{`SELECT * FROM t WHERE a = 1`, `SELECT * FROM t WHERE a = 1.0`},
		{`SELECT * FROM t WHERE a = 1`, `SELECT * FROM t WHERE A = 1`},
		{`SELECT * FROM t WHERE a = 1 AND (b = 2 AND c = 3)`, `SELECT * FROM t WHERE a = 1 AND b = 2 AND c = 3`},
		{`SELECT * FROM t`, `SELECT * FROM "T"`},
		{`SELECT * FROM t`, `SELECT COUNT(*) FROM t`},
		{`SELECT * FROM t."I"`, `SELECT * FROM t."J"`},
		{`SELECT * FROM t`, `DELETE FROM t WHERE a = 1`},
		{`SELECT * FROM t WHERE a = 'x'`, `SELECT * FROM t WHERE a = "x"`},
		{`SELECT * FROM t WHERE a[1] = 1`, `SELECT * FROM t WHERE a[2] = 1`},
		{`SELECT * FROM t WHERE a IS NULL`, `SELECT * FROM t WHERE a IS MISSING`},
		{`SELECT * FROM t WHERE a IN [1]`, `SELECT * FROM t WHERE a NOT IN [1]`},
		{`INSERT INTO t VALUE {'a': 1}`, `INSERT INTO t VALUE {'b': 1}`},
		{`INSERT INTO t (a) VALUES (1)`, `INSERT INTO t (b) VALUES (1)`},
		{`UPDATE t SET a = 1 WHERE k = 1`, `UPDATE t SET a = 1 WHERE k = 1 RETURNING ALL NEW *`},
		{`UPDATE t REMOVE a WHERE k = 1`, `UPDATE t REMOVE b WHERE k = 1`},
		{`EXISTS(SELECT * FROM t WHERE a = 1)`, `EXISTS(SELECT * FROM t WHERE a = 2)`},
	}
	for _, p := range differ {
		if Equal(mustParse(t, p[0]), mustParse(t, p[1])) {
			t.Errorf("Equal(%q, %q) = true", p[0], p[1])
		}
	}
}

func TestPrintBuiltNodes(t *testing.T) {
	// Nodes a rewriter builds: NewPath quotes, unquoted names are quoted
	// when they must be.
	s := &Select{
		Star:  true,
		Table: "orders", Index: "by-customer",
		Where: And(
			&Binary{Op: OpEq, L: NewPath("customer"), R: &Param{N: 0}},
			&Binary{Op: OpGe, L: &Path{Segments: []Segment{{Name: "created at"}}}, R: &String{Value: "2024"}},
			&Is{X: &Path{Segments: []Segment{{Name: "select"}, {Name: "x"}, {Index: 1, IsIndex: true}}}, What: WhatMissing, Not: true},
		),
		OrderBy: []OrderItem{{Path: NewPath("created"), Desc: true}},
	}
	want := `SELECT * FROM "orders"."by-customer" WHERE "customer" = ? AND "created at" >= '2024' AND "select".x[1] IS NOT MISSING ORDER BY "created" DESC`
	if got := Print(s); got != want {
		t.Errorf("Print =\n%s\nwant\n%s", got, want)
	}
	if _, err := Parse(want); err != nil {
		t.Errorf("Parse(Print(built)): %v", err)
	}
	if got := Print(&Select{Star: true, Table: "user"}); got != `SELECT * FROM "user"` {
		t.Errorf("a keyword table name prints as %s", got)
	}
}
