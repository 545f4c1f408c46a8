package partiql

import (
	"errors"
	"testing"
)

// FuzzParse checks that Analyze never panics, that a parsed statement
// prints to text that parses back to an Equal statement (and prints
// identically), that Clone is Equal, that what Analyze reads off the tokens
// agrees with the parse on kind, table, RETURNING and the number of
// placeholders, and that LooksLikeDDL agrees with the parse on table and
// index statements.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(checkParse)
}

// checkParse is the property FuzzParse and FuzzParseDDL check of src.
func checkParse(t *testing.T, src string) {
	a, aErr := Analyze(src)
	stmt, err := Parse(src)
	if (aErr != nil) != (a == nil) || aErr != nil && err == nil {
		t.Fatalf("Analyze(%q) = %v, %v; Parse: %v", src, a, aErr, err)
	}
	if err == nil && stmt.Kind().IsDDL() != LooksLikeDDL(src) {
		t.Fatalf("Parse(%q) is a %v statement but LooksLikeDDL = %v", src, stmt.Kind(), LooksLikeDDL(src))
	}
	if err != nil {
		var se *SyntaxError
		var ue *UnsupportedError
		var re *ReservedWordError
		if !errors.As(err, &se) && !errors.As(err, &ue) && !errors.As(err, &re) {
			t.Fatalf("Parse(%q): error of type %T: %v", src, err, err)
		}
		if se != nil && (se.Line < 1 || se.Col < 1) || ue != nil && (ue.Line < 1 || ue.Col < 1) || re != nil && (re.Line < 1 || re.Col < 1) {
			t.Fatalf("Parse(%q): bad position in %v", src, err)
		}
		return
	}
	out := Print(stmt)
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(Print(Parse(%q))) = Parse(%q): %v", src, out, err)
	}
	if !Equal(stmt, again) {
		t.Fatalf("Parse(%q) and Parse(Print(...)) = Parse(%q) differ", src, out)
	}
	if out2 := Print(again); out2 != out {
		t.Fatalf("Print is not stable for %q: %q then %q", src, out, out2)
	}
	if c := Clone(stmt); !Equal(c, stmt) || Print(c) != out {
		t.Fatalf("Clone(Parse(%q)) differs", src)
	}
	params := Params(stmt)
	for i, p := range params {
		if p.N != i {
			t.Fatalf("Parse(%q): parameter %d has N = %d", src, i, p.N)
		}
	}
	if stmt.Kind().IsDDL() {
		if a.Kind != stmt.Kind() {
			t.Fatalf("Analyze(%q).Kind = %v, Parse gives %v", src, a.Kind, stmt.Kind())
		}
		return // the summary's other fields describe PartiQL statements
	}
	want := summary{Kind: stmt.Kind(), Params: len(params), Table: TableName(stmt)}
	switch s := stmt.(type) {
	case *Update:
		want.Returning = s.Returning != ""
	case *Delete:
		want.Returning = s.Returning != ""
	}
	if got := summaryOf(a); got != want {
		t.Fatalf("Analyze(%q) = %+v, Parse gives %+v", src, got, want)
	}
}

// fuzzSeeds adds the statements of the table tests to the seed corpus in
// testdata/fuzz/FuzzParse.
var fuzzSeeds = func() []string {
	var seeds []string
	for _, tt := range printTests {
		seeds = append(seeds, tt.in)
	}
	for _, tt := range errorTests {
		seeds = append(seeds, tt.in)
	}
	for _, tt := range unsupportedTests {
		seeds = append(seeds, tt.in)
	}
	return seeds
}()
