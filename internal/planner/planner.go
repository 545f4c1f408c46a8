package planner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/smithy-go"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

const (
	// failureTTL is how long a failed DescribeTable is remembered, so that
	// a caller without the permission does not pay for one per statement.
	failureTTL = 30 * time.Second
	// refreshEvery bounds how often a statement naming an index the
	// cached description lacks makes the planner describe the table again.
	refreshEvery = 5 * time.Second
	// maxRemembered bounds the tables whose failures and refreshes a
	// planner remembers; past it the memory starts over.
	maxRemembered = 128
)

// ErrNoMetadata reports that a table's description could not be read
// (DescribeTable failed for another reason than a missing table), so that
// no plan could be made.
var ErrNoMetadata = errors.New("indexhint: no table metadata")

// Planner plans SELECT statements with the tables and composites of a
// catalog. It is safe for concurrent use. It keeps no plans: Plan takes
// and returns an Entry, which the caller keeps with its statement.
type Planner struct {
	cat *indexhint.Catalog

	mu        sync.Mutex
	failed    map[string]failure   // DescribeTable failures by table
	refreshed map[string]time.Time // last forced refresh by table
}

type failure struct {
	err   error
	until time.Time
}

// Entry is a plan and the catalog generation it was made with.
type Entry struct {
	// Plan is the plan.
	Plan *Plan
	// Opts are the options it was made with.
	Opts Options
	gen  uint64
}

// New returns a planner over cat.
func New(cat *indexhint.Catalog) *Planner {
	return &Planner{cat: cat}
}

// Plan returns the plan of sel under opts: cached itself when it was made
// under opts and the catalog has not changed since, else a new entry
// planned with the table's description (DescribeTable on first use) and
// composites. sel is not changed. The error wraps ErrTableNotFound for a
// missing table, ErrNoMetadata when the table cannot be described,
// ErrUnknownIndex for a forced index the table lacks.
func (pl *Planner) Plan(ctx context.Context, sel *partiql.Select, opts Options, cached *Entry) (*Entry, error) {
	if cached != nil && cached.Opts == opts && cached.gen == pl.cat.Generation() {
		return cached, nil
	}
	var (
		t     *Table
		comps []Composite
		gen   uint64
	)
	// Plan with a description and composites taken under one generation,
	// so that the entry is current exactly as long as they are (describing
	// the table on first use changes the generation: read again).
	for attempt := 0; attempt < 3; attempt++ {
		gen = pl.cat.Generation()
		var err error
		if t, err = pl.table(ctx, sel.Table); err != nil {
			return nil, err
		}
		if (sel.Index != "" && t.Index(sel.Index) == nil) || (opts.Index != "" && t.Index(opts.Index) == nil) {
			// The index may be newer than the description.
			if pl.mayRefresh(sel.Table) {
				pl.cat.Invalidate(sel.Table)
				continue
			}
		}
		comps = pl.cat.Composites(sel.Table)
		if pl.cat.Generation() == gen {
			break
		}
	}
	p, err := PlanSelect(t, comps, sel, opts)
	if err != nil {
		return nil, err
	}
	return &Entry{Plan: p, Opts: opts, gen: gen}, nil
}

// table returns the description of name, remembering a failure to describe
// it for failureTTL.
func (pl *Planner) table(ctx context.Context, name string) (*Table, error) {
	pl.mu.Lock()
	f, ok := pl.failed[name]
	pl.mu.Unlock()
	if ok && time.Now().Before(f.until) {
		return nil, f.err
	}
	t, err := pl.cat.Table(ctx, name)
	if err == nil {
		if ok {
			pl.mu.Lock()
			delete(pl.failed, name)
			pl.mu.Unlock()
		}
		return t, nil
	}
	if errors.Is(err, ErrTableNotFound) || ctx.Err() != nil ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// (A concurrent caller sharing the call may have been cancelled.)
		return nil, err
	}
	err = fmt.Errorf("%w: DescribeTable %q: %w", ErrNoMetadata, name, err)
	if !lasting(err) {
		// An outage, a 5xx or throttling passes: the next statement
		// describes the table again, so that a table first used during
		// an outage is not left without hints (or, under scan=deny,
		// refused) for long after.
		return nil, err
	}
	pl.mu.Lock()
	if pl.failed == nil || len(pl.failed) >= maxRemembered {
		pl.failed = make(map[string]failure)
	}
	pl.failed[name] = failure{err: err, until: time.Now().Add(failureTTL)}
	pl.mu.Unlock()
	return nil, err
}

// lasting reports a failure to describe a table that the next attempt
// would meet too: DynamoDB refused the request for the caller (a 4xx other
// than throttling), typically for want of dynamodb:DescribeTable.
func lasting(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorFault() == smithy.FaultServer {
		return false
	}
	switch ae.ErrorCode() {
	case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
		"InternalServerError", "ServiceUnavailable", "LimitExceededException":
		return false
	}
	return true
}

// mayRefresh reports whether table may be described again now.
func (pl *Planner) mayRefresh(table string) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	now := time.Now()
	if last, ok := pl.refreshed[table]; ok && now.Sub(last) < refreshEvery {
		return false
	}
	if pl.refreshed == nil || len(pl.refreshed) >= maxRemembered {
		pl.refreshed = make(map[string]time.Time)
	}
	pl.refreshed[table] = now
	return true
}
