package pagination

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

var testFP = Fingerprint(`SELECT * FROM "user" WHERE age = ?`, "42", "lastname,asc")

func testOpts(cache *BoundaryCache) PageOptions {
	return PageOptions{Signer: NewSigner([]byte("paginate-test-key-0123456789abcdef")), Fingerprint: testFP, Cache: cache, Budget: Budget{Items: -1}}
}

// sourceKinds are the fake DynamoDB behaviours every walk is tested with.
var sourceKinds = []struct {
	name string
	make func(n int, match func(int) bool) *fakeSource
}{
	{"honours limit", func(n int, m func(int) bool) *fakeSource { return &fakeSource{n: n, match: m} }},
	{"pages capped at 10", func(n int, m func(int) bool) *fakeSource { return &fakeSource{n: n, match: m, pageCap: 10} }},
	{"pages capped at 1", func(n int, m func(int) bool) *fakeSource { return &fakeSource{n: n, match: m, pageCap: 1} }},
	{"ignores limit, reads 50", func(n int, m func(int) bool) *fakeSource { return &fakeSource{n: n, match: m, ignoreLimit: 50} }},
	{"ignores limit, reads 3", func(n int, m func(int) bool) *fakeSource { return &fakeSource{n: n, match: m, ignoreLimit: 3} }},
}

// pager is Paginate or PaginateCarrying, for the fake's items.
type pager func(ctx context.Context, fetch Fetch[int], p Pageable, opts PageOptions) (Page[int], error)

func carrying(ctx context.Context, fetch Fetch[int], p Pageable, opts PageOptions) (Page[int], error) {
	return PaginateCarrying(ctx, fetch, intCodec{}, p, opts)
}

// pagers are the two ways to paginate; the walks are tested with both.
var pagers = []struct {
	name string
	page pager
}{{"Paginate", Paginate[int]}, {"PaginateCarrying", carrying}}

// walk follows the cursors from page 0 to the end with Paginate.
func walk(t *testing.T, src *fakeSource, size int, opts PageOptions) []Page[int] {
	t.Helper()
	return walkWith(t, Paginate[int], src, size, opts)
}

// walkWith follows the cursors from page 0 to the end with page.
func walkWith(t *testing.T, page pager, src *fakeSource, size int, opts PageOptions) []Page[int] {
	t.Helper()
	var pages []Page[int]
	p := Pageable{Size: size}
	for {
		pg, err := page(context.Background(), src.fetch, p, opts)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages), err)
		}
		pages = append(pages, pg)
		if !pg.HasNext {
			return pages
		}
		if len(pages) > 10000 {
			t.Fatal("walk does not end")
		}
		p = Pageable{Cursor: pg.NextCursor}
	}
}

// checkWalk asserts that pages hold want exactly once, in order, with every
// page but the last full and hasNext false exactly on the last page.
func checkWalk(t *testing.T, pages []Page[int], want []int, size int) {
	t.Helper()
	var got []int
	for i, pg := range pages {
		last := i == len(pages)-1
		if pg.Page != i || pg.Size != size || pg.NumberOfElements != len(pg.Content) {
			t.Fatalf("page %d: page=%d size=%d numberOfElements=%d len=%d", i, pg.Page, pg.Size, pg.NumberOfElements, len(pg.Content))
		}
		if pg.HasNext != !last || (pg.NextCursor != "") != pg.HasNext {
			t.Fatalf("page %d of %d: hasNext=%v nextCursor=%q", i, len(pages), pg.HasNext, pg.NextCursor)
		}
		if !last && len(pg.Content) != size {
			t.Fatalf("page %d: %d items, want a full page of %d", i, len(pg.Content), size)
		}
		if last && len(pg.Content) == 0 && len(pages) > 1 {
			t.Fatalf("empty last page %d after a page that said hasNext", i)
		}
		got = append(got, pg.Content...)
	}
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("walk returned %d items %v\nwant %d items %v", len(got), got, len(want), want)
	}
}

func TestPaginateCursorWalk(t *testing.T) {
	matches := []struct {
		name  string
		match func(int) bool
	}{{"all match", nil}, {"1 in 7 match", oneInSeven}}
	for _, pg := range pagers {
		for _, kind := range sourceKinds {
			for _, m := range matches {
				// 700 items: 100 matches with the filter, 6 trailing
				// non-matching items; 701: the last item matches.
				for _, n := range []int{0, 1, 700, 701} {
					for _, size := range []int{1, 5, 20, 100} {
						name := fmt.Sprintf("%s/%s/%s/n=%d/size=%d", pg.name, kind.name, m.name, n, size)
						t.Run(name, func(t *testing.T) {
							src := kind.make(n, m.match)
							pages := walkWith(t, pg.page, src, size, testOpts(nil))
							checkWalk(t, pages, src.expected(), size)
						})
					}
				}
			}
		}
	}
}

func TestPaginateNoMatch(t *testing.T) {
	for _, pg := range pagers {
		src := &fakeSource{n: 300, match: func(int) bool { return false }, pageCap: 10}
		pages := walkWith(t, pg.page, src, 20, testOpts(nil))
		if len(pages) != 1 || len(pages[0].Content) != 0 || pages[0].HasNext {
			t.Fatalf("%s: got %+v, want one empty last page", pg.name, pages)
		}
		b, _ := json.Marshal(pages[0])
		if want := `{"content":[],"page":0,"size":20,"numberOfElements":0,"hasNext":false}`; string(b) != want {
			t.Fatalf("%s: JSON %s, want %s", pg.name, b, want)
		}
		if src.reads != 300 {
			t.Fatalf("%s: read %d items, want all 300", pg.name, src.reads)
		}
	}
}

// The last page is exactly full and is followed by many empty DynamoDB
// pages that still carry tokens: hasNext must be false on it, with no extra
// empty page.
func TestPaginateExactlyFullLastPageWithTrailingEmptyPages(t *testing.T) {
	for _, pg := range pagers {
		for _, kind := range sourceKinds {
			t.Run(pg.name+"/"+kind.name, func(t *testing.T) {
				src := kind.make(520, func(i int) bool { return i < 40 })
				for _, size := range []int{10, 20, 40} {
					pages := walkWith(t, pg.page, src, size, testOpts(nil))
					checkWalk(t, pages, src.expected(), size)
					if len(pages) != 40/size {
						t.Fatalf("size %d: %d pages, want %d", size, len(pages), 40/size)
					}
				}
			})
		}
		// Exactly full at the very end: the read stops at its limit on the
		// last item, so DynamoDB still returns a token, then an empty page.
		src := &fakeSource{n: 40}
		pages := walkWith(t, pg.page, src, 20, testOpts(nil))
		checkWalk(t, pages, src.expected(), 20)
		if len(pages) != 2 || pages[1].HasNext {
			t.Fatalf("%s: got %d pages, last hasNext=%v", pg.name, len(pages), pages[len(pages)-1].HasNext)
		}
	}
}

func TestPaginatePageNEqualsCursorWalk(t *testing.T) {
	for _, pgr := range pagers {
		for _, kind := range sourceKinds {
			for _, size := range []int{3, 20} {
				pageNEqualsCursorWalk(t, pgr.name, pgr.page, kind.name, kind.make, size)
			}
		}
	}
}

func pageNEqualsCursorWalk(t *testing.T, name string, paginate pager, kindName string, makeSrc func(int, func(int) bool) *fakeSource, size int) {
	t.Run(fmt.Sprintf("%s/%s/size=%d", name, kindName, size), func(t *testing.T) {
		walked := walkWith(t, paginate, makeSrc(701, oneInSeven), size, testOpts(nil))
		shared := NewBoundaryCache(0)
		for n := 0; n <= len(walked); n++ {
			want := Page[int]{Content: []int{}, Page: n, Size: size}
			if n < len(walked) {
				want = walked[n]
			}
			for _, cache := range []*BoundaryCache{nil, NewBoundaryCache(0), shared} {
				got, err := paginate(context.Background(), makeSrc(701, oneInSeven).fetch, Pageable{Page: n, Size: size}, testOpts(cache))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got.Content, want.Content) || got.HasNext != want.HasNext ||
					got.Page != n || got.Size != size || (got.NextCursor != "") != want.HasNext {
					t.Fatalf("page=%d: got %+v\nwant %+v", n, got, want)
				}
				if got.HasNext {
					// The cursor of page=N leads to page N+1 of the walk.
					next, err := paginate(context.Background(), makeSrc(701, oneInSeven).fetch, Pageable{Cursor: got.NextCursor}, testOpts(nil))
					if err != nil {
						t.Fatal(err)
					}
					if next.Page != n+1 || !slices.Equal(next.Content, walked[n+1].Content) {
						t.Fatalf("cursor of page=%d leads to %+v", n, next)
					}
				}
			}
		}
	})
}

// readsFor returns the items read to serve p.
func readsFor(t *testing.T, src func() *fakeSource, p Pageable, opts PageOptions) (Page[int], int) {
	t.Helper()
	s := src()
	pg, err := Paginate(context.Background(), s.fetch, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return pg, s.reads
}

func TestPaginateBoundaryCacheCost(t *testing.T) {
	const size = 20
	cases := []struct {
		name    string
		src     func() *fakeSource
		perPage int // bound on the items read per page when walking in order
	}{
		// size items plus a look-ahead of one.
		{"all match", func() *fakeSource { return &fakeSource{n: 2000} }, size + 1},
		// 7 reads per match, a look-ahead of at most 1+4+16 items (each
		// read after one that matched nothing reads four times as many).
		{"1 in 7", func() *fakeSource { return &fakeSource{n: 7000, match: oneInSeven} }, 7*size + 21},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			walked := walk(t, c.src(), size, testOpts(nil))
			cache := NewBoundaryCache(0)
			for n := range walked {
				// Reads of the cursor request for page n.
				cursorReads := 0
				if n > 0 {
					_, cursorReads = readsFor(t, c.src, Pageable{Cursor: walked[n-1].NextCursor}, testOpts(nil))
				}
				// Cold page=n reads every item before it.
				if n == 5 {
					_, cold := readsFor(t, c.src, Pageable{Page: n, Size: size}, testOpts(NewBoundaryCache(0)))
					if cold < n*size {
						t.Fatalf("cold page=%d read %d items, expected at least %d", n, cold, n*size)
					}
				}
				pg, reads := readsFor(t, c.src, Pageable{Page: n, Size: size}, testOpts(cache))
				if !slices.Equal(pg.Content, walked[n].Content) {
					t.Fatalf("page=%d differs from the walk", n)
				}
				if reads > c.perPage {
					t.Fatalf("page=%d read %d items walking in order, want at most %d", n, reads, c.perPage)
				}
				if n > 0 && reads != cursorReads {
					t.Fatalf("page=%d read %d items from the cache, the cursor %d", n, reads, cursorReads)
				}
			}
			if cache.Len() != len(walked)-1 {
				t.Fatalf("cache holds %d boundaries, want %d", cache.Len(), len(walked)-1)
			}
		})
	}
}

func TestPaginateSkipRecordsBoundaries(t *testing.T) {
	const size = 20
	src := func() *fakeSource { return &fakeSource{n: 7000, match: oneInSeven} }
	walked := walk(t, src(), size, testOpts(nil))
	cache := NewBoundaryCache(0)
	_, cold := readsFor(t, src, Pageable{Page: 8, Size: size}, testOpts(cache))
	if cache.Len() != 9 { // the starts of pages 1..8, skipped over, and of page 9
		t.Fatalf("cache holds %d boundaries after page=8, want 9", cache.Len())
	}
	// page=3 now starts at its cached boundary.
	pg, reads := readsFor(t, src, Pageable{Page: 3, Size: size}, testOpts(cache))
	if !slices.Equal(pg.Content, walked[3].Content) || reads > 7*size+21 || reads*4 > cold {
		t.Fatalf("page=3 after page=8: %d reads (cold page=8: %d)", reads, cold)
	}
	// page=12 resumes from page 9, reading three pages rather than twelve.
	pg, reads = readsFor(t, src, Pageable{Page: 12, Size: size}, testOpts(cache))
	if !slices.Equal(pg.Content, walked[12].Content) || reads > 4*(7*size+21) {
		t.Fatalf("page=12 after page=8: %d reads", reads)
	}
}

func TestPaginateMinLimit(t *testing.T) {
	want := (&fakeSource{n: 7000, match: oneInSeven}).expected()
	exact := &fakeSource{n: 7000, match: oneInSeven}
	checkWalk(t, walk(t, exact, 20, testOpts(nil)), want, 20)
	ahead := &fakeSource{n: 7000, match: oneInSeven}
	opts := testOpts(nil)
	opts.MinLimit = 20
	checkWalk(t, walk(t, ahead, 20, opts), want, 20)
	if ahead.calls*2 > exact.calls {
		t.Fatalf("MinLimit 20 made %d calls, exact reads %d: expected far fewer", ahead.calls, exact.calls)
	}
	// Exact reads never read an item twice, but a read that follows one
	// that matched nothing asks for four times as many, and what it
	// returns beyond the page is read again by the next page.
	if exact.reads > 7000*115/100 {
		t.Fatalf("exact reads read %d items for 7000", exact.reads)
	}
}

func TestPaginateFetchError(t *testing.T) {
	// Count the calls a cold page=2 makes: they cover skipping, reading and
	// looking ahead.
	probe := &fakeSource{n: 700, match: oneInSeven, pageCap: 10}
	if _, err := Paginate(context.Background(), probe.fetch, Pageable{Page: 2, Size: 5}, testOpts(nil)); err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= probe.calls; k++ {
		src := &fakeSource{n: 700, match: oneInSeven, pageCap: 10, failAt: k}
		_, err := Paginate(context.Background(), src.fetch, Pageable{Page: 2, Size: 5}, testOpts(NewBoundaryCache(0)))
		if !errors.Is(err, errFetch) {
			t.Fatalf("failing call %d of %d: got %v", k, probe.calls, err)
		}
	}
}

func TestPaginateContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := &fakeSource{n: 100}
	_, err := Paginate(ctx, src.fetch, Pageable{Size: 5}, testOpts(nil))
	if !errors.Is(err, context.Canceled) || src.calls != 0 {
		t.Fatalf("got %v after %d calls", err, src.calls)
	}
}

func TestPaginateNoProgress(t *testing.T) {
	stuck := func(ctx context.Context, token string, limit int) ([]int, string, error) {
		return nil, "same", nil
	}
	_, err := Paginate(context.Background(), stuck, Pageable{Size: 5}, testOpts(nil))
	if err == nil || !strings.Contains(err.Error(), "no progress") {
		t.Fatalf("got %v", err)
	}
}

func TestPaginateRequestErrors(t *testing.T) {
	src := &fakeSource{n: 700, match: oneInSeven}
	first, err := Paginate(context.Background(), src.fetch, Pageable{Size: 5}, testOpts(nil))
	if err != nil {
		t.Fatal(err)
	}
	otherQuery := testOpts(nil)
	otherQuery.Fingerprint = Fingerprint(`SELECT * FROM "user" WHERE age = ?`, "43", "lastname,asc")
	otherKey := testOpts(nil)
	otherKey.Signer = NewSigner([]byte("another-key-another-key-another!!"))
	maxPage := testOpts(nil)
	maxPage.MaxPage = 10

	cases := []struct {
		name      string
		p         Pageable
		opts      PageOptions
		param     string
		msg       string
		badCursor bool
	}{
		{"cursor of another query", Pageable{Cursor: first.NextCursor}, otherQuery, "cursor", "another query", true},
		{"cursor of another key", Pageable{Cursor: first.NextCursor}, otherKey, "cursor", "signature", true},
		{"garbage cursor", Pageable{Cursor: "garbage"}, testOpts(nil), "cursor", "cursor is invalid", true},
		{"size contradicts cursor", Pageable{Cursor: first.NextCursor, Size: 6}, testOpts(nil), "size", "issued for size 5", false},
		{"page contradicts cursor", Pageable{Cursor: first.NextCursor, Page: 3}, testOpts(nil), "page", "leads to page 1", false},
		{"page beyond MaxPage", Pageable{Page: 11, Size: 5}, maxPage, "page", "between 0 and 10", false},
		{"page beyond default MaxPage", Pageable{Page: 1001, Size: 5}, testOpts(nil), "page", "between 0 and 1000", false},
		{"negative page", Pageable{Page: -1, Size: 5}, testOpts(nil), "page", "between 0 and 1000", false},
		{"negative size", Pageable{Size: -1}, testOpts(nil), "size", "between 1 and 100", false},
		{"size beyond MaxSize", Pageable{Size: 101}, testOpts(nil), "size", "between 1 and 100", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &fakeSource{n: 700, match: oneInSeven}
			_, err := Paginate(context.Background(), src.fetch, c.p, c.opts)
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Parameter != c.param || !strings.Contains(pe.Message, c.msg) {
				t.Fatalf("got %v, want a ParamError for %s saying %q", err, c.param, c.msg)
			}
			if errors.Is(err, ErrInvalidCursor) != c.badCursor {
				t.Fatalf("errors.Is(err, ErrInvalidCursor) = %v", !c.badCursor)
			}
			if src.calls != 0 {
				t.Fatalf("%d fetch calls for an invalid request", src.calls)
			}
		})
	}

	// Matching page and size with a cursor are fine; so is a page beyond
	// MaxPage reached by cursor.
	if _, err := Paginate(context.Background(), src.fetch, Pageable{Cursor: first.NextCursor, Page: 1, Size: 5}, testOpts(nil)); err != nil {
		t.Fatal(err)
	}
	deep, err := Paginate(context.Background(), src.fetch, Pageable{Page: 10, Size: 1}, maxPage)
	if err != nil {
		t.Fatal(err)
	}
	if pg, err := Paginate(context.Background(), src.fetch, Pageable{Cursor: deep.NextCursor}, maxPage); err != nil || pg.Page != 11 {
		t.Fatalf("cursor beyond MaxPage: page %d, %v", pg.Page, err)
	}

	if _, err := Paginate[int](context.Background(), nil, Pageable{}, testOpts(nil)); err == nil {
		t.Fatal("nil fetch accepted")
	}
	noFP := testOpts(nil)
	noFP.Fingerprint = nil
	if _, err := Paginate(context.Background(), src.fetch, Pageable{}, noFP); err == nil {
		t.Fatal("missing fingerprint accepted")
	}
}

func TestPaginateDefaults(t *testing.T) {
	src := &fakeSource{n: 100}
	pg, err := Paginate(context.Background(), src.fetch, Pageable{}, PageOptions{Fingerprint: testFP})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Size != DefaultSize || len(pg.Content) != DefaultSize || !pg.HasNext {
		t.Fatalf("got %+v", pg)
	}
	// Without a Signer the per-process key is used, by both sides.
	next, err := Paginate(context.Background(), src.fetch, Pageable{Cursor: pg.NextCursor}, PageOptions{Fingerprint: testFP})
	if err != nil || next.Content[0] != DefaultSize {
		t.Fatalf("got %+v, %v", next, err)
	}
	if _, _, err := NewSigner(nil).Verify(pg.NextCursor); err != nil {
		t.Fatal(err)
	}
}

func TestPaginateConcurrentSharedCache(t *testing.T) {
	cache := NewBoundaryCache(50)
	walked := walk(t, &fakeSource{n: 700, match: oneInSeven}, 3, testOpts(nil))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				n := (g*7 + i*3) % len(walked)
				src := &fakeSource{n: 700, match: oneInSeven}
				pg, err := Paginate(context.Background(), src.fetch, Pageable{Page: n, Size: 3}, testOpts(cache))
				if err != nil {
					errs <- err
					return
				}
				if !slices.Equal(pg.Content, walked[n].Content) {
					errs <- fmt.Errorf("page %d differs", n)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if cache.Len() > 50 {
		t.Fatalf("cache holds %d entries, capacity 50", cache.Len())
	}
}

// A cursor whose skip count spans several DynamoDB pages (the reads that
// produced it returned more items than the resumed reads do) still
// resumes at the right item.
func TestPaginateResumeSkipAcrossPages(t *testing.T) {
	opts := testOpts(nil)
	for _, pos := range []Position{
		{Token: "", Skip: 33, Page: 4, Size: 5},
		{Token: fakeToken(14), Skip: 19, Page: 4, Size: 5},
	} {
		cur := mustEncode(t, opts.Signer, pos, testFP)
		src := &fakeSource{n: 100, pageCap: 10}
		pg, err := Paginate(context.Background(), src.fetch, Pageable{Cursor: cur}, opts)
		if err != nil {
			t.Fatal(err)
		}
		start := 33
		if !slices.Equal(pg.Content, []int{start, start + 1, start + 2, start + 3, start + 4}) || pg.Page != 4 || !pg.HasNext {
			t.Fatalf("resumed at %+v: got %+v", pos, pg)
		}
	}
}
