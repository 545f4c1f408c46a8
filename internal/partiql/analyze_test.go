package partiql

import (
	"errors"
	"testing"
)

func TestAnalyzeSummary(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want summary
	}{
		{`SELECT * FROM "T" WHERE a = ?`, summary{Kind: KindSelect, Params: 1, Table: "T"}},
		{`  select a, b from users where x in [?, ?, ?]`, summary{Kind: KindSelect, Params: 3, Table: "users"}},
		{`SELECT * FROM "T"."I" WHERE a = ?`, summary{Kind: KindSelect, Params: 1, Table: "T"}},
		{`SELECT * FROM "say ""hi""" WHERE a = ?`, summary{Kind: KindSelect, Params: 1, Table: `say "hi"`}},
		{`SELECT * FROM "T" WHERE a = '?' AND "b?" = ? -- ?` + "\n" + `AND c = /* ? */ ?`, summary{Kind: KindSelect, Params: 2, Table: "T"}},
		{`SELECT * FROM "T" WHERE a = 'it''s ?'`, summary{Kind: KindSelect, Table: "T"}},
		{`SELECT * FROM /* the table */ "T"`, summary{Kind: KindSelect, Table: "T"}},
		{"-- leading comment\nDELETE FROM \"T\" WHERE pk = ? RETURNING ALL OLD *", summary{Kind: KindDelete, Params: 1, Returning: true, Table: "T"}},
		{`INSERT INTO "T" VALUE {'a': ?, 'b': ?}`, summary{Kind: KindInsert, Params: 2, Table: "T"}},
		{"", summary{Empty: true}},
		{" -- only a comment ?", summary{Empty: true}},
		{"/* a ? */ \n -- b\n\t", summary{Empty: true}},
		{"/* a */ x", summary{}},
		{`INSERT INTO users (id, name) VALUES (?, ?), (?, ?)`, summary{Kind: KindInsert, Params: 4, Table: "users"}},
		{`UPDATE "T" SET a = ? WHERE pk = ? RETURNING MODIFIED NEW *`, summary{Kind: KindUpdate, Params: 2, Returning: true, Table: "T"}},
		{`update T set a = 1 where pk = 2`, summary{Kind: KindUpdate, Table: "T"}},
		{`EXISTS(SELECT * FROM "T" WHERE pk = ?)`, summary{Kind: KindExists, Params: 1, Table: "T"}},
		{`SELECT * FROM "T" WHERE "RETURNING" = 'RETURNING'`, summary{Kind: KindSelect, Table: "T"}},
		{`SELECT * FROM (SELECT 1)`, summary{Kind: KindSelect}},
		{`CREATE TABLE t`, summary{}},
		{`(SELECT * FROM t) ?`, summary{Params: 1}},
		{`-- only a comment`, summary{Empty: true}},
		{`SELECT ? FROM`, summary{Kind: KindSelect, Params: 1}},
	} {
		a, err := Analyze(tt.in)
		if err != nil {
			t.Errorf("Analyze(%q): %v", tt.in, err)
			continue
		}
		if got := summaryOf(a); got != tt.want {
			t.Errorf("Analyze(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestAnalyzeErrors(t *testing.T) {
	for _, tt := range []struct {
		in        string
		line, col int
		msg       string
	}{
		{`SELECT * FROM t WHERE a = 'x`, 1, 27, "unterminated string literal"},
		{"SELECT *\nFROM \"t", 2, 6, "unterminated quoted identifier"},
		{"SELECT * /* ?", 1, 10, "unterminated /* comment"},
	} {
		_, err := Analyze(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != tt.line || se.Col != tt.col || se.Msg != tt.msg {
			t.Errorf("Analyze(%q) = %v, want line %d, column %d: %s", tt.in, err, tt.line, tt.col, tt.msg)
		}
	}
}

// TestAnalyzeSummaryAgreesWithParse checks every statement of the parse
// tests.
func TestAnalyzeSummaryAgreesWithParse(t *testing.T) {
	for _, tt := range printTests {
		stmt, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		a, err := Analyze(tt.in)
		if err != nil {
			t.Errorf("Analyze(%q): %v", tt.in, err)
			continue
		}
		if a.Kind != stmt.Kind() || a.Params != len(Params(stmt)) || a.Table != TableName(stmt) {
			t.Errorf("Analyze(%q) = %+v; Parse: kind %v, %d params, table %q",
				tt.in, summaryOf(a), stmt.Kind(), len(Params(stmt)), TableName(stmt))
		}
	}
}

// summary is the part of an Analysis the tokens alone tell.
type summary struct {
	Kind      Kind
	Params    int
	Returning bool
	Table     string
	Empty     bool
}

func summaryOf(a *Analysis) summary {
	return summary{Kind: a.Kind, Params: a.Params, Returning: a.Returning, Table: a.Table, Empty: a.Empty}
}

func TestAnalyzeKeepsSummaryWhenParseFails(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want summary
		ext  string
	}{
		{"SELECT * FROM `t` WHERE a = ?", summary{Kind: KindSelect, Params: 1}, ""},
		{`SELECT * FROM "t" WHERE a = ? AND b = 12abc`, summary{Kind: KindSelect, Params: 1, Table: "t"}, ""},
		{`SELECT * FROM "t" WHERE a ! ? LIMIT ?`, summary{Kind: KindSelect, Params: 2, Table: "t"}, "LIMIT"},
		{`INSERT INTO "t" SELECT * FROM "u"`, summary{Kind: KindInsert, Table: "t"}, InsertSelect},
		{`SELECT COUNT(*) FROM "t" WHERE ""`, summary{Kind: KindSelect, Table: "t"}, "COUNT(*)"},
		{`INSERT INTO t (a) VALUES (é)`, summary{Kind: KindInsert, Table: "t"}, "VALUES"},
	} {
		a, err := Analyze(tt.in)
		if err != nil {
			t.Fatalf("Analyze(%q): %v", tt.in, err)
		}
		if a.Stmt != nil || a.Err == nil {
			t.Errorf("Analyze(%q) parsed it; want a parse error", tt.in)
		}
		if got := summaryOf(a); got != tt.want || a.Ext != tt.ext {
			t.Errorf("Analyze(%q) = %+v, ext %q; want %+v, ext %q", tt.in, got, a.Ext, tt.want, tt.ext)
		}
	}
}

func TestAnalysesCounts(t *testing.T) {
	before := Analyses()
	if _, err := Analyze(`SELECT * FROM "t"`); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(`SELECT * FROM "t"`); err != nil {
		t.Fatal(err)
	}
	if got := Analyses() - before; got != 2 {
		t.Errorf("Analyses grew by %d for two analyses", got)
	}
}
