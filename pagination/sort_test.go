package pagination

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseDirection(t *testing.T) {
	for s, want := range map[string]Direction{"asc": Asc, "ASC": Asc, "Asc": Asc, "desc": Desc, "DESC": Desc, "dEsC": Desc} {
		if d, err := ParseDirection(s); err != nil || d != want {
			t.Fatalf("ParseDirection(%q) = %v, %v", s, d, err)
		}
	}
	for _, s := range []string{"", "up", "ascending", " asc", "des"} {
		if _, err := ParseDirection(s); err == nil || !strings.HasPrefix(err.Error(), "pagination: ") {
			t.Fatalf("ParseDirection(%q) = %v", s, err)
		}
	}
	if Asc.String() != "asc" || Desc.String() != "desc" || Direction(7).String() != "Direction(7)" {
		t.Fatal("String")
	}
}

func TestOrderJSON(t *testing.T) {
	s := Sort{{"lastname", Desc}, {"firstname", Asc}}
	b, err := json.Marshal(s)
	if err != nil || string(b) != `[{"property":"lastname","direction":"desc"},{"property":"firstname","direction":"asc"}]` {
		t.Fatalf("%s %v", b, err)
	}
	var back Sort
	if err := json.Unmarshal([]byte(`[{"property":"lastname","direction":"DESC"},{"property":"firstname","direction":"asc"}]`), &back); err != nil || !slices.Equal(back, s) {
		t.Fatalf("%v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`[{"property":"a","direction":"up"}]`), &back); err == nil {
		t.Fatal("bad direction decoded")
	}
	if _, err := json.Marshal(Order{"a", Direction(3)}); err == nil {
		t.Fatal("bad direction encoded")
	}
	if s.String() != "lastname,desc;firstname,asc" || Sort(nil).String() != "" {
		t.Fatalf("String = %q", s.String())
	}
}

func TestSortValidate(t *testing.T) {
	allowed := []string{"lastname", "firstname"}
	ok := []Sort{nil, {}, {{"lastname", Asc}}, {{"firstname", Desc}, {"lastname", Asc}}}
	for _, s := range ok {
		if err := s.Validate(allowed...); err != nil {
			t.Fatalf("%v: %v", s, err)
		}
	}
	bad := []struct {
		s       Sort
		allowed []string
		msg     string
	}{
		{Sort{{"age", Asc}}, allowed, `cannot sort by "age"; sortable properties: lastname, firstname`},
		{Sort{{"lastname", Asc}}, nil, `cannot sort by "lastname": sorting is not supported here`},
		{Sort{{"", Asc}}, allowed, `sort must be "property"`},
		{Sort{{"lastname", Direction(2)}}, allowed, "sort direction must be asc or desc"},
		{Sort{{"lastname", Asc}, {"lastname", Desc}}, allowed, `sort lists "lastname" more than once`},
		{Sort{{strings.Repeat("x", 100), Asc}}, allowed, `cannot sort by "` + strings.Repeat("x", 40) + `"...`},
	}
	for _, c := range bad {
		err := c.s.Validate(c.allowed...)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Parameter != "sort" || !strings.Contains(pe.Message, c.msg) {
			t.Fatalf("%v: got %v, want %q", c.s, err, c.msg)
		}
		sa, ok := pe.Allowed.(SortAllowed)
		if !ok || sa.Properties == nil || !slices.Equal(sa.Directions, []string{"asc", "desc"}) {
			t.Fatalf("Allowed = %#v", pe.Allowed)
		}
	}
}

func TestSortValidateIndexes(t *testing.T) {
	idx := SortIndexes{"ageIndex": {"lastname", "firstname"}, "nameIndex": {"lastname"}, "emailIndex": {"email"}}
	if got := idx.IndexesFor("lastname"); !slices.Equal(got, []string{"ageIndex", "nameIndex"}) {
		t.Fatalf("IndexesFor = %v", got)
	}
	if got := idx.IndexesFor("age"); got != nil {
		t.Fatalf("IndexesFor = %v", got)
	}
	err := Sort{{"email", Asc}}.ValidateIndexes(idx, "lastname")
	if err == nil || !strings.Contains(err.Error(), `sorting by "email" requires index emailIndex; sortable properties: lastname`) {
		t.Fatalf("got %v", err)
	}
	err = Sort{{"lastname", Asc}}.ValidateIndexes(idx)
	if err == nil || !strings.Contains(err.Error(), `sorting is not supported here; sorting by "lastname" requires one of the indexes ageIndex, nameIndex`) {
		t.Fatalf("got %v", err)
	}
	var pe *ParamError
	if !errors.As(err, &pe) || len(pe.Allowed.(SortAllowed).Indexes) != 3 {
		t.Fatalf("Allowed = %#v", pe)
	}
}
