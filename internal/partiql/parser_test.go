package partiql

import (
	"errors"
	"strings"
	"testing"
)

// printTests are statements and their printed form ("" means unchanged).
var printTests = []struct{ in, want string }{
	// SELECT basics, identifiers and keywords' case.
	{`SELECT * FROM "T"`, ``},
	{`select * from "T"`, `SELECT * FROM "T"`},
	{`SeLeCt * FrOm users`, `SELECT * FROM users`},
	{`SELECT * FROM "my table"`, ``},
	{`SELECT * FROM "say ""hi"""`, ``},
	{`SELECT * FROM "T"."I"`, ``},
	{`SELECT * FROM T.I`, `SELECT * FROM "T"."I"`},
	{`SELECT * FROM _x1 WHERE $a = 1`, ``},
	{`SELECT a, b FROM "T"`, ``},
	{`SELECT a.b, "c d"[0].e, f[1][2] FROM "T"`, ``},
	{`SELECT "a"."b" FROM "T"`, ``},
	{`SELECT * FROM "user" WHERE "value" = ?`, ``},
	{`SELECT * FROM t WHERE "size" = 1 AND "count" = 2 AND year = 3`, `SELECT * FROM t WHERE "size" = 1 AND "count" = 2 AND "year" = 3`},
	{`INSERT INTO t (id, value, user) VALUES (1, 2, 3)`, `INSERT INTO t (id, "value", "user") VALUES (1, 2, 3)`},
	{"SELECT *\n  FROM \"T\"\n  WHERE a = ?\n", `SELECT * FROM "T" WHERE a = ?`},
	{`SELECT * FROM "T";`, `SELECT * FROM "T"`},
	{`SELECT * FROM "T" ; `, `SELECT * FROM "T"`},
	{`SELECT ALL * FROM "T"`, `SELECT * FROM "T"`},

	// Comments.
	{"SELECT * -- all of it\nFROM \"T\" -- done", `SELECT * FROM "T"`},
	{`SELECT /* stars */ * FROM /* the table */ "T" WHERE a = /* ? */ ?`, `SELECT * FROM "T" WHERE a = ?`},
	{"SELECT * FROM \"T\" WHERE a = '-- not a comment' AND b = '/* nor this */'", ``},

	// Literals.
	{`SELECT * FROM "T" WHERE a = 'it''s'`, ``},
	{`SELECT * FROM "T" WHERE a = ''`, ``},
	{`SELECT * FROM "T" WHERE a = 'multi
line'`, ``},
	{`SELECT * FROM "T" WHERE a = 12345678901234567890123456789012345678`, ``},
	{`SELECT * FROM "T" WHERE a = -12345678901234567890123456789012345678`, ``},
	{`SELECT * FROM "T" WHERE a = 1.5 AND b = 2e10 AND c = 2.5E-3 AND d = .5 AND e = 5.`, ``},
	{`SELECT * FROM "T" WHERE a = - 1`, `SELECT * FROM "T" WHERE a = -1`},
	{`SELECT * FROM "T" WHERE a = true AND b = FALSE AND c = null AND d = Missing`, `SELECT * FROM "T" WHERE a = TRUE AND b = FALSE AND c = NULL AND d = MISSING`},
	{`SELECT * FROM "T" WHERE a = [1, 'x', [2], {'k': 3}, <<4>>]`, ``},
	{`SELECT * FROM "T" WHERE a = [] AND b = {} AND c = <<>>`, ``},
	{`SELECT * FROM "T" WHERE a = <<'x', 'y'>>`, ``},
	{`SELECT * FROM "T" WHERE a = <<<<1>>>>`, ``},
	{`SELECT * FROM "T" WHERE a=<<1>>AND b< <<1>>`, `SELECT * FROM "T" WHERE a = <<1>> AND b < <<1>>`},
	{`SELECT * FROM "T" WHERE a = {'k': 1, 'it''s': ?, 'n': {'m': [?]}}`, ``},

	// Conditions and precedence.
	{`SELECT * FROM "T" WHERE a = 1 AND b <> 2 AND c != 3 AND d < 4 AND e <= 5 AND f > 6 AND g >= 7`,
		`SELECT * FROM "T" WHERE a = 1 AND b <> 2 AND c <> 3 AND d < 4 AND e <= 5 AND f > 6 AND g >= 7`},
	{`SELECT * FROM "T" WHERE a = 1 OR b = 2 AND c = 3`, ``},
	{`SELECT * FROM "T" WHERE (a = 1 OR b = 2) AND c = 3`, ``},
	{`SELECT * FROM "T" WHERE a = 1 AND (b = 2 AND c = 3)`, ``},
	{`SELECT * FROM "T" WHERE (a = 1 AND b = 2) AND c = 3`, `SELECT * FROM "T" WHERE a = 1 AND b = 2 AND c = 3`},
	{`SELECT * FROM "T" WHERE ((a = 1))`, `SELECT * FROM "T" WHERE a = 1`},
	{`SELECT * FROM "T" WHERE a = 1 OR (b = 2 OR c = 3)`, ``},
	{`SELECT * FROM "T" WHERE NOT a = 1`, ``},
	{`SELECT * FROM "T" WHERE NOT (a = 1 AND b = 2)`, ``},
	{`SELECT * FROM "T" WHERE NOT NOT a = 1`, ``},
	{`SELECT * FROM "T" WHERE NOT a = 1 AND b = 2`, ``},
	{`SELECT * FROM "T" WHERE (NOT a) = b`, ``},
	{`SELECT * FROM "T" WHERE a IN [1, 2, 3]`, ``},
	{`SELECT * FROM "T" WHERE a IN (?, ?)`, `SELECT * FROM "T" WHERE a IN [?, ?]`},
	{`SELECT * FROM "T" WHERE a NOT IN ['x']`, ``},
	{`SELECT * FROM "T" WHERE a IN []`, ``},
	{`SELECT * FROM "T" WHERE a BETWEEN 1 AND 10 AND b = 2`, ``},
	{`SELECT * FROM "T" WHERE a NOT BETWEEN ? AND ?`, ``},
	{`SELECT * FROM "T" WHERE a IS NULL OR b IS NOT NULL OR c IS MISSING OR d IS NOT MISSING`, ``},
	{`SELECT * FROM "T" WHERE begins_with(sk, 'ORDER#') AND contains(tags, ?)`, ``},
	{`SELECT * FROM "T" WHERE BEGINS_WITH("sk", ?) AND Attribute_Type(a, 'S')`, `SELECT * FROM "T" WHERE begins_with("sk", ?) AND attribute_type(a, 'S')`},
	{`SELECT * FROM "T" WHERE size(a) > 3 AND size(b.c[0]) BETWEEN 1 AND 2`, ``},
	{`SELECT * FROM "T" WHERE a + 1 = b - 2`, ``},
	{`SELECT * FROM "T" WHERE (a = 1) = (b = 2)`, ``},
	{`SELECT * FROM "T" WHERE a IN [(b = 1)]`, ``},

	// ORDER BY, LIMIT, OFFSET, COUNT(*).
	{`SELECT * FROM "T" WHERE pk = ? ORDER BY sk`, ``},
	{`SELECT * FROM "T" WHERE pk = ? ORDER BY sk ASC, x.y DESC`, `SELECT * FROM "T" WHERE pk = ? ORDER BY sk, x.y DESC`},
	{`SELECT * FROM "T" ORDER BY sk DESC LIMIT 10`, ``},
	{`SELECT * FROM "T" LIMIT ? OFFSET ?`, ``},
	{`SELECT * FROM "T" WHERE a = ? LIMIT 5 OFFSET 20`, ``},
	{`SELECT count(*) FROM "T" WHERE a = ?`, `SELECT COUNT(*) FROM "T" WHERE a = ?`},
	{`SELECT COUNT ( * ) FROM "T"`, `SELECT COUNT(*) FROM "T"`},

	// INSERT.
	{`INSERT INTO "Music" VALUE {'Artist': 'Acme Band', 'SongTitle': 'PartiQL Rocks'}`, ``},
	{`insert into "T" value ?`, `INSERT INTO "T" VALUE ?`},
	{`INSERT INTO "T" VALUE {'pk': ?, 'n': 1, 'l': [1, 2], 'm': {'x': NULL}, 's': <<'a'>>}`, ``},
	{`INSERT INTO users (id, name) VALUES (?, ?)`, ``},
	{`INSERT INTO "users" ("id", "full name", age) VALUES (?, 'x', 3), (?, 'y', -4)`, ``},

	// UPDATE.
	{`UPDATE "T" SET a = 1 WHERE pk = ?`, ``},
	{`UPDATE "T" SET a = 1, b = ? WHERE pk = ?`, `UPDATE "T" SET a = 1 SET b = ? WHERE pk = ?`},
	{`UPDATE "T" SET a = 1, SET b = 2 WHERE pk = ?`, `UPDATE "T" SET a = 1 SET b = 2 WHERE pk = ?`},
	{`UPDATE "T" SET a = a + 1 SET b = b - ? WHERE pk = ?`, ``},
	{`UPDATE "T" SET a = a - (b - 1) WHERE pk = ?`, ``},
	{`UPDATE "T" SET a = a - -1 WHERE pk = ?`, ``},
	{`UPDATE "T" SET l = list_append(l, [?]) SET s = set_add(s, <<'x'>>) SET t = SET_DELETE(t, <<1>>) WHERE pk = ?`,
		`UPDATE "T" SET l = list_append(l, [?]) SET s = set_add(s, <<'x'>>) SET t = set_delete(t, <<1>>) WHERE pk = ?`},
	{`UPDATE "T" SET a.b[2].c = 'x' WHERE pk = ?`, ``},
	{`UPDATE "T" REMOVE a, b[1] WHERE pk = ?`, `UPDATE "T" REMOVE a REMOVE b[1] WHERE pk = ?`},
	{`UPDATE "T" REMOVE a SET b = 1 REMOVE c WHERE pk = ?`, `UPDATE "T" SET b = 1 REMOVE a REMOVE c WHERE pk = ?`},
	{`UPDATE "T" SET a = 1 WHERE pk = ? AND sk = ? RETURNING ALL OLD *`, ``},
	{`UPDATE "T" SET a = 1 WHERE pk = ? RETURNING modified new *`, `UPDATE "T" SET a = 1 WHERE pk = ? RETURNING MODIFIED NEW *`},
	{`UPDATE "T" SET a = 1 WHERE pk = ? RETURNING ALL NEW *`, ``},
	{`UPDATE "T" SET a = 1 WHERE pk = ? RETURNING MODIFIED OLD *`, ``},
	{`UPDATE "T" SET a = 1 WHERE pk = ? AND a IS MISSING`, ``},

	// DELETE.
	{`DELETE FROM "T" WHERE pk = ?`, ``},
	{`delete from "T" where pk = ? and sk = ? returning all old *`, `DELETE FROM "T" WHERE pk = ? AND sk = ? RETURNING ALL OLD *`},

	// EXISTS.
	{`EXISTS(SELECT * FROM "Music" WHERE "Artist" = 'Acme Band' AND "SongTitle" = 'PartiQL Rocks')`, ``},
	{"exists (\n  select * from \"T\" where pk = ? and a = ?\n);", `EXISTS(SELECT * FROM "T" WHERE pk = ? AND a = ?)`},
}

func TestParsePrint(t *testing.T) {
	for _, tt := range printTests {
		want := tt.want
		if want == "" {
			want = tt.in
		}
		stmt, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		got := Print(stmt)
		if got != want {
			t.Errorf("Print(Parse(%q))\n got %s\nwant %s", tt.in, got, want)
			continue
		}
		again, err := Parse(got)
		if err != nil {
			t.Errorf("Parse(%q) (printed): %v", got, err)
			continue
		}
		if !Equal(stmt, again) {
			t.Errorf("Parse(Print(Parse(%q))) is not Equal to Parse(%q)", tt.in, tt.in)
		}
	}
}

func TestParseSelectAST(t *testing.T) {
	stmt, err := Parse(`SELECT a, "b c".d[3] FROM "Tab"."Idx" WHERE pk = ? AND sk > ? ORDER BY sk DESC LIMIT ? OFFSET 7`)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := stmt.(*Select)
	if !ok {
		t.Fatalf("got %T, want *Select", stmt)
	}
	if s.Kind() != KindSelect || s.Star || s.Count {
		t.Errorf("Kind/Star/Count = %v/%v/%v", s.Kind(), s.Star, s.Count)
	}
	if s.Table != "Tab" || !s.TableQuoted || s.Index != "Idx" || !s.IndexQuoted {
		t.Errorf("table = %q %v, index = %q %v", s.Table, s.TableQuoted, s.Index, s.IndexQuoted)
	}
	if len(s.Projection) != 2 {
		t.Fatalf("projection has %d items", len(s.Projection))
	}
	p0 := s.Projection[0].(*Path)
	if !p0.IsSimple() || p0.Name() != "a" || p0.Segments[0].Quoted {
		t.Errorf("projection[0] = %+v", p0)
	}
	p1 := s.Projection[1].(*Path)
	wantSegs := []Segment{{Name: "b c", Quoted: true}, {Name: "d"}, {Index: 3, IsIndex: true}}
	if len(p1.Segments) != 3 || p1.Segments[0] != wantSegs[0] || p1.Segments[1] != wantSegs[1] || p1.Segments[2] != wantSegs[2] {
		t.Errorf("projection[1] segments = %+v", p1.Segments)
	}
	if p1.IsSimple() || p1.Name() != "" || p1.Root() != "b c" {
		t.Errorf("projection[1]: IsSimple %v, Name %q, Root %q", p1.IsSimple(), p1.Name(), p1.Root())
	}
	conj := Conjuncts(s.Where)
	if len(conj) != 2 {
		t.Fatalf("Conjuncts(where) = %d items", len(conj))
	}
	eq := conj[0].(*Binary)
	if eq.Op != OpEq || eq.L.(*Path).Name() != "pk" || eq.R.(*Param).N != 0 || !eq.Op.IsComparison() {
		t.Errorf("first conjunct = %s", PrintExpr(eq))
	}
	gt := conj[1].(*Binary)
	if gt.Op != OpGt || gt.R.(*Param).N != 1 {
		t.Errorf("second conjunct = %s", PrintExpr(gt))
	}
	if len(s.OrderBy) != 1 || s.OrderBy[0].Path.Name() != "sk" || !s.OrderBy[0].Desc {
		t.Errorf("OrderBy = %+v", s.OrderBy)
	}
	if s.Limit.(*Param).N != 2 || s.Offset.(*Number).Text != "7" {
		t.Errorf("Limit = %#v, Offset = %#v", s.Limit, s.Offset)
	}
	if !UsesExtensions(s) {
		t.Error("UsesExtensions = false for LIMIT/OFFSET")
	}
	if TableName(s) != "Tab" {
		t.Errorf("TableName = %q", TableName(s))
	}
}

func TestParsePositions(t *testing.T) {
	src := "SELECT *\nFROM \"T\"\nWHERE  pk = ?"
	stmt, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	s := stmt.(*Select)
	eq := s.Where.(*Binary)
	path := eq.L.(*Path)
	param := eq.R.(*Param)
	if l, c := LineCol(src, s.Pos); l != 1 || c != 1 {
		t.Errorf("select at %d:%d, want 1:1", l, c)
	}
	if l, c := LineCol(src, path.Pos); l != 3 || c != 8 {
		t.Errorf("pk at %d:%d, want 3:8", l, c)
	}
	if l, c := LineCol(src, param.Pos); l != 3 || c != 13 {
		t.Errorf("? at %d:%d, want 3:13", l, c)
	}
	if l, c := LineCol(src, NoPos); l != 0 || c != 0 {
		t.Errorf("NoPos at %d:%d, want 0:0", l, c)
	}
}

func TestParseLiteralValues(t *testing.T) {
	stmt, err := Parse(`INSERT INTO "T" VALUE {'s': 'it''s', 'n': -0.5e-7, 'b': TRUE, 'z': NULL, 'l': [1], 'g': <<'x'>>}`)
	if err != nil {
		t.Fatal(err)
	}
	m := stmt.(*Insert).Value.(*Map)
	keys := []string{"s", "n", "b", "z", "l", "g"}
	if len(m.Entries) != len(keys) {
		t.Fatalf("map has %d entries", len(m.Entries))
	}
	for i, k := range keys {
		if m.Entries[i].Key != k {
			t.Errorf("entry %d key = %q, want %q", i, m.Entries[i].Key, k)
		}
	}
	if v := m.Entries[0].Value.(*String).Value; v != "it's" {
		t.Errorf("string = %q", v)
	}
	if v := m.Entries[1].Value.(*Number).Text; v != "-0.5e-7" {
		t.Errorf("number = %q", v)
	}
	if v := m.Entries[2].Value.(*Bool).Value; !v {
		t.Error("bool = false")
	}
	if _, ok := m.Entries[3].Value.(*Null); !ok {
		t.Errorf("null = %T", m.Entries[3].Value)
	}
	if l := m.Entries[4].Value.(*List); len(l.Elems) != 1 {
		t.Errorf("list = %v", l.Elems)
	}
	if g := m.Entries[5].Value.(*Bag); len(g.Elems) != 1 || g.Elems[0].(*String).Value != "x" {
		t.Errorf("bag = %v", g.Elems)
	}
}

func TestParseInsertSQL(t *testing.T) {
	stmt, err := Parse(`INSERT INTO users (id, "Name") VALUES (?, 'a'), (?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	ins := stmt.(*Insert)
	if ins.Table != "users" || ins.TableQuoted || ins.Value != nil {
		t.Errorf("table %q quoted %v value %v", ins.Table, ins.TableQuoted, ins.Value)
	}
	if len(ins.Columns) != 2 || ins.Columns[0] != (Ident{Name: "id"}) || ins.Columns[1] != (Ident{Name: "Name", Quoted: true}) {
		t.Errorf("columns = %+v", ins.Columns)
	}
	if len(ins.Rows) != 2 || len(ins.Rows[0]) != 2 || len(ins.Rows[1]) != 2 {
		t.Fatalf("rows = %v", ins.Rows)
	}
	if !UsesExtensions(ins) {
		t.Error("UsesExtensions = false for INSERT ... VALUES")
	}
	maps := ins.ValueMaps()
	want := []string{`{'id': ?, 'Name': 'a'}`, `{'id': ?, 'Name': ?}`}
	for i, m := range maps {
		if got := PrintExpr(m); got != want[i] {
			t.Errorf("ValueMaps()[%d] = %s, want %s", i, got, want[i])
		}
	}
	if n := maps[1].Entries[1].Value.(*Param).N; n != 2 {
		t.Errorf("second row's second ? has N = %d, want 2", n)
	}
	plain, _ := Parse(`INSERT INTO "T" VALUE ?`)
	if UsesExtensions(plain) || plain.(*Insert).ValueMaps() != nil {
		t.Error("the VALUE form is flagged as an extension")
	}
}

func TestParseUpdateAST(t *testing.T) {
	stmt, err := Parse(`UPDATE "T" SET a = a + ?, b = list_append(b, [?]) REMOVE c.d WHERE pk = ? RETURNING ALL NEW *`)
	if err != nil {
		t.Fatal(err)
	}
	u := stmt.(*Update)
	if len(u.Sets) != 2 || u.Sets[0].Path.Name() != "a" || u.Sets[1].Path.Name() != "b" {
		t.Fatalf("sets = %+v", u.Sets)
	}
	add := u.Sets[0].Value.(*Binary)
	if add.Op != OpAdd || add.R.(*Param).N != 0 {
		t.Errorf("a's value = %s", PrintExpr(add))
	}
	call := u.Sets[1].Value.(*Call)
	if call.Name != "list_append" || len(call.Args) != 2 {
		t.Errorf("b's value = %s", PrintExpr(call))
	}
	if len(u.Removes) != 1 || u.Removes[0].Root() != "c" || len(u.Removes[0].Segments) != 2 {
		t.Errorf("removes = %+v", u.Removes)
	}
	if u.Returning != ReturnAllNew {
		t.Errorf("Returning = %q", u.Returning)
	}
	if UsesExtensions(u) {
		t.Error("UsesExtensions = true for a plain UPDATE")
	}
}

func TestParseExistsAST(t *testing.T) {
	stmt, err := Parse(`EXISTS(SELECT * FROM "T" WHERE pk = ? AND attribute_type(x, 'N'))`)
	if err != nil {
		t.Fatal(err)
	}
	e := stmt.(*Exists)
	if e.Kind() != KindExists || e.Select == nil || e.Select.Table != "T" || !e.Select.Star {
		t.Fatalf("exists = %+v", e)
	}
	if TableName(e) != "T" || len(Params(e)) != 1 {
		t.Errorf("TableName %q, %d params", TableName(e), len(Params(e)))
	}
}

func TestParseParamOrdinals(t *testing.T) {
	for _, src := range []string{
		`SELECT * FROM "T" WHERE a = ? AND b IN [?, ?] AND c BETWEEN ? AND ? AND size(d) > ? LIMIT ? OFFSET ?`,
		`INSERT INTO "T" VALUE {'a': ?, 'b': [?, {'c': ?}], 'd': <<?>>}`,
		`INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)`,
		`UPDATE "T" SET a = ? SET b = b + ? REMOVE c SET d = set_add(d, <<?>>) WHERE pk = ? AND sk = ?`,
		`DELETE FROM "T" WHERE pk = ? AND (x = ? OR y IS NOT NULL) RETURNING ALL OLD *`,
	} {
		stmt, err := Parse(src)
		if err != nil {
			t.Errorf("Parse(%q): %v", src, err)
			continue
		}
		params := Params(stmt)
		if want := strings.Count(src, "?"); len(params) != want {
			t.Errorf("Params(%q) has %d, want %d", src, len(params), want)
		}
		for i, p := range params {
			if p.N != i {
				t.Errorf("Params(%q)[%d].N = %d", src, i, p.N)
			}
		}
	}
}

// errorTests are statements Parse refuses with a *SyntaxError at line:col
// whose message contains msg.
var errorTests = []struct {
	in        string
	line, col int
	msg       string
}{
	{``, 1, 1, "expected SELECT, INSERT, UPDATE, DELETE or EXISTS, found end of input"},
	{`   `, 1, 4, "found end of input"},
	{`SELEC * FROM t`, 1, 1, `expected SELECT, INSERT, UPDATE, DELETE or EXISTS, found "SELEC"`},
	{`SELECT * t`, 1, 10, `expected FROM, found "t"`},
	{`SELECT FROM t`, 1, 8, `expected an attribute name, found "FROM"`},
	{`SELECT * FROM`, 1, 14, "expected a table name, found end of input"},
	{`SELECT * FROM t WHERE`, 1, 22, "expected a value, found end of input"},
	{`SELECT * FROM t WHERE a =`, 1, 26, "expected a value"},
	{`SELECT * FROM t WHERE a = 1 b`, 1, 29, `unexpected "b"`},
	{`SELECT * FROM t WHERE a = 1 = 2`, 1, 29, "comparisons cannot be chained"},
	{`SELECT * FROM t WHERE (a = 1`, 1, 29, "expected ), found end of input"},
	{`SELECT * FROM t WHERE a IN 1`, 1, 28, "expected [ or ( after IN"},
	{`SELECT * FROM t WHERE a IN [1,]`, 1, 31, "expected a value after ','"},
	{`SELECT * FROM t WHERE a BETWEEN 1 OR 2`, 1, 35, "expected AND in BETWEEN"},
	{`SELECT * FROM t WHERE a IS 3`, 1, 28, "expected NULL or MISSING after IS"},
	{`SELECT * FROM t WHERE a = 'oops`, 1, 27, "unterminated string literal"},
	{`SELECT * FROM "oops`, 1, 15, "unterminated quoted identifier"},
	{`SELECT * FROM ""`, 1, 15, "empty quoted identifier"},
	{`SELECT * /* FROM t`, 1, 10, "unterminated /* comment"},
	{`SELECT * FROM t WHERE a = 1e`, 1, 27, "exponent has no digits"},
	{`SELECT * FROM t WHERE a = 12abc`, 1, 27, "malformed number"},
	{`SELECT * FROM t WHERE a = 1.2.3`, 1, 27, "malformed number"},
	{`SELECT * FROM t WHERE a # 1`, 1, 25, "unexpected character '#'"},
	{`SELECT * FROM t WHERE a ! 1`, 1, 25, "unexpected character '!'"},
	{"SELECT * FROM t WHERE a = `1`", 1, 27, "Ion literals"},
	{`SELECT * FROM t WHERE a = -b`, 1, 28, "expected a number after unary '-'"},
	{`SELECT * FROM t WHERE a[x] = 1`, 1, 25, "expected a list index"},
	{`SELECT * FROM t WHERE a[1.5] = 1`, 1, 25, "not a whole number"},
	{`SELECT * FROM t WHERE a[99999999999] = 1`, 1, 25, "not a whole number in range"},
	{`SELECT * FROM t WHERE a.* = 1`, 1, 25, "wildcards"},
	{`SELECT * FROM t WHERE a. = 1`, 1, 26, "expected an attribute name after '.'"},
	{`SELECT * FROM t WHERE size(a, b) = 1`, 1, 23, "size takes 1 argument, not 2"},
	{`SELECT * FROM t WHERE begins_with(a) = 1`, 1, 23, "begins_with takes 2 arguments, not 1"},
	{`SELECT * FROM t WHERE x = {a: 1}`, 1, 28, "expected a 'quoted' map key"},
	{`SELECT * FROM t WHERE x = {'a' 1}`, 1, 32, "expected : after the map key"},
	{`SELECT * FROM t WHERE EXISTS(a)`, 1, 23, "EXISTS only takes a SELECT"},
	{`SELECT *, a FROM t`, 1, 9, "* must be the only item"},
	{`SELECT a, * FROM t`, 1, 11, "* must be the only item"},
	{`SELECT COUNT(*), a FROM t`, 1, 16, "COUNT(*) must be the only item"},
	{`SELECT a, COUNT(*) FROM t`, 1, 11, "COUNT(*) must be the only item"},
	{`SELECT size(a) FROM t`, 1, 8, "can only name attribute paths"},
	{`SELECT * FROM t ORDER a`, 1, 23, "expected BY after ORDER"},
	{`SELECT * FROM t LIMIT x`, 1, 23, "expected a whole number or ? after LIMIT"},
	{`SELECT * FROM t LIMIT 1.5`, 1, 23, "LIMIT needs a whole number or ?"},
	{`SELECT * FROM t LIMIT -1`, 1, 23, "expected a whole number or ? after LIMIT"},
	{`SELECT * FROM t LIMIT 5, 10`, 1, 24, "LIMIT n OFFSET m"},
	{`SELECT * FROM t OFFSET 5`, 1, 17, "OFFSET needs a LIMIT"},
	{`SELECT * FROM t; SELECT * FROM u`, 1, 18, "only one statement"},
	{`SELECT * FROM t;;`, 1, 17, "only one statement"},
	{`INSERT "T" VALUE ?`, 1, 8, "expected INTO after INSERT"},
	{`INSERT INTO "T" VALUE 1`, 1, 23, "a map {'key': value, ...} or ? after VALUE"},
	{`INSERT INTO "T" VALUES (1)`, 1, 17, "needs a column list"},
	{`INSERT INTO "T"."I" VALUE ?`, 1, 16, "an index can only be named in SELECT"},
	{`INSERT INTO t (a, b) VALUES (1)`, 1, 29, "row 1 has 1 values for 2 columns"},
	{"INSERT INTO t (a, b)\nVALUES (1, 2),\n       (3, 4, 5)", 3, 8, "row 2 has 3 values for 2 columns"},
	{`INSERT INTO t (a, a) VALUES (1, 2)`, 1, 19, `column "a" is listed twice`},
	{`INSERT INTO t () VALUES ()`, 1, 16, "expected a column name"},
	{`INSERT INTO t (a) VALUE (1)`, 1, 19, "expected VALUES"},
	{`UPDATE "T" WHERE pk = 1`, 1, 12, "expected SET or REMOVE"},
	{`UPDATE "T" SET a WHERE pk = 1`, 1, 18, "expected =, found"},
	{`UPDATE "T" SET a = 1 b = 2 WHERE pk = 1`, 1, 22, "expected SET, REMOVE or WHERE"},
	{`UPDATE "T" SET a = 1 WHERE pk = 1 RETURNING *`, 1, 45, "expected ALL or MODIFIED after RETURNING"},
	{`UPDATE "T" SET a = 1 WHERE pk = 1 RETURNING ALL *`, 1, 49, "expected OLD or NEW"},
	{`UPDATE "T" SET a = 1 WHERE pk = 1 RETURNING ALL OLD`, 1, 52, "expected *"},
	{`DELETE "T" WHERE pk = 1`, 1, 8, "expected FROM after DELETE"},
	{`DELETE FROM "T" WHERE pk = 1 RETURNING ALL NEW *`, 1, 30, "DELETE can only return ALL OLD *"},
	{`EXISTS SELECT * FROM t`, 1, 8, "expected ( after EXISTS"},
	{`EXISTS(DELETE FROM t WHERE a = 1)`, 1, 8, "expected SELECT inside EXISTS"},
	{`EXISTS(SELECT * FROM t WHERE a = 1`, 1, 35, "expected ), found end of input"},
	{`EXISTS(SELECT * FROM t LIMIT 1)`, 1, 8, "EXISTS takes a plain SELECT"},
	{"SELECT *\nFROM \"T\"\nWHERE a = ? AND\n  AND b = 1", 4, 3, `expected a value, found "AND"`},
	{"SELECT *\r\nFROM \"T\"\r\nWHERE é = 1", 3, 7, "unexpected character 'é'"},
	{"SELECT * FROM t WHERE a = 'é' AND b = @", 1, 39, "unexpected character '@'"},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range errorTests {
		_, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Line != tt.line || se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%q) = %v\nwant line %d, column %d: ...%s...", tt.in, err, tt.line, tt.col, tt.msg)
		}
		if errors.Is(err, ErrUnsupported) {
			t.Errorf("Parse(%q): a syntax error matches ErrUnsupported", tt.in)
		}
		if want := "partiql: line "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q).Error() = %q, want prefix %q", tt.in, err.Error(), want)
		}
	}
}

func TestSyntaxErrorFormat(t *testing.T) {
	_, err := Parse("SELECT *\nFROM t\nWHERE a = = 1")
	want := `partiql: line 3, column 11: expected a value, found "="`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// unsupportedTests are SQL statements Parse refuses with an
// *UnsupportedError naming feature, at line:col, with a hint containing hint.
var unsupportedTests = []struct {
	in        string
	feature   string
	line, col int
	hint      string
}{
	{`SELECT * FROM a JOIN b ON a.id = b.id`, "JOIN", 1, 17, "query each table separately or denormalise"},
	{`SELECT * FROM a INNER JOIN b ON a.id = b.id`, "JOIN", 1, 17, "denormalise"},
	{`SELECT * FROM a LEFT OUTER JOIN b ON a.id = b.id`, "JOIN", 1, 17, "denormalise"},
	{`SELECT * FROM a CROSS JOIN b`, "JOIN", 1, 17, "denormalise"},
	{`SELECT * FROM a, b`, "several tables in FROM", 1, 16, "query each table separately"},
	{`SELECT * FROM a x`, "table aliases", 1, 17, "refer to attributes by their names"},
	{`SELECT * FROM a AS x`, "table aliases", 1, 17, "refer to attributes"},
	{`SELECT a AS b FROM t`, "column aliases", 1, 10, "rename in Go"},
	{`SELECT * FROM t GROUP BY a`, "GROUP BY", 1, 17, "aggregate the rows in Go"},
	{`SELECT * FROM t WHERE a = 1 GROUP BY a`, "GROUP BY", 1, 29, "aggregate the rows in Go"},
	{`SELECT age, COUNT(*) FROM t GROUP BY age`, "GROUP BY", 1, 29, "aggregate the rows in Go"},
	{`SELECT COUNT(*), age FROM t GROUP BY age`, "GROUP BY", 1, 29, "aggregate the rows in Go"},
	{`SELECT age, count(id) FROM t WHERE age > 1 GROUP BY age`, "GROUP BY", 1, 44, "aggregate the rows in Go"},
	{`SELECT age, SUM(n) FROM t GROUP BY age`, "GROUP BY", 1, 27, "aggregate the rows in Go"},
	{`SELECT * FROM t HAVING a > 1`, "HAVING", 1, 17, "in Go"},
	{`SELECT SUM(a) FROM t`, "aggregate SUM", 1, 8, "aggregate in Go"},
	{`SELECT avg(a) FROM t`, "aggregate AVG", 1, 8, "aggregate in Go"},
	{`SELECT MIN(a) FROM t`, "aggregate MIN", 1, 8, "aggregate in Go"},
	{`SELECT MAX(a) FROM t`, "aggregate MAX", 1, 8, "aggregate in Go"},
	{`SELECT COUNT(a) FROM t`, "aggregate COUNT(...)", 1, 8, "only SELECT COUNT(*) FROM ... is translated"},
	{`SELECT * FROM t WHERE COUNT(*) > 1`, "aggregate COUNT(...)", 1, 23, "COUNT(*)"},
	{`SELECT DISTINCT a FROM t`, "DISTINCT", 1, 8, "deduplicate the rows in Go"},
	{`SELECT * FROM a UNION SELECT * FROM b`, "UNION", 1, 17, "combine the results in Go"},
	{`SELECT * FROM a WHERE x = 1 INTERSECT SELECT * FROM b`, "INTERSECT", 1, 29, "in Go"},
	{`SELECT * FROM a EXCEPT SELECT * FROM b`, "EXCEPT", 1, 17, "in Go"},
	{`SELECT * FROM (SELECT * FROM t)`, "subquery in FROM", 1, 15, "query the table directly"},
	{`SELECT * FROM t WHERE a IN (SELECT b FROM u)`, "subqueries", 1, 29, "run the inner query first"},
	{`SELECT * FROM t WHERE a = (SELECT b FROM u)`, "subqueries", 1, 28, "run the inner query first"},
	{`SELECT * FROM t WHERE EXISTS (SELECT * FROM u)`, "EXISTS subqueries in a condition", 1, 23, "statement of its own"},
	{`SELECT * FROM t WHERE a LIKE 'x%'`, "LIKE", 1, 25, "begins_with"},
	{`SELECT * FROM t WHERE a NOT LIKE 'x%'`, "LIKE", 1, 29, "contains"},
	{`SELECT * FROM t WHERE lower(a) = 'x'`, "function lower", 1, 23, "begins_with, contains"},
	{`SELECT * FROM t WHERE attribute_exists(a)`, "function attribute_exists", 1, 23, "IS NOT MISSING"},
	{`SELECT * FROM t WHERE attribute_not_exists(a)`, "function attribute_not_exists", 1, 23, "IS MISSING"},
	{`(SELECT * FROM t)`, "parenthesised SELECT", 1, 1, "without parentheses"},
	{`INSERT INTO t SELECT * FROM u`, "INSERT ... SELECT", 1, 15, "INSERT each one"},
	{`INSERT INTO t (SELECT * FROM u)`, "INSERT ... SELECT", 1, 16, "INSERT each one"},
	{`UPDATE "T" SET a = 1`, "UPDATE without WHERE", 1, 21, "full primary key"},
	{`UPDATE "T" SET ? WHERE id = 1`, "SET ? (a whole value as the assignments)", 1, 16, "SET each attribute (SET a = ?, b = ?)"},
	{`UPDATE "T" SET a = 1, ? WHERE id = 1`, "SET ? (a whole value as the assignments)", 1, 23, "Repository.Put"},
	{`UPDATE "T" SET a = 1 RETURNING ALL NEW *`, "UPDATE without WHERE", 1, 22, "full primary key"},
	{`DELETE FROM "T"`, "DELETE without WHERE", 1, 16, "full primary key"},
	{`DELETE FROM "T";`, "DELETE without WHERE", 1, 16, "full primary key"},
	{`CREATE TABLE tbl (a INT)`, "column definitions in CREATE TABLE", 1, 18, "WITH PK=id:STRING"},
	{`truncate table tbl`, "TRUNCATE", 1, 1, "DROP TABLE and CREATE TABLE again"},
	{`CREATE INDEX idx ON tbl (a)`, "CREATE INDEX", 1, 8, "CREATE GSI idx ON t"},
	{`UPSERT INTO t VALUE {'a': 1}`, "UPSERT statement", 1, 1, "there is no upsert"},
	{`REPLACE INTO t VALUE {'a': 1}`, "REPLACE statement", 1, 1, "there is no upsert"},
	{`WITH x AS (SELECT * FROM t) SELECT * FROM x`, "WITH clause", 1, 1, "common table expressions"},
	{"SELECT *\nFROM a\n  JOIN b", "JOIN", 3, 3, "denormalise"},
}

func TestParseUnsupported(t *testing.T) {
	for _, tt := range unsupportedTests {
		_, err := Parse(tt.in)
		var ue *UnsupportedError
		if !errors.As(err, &ue) {
			t.Errorf("Parse(%q) = %v, want an *UnsupportedError", tt.in, err)
			continue
		}
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("Parse(%q): errors.Is(err, ErrUnsupported) = false", tt.in)
		}
		if ue.Feature != tt.feature || ue.Line != tt.line || ue.Col != tt.col || !strings.Contains(ue.Hint, tt.hint) {
			t.Errorf("Parse(%q) = %v\n(feature %q at %d:%d) want feature %q at %d:%d, hint with %q",
				tt.in, err, ue.Feature, ue.Line, ue.Col, tt.feature, tt.line, tt.col, tt.hint)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "partiql: ") || !strings.Contains(msg, "DynamoDB's PartiQL has no "+tt.feature) {
			t.Errorf("Parse(%q).Error() = %q", tt.in, msg)
		}
	}
}

func TestUnsupportedErrorMessage(t *testing.T) {
	_, err := Parse(`SELECT * FROM a JOIN b ON a.x = b.x`)
	want := "partiql: line 1, column 17: DynamoDB's PartiQL has no JOIN; query each table separately or denormalise"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
}

func TestParseDepthLimit(t *testing.T) {
	deep := `SELECT * FROM t WHERE ` + strings.Repeat("(", 1000) + "a = 1" + strings.Repeat(")", 1000)
	_, err := Parse(deep)
	var se *SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "nested too deeply") {
		t.Errorf("Parse(1000 parentheses) = %v, want a nesting error", err)
	}
	nots := `SELECT * FROM t WHERE ` + strings.Repeat("NOT ", 1000) + "a = 1"
	if _, err := Parse(nots); !errors.As(err, &se) || !strings.Contains(se.Msg, "nested too deeply") {
		t.Errorf("Parse(1000 NOTs) = %v, want a nesting error", err)
	}
	lists := `INSERT INTO t VALUE {'a': ` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`
	if _, err := Parse(lists); !errors.As(err, &se) || !strings.Contains(se.Msg, "nested too deeply") {
		t.Errorf("Parse(1000 nested lists) = %v, want a nesting error", err)
	}
	ok := `SELECT * FROM t WHERE ` + strings.Repeat("(", 50) + "a = 1" + strings.Repeat(")", 50)
	if _, err := Parse(ok); err != nil {
		t.Errorf("Parse(50 parentheses): %v", err)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		KindUnknown: "UNKNOWN", KindSelect: "SELECT", KindInsert: "INSERT",
		KindUpdate: "UPDATE", KindDelete: "DELETE", KindExists: "EXISTS",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}
