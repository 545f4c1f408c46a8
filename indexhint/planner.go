package indexhint

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

const (
	planShards   = 32
	planShardCap = 128 // planShards*planShardCap = 4096 plans

	// failureTTL is how long a failed DescribeTable is remembered, so that
	// a caller without the permission does not pay for one per statement.
	failureTTL = 30 * time.Second
	// refreshEvery bounds how often a statement naming an index the
	// cached description lacks makes the planner describe the table again.
	refreshEvery = 5 * time.Second
)

// ErrNoMetadata reports that a table's description could not be read
// (DescribeTable failed for another reason than a missing table), so that
// no plan could be made.
var ErrNoMetadata = errors.New("indexhint: no table metadata")

// Planner plans SELECT statements with the tables and composites of a
// catalog and caches the plans by statement text and options. It is safe
// for concurrent use; a cached plan costs a map lookup and a check that the
// catalog still holds the table description and composites it was made
// with.
type Planner struct {
	cat    *Catalog
	seed   maphash.Seed
	shards [planShards]planShard

	mu        sync.Mutex
	failed    map[string]failure   // DescribeTable failures by table
	refreshed map[string]time.Time // last forced refresh by table
}

type failure struct {
	err   error
	until time.Time
}

// planShard holds an immutable map replaced whole under mu (copy on
// write), so a lookup is a lock-free load.
type planShard struct {
	mu sync.Mutex
	m  atomic.Pointer[map[planKey]*planEntry]
}

type planKey struct {
	text string
	opts Options
}

// planEntry is a plan and the metadata it was made with.
type planEntry struct {
	plan  *Plan
	table *Table
	comps []Composite
}

// NewPlanner returns a planner over cat.
func NewPlanner(cat *Catalog) *Planner {
	return &Planner{cat: cat, seed: maphash.MakeSeed()}
}

// Plan returns the plan of sel, whose text is text, under opts: from the
// cache when the catalog has not changed since, else planned with the
// table's description (DescribeTable on first use) and composites. sel is
// not changed. The error wraps ErrTableNotFound for a missing table,
// ErrNoMetadata when the table cannot be described, ErrUnknownIndex for a
// forced index the table lacks.
func (pl *Planner) Plan(ctx context.Context, text string, sel *partiql.Select, opts Options) (*Plan, error) {
	key := planKey{text: text, opts: opts}
	sh := &pl.shards[maphash.String(pl.seed, text)%planShards]
	if m := sh.m.Load(); m != nil {
		if e := (*m)[key]; e != nil && pl.current(sel.Table, e) {
			return e.plan, nil
		}
	}
	t, err := pl.table(ctx, sel.Table)
	if err != nil {
		return nil, err
	}
	if (sel.Index != "" && t.Index(sel.Index) == nil) || (opts.Index != "" && t.Index(opts.Index) == nil) {
		// The index may be newer than the description.
		if pl.mayRefresh(sel.Table) {
			pl.cat.Invalidate(sel.Table)
			if t, err = pl.table(ctx, sel.Table); err != nil {
				return nil, err
			}
		}
	}
	comps := pl.cat.Composites(sel.Table)
	p, err := PlanSelect(t, comps, sel, opts)
	if err != nil {
		return nil, err
	}
	pl.store(sh, key, &planEntry{plan: p, table: t, comps: comps})
	return p, nil
}

// current reports whether the catalog still holds the metadata e was
// planned with.
func (pl *Planner) current(table string, e *planEntry) bool {
	c := pl.cat
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tables[table] == e.table && sameComposites(c.composites[table], e.comps)
}

func sameComposites(a, b []Composite) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Attribute != b[i].Attribute || !slices.Equal(a[i].Components, b[i].Components) ||
			!slices.Equal(a[i].Kinds, b[i].Kinds) {
			return false
		}
	}
	return true
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
	pl.mu.Lock()
	if pl.failed == nil || len(pl.failed) >= planShardCap {
		pl.failed = make(map[string]failure)
	}
	pl.failed[name] = failure{err: err, until: time.Now().Add(failureTTL)}
	pl.mu.Unlock()
	return nil, err
}

// mayRefresh reports whether table may be described again now.
func (pl *Planner) mayRefresh(table string) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	now := time.Now()
	if last, ok := pl.refreshed[table]; ok && now.Sub(last) < refreshEvery {
		return false
	}
	if pl.refreshed == nil || len(pl.refreshed) >= planShardCap {
		pl.refreshed = make(map[string]time.Time)
	}
	pl.refreshed[table] = now
	return true
}

func (pl *Planner) store(sh *planShard, key planKey, e *planEntry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.m.Load()
	n := 1
	if old != nil {
		n += len(*old)
	}
	next := make(map[planKey]*planEntry, n)
	if old != nil {
		evict := len(*old) >= planShardCap
		for k, v := range *old { // iteration starts at a random entry
			if evict && k != key {
				evict = false
				continue
			}
			next[k] = v
		}
	}
	// Clone the text so the cache never pins a larger buffer.
	key.text = strings.Clone(key.text)
	next[key] = e
	sh.m.Store(&next)
}

// Len returns the number of cached plans.
func (pl *Planner) Len() int {
	n := 0
	for i := range pl.shards {
		if m := pl.shards[i].m.Load(); m != nil {
			n += len(*m)
		}
	}
	return n
}
