package partiql

import (
	"errors"
	"testing"
)

func TestSummarize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Summary
	}{
		{`SELECT * FROM "T" WHERE a = ?`, Summary{Kind: KindSelect, Params: 1, Table: "T"}},
		{`  select a, b from users where x in [?, ?, ?]`, Summary{Kind: KindSelect, Params: 3, Table: "users"}},
		{`SELECT * FROM "T"."I" WHERE a = ?`, Summary{Kind: KindSelect, Params: 1, Table: "T"}},
		{`SELECT * FROM "say ""hi""" WHERE a = ?`, Summary{Kind: KindSelect, Params: 1, Table: `say "hi"`}},
		{`SELECT * FROM "T" WHERE a = '?' AND "b?" = ? -- ?` + "\n" + `AND c = /* ? */ ?`, Summary{Kind: KindSelect, Params: 2, Table: "T"}},
		{`SELECT * FROM "T" WHERE a = 'it''s ?'`, Summary{Kind: KindSelect, Table: "T"}},
		{`SELECT * FROM /* the table */ "T"`, Summary{Kind: KindSelect, Table: "T"}},
		{"-- leading comment\nDELETE FROM \"T\" WHERE pk = ? RETURNING ALL OLD *", Summary{Kind: KindDelete, Params: 1, Returning: true, Table: "T"}},
		{`INSERT INTO "T" VALUE {'a': ?, 'b': ?}`, Summary{Kind: KindInsert, Params: 2, Table: "T"}},
		{"", Summary{Empty: true}},
		{" -- only a comment ?", Summary{Empty: true}},
		{"/* a ? */ \n -- b\n\t", Summary{Empty: true}},
		{"/* a */ x", Summary{}},
		{`INSERT INTO users (id, name) VALUES (?, ?), (?, ?)`, Summary{Kind: KindInsert, Params: 4, Table: "users"}},
		{`UPDATE "T" SET a = ? WHERE pk = ? RETURNING MODIFIED NEW *`, Summary{Kind: KindUpdate, Params: 2, Returning: true, Table: "T"}},
		{`update T set a = 1 where pk = 2`, Summary{Kind: KindUpdate, Table: "T"}},
		{`EXISTS(SELECT * FROM "T" WHERE pk = ?)`, Summary{Kind: KindExists, Params: 1, Table: "T"}},
		{`SELECT * FROM "T" WHERE "RETURNING" = 'RETURNING'`, Summary{Kind: KindSelect, Table: "T"}},
		{`SELECT * FROM (SELECT 1)`, Summary{Kind: KindSelect}},
		{`CREATE TABLE t`, Summary{}},
		{`(SELECT * FROM t) ?`, Summary{Params: 1}},
		{`-- only a comment`, Summary{Empty: true}},
		{`SELECT ? FROM`, Summary{Kind: KindSelect, Params: 1}},
	} {
		got, err := Summarize(tt.in)
		if err != nil {
			t.Errorf("Summarize(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Summarize(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestSummarizeErrors(t *testing.T) {
	for _, tt := range []struct {
		in        string
		line, col int
		msg       string
	}{
		{`SELECT * FROM t WHERE a = 'x`, 1, 27, "unterminated string literal"},
		{"SELECT *\nFROM \"t", 2, 6, "unterminated quoted identifier"},
		{"SELECT * /* ?", 1, 10, "unterminated /* comment"},
	} {
		_, err := Summarize(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != tt.line || se.Col != tt.col || se.Msg != tt.msg {
			t.Errorf("Summarize(%q) = %v, want line %d, column %d: %s", tt.in, err, tt.line, tt.col, tt.msg)
		}
	}
}

// TestSummarizeAgreesWithParse checks every statement of the parse tests.
func TestSummarizeAgreesWithParse(t *testing.T) {
	for _, tt := range printTests {
		stmt, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		sum, err := Summarize(tt.in)
		if err != nil {
			t.Errorf("Summarize(%q): %v", tt.in, err)
			continue
		}
		if sum.Kind != stmt.Kind() || sum.Params != len(Params(stmt)) || sum.Table != TableName(stmt) {
			t.Errorf("Summarize(%q) = %+v; Parse: kind %v, %d params, table %q",
				tt.in, sum, stmt.Kind(), len(Params(stmt)), TableName(stmt))
		}
	}
}

func TestSummarizeDoesNotAllocate(t *testing.T) {
	src := `UPDATE "T" SET a = ?, b = 'x?' WHERE pk = ? AND sk = ? RETURNING ALL NEW *`
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Summarize(src); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Summarize allocates %v times per call", allocs)
	}
}
