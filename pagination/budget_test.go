package pagination

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bigCodec encodes each item as 300 bytes, so that a cursor carries at
// most six of them (MaxCarryBytes).
type bigCodec struct{}

func (bigCodec) AppendItem(dst []byte, v int) ([]byte, error) {
	s := strconv.Itoa(v)
	return append(append(dst, s...), strings.Repeat(" ", 300-len(s))...), nil
}

func (bigCodec) DecodeItem(b []byte) (int, error) { return strconv.Atoi(strings.TrimSpace(string(b))) }

// A page reached by cursor costs one read with PaginateCarrying: the
// look-ahead that decides hasNext is read with the page and carried.
func TestPaginateCarryingOneReadPerPage(t *testing.T) {
	for _, c := range []struct {
		name     string
		src      func() *fakeSource
		maxCalls func(pages int) int
		maxReads int
	}{
		// 100 pages of 20: one read each, plus the last one's (empty).
		{"all match", func() *fakeSource { return &fakeSource{n: 2000} }, func(p int) int { return p + 1 }, 2000},
		// 1 in 7 match: the first page learns the rate, the others ask
		// for what it predicts plus a margin, carried.
		{"1 in 7", func() *fakeSource { return &fakeSource{n: 7000, match: oneInSeven} }, func(p int) int { return p * 12 / 10 }, 7000},
		// 9 in 10 match, as issue 19's filter that rejects 10%.
		{"9 in 10", func() *fakeSource { return &fakeSource{n: 2500, match: func(i int) bool { return i%10 != 3 }} }, func(p int) int { return p * 12 / 10 }, 2500},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := c.src()
			pages := walkWith(t, carrying, src, 20, testOpts(nil))
			checkWalk(t, pages, src.expected(), 20)
			t.Logf("%d pages, %d reads (calls), %d items read", len(pages), src.calls, src.reads)
			if src.calls > c.maxCalls(len(pages)) || src.reads > c.maxReads {
				t.Fatalf("%d pages cost %d calls reading %d items; want at most %d calls, %d items", len(pages), src.calls, src.reads, c.maxCalls(len(pages)), c.maxReads)
			}
			// Without a codec, each page needs a look-ahead of its own.
			plain := c.src()
			checkWalk(t, walk(t, plain, 20, testOpts(nil)), plain.expected(), 20)
			if plain.calls < len(pages)*3/2 {
				t.Fatalf("Paginate made %d calls for %d pages: the comparison is moot", plain.calls, len(pages))
			}
		})
	}
}

// Items too large to carry: the cursor resumes at the start of the read
// that returned them, with that read's limit, so the next page reads them
// again in one request and no item is read more than twice (by a source
// that honours limits).
func TestPaginateCarryTooLarge(t *testing.T) {
	big := func(ctx context.Context, fetch Fetch[int], p Pageable, opts PageOptions) (Page[int], error) {
		return PaginateCarrying(ctx, fetch, bigCodec{}, p, opts)
	}
	for _, kind := range sourceKinds {
		for _, match := range []func(int) bool{nil, oneInSeven} {
			src := kind.make(2000, match)
			pages := walkWith(t, big, src, 20, testOpts(nil))
			checkWalk(t, pages, src.expected(), 20)
			t.Logf("%s: %d pages, %d calls, %d items read", kind.name, len(pages), src.calls, src.reads)
			if src.ignoreLimit == 0 && (src.reads > 2*2000 || src.pageCap == 0 && src.calls > 3*len(pages)) {
				t.Fatalf("%s: %d pages cost %d calls reading %d items", kind.name, len(pages), src.calls, src.reads)
			}
		}
	}
	for _, size := range []int{1, 3, 20} {
		pageNEqualsCursorWalk(t, "bigCodec", big, "honours limit", sourceKinds[0].make, size)
	}
}

// failCodec cannot decode anything, like a codec of another item type.
type failCodec struct{ intCodec }

func (failCodec) DecodeItem([]byte) (int, error) { return 0, errors.New("not mine") }

// Issue 18 §3: a filter that matches nothing, one item a page, reads the
// result in few, growing reads.
func TestPaginateNoMatchGrowsReads(t *testing.T) {
	for _, pg := range pagers {
		src := &fakeSource{n: 5000, match: func(int) bool { return false }}
		pages := walkWith(t, pg.page, src, 1, testOpts(nil))
		checkWalk(t, pages, nil, 1)
		t.Logf("%s: %d calls to read 5000 items matching nothing", pg.name, src.calls)
		if src.calls > 12 || src.reads != 5000 {
			t.Fatalf("%s: %d calls reading %d items", pg.name, src.calls, src.reads)
		}
	}
}

// budgetOpts is testOpts with a budget.
func budgetOpts(b Budget) PageOptions {
	o := testOpts(nil)
	o.Budget = b
	return o
}

// When the budget runs out inside a page, the answer is partial and its
// cursor continues the page; following the cursors yields every item once,
// in order, and the answers of one page concatenate to the page.
func TestPaginateBudgetPartialPages(t *testing.T) {
	for _, pg := range pagers {
		for _, kind := range sourceKinds {
			src := kind.make(3000, func(i int) bool { return i%500 == 7 }) // 6 matches
			full := walkWith(t, pg.page, kind.make(3000, func(i int) bool { return i%500 == 7 }), 4, testOpts(nil))
			opts := budgetOpts(Budget{Items: 200})
			var got []int
			var answers []Page[int]
			p := Pageable{Size: 4}
			for {
				page, err := pg.page(context.Background(), src.fetch, p, opts)
				if err != nil {
					t.Fatal(err)
				}
				answers = append(answers, page)
				got = append(got, page.Content...)
				if page.Partial != (len(page.Content) < 4-page.Offset && page.HasNext) && !page.Partial {
					t.Fatalf("%s/%s: short answer not marked partial: %+v", pg.name, kind.name, page)
				}
				if !page.HasNext {
					break
				}
				if len(answers) > 10000 {
					t.Fatal("no progress")
				}
				p = Pageable{Cursor: page.NextCursor}
			}
			if !slices.Equal(got, src.expected()) {
				t.Fatalf("%s/%s: got %v, want %v", pg.name, kind.name, got, src.expected())
			}
			// Group the answers by page: each page's items are the full walk's.
			byPage := map[int][]int{}
			partial := 0
			for _, a := range answers {
				if a.Offset != len(byPage[a.Page]) {
					t.Fatalf("%s/%s: answer for page %d at offset %d after %d items", pg.name, kind.name, a.Page, a.Offset, len(byPage[a.Page]))
				}
				byPage[a.Page] = append(byPage[a.Page], a.Content...)
				if a.Partial {
					partial++
				}
			}
			for i, f := range full {
				if !slices.Equal(byPage[i], f.Content) && !(len(f.Content) == 0 && len(byPage[i]) == 0) {
					t.Fatalf("%s/%s: page %d = %v, want %v", pg.name, kind.name, i, byPage[i], f.Content)
				}
			}
			if partial < 5 {
				t.Fatalf("%s/%s: %d partial answers of %d: the budget did not bind", pg.name, kind.name, partial, len(answers))
			}
			if src.reads > 3000+200*2 {
				t.Fatalf("%s/%s: read %d items", pg.name, kind.name, src.reads)
			}
		}
	}
}

// A partial answer says so in JSON; the answer that continues it has its
// offset.
func TestPaginateBudgetJSON(t *testing.T) {
	src := &fakeSource{n: 1000, match: func(i int) bool { return i == 2 || i == 900 }}
	opts := budgetOpts(Budget{Items: 100})
	first, err := PaginateCarrying(context.Background(), src.fetch, intCodec{}, Pageable{Size: 5}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(first)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m["partial"] != true || m["hasNext"] != true || m["nextCursor"] == nil || m["offset"] != nil || !slices.Equal(first.Content, []int{2}) {
		t.Fatalf("first answer %s", b)
	}
	// The answers that continue it carry offset 1 until the one that
	// returns 900, then offset 2 until the end.
	got := first.Content
	for p := first; p.HasNext; {
		if p, err = PaginateCarrying(context.Background(), src.fetch, intCodec{}, Pageable{Cursor: p.NextCursor}, opts); err != nil {
			t.Fatal(err)
		}
		if want := 1 + len(got) - 1; p.Offset != want || p.Page != 0 {
			t.Fatalf("answer %+v after %v: want page 0, offset %d", p, got, want)
		}
		got = append(got, p.Content...)
		if !p.HasNext {
			b, _ = json.Marshal(p)
			if want := `{"content":[],"page":0,"size":5,"numberOfElements":0,"hasNext":false,"offset":2}`; string(b) != want {
				t.Fatalf("last answer %s, want %s", b, want)
			}
		}
	}
	if !slices.Equal(got, []int{2, 900}) {
		t.Fatalf("got %v", got)
	}
}

// The time budget: once it has passed, no further read starts, but every
// call reads once.
func TestPaginateTimeBudget(t *testing.T) {
	for _, pg := range pagers {
		src := &fakeSource{n: 300, match: func(i int) bool { return i == 299 }}
		opts := budgetOpts(Budget{Time: time.Nanosecond})
		page, err := pg.page(context.Background(), src.fetch, Pageable{Size: 5}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if src.calls != 1 || !page.Partial || !page.HasNext || len(page.Content) != 0 {
			t.Fatalf("%s: %d calls, %+v", pg.name, src.calls, page)
		}
		var got []int
		for i := 0; page.HasNext; i++ {
			if i > 300 {
				t.Fatalf("%s: no progress", pg.name)
			}
			if page, err = pg.page(context.Background(), src.fetch, Pageable{Cursor: page.NextCursor}, opts); err != nil {
				t.Fatal(err)
			}
			got = append(got, page.Content...)
		}
		if !slices.Equal(got, []int{299}) {
			t.Fatalf("%s: got %v", pg.name, got)
		}
	}
}

// page=N that cannot be reached within the budget is a 400 for "page"
// that says to follow cursors; the same page with a larger budget works.
func TestPaginateBudgetPageN(t *testing.T) {
	for _, pg := range pagers {
		src := &fakeSource{n: 7000, match: oneInSeven}
		_, err := pg.page(context.Background(), src.fetch, Pageable{Page: 30, Size: 20}, budgetOpts(Budget{Items: 1000}))
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Parameter != "page" || !strings.Contains(pe.Message, "nextCursor") || !strings.Contains(pe.Message, "1000 items read") {
			t.Fatalf("%s: got %v", pg.name, err)
		}
		page, err := pg.page(context.Background(), src.fetch, Pageable{Page: 30, Size: 20}, budgetOpts(Budget{Items: -1}))
		if err != nil || len(page.Content) != 20 || page.Content[0] != 30*20*7 {
			t.Fatalf("%s: %v %+v", pg.name, err, page)
		}
	}
}

// A Pageable's budget overrides the options' (the middleware's per-route
// budget over the repository's default).
func TestPaginateBudgetPageableOverrides(t *testing.T) {
	src := &fakeSource{n: 1000, match: func(int) bool { return false }}
	page, err := Paginate(context.Background(), src.fetch, Pageable{Size: 5, Budget: Budget{Items: 50}}, budgetOpts(Budget{Items: 5000}))
	if err != nil || !page.Partial || src.reads > 50 {
		t.Fatalf("%v: %+v after %d items read", err, page, src.reads)
	}
	// The default budget is DefaultReadBudget items.
	src = &fakeSource{n: 3 * DefaultReadBudget, match: func(int) bool { return false }}
	page, err = Paginate(context.Background(), src.fetch, Pageable{Size: 5}, PageOptions{Fingerprint: testFP})
	if err != nil || !page.Partial || src.reads > DefaultReadBudget {
		t.Fatalf("%v: %+v after %d items read", err, page, src.reads)
	}
}

// A cursor that carries items is refused by Paginate, which has no codec,
// and by a codec that cannot read them.
func TestPaginateCarriedItemsNeedTheCodec(t *testing.T) {
	src := &fakeSource{n: 100}
	first, err := PaginateCarrying(context.Background(), src.fetch, intCodec{}, Pageable{Size: 5}, testOpts(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Paginate(context.Background(), src.fetch, Pageable{Cursor: first.NextCursor}, testOpts(nil)); !errors.Is(err, ErrInvalidCursor) {
		t.Fatalf("Paginate accepted a cursor with carried items: %v", err)
	}
	_, err = PaginateCarrying(context.Background(), src.fetch, failCodec{}, Pageable{Cursor: first.NextCursor}, testOpts(nil))
	if !errors.Is(err, ErrInvalidCursor) || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("got %v", err)
	}
}
