package dynamosql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/smithy-go"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

// ErrFullScan reports a SELECT refused under scan=deny because it would
// read a whole table or index. The message names the table, the partition
// key conditions that would make it a query and the table's indexes.
var ErrFullScan = errors.New("dynamosql: full scan refused")

// Access is how DynamoDB reads the items of a statement; see Explain.
type Access = indexhint.Access

// The access paths a Plan reports.
const (
	// AccessUnknown: the driver could not tell (no table metadata, or an
	// index the table does not have).
	AccessUnknown = indexhint.AccessUnknown
	// AccessItem reads or writes one item, named by its whole primary key.
	AccessItem = indexhint.AccessItem
	// AccessQuery reads the partitions named with = or IN on the partition
	// key of the table or index read.
	AccessQuery = indexhint.AccessQuery
	// AccessScan reads the whole table or index.
	AccessScan = indexhint.AccessScan
)

// maxWarned bounds the statements a connector remembers having warned
// about; past it the memory starts over (and a statement may warn again).
const maxWarned = 4096

// planState is a connector's planning state: the planner with its plan
// cache, and what was already logged. The zero value is ready.
type planState struct {
	once    sync.Once
	planner *indexhint.Planner
	warned  sync.Map // statement text (or "\x00" + table) -> struct{}
	nWarned atomic.Int64
}

func (s *planState) get(cat *indexhint.Catalog) *indexhint.Planner {
	s.once.Do(func() { s.planner = indexhint.NewPlanner(cat) })
	return s.planner
}

// firstTime reports whether key is new to the connector's warning memory,
// and records it.
func (s *planState) firstTime(key string) bool {
	if _, ok := s.warned.Load(key); ok {
		return false
	}
	if s.nWarned.Add(1) > maxWarned {
		s.warned.Clear()
		s.nWarned.Store(1)
	}
	_, loaded := s.warned.LoadOrStore(key, struct{}{})
	return !loaded
}

// plan routes a SELECT to the right index from the catalog and entity
// metadata, rewrites composite sort columns, and applies the scan policy.
func (c *conn) plan(ctx context.Context, p *prepared) error {
	ex := c.explain
	if p.sum.Kind != partiql.KindSelect {
		if ex != nil {
			ex.describeOther(p)
		}
		return nil
	}
	o := &p.opts
	if o.index != "" && o.noHint {
		return fmt.Errorf("%w: UseIndex(%q) and NoIndexHint() contradict each other: pass one", ErrBadOption, o.index)
	}
	st, err := partiql.ParseCached(p.query)
	if err != nil {
		if errors.Is(err, partiql.ErrUnsupported) {
			return fmt.Errorf("%w: %s", ErrUnsupportedSQL, strings.TrimPrefix(err.Error(), "partiql: "))
		}
		// DynamoDB decides, as translate does.
		if ex != nil {
			ex.Table, ex.Access = p.sum.Table, AccessUnknown
			ex.Reason = fmt.Sprintf("the driver cannot read the statement (%v): sent as written, without index hints or scan check", err)
		}
		return nil
	}
	sel, ok := st.(*partiql.Select)
	if !ok {
		return nil
	}
	opts := indexhint.Options{
		Index:      o.index,
		NoHint:     o.noHint,
		Consistent: o.consistentRead || c.c.cfg.ConsistentRead || c.tx != nil,
	}
	pl, err := c.c.plans.get(c.c.catalog).Plan(ctx, p.query, sel, opts)
	if err != nil {
		return c.planError(ctx, p, sel, ex, err)
	}
	if pl.Rewritten {
		params, err := pl.Params(p.params)
		if err != nil {
			return fmt.Errorf("dynamosql: index hint: %w", err)
		}
		if len(pl.Text) > MaxStatementLength {
			return fmt.Errorf("%w: with the index hint the statement has %d characters and DynamoDB accepts at most %d: pass NoIndexHint() or name the index in FROM",
				ErrStatementTooLong, len(pl.Text), MaxStatementLength)
		}
		p.query, p.params = pl.Text, params
		p.sum.Params = len(params)
	}
	if ex != nil {
		ex.Table, ex.Index, ex.Access, ex.Reason = pl.Table, pl.Index, pl.Access, pl.Reason
	}
	if pl.Access != AccessScan || o.allowScan {
		return nil
	}
	switch c.c.cfg.Scan {
	case ScanAllow:
		return nil
	case ScanDeny:
		err := fullScanError(pl)
		if ex != nil {
			ex.Refused = err
			return nil
		}
		return err
	}
	if ex == nil && c.c.plans.firstTime(p.original) {
		c.logger().Warn("dynamosql: SELECT scans a whole table or index",
			slog.String("table", pl.Table), slog.String("index", pl.Index),
			slog.String("statement", p.original), slog.String("reason", pl.Reason))
	}
	return nil
}

// planError handles a failure to plan: a missing table goes to DynamoDB as
// written (which reports it); missing metadata disables hints, or under
// scan=deny refuses the statement.
func (c *conn) planError(ctx context.Context, p *prepared, sel *partiql.Select, ex *Plan, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("dynamosql: describing table %q: %w", sel.Table, err)
	case errors.Is(err, indexhint.ErrTableNotFound):
		if ex != nil {
			ex.Table, ex.Access = sel.Table, AccessUnknown
			ex.Reason = fmt.Sprintf("table %q does not exist: sent as written (DynamoDB will say so)", sel.Table)
		}
		return nil
	case errors.Is(err, indexhint.ErrNoMetadata):
		var refused error
		if c.c.cfg.Scan == ScanDeny && !p.opts.allowScan {
			refused = fmt.Errorf("dynamosql: scan=deny cannot check the SELECT on table %q: %w (allow the driver dynamodb:DescribeTable, or pass AllowScan())", sel.Table, err)
		}
		if ex != nil {
			ex.Table, ex.Access, ex.Refused = sel.Table, AccessUnknown, refused
			ex.Reason = fmt.Sprintf("no metadata for table %q: sent as written, without index hints or scan check: %v", sel.Table, err)
			return nil
		}
		if refused != nil {
			return refused
		}
		if c.c.plans.firstTime("\x00" + sel.Table) {
			c.logger().Warn("dynamosql: no index hints or scan check for a table: it cannot be described",
				slog.String("table", sel.Table), slog.String("error", err.Error()))
		}
		return nil
	case errors.Is(err, indexhint.ErrComposite):
		return fmt.Errorf("dynamosql: index hint: %w", err)
	}
	return fmt.Errorf("%w: %w", ErrBadOption, err)
}

// logger returns the connector's logger.
func (c *conn) logger() *slog.Logger {
	if l := c.c.logger; l != nil {
		return l
	}
	return slog.Default()
}

// fullScanError is the error of a SELECT refused under scan=deny.
func fullScanError(pl *indexhint.Plan) error {
	what := fmt.Sprintf("table %q", pl.Table)
	if pl.Index != "" {
		what = fmt.Sprintf("index %q of table %q", pl.Index, pl.Table)
	}
	indexes := "the table has no indexes"
	if len(pl.Indexes) > 0 {
		q := make([]string, len(pl.Indexes))
		for i, n := range pl.Indexes {
			q[i] = fmt.Sprintf("%q", n)
		}
		indexes = "the table's indexes: " + strings.Join(q, ", ")
	}
	return fmt.Errorf("%w (scan=deny): the SELECT would read the whole %s: a query %s (= or IN); %s; or pass dynamosql.AllowScan() to run this one",
		ErrFullScan, what, pl.NeedsText(), indexes)
}

// isIndexError reports a ValidationException about an index ("The table
// does not have the specified index", "... index ... does not project
// ..."): the cached description of the table may be stale.
func isIndexError(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" &&
		strings.Contains(strings.ToLower(ae.ErrorMessage()), "index")
}
