package pagination

import (
	"context"
	"errors"
	"fmt"
)

// Fetch reads one DynamoDB page: it resumes at token ("" is the start of the
// result), reads (evaluates) at most limit items (limit > 0) and returns the
// ones that match, in order, and the next token ("" when the result ends).
// Like DynamoDB's Limit, limit counts items read, not matched, so a page may
// hold fewer items than limit, or none, and still have a next token.
//
// Paginate relies on the matching items after a token always being the same
// sequence whatever the limit, which holds for DynamoDB while the data does
// not change. A Fetch that returns more than limit items is tolerated: the
// extra items are skipped by count when resuming.
type Fetch[T any] func(ctx context.Context, token string, limit int) (items []T, next string, err error)

// PageOptions configures Paginate.
type PageOptions struct {
	// Signer encodes and checks cursors. Nil means NewSigner(nil), the
	// per-process key; it must match the key the middleware verifies with.
	Signer *Signer
	// Fingerprint identifies the query (see Fingerprint). Required.
	Fingerprint []byte
	// MaxPage is the largest page number accepted without a cursor. Zero or
	// less means DefaultMaxPage.
	MaxPage int
	// MaxSize is the largest page size accepted without a cursor. Zero or
	// less means DefaultMaxSize.
	MaxSize int
	// Cache, if not nil, remembers page boundaries so that page=N resumes
	// near page N instead of at the start. Share one per service.
	Cache *BoundaryCache
	// MinLimit is the smallest limit passed to Fetch. Zero reads exactly
	// what is still needed (never more items than the page needs), which
	// costs the fewest reads but many round trips when a filter matches
	// few items. A larger value (such as the page size) cuts round trips;
	// the price is that the next page may re-read up to MinLimit items.
	MinLimit int
}

// Paginate returns the page p asks for, reading through fetch.
//
// A page holds exactly p.Size items unless the result ends; HasNext is true
// only if at least one more item exists (Paginate reads ahead to make sure,
// without moving the next page's start), and then NextCursor resumes
// exactly after the page's last item. With p.Cursor set, Paginate resumes
// there; the cursor must have been issued for opts.Fingerprint, and p.Page
// and p.Size must be zero or equal to the cursor's. Without a cursor it
// skips p.Page*p.Size items first, starting from the nearest page boundary
// in opts.Cache if any (see the package documentation for the cost model),
// and refuses p.Page > opts.MaxPage and p.Size > opts.MaxSize. A p.Size of
// zero means DefaultSize.
//
// Invalid paging requests yield a *ParamError (a bad cursor also matches
// ErrInvalidCursor); errors from fetch and ctx are returned as they are.
func Paginate[T any](ctx context.Context, fetch Fetch[T], p Pageable, opts PageOptions) (Page[T], error) {
	if fetch == nil {
		return Page[T]{}, errors.New("pagination: Paginate needs a Fetch")
	}
	fp := opts.Fingerprint
	if len(fp) == 0 {
		return Page[T]{}, errors.New("pagination: PageOptions.Fingerprint is required")
	}
	signer := opts.Signer
	if signer == nil {
		signer = NewSigner(nil)
	}
	maxPage := opts.MaxPage
	if maxPage <= 0 {
		maxPage = DefaultMaxPage
	}
	maxSize := opts.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if p.Size < 0 {
		return Page[T]{}, rangeError("size", Range{Min: 1, Max: maxSize})
	}
	if p.Page < 0 {
		return Page[T]{}, rangeError("page", Range{Min: 0, Max: maxPage})
	}

	r := &reader[T]{fetch: fetch, minLimit: max(opts.MinLimit, 0)}
	size, page := p.Size, p.Page
	if p.Cursor != "" {
		pos, err := signer.Decode(p.Cursor, fp)
		if err != nil {
			return Page[T]{}, cursorParamError(err)
		}
		if size != 0 && size != pos.Size {
			return Page[T]{}, &ParamError{
				Parameter: "size",
				Message:   fmt.Sprintf("size contradicts the cursor, which was issued for size %d", pos.Size),
				Allowed:   Range{Min: pos.Size, Max: pos.Size},
			}
		}
		if page != 0 && page != pos.Page {
			return Page[T]{}, &ParamError{
				Parameter: "page",
				Message:   fmt.Sprintf("page contradicts the cursor, which leads to page %d", pos.Page),
				Allowed:   Range{Min: pos.Page, Max: pos.Page},
			}
		}
		size, page = pos.Size, pos.Page
		r.tok, r.skip = pos.Token, pos.Skip
		opts.Cache.put(fp, pos)
	} else {
		if size == 0 {
			size = min(DefaultSize, maxSize)
		}
		if size > maxSize {
			return Page[T]{}, rangeError("size", Range{Min: 1, Max: maxSize})
		}
		if page > maxPage {
			return Page[T]{}, rangeError("page", Range{Min: 0, Max: maxPage})
		}
		start := 0
		if pos, ok := opts.Cache.nearest(fp, size, page); ok {
			r.tok, r.skip, start = pos.Token, pos.Skip, pos.Page
		}
		// Skip to the page, recording the boundaries passed on the way.
		for pg := start; pg < page && !r.ended; pg++ {
			_, n, err := r.take(ctx, size, nil, false)
			if err != nil {
				return Page[T]{}, err
			}
			if n == size && !r.ended {
				opts.Cache.put(fp, r.position(pg+1, size))
			}
		}
	}

	content := make([]T, 0, min(size, 1024))
	content, n, err := r.take(ctx, size, content, true)
	if err != nil {
		return Page[T]{}, err
	}
	out := Page[T]{Content: content, Page: page, Size: size, NumberOfElements: len(content)}
	if n < size {
		return out, nil
	}
	out.HasNext, err = r.probe(ctx, max(1, r.minLimit), max(size, r.minLimit))
	if err != nil {
		return Page[T]{}, err
	}
	if out.HasNext {
		pos := r.position(page+1, size)
		if out.NextCursor, err = signer.Encode(pos, fp); err != nil {
			return Page[T]{}, err
		}
		opts.Cache.put(fp, pos)
	}
	return out, nil
}

// reader walks the matching items of a result through a Fetch, keeping an
// exact position: the token of the current DynamoDB page and the number of
// its matching items already consumed.
type reader[T any] struct {
	fetch    Fetch[T]
	minLimit int
	tok      string // token of the current DynamoDB page ("" = start)
	skip     int    // matching items to skip from tok
	ended    bool   // no item left
	surplus  bool   // the last read saw items beyond the position
}

func (r *reader[T]) position(page, size int) Position {
	return Position{Token: r.tok, Skip: r.skip, Page: page, Size: size}
}

// read calls fetch at the current position, checking ctx and progress.
func (r *reader[T]) read(ctx context.Context, limit int) ([]T, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	items, next, err := r.fetch(ctx, r.tok, limit)
	if err != nil {
		return nil, "", err
	}
	if next != "" && next == r.tok {
		return nil, "", errors.New("pagination: Fetch returned the token it was given: no progress")
	}
	return items, next, nil
}

// advance moves to the start of the DynamoDB page at next.
func (r *reader[T]) advance(next string) {
	r.tok = next
	r.ended = next == ""
}

// take consumes up to n matching items, appending them to dst if keep, and
// returns dst and the number consumed (fewer than n only at the end). Each
// read asks for no more items than still needed (at least minLimit), so
// the position usually lands on a token; when a read returns more, the
// position stays on its token with skip counting the consumed items.
func (r *reader[T]) take(ctx context.Context, n int, dst []T, keep bool) ([]T, int, error) {
	r.surplus = false
	taken := 0
	for taken < n && !r.ended {
		want := n - taken
		items, next, err := r.read(ctx, r.skip+max(want, r.minLimit))
		if err != nil {
			return dst, taken, err
		}
		if len(items) <= r.skip {
			r.skip -= len(items)
			r.advance(next)
			continue
		}
		items = items[r.skip:]
		if len(items) > want {
			if keep {
				dst = append(dst, items[:want]...)
			}
			taken += want
			r.skip += want
			r.surplus = true
			break
		}
		if keep {
			dst = append(dst, items...)
		}
		taken += len(items)
		r.skip = 0
		r.advance(next)
	}
	return dst, taken, nil
}

// probe reports whether a matching item exists at the position, without
// moving past it. It moves past DynamoDB pages that hold no matching item
// (so the next page does not read them again), reading limit items first
// and doubling up to maxLimit while pages come back empty.
func (r *reader[T]) probe(ctx context.Context, limit, maxLimit int) (bool, error) {
	if r.surplus {
		return true, nil
	}
	for !r.ended {
		items, next, err := r.read(ctx, r.skip+limit)
		if err != nil {
			return false, err
		}
		if len(items) > r.skip {
			return true, nil
		}
		r.skip -= len(items)
		r.advance(next)
		limit = min(2*limit, maxLimit)
	}
	return false, nil
}
