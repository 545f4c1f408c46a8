package pagination

import (
	"context"
	"encoding/json"
	"testing"
)

func TestPageJSON(t *testing.T) {
	cases := []struct {
		page any
		want string
	}{
		{Page[int]{Page: 3, Size: 20}, `{"content":[],"page":3,"size":20,"numberOfElements":0,"hasNext":false}`},
		{Page[string]{Content: []string{"a", "b"}, Size: 2, NumberOfElements: 2, HasNext: true, NextCursor: "abc"},
			`{"content":["a","b"],"page":0,"size":2,"numberOfElements":2,"hasNext":true,"nextCursor":"abc"}`},
		{&Page[int]{Content: []int{}, Page: 1, Size: 5}, `{"content":[],"page":1,"size":5,"numberOfElements":0,"hasNext":false}`},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.page)
		if err != nil || string(b) != c.want {
			t.Fatalf("got %s, %v\nwant %s", b, err, c.want)
		}
	}
	var back Page[string]
	if err := json.Unmarshal([]byte(cases[1].want), &back); err != nil || back.NextCursor != "abc" || len(back.Content) != 2 || !back.HasNext {
		t.Fatalf("%+v %v", back, err)
	}
}

func TestContext(t *testing.T) {
	if _, ok := FromContext(context.Background()); ok {
		t.Fatal("found a Pageable in an empty context")
	}
	p := Pageable{Page: 2, Size: 10, Sort: Sort{{"a", Desc}}}
	got, ok := FromContext(NewContext(context.Background(), p))
	if !ok || got.Page != 2 || got.Size != 10 || len(got.Sort) != 1 || got.Offset() != 20 {
		t.Fatalf("got %+v, %v", got, ok)
	}
}
