package pagination

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
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

// MaxFetchLimit is the largest limit Paginate passes to a Fetch: DynamoDB's
// own cap on a PartiQL page's Limit. DynamoDB also stops every read at
// 1 MB of data.
const MaxFetchLimit = 10000

// MaxCarryBytes bounds the encoded items one cursor carries (see
// ItemCodec); when the items read beyond a page take more, the cursor
// carries none and the next page reads them again.
const MaxCarryBytes = 2048

// minFilteredRead is the smallest limit of a read once a read that
// stopped at its limit came back with fewer matching items than it read:
// the query has a filter, and smaller reads would cost a round trip for
// very little.
const minFilteredRead = 16

// ItemCodec encodes items into cursors, for PaginateCarrying. The
// encoding must round-trip exactly (DecodeItem of what AppendItem wrote
// is the item) and should be compact: a cursor carries at most
// MaxCarryBytes of items. DecodeItem only ever sees bytes AppendItem
// wrote with the same signing key, but possibly by another version of the
// program: it must fail cleanly, never panic, on bytes it cannot read.
type ItemCodec[T any] interface {
	// AppendItem appends the encoding of item to dst.
	AppendItem(dst []byte, item T) ([]byte, error)
	// DecodeItem decodes one item.
	DecodeItem(b []byte) (T, error)
}

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
	// MinLimit is the smallest limit passed to Fetch. Zero lets Paginate
	// size each read: exactly what the page still needs while every item
	// read matches, and, once a filter shows, what the observed fraction
	// of matching items predicts, growing fourfold after each read that
	// matched nothing (see the package documentation's cost model).
	MinLimit int
	// Budget bounds the reads of each call (see Budget); a Pageable's
	// Budget overrides the fields it sets. The zero value means
	// DefaultReadBudget items and no time bound.
	Budget Budget
}

// Paginate returns the page p asks for, reading through fetch.
//
// A page holds exactly p.Size items unless the result ends or the read
// budget runs out (a partial page, see Page.Partial and Budget); HasNext
// is true only if at least one more item exists (Paginate reads ahead to
// make sure, without moving the next page's start), and then NextCursor
// resumes exactly after the page's last item. With p.Cursor set,
// Paginate resumes there; the cursor must have been issued for
// opts.Fingerprint, and p.Page and p.Size must be zero or equal to the
// cursor's. Without a cursor it skips p.Page*p.Size items first, starting
// from the nearest page boundary in opts.Cache if any (see the package
// documentation for the cost model), and refuses p.Page > opts.MaxPage and
// p.Size > opts.MaxSize. A p.Size of zero means DefaultSize.
//
// The look-ahead that decides HasNext costs a read of its own when the
// page ends on a DynamoDB page boundary, which exact reads make the
// common case: PaginateCarrying avoids it.
//
// Invalid paging requests yield a *ParamError (a bad cursor also matches
// ErrInvalidCursor); errors from fetch and ctx are returned as they are.
func Paginate[T any](ctx context.Context, fetch Fetch[T], p Pageable, opts PageOptions) (Page[T], error) {
	return paginate(ctx, fetch, nil, p, opts)
}

// PaginateCarrying is Paginate with an ItemCodec: each page asks its last
// read for one item more than it needs, which decides HasNext, and the
// items read beyond the page travel in NextCursor (up to MaxCarryBytes),
// so the next page starts with them and reads on from DynamoDB's
// NextToken. A page reached by cursor then usually costs one request,
// where Paginate needs two (the page, then a look-ahead). When the items
// do not fit, the cursor resumes at the start of the read that returned
// them and the next page reads them again, as with Paginate.
//
// Carried items are served as they were read: an item changed or deleted
// between two requests of a walk may appear in its old form on the next
// page, as with any page read a moment earlier.
func PaginateCarrying[T any](ctx context.Context, fetch Fetch[T], codec ItemCodec[T], p Pageable, opts PageOptions) (Page[T], error) {
	if codec == nil {
		return Page[T]{}, errors.New("pagination: PaginateCarrying needs an ItemCodec")
	}
	return paginate(ctx, fetch, codec, p, opts)
}

func paginate[T any](ctx context.Context, fetch Fetch[T], codec ItemCodec[T], p Pageable, opts PageOptions) (Page[T], error) {
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
	budget := opts.Budget.merge(p.Budget)
	if budget.Items == 0 {
		budget.Items = DefaultReadBudget
	}

	r := &reader[T]{fetch: fetch, codec: codec, minLimit: max(opts.MinLimit, 0), budget: budget, start: time.Now()}
	size, page, filled := p.Size, p.Page, 0
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
		if err := r.resume(pos); err != nil {
			return Page[T]{}, cursorParamError(err)
		}
		size, page, filled = pos.Size, pos.Page, pos.Filled
		if filled == 0 {
			opts.Cache.put(fp, pos)
		}
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
			if err := r.resume(pos); err == nil {
				start = pos.Page
			} else {
				r.resume(Position{}) // an entry this codec cannot read: start over
			}
		}
		// Skip to the page, recording the boundaries passed on the way.
		for pg := start; pg < page && !r.done(); pg++ {
			_, n, err := r.take(ctx, size, nil, false)
			if err != nil {
				return Page[T]{}, err
			}
			if r.exhausted {
				return Page[T]{}, &ParamError{
					Parameter: "page",
					Message: fmt.Sprintf("page %d cannot be reached within the read budget of %s: the items of the pages before it must be read first, and the query's filter matches few of them; walk the pages with nextCursor instead (each answer continues where the previous one stopped), or narrow the query",
						page, budget),
				}
			}
			if n == size && !r.done() {
				if pos, err := r.positions(pg+1, size, 0); err == nil {
					opts.Cache.put(fp, pos[0])
				}
			}
		}
	}

	want := size - filled
	content := make([]T, 0, min(want, 1024))
	content, n, err := r.take(ctx, want, content, true)
	if err != nil {
		return Page[T]{}, err
	}
	out := Page[T]{Content: content, Page: page, Size: size, NumberOfElements: len(content), Offset: filled}
	if n < want {
		if !r.exhausted {
			return out, nil // the result ended
		}
		// The budget ran out inside the page: its cursor continues it.
		out.Partial, out.HasNext = true, true
		pos, err := r.cursor(&out, signer, fp, page, size, filled+n)
		if err != nil {
			return Page[T]{}, err
		}
		if pos.Filled == 0 {
			opts.Cache.put(fp, pos)
		}
		return out, nil
	}
	out.HasNext, err = r.more(ctx)
	if err != nil {
		return Page[T]{}, err
	}
	out.Partial = r.exhausted
	if out.HasNext {
		pos, err := r.cursor(&out, signer, fp, page+1, size, 0)
		if err != nil {
			return Page[T]{}, err
		}
		opts.Cache.put(fp, pos)
	}
	return out, nil
}

// String describes the budget for messages.
func (b Budget) String() string {
	var parts []string
	if b.Items > 0 {
		parts = append(parts, fmt.Sprintf("%d items read", b.Items))
	}
	if b.Time > 0 {
		parts = append(parts, b.Time.String())
	}
	if len(parts) == 0 {
		return "no bound"
	}
	if len(parts) == 2 {
		return parts[0] + " or " + parts[1]
	}
	return parts[0]
}

// reader walks the matching items of a result through a Fetch, keeping an
// exact position: items read ahead (carry, with a codec), then the token
// of the current DynamoDB page and the number of its matching items
// already consumed.
type reader[T any] struct {
	fetch    Fetch[T]
	codec    ItemCodec[T] // nil: nothing is carried
	minLimit int

	carry   []T     // matching items at the position, read ahead
	alt     *altPos // where carry[0] stands in DynamoDB's pages, when known
	tok     string  // token of the current DynamoDB page ("" = start)
	skip    int     // matching items to skip from tok
	reread  int     // the limit of the read at tok that returns the items to skip (0: none)
	ended   bool    // no item left at tok (carry may still hold some)
	surplus bool    // the last read saw items beyond the position, not carried

	// Sizing of reads: the match rate the cursor carried, and what the
	// reads of this call that stopped at their limit returned.
	hint      float64
	matched   int
	evaluated int
	filtered  bool // a read that stopped at its limit matched fewer items than it read
	lastLimit int
	lastEmpty bool // the last read matched nothing

	budget    Budget
	start     time.Time
	spent     int // items read, counted as the reads' limits
	reads     int
	exhausted bool // a read was needed but the budget had run out
}

// altPos is a position without carried items: resume at tok with a read
// of limit reread, skip skip matching items.
type altPos struct {
	tok    string
	skip   int
	reread int
}

// done reports whether no item is left.
func (r *reader[T]) done() bool { return r.ended && len(r.carry) == 0 }

// resume moves the reader to pos, decoding its carried items.
func (r *reader[T]) resume(pos Position) error {
	r.tok, r.skip, r.reread, r.ended, r.surplus = pos.Token, pos.Skip, pos.Reread, false, false
	r.carry, r.alt = nil, nil
	r.hint = float64(pos.Rate) / RateScale
	if pos.Carry == "" {
		return nil
	}
	if r.codec == nil {
		return &cursorError{"it carries items, which only PaginateCarrying reads"}
	}
	b := []byte(pos.Carry)
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return errMalformed
		}
		v, err := r.codec.DecodeItem(b[k : k+int(n)])
		if err != nil {
			return &cursorError{"the items it carries cannot be read (issued by another version of the service?)"}
		}
		r.carry = append(r.carry, v)
		b = b[k+int(n):]
	}
	return nil
}

// positions returns where the reader stands as page page of size size,
// filled items into it, as positions to try in order: the first carries
// the items read ahead (when there are some, they encode within
// MaxCarryBytes and a token follows them); the next resumes at the start
// of the read that returned them.
func (r *reader[T]) positions(page, size, filled int) ([]Position, error) {
	base := Position{Page: page, Size: size, Filled: filled, Rate: r.rateHint()}
	if len(r.carry) == 0 {
		base.Token, base.Skip = r.tok, r.skip
		if r.skip > 0 {
			base.Reread = r.reread
		}
		return []Position{base}, nil
	}
	var out []Position
	if !r.ended {
		if c, ok := r.encodeCarry(); ok {
			p := base
			p.Token, p.Skip, p.Carry = r.tok, r.skip, c
			out = append(out, p)
		}
	}
	if r.alt != nil {
		p := base
		p.Token, p.Skip, p.Reread = r.alt.tok, r.alt.skip, r.alt.reread
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("pagination: the items read ahead neither fit in a cursor nor have a position to be read again from")
	}
	return out, nil
}

// cursor sets out.NextCursor to the first of r.positions that encodes,
// and returns that position.
func (r *reader[T]) cursor(out *Page[T], s *Signer, fp []byte, page, size, filled int) (Position, error) {
	cands, err := r.positions(page, size, filled)
	if err != nil {
		return Position{}, err
	}
	for i, pos := range cands {
		c, err := s.Encode(pos, fp)
		if err == nil {
			out.NextCursor = c
			return pos, nil
		}
		if i == len(cands)-1 {
			return Position{}, err
		}
	}
	panic("unreachable")
}

// encodeCarry encodes the carried items, each prefixed with its length;
// false when the codec fails or they exceed MaxCarryBytes.
func (r *reader[T]) encodeCarry() (string, bool) {
	var b, item []byte
	for _, v := range r.carry {
		var err error
		if item, err = r.codec.AppendItem(item[:0], v); err != nil {
			return "", false
		}
		b = binary.AppendUvarint(b, uint64(len(item)))
		b = append(b, item...)
		if len(b) > MaxCarryBytes {
			return "", false
		}
	}
	return string(b), true
}

// rate returns the fraction of the items read that matched: observed by
// this call's reads that stopped at their limit, or else carried by the
// cursor.
func (r *reader[T]) rate() (float64, bool) {
	if r.evaluated > 0 {
		return min(float64(r.matched)/float64(r.evaluated), 1), true
	}
	return r.hint, r.hint > 0
}

// rateHint is rate in units of 1/RateScale for a cursor (0: unknown).
func (r *reader[T]) rateHint() int {
	rate, ok := r.rate()
	if !ok || r.codec == nil {
		return 0
	}
	return min(max(int(math.Round(rate*RateScale)), 1), RateScale)
}

// limit returns the limit of the next read, which should return need
// matching items beyond the ones to skip, or false when the budget has run
// out (never before the call's first read).
//
// An exact read asks for exactly the items to skip plus need: with a
// filter it returns fewer, and the position moves on to its token, so
// nothing is read twice. An estimated read (with a codec, at a token: the
// items it returns beyond the page are carried) asks for what the match
// rate predicts plus two standard deviations (a binomial estimate), and
// at least minFilteredRead once a filter shows. Either way, after a read
// that matched nothing the limit is at least four times that read's.
// Limits stay within MaxFetchLimit and the budget left. A position inside
// a DynamoDB page that knows the limit of the read that returned the
// items to skip reads with that limit again (the budget notwithstanding:
// it is one read, and the position must move past them).
func (r *reader[T]) limit(need int, estimate bool) (int, bool) {
	if r.reads > 0 && r.over() {
		r.exhausted = true
		return 0, false
	}
	if r.skip > 0 && r.reread > 0 {
		// Read again what returned the items to skip: one request.
		return min(r.reread, MaxFetchLimit), true
	}
	total := r.skip + need
	l := total
	if rate, ok := r.rate(); estimate && ok && rate < 1 {
		if rate > 0 {
			n := float64(total)
			l = int(math.Ceil(n/rate + 2*math.Sqrt(n*(1-rate))/rate))
		}
		if r.filtered || rate == 0 {
			l = max(l, minFilteredRead)
		}
	}
	if r.lastEmpty {
		l = max(l, 4*r.lastLimit)
	}
	l = min(max(l, r.minLimit, 1), MaxFetchLimit)
	if r.budget.Items > 0 {
		l = min(l, max(r.budget.Items-r.spent, 1))
	}
	return l, true
}

// estimating reports whether the next read may be an estimated one: with
// a codec to carry what it returns beyond the page, starting at a token.
// Inside a DynamoDB page (skip > 0, after items too large to carry) the
// read is exact, so that it ends on a token and the position moves on.
func (r *reader[T]) estimating() bool { return r.codec != nil && r.skip == 0 }

// over reports whether the budget has run out.
func (r *reader[T]) over() bool {
	if r.budget.Items > 0 && r.spent >= r.budget.Items {
		return true
	}
	return r.budget.Time > 0 && time.Since(r.start) >= r.budget.Time
}

// read calls fetch at the current position, checking ctx and progress,
// and keeps the statistics that size the next reads.
func (r *reader[T]) read(ctx context.Context, limit int) ([]T, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	r.reads++
	r.spent += limit
	items, next, err := r.fetch(ctx, r.tok, limit)
	if err != nil {
		return nil, "", err
	}
	if next != "" && next == r.tok {
		return nil, "", errors.New("pagination: Fetch returned the token it was given: no progress")
	}
	if next != "" { // the read stopped at its limit (or at 1 MB)
		r.evaluated += limit
		r.matched += len(items)
		r.filtered = r.filtered || len(items) < limit
	}
	r.lastLimit, r.lastEmpty = limit, len(items) == 0
	return items, next, nil
}

// advance moves to the start of the DynamoDB page at next.
func (r *reader[T]) advance(next string) {
	r.tok = next
	r.ended = next == ""
}

// take consumes up to n matching items, appending them to dst if keep, and
// returns dst and the number consumed (fewer than n only at the end, or
// when the budget ran out: see r.exhausted). Carried items come first.
// Each read asks for what is still needed (see limit) plus, when
// estimating, one more item: the items beyond n become the carry.
// Otherwise, when a read returns more, the position stays on its token
// with skip counting the consumed items.
func (r *reader[T]) take(ctx context.Context, n int, dst []T, keep bool) ([]T, int, error) {
	r.surplus = false
	taken := 0
	for taken < n && len(r.carry) > 0 {
		if keep {
			dst = append(dst, r.carry[0])
		}
		r.carry = r.carry[1:]
		if r.alt != nil {
			r.alt.skip++
		}
		taken++
	}
	if len(r.carry) == 0 {
		r.carry, r.alt = nil, nil
	}
	for taken < n && !r.ended {
		want := n - taken
		need, estimate := want, r.estimating()
		if estimate {
			need++ // the look-ahead, carried
		}
		limit, ok := r.limit(need, estimate)
		if !ok {
			break
		}
		tok, skip := r.tok, r.skip
		items, next, err := r.read(ctx, limit)
		if err != nil {
			return dst, taken, err
		}
		r.reread = 0
		if len(items) <= r.skip {
			r.skip -= len(items)
			r.advance(next)
			continue
		}
		items = items[r.skip:]
		k := min(want, len(items))
		if keep {
			dst = append(dst, items[:k]...)
		}
		taken += k
		if rest := items[k:]; len(rest) > 0 {
			if r.codec != nil {
				r.carry = slices.Clone(rest)
				r.alt = &altPos{tok: tok, skip: skip + k, reread: limit}
				r.skip = 0
				r.advance(next)
			} else {
				r.skip += k
				r.surplus = true
			}
			break
		}
		r.skip = 0
		r.advance(next)
	}
	return dst, taken, nil
}

// more reports whether a matching item exists at the position. It moves
// past DynamoDB pages that hold no matching item (so the next page does
// not read them again). With a codec, the items it finds become the carry;
// without one, the position stays before them. When the budget runs out
// first it reports true: not known to have ended.
func (r *reader[T]) more(ctx context.Context) (bool, error) {
	if len(r.carry) > 0 || r.surplus {
		return true, nil
	}
	for !r.ended {
		limit, ok := r.limit(1, r.estimating())
		if !ok {
			return true, nil
		}
		tok, skip := r.tok, r.skip
		items, next, err := r.read(ctx, limit)
		if err != nil {
			return false, err
		}
		r.reread = 0
		if len(items) > r.skip {
			if r.codec != nil {
				r.carry = slices.Clone(items[r.skip:])
				r.alt = &altPos{tok: tok, skip: skip, reread: limit}
				r.skip = 0
				r.advance(next)
			}
			return true, nil
		}
		r.skip -= len(items)
		r.advance(next)
	}
	return false, nil
}
