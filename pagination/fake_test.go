package pagination

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// fakeSource simulates a DynamoDB result over the items 0..n-1 with a
// filter: Limit counts items read, not matched, pages may be short or
// empty and still carry a token, and, like DynamoDB, a read that stops at
// its limit returns a token even when it happens to end on the last item
// (the next read then returns nothing and no token).
type fakeSource struct {
	n       int
	match   func(int) bool // nil: every item matches
	pageCap int            // most items read per call (DynamoDB's 1 MB cap); 0: none
	// ignoreLimit > 0 makes every call read that many items whatever the
	// limit, like a source that does not honour it.
	ignoreLimit int
	failAt      int // fail call number failAt (1-based); 0: never

	calls int // calls made
	reads int // items read (evaluated)
}

var errFetch = errors.New("fake: fetch failed")

const tokenPad = "-opaque-dynamodb-token-padding-padding-padding-padding"

func fakeToken(off int) string { return "t" + strconv.Itoa(off) + tokenPad }

func (s *fakeSource) fetch(ctx context.Context, token string, limit int) ([]int, string, error) {
	s.calls++
	if s.failAt == s.calls {
		return nil, "", errFetch
	}
	if limit <= 0 {
		return nil, "", fmt.Errorf("fake: limit %d", limit)
	}
	off := 0
	if token != "" {
		num, ok := strings.CutSuffix(strings.TrimPrefix(token, "t"), tokenPad)
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 0 || v > s.n {
			return nil, "", fmt.Errorf("fake: unknown token %q", token)
		}
		off = v
	}
	read := limit
	if s.ignoreLimit > 0 {
		read = s.ignoreLimit
	}
	if s.pageCap > 0 {
		read = min(read, s.pageCap)
	}
	end := min(off+read, s.n)
	s.reads += end - off
	var items []int
	for i := off; i < end; i++ {
		if s.match == nil || s.match(i) {
			items = append(items, i)
		}
	}
	next := ""
	if end < s.n || end-off == read {
		next = fakeToken(end)
	}
	return items, next, nil
}

// expected returns the matching items in order.
func (s *fakeSource) expected() []int {
	out := []int{}
	for i := 0; i < s.n; i++ {
		if s.match == nil || s.match(i) {
			out = append(out, i)
		}
	}
	return out
}

func oneInSeven(i int) bool { return i%7 == 0 }

// intCodec encodes the fake's items for PaginateCarrying.
type intCodec struct{}

func (intCodec) AppendItem(dst []byte, v int) ([]byte, error) {
	return strconv.AppendInt(dst, int64(v), 10), nil
}

func (intCodec) DecodeItem(b []byte) (int, error) { return strconv.Atoi(string(b)) }
