package dynamosql

import (
	"fmt"
)

// Option is a per-statement option. Pass options as extra arguments after
// the statement's parameters; the driver removes them before counting
// parameters (they never reach DynamoDB as values):
//
//	rows, err := db.QueryContext(ctx, `SELECT * FROM "user" WHERE id = ?`, "u1",
//		dynamosql.ConsistentRead(), dynamosql.MaxRows(10))
type Option interface {
	apply(*stmtOptions) error
}

// stmtOptions holds the options of one statement.
type stmtOptions struct {
	consistentRead bool
	maxRows        int
	maxPages       int
	pageSize       int32
	startToken     *string
	position       *Position
	index          string
	noHint         bool
	allowScan      bool
	markMissing    bool // missing.go
	// compositeColumns keeps composite attributes in SELECT * (composites.go).
	compositeColumns bool
	// capacity is the Capacity option's (capacity.go); conditionItem the
	// ReturnItemOnConditionFailure option's (condition.go).
	capacity      *ConsumedCapacity
	conditionItem bool
	noReadAhead   bool // readahead.go
	countSegments int  // count.go
}

type optionFunc func(*stmtOptions) error

func (f optionFunc) apply(o *stmtOptions) error { return f(o) }

// ConsistentRead makes a SELECT a strongly consistent read.
func ConsistentRead() Option {
	return optionFunc(func(o *stmtOptions) error { o.consistentRead = true; return nil })
}

// MaxRows stops a result after n rows (n > 0), on the client: PartiQL has no
// LIMIT clause. The driver sizes DynamoDB's pages (its Limit) so that no
// request reads more items than still wanted, and the page that delivers
// the nth row ends there: Position.NextToken then resumes exactly after it.
func MaxRows(n int) Option {
	return optionFunc(func(o *stmtOptions) error {
		if n <= 0 {
			return fmt.Errorf("%w: MaxRows(%d): the row limit must be positive", ErrBadOption, n)
		}
		o.maxRows = n
		return nil
	})
}

// MaxPages ends a result after n DynamoDB pages (n > 0): with
// MaxPages(1), a query sends exactly one request and Position.NextToken
// (see Track) says where the next page starts. Pagers that build their
// own pages from DynamoDB pages use it so that each of their reads costs
// one request.
func MaxPages(n int) Option {
	return optionFunc(func(o *stmtOptions) error {
		if n <= 0 {
			return fmt.Errorf("%w: MaxPages(%d): the page limit must be positive", ErrBadOption, n)
		}
		o.maxPages = n
		return nil
	})
}

// PageSize sets DynamoDB's Limit: how many items each request reads
// (evaluates) at most, 1 to 10000 (DynamoDB's own cap is 1 MB of data per
// page). A page holds at most that many rows, fewer when a filter rejects
// items. It bounds the memory a result holds at once.
func PageSize(n int) Option {
	return optionFunc(func(o *stmtOptions) error {
		if n <= 0 || n > 10000 {
			return fmt.Errorf("%w: PageSize(%d): the page size must be between 1 and 10000", ErrBadOption, n)
		}
		o.pageSize = int32(n)
		return nil
	})
}

// StartToken starts a result at a NextToken that an earlier run of the
// same statement with the same parameters returned (see Position). DynamoDB
// refuses a token used with another statement.
func StartToken(token string) Option {
	return optionFunc(func(o *stmtOptions) error {
		if token == "" {
			return fmt.Errorf("%w: StartToken(\"\"): the token is empty; leave the option out to start at the beginning", ErrBadOption)
		}
		o.startToken = &token
		return nil
	})
}

// NoReadAhead turns read-ahead off for one SELECT: the driver then asks
// DynamoDB for the next page only when the reader has used up the current
// one. By default, once the reader asked for a second row, the request for
// the next page is sent while the reader reads the current page (one page
// ahead at most, never beyond MaxRows, MaxPages or LIMIT; cancelled by
// Close). The DSN key read_ahead=false (Config.NoReadAhead) turns it off
// for every statement. See docs/statements.md, "Read-ahead".
func NoReadAhead() Option {
	return optionFunc(func(o *stmtOptions) error { o.noReadAhead = true; return nil })
}

// Track makes the result report its progress into p as rows are read: the
// NextToken to resume from, the number of pages fetched and rows returned.
func Track(p *Position) Option {
	return optionFunc(func(o *stmtOptions) error {
		if p == nil {
			return fmt.Errorf("%w: Track(nil): pass a *Position to fill", ErrBadOption)
		}
		*p = Position{}
		o.position = p
		return nil
	})
}

// Position reports where a streamed result stands; pass a *Position with
// Track and read it while or after iterating.
//
// NextToken is the DynamoDB token that starts the page after the last page
// fetched, "" when DynamoDB said there is no more. It resumes exactly where
// the reader stopped when the reader stopped at the end of a page: read the
// result to its end with MaxRows(n) (which ends a page at the nth row), then
// run the same statement with the same parameters and StartToken(NextToken).
type Position struct {
	// NextToken resumes after the last page fetched; "" when Done.
	NextToken string
	// Done is true once DynamoDB returned the result's last page.
	Done bool
	// Pages counts the pages the reader has reached (one request each). A
	// page read ahead (see NoReadAhead) counts once the reader reaches it.
	Pages int
	// Rows counts the rows returned to the reader so far.
	Rows int
}
