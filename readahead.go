package dynamosql

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Read-ahead: while the reader reads page N of a SELECT, the request for
// page N+1 is already on its way, so that a long result costs about the
// larger of fetching and reading rather than their sum. At most one page
// is read ahead: a result holds two pages at most, the one being read and
// the next. Nothing is read ahead past the last page, MaxRows (LIMIT) or
// MaxPages, nor before the reader asked for a second row (QueryRow and
// sqlx's Get read one row and close: they never send a request for
// nothing). Close and the statement's context cancel the request in
// flight; Close waits for it, so no goroutine outlives the rows. The page
// read ahead counts in Position only once the reader reaches it, so
// Position.NextToken resumes exactly where the reader stands. NoReadAhead
// (per statement) and read_ahead=false (DSN) turn it off.

// pageFetch is the request for the next page, sent by a goroutine of its
// own while the reader reads the current page.
type pageFetch struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when out and err are set
	out    *dynamodb.ExecuteStatementOutput
	err    error
}

// readNext sends the request for the page after the current one on a
// goroutine, when there is such a page and the limits allow it.
func (r *rows) readNext() {
	if r.closed || r.done || !r.fetch || r.pageLimitReached() || (r.maxRows > 0 && r.fetched >= r.maxRows) || r.ctx.Err() != nil {
		return
	}
	in := *r.pageInput() // the goroutine's own copy: r.in changes with each page
	ctx, cancel := context.WithCancel(r.ctx)
	f := &pageFetch{cancel: cancel, done: make(chan struct{})}
	r.pages++
	r.ahead = f
	go func() {
		defer close(f.done)
		f.out, f.err = r.c.fetch(ctx, &in) // send.go
	}()
}

// takeAhead waits for the page read ahead and makes it the current page.
func (r *rows) takeAhead() error {
	f := r.ahead
	r.ahead = nil
	<-f.done
	f.cancel()
	return r.reach(f.out, f.err)
}

// stopAhead cancels the page being read ahead, if any, and waits for its
// goroutine to end.
func (r *rows) stopAhead() {
	if f := r.ahead; f != nil {
		r.ahead = nil
		f.cancel()
		<-f.done
	}
}
