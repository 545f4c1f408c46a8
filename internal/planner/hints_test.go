package planner

import (
	"strings"
	"testing"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

func TestScanHints(t *testing.T) {
	for _, tc := range []struct {
		where string
		want  []string // nil: no hints
	}{
		{`id = "i01"`, []string{`"i01" is an attribute name; write the string as 'i01'`}},
		{`"i01" = id`, []string{`"i01" is an attribute name; write the string as 'i01'`}},
		{`id IN ["a", 'b']`, []string{`"a" is an attribute name; write the string as 'a'`}},
		{`age BETWEEN "x" AND 3`, []string{`"x" is an attribute name; write the string as 'x'`}},
		{`name = "it's"`, []string{`"it's" is an attribute name; write the string as 'it''s'`}},
		{`idd = 'i01'`, []string{`did you mean "id"? ("idd" is no key attribute of table "user" or its indexes)`}},
		{`ID = 'i01'`, []string{`did you mean "id"? ("ID" is no key attribute of table "user" or its indexes)`}},
		{`lastnmae = 'x'`, []string{`did you mean "lastname"? ("lastnmae" is no key attribute of table "user" or its indexes)`}},
		{`emial = 'x' AND cty = 'y'`, []string{`did you mean "email"?`, `did you mean "city"?`}},
		// Comparisons of two known attributes, literals, far names: none.
		{`"age" = "city"`, nil},
		{`"lastname" = 'x'`, nil},
		{`score > 3 AND nickname = 'x'`, nil},
		{`contains(tags, 'x')`, nil},
	} {
		sel, err := partiql.Parse(`SELECT * FROM "user" WHERE ` + tc.where)
		if err != nil {
			t.Fatalf("%s: %v", tc.where, err)
		}
		p, err := PlanSelect(userTable, userComposites, sel.(*partiql.Select), Options{Consistent: true})
		if err != nil {
			t.Fatalf("%s: %v", tc.where, err)
		}
		if p.Access != AccessScan {
			t.Fatalf("%s: access %v, want a scan", tc.where, p.Access)
		}
		if len(p.Hints) != len(tc.want) {
			t.Errorf("%s: hints %q, want %q", tc.where, p.Hints, tc.want)
			continue
		}
		for i, w := range tc.want {
			if !strings.HasPrefix(p.Hints[i], w) {
				t.Errorf("%s: hint %d = %q, want %q", tc.where, i, p.Hints[i], w)
			}
		}
	}
	// A query gets no hints, whatever its WHERE.
	sel, _ := partiql.Parse(`SELECT * FROM "user" WHERE id = 'a' AND nmae = "x"`)
	p, err := PlanSelect(userTable, userComposites, sel.(*partiql.Select), Options{})
	if err != nil || p.Access == AccessScan || p.Hints != nil {
		t.Errorf("query: %v, %v, hints %q", err, p.Access, p.Hints)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"id", "id", 0}, {"idd", "id", 1}, {"di", "id", 1}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"lastnmae", "lastname", 1},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
