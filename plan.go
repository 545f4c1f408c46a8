package dynamosql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/partiql"
	"github.com/dynamosql/dynamosql/internal/planner"
)

// Stage 3 of the pipeline: a SELECT is routed to the index of its table
// that its WHERE clause can use (from the catalog's table descriptions and
// the composites registered by the mapper), composite columns are
// rewritten, and the scan policy is applied. Explain runs the same stages
// and reports what they decided, without sending the statement.

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

// Plan is what Explain reports: what the driver would send for a statement
// and how DynamoDB would read it.
type Plan struct {
	// Statement is the PartiQL the driver would send, after the SQL
	// translations and index hints.
	Statement string
	// Params is the number of parameters sent with it.
	Params int
	// Rewritten reports that Statement differs from the query given.
	Rewritten bool
	// Table is the table the statement reads or writes.
	Table string
	// Index is the index read, "" for the table.
	Index string
	// Access is how DynamoDB would read the items: AccessItem, AccessQuery
	// or AccessScan (AccessUnknown when the driver cannot tell).
	Access Access
	// Reason says why, for people.
	Reason string
	// Refused is the error the statement would fail with before anything
	// is sent (ErrFullScan under scan=deny), nil when it would be sent.
	Refused error
	// Calls lists the control-plane calls of a table or index statement
	// (CREATE TABLE, ...: see docs/tables.md), in order; nil for PartiQL.
	Calls []string
}

// plan routes p's SELECT and applies the scan policy. It returns the errors
// that stop the statement whatever the policy (contradicting options, a
// composite value that cannot be encoded, a statement grown too long);
// what the policy decides goes into p.refused (scan=deny) and p.warn
// (scan=warn), which prepare acts on and Explain reports.
func (c *conn) plan(ctx context.Context, p *prepared) error {
	if p.form == nil {
		if p.a.kind == partiql.KindSelect {
			p.note = fmt.Sprintf("the driver cannot read the statement (%v): sent as written, without index hints or scan check", p.a.parseErr)
		}
		return nil
	}
	o := &p.opts
	if o.index != "" && o.noHint {
		return fmt.Errorf("%w: UseIndex(%q) and NoIndexHint() contradict each other: pass one", ErrBadOption, o.index)
	}
	opts := planner.Options{Index: o.index, NoHint: o.noHint, Consistent: p.consistent}
	e, err := c.c.planner.Plan(ctx, p.form.sel, opts, p.form.plan(opts))
	if err != nil {
		return c.planError(ctx, p, err)
	}
	p.form.keep(e)
	pl := e.Plan
	p.plan = pl
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
	}
	if pl.Access != AccessScan || o.allowScan {
		return nil
	}
	switch c.c.cfg.Scan {
	case ScanDeny:
		p.refused = fullScanError(pl)
	case ScanWarn:
		p.warn = true
	}
	return nil
}

// plan returns the plan kept for opts, nil when there is none.
func (f *form) plan(opts planner.Options) *planner.Entry {
	if l := f.plans.Load(); l != nil {
		for _, e := range *l {
			if e.Opts == opts {
				return e
			}
		}
	}
	return nil
}

// maxFormPlans bounds the plans a form keeps: one per set of options used
// with the text (index hint, no hint, consistent read...), which is a
// handful in practice.
const maxFormPlans = 8

// keep makes e the plan kept for its options.
func (f *form) keep(e *planner.Entry) {
	old := f.plans.Load()
	if old != nil && slices.Contains(*old, e) {
		return // kept already: the common case allocates nothing
	}
	var list []*planner.Entry // on the heap (stored below): declared past the common case
	if old != nil {
		for _, x := range *old {
			if x.Opts != e.Opts && len(list) < maxFormPlans-1 {
				list = append(list, x)
			}
		}
	}
	list = append(list, e)
	f.plans.Store(&list) // a concurrent keep may win: either list is right
}

// planError handles a failure to plan: a missing table goes to DynamoDB as
// written (which reports it); missing metadata disables hints, or under
// scan=deny refuses the statement.
func (c *conn) planError(ctx context.Context, p *prepared, err error) error {
	table := p.form.sel.Table
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("dynamosql: describing table %q: %w", table, err)
	case errors.Is(err, indexhint.ErrTableNotFound):
		p.note = fmt.Sprintf("table %q does not exist: sent as written (DynamoDB will say so)", table)
		return nil
	case errors.Is(err, planner.ErrNoMetadata):
		err = describeError(table, err) // errors.go
		p.note = fmt.Sprintf("no metadata for table %q: sent as written, without index hints or scan check: %v", table, err)
		if c.c.cfg.Scan == ScanDeny && !p.opts.allowScan {
			p.refused = &inContext{doing: fmt.Sprintf("scan=deny cannot check the SELECT on table %q (allow the driver dynamodb:DescribeTable, or pass AllowScan())", table), err: err}
		} else {
			p.warnNoMetadata = err
		}
		return nil
	case errors.Is(err, indexhint.ErrComposite):
		return fmt.Errorf("dynamosql: index hint: %w", err)
	}
	return fmt.Errorf("%w: %w", ErrBadOption, err)
}

// fullScanError is the error of a SELECT refused under scan=deny.
func fullScanError(pl *planner.Plan) error {
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
	hints := ""
	if len(pl.Hints) > 0 {
		hints = strings.Join(pl.Hints, "; ") + "; "
	}
	return fmt.Errorf("%w (scan=deny): the SELECT would read the whole %s: %sa query %s (= or IN); %s; or pass dynamosql.AllowScan() to run this one",
		ErrFullScan, what, hints, pl.NeedsText(), indexes)
}

// warnings is a connector's memory of the warnings it logged, so that a
// statement (or a table without metadata) is warned about once. The zero
// value is ready.
type warnings struct {
	seen sync.Map // statement text (or "\x00" + table) -> struct{}
	n    atomic.Int64
}

// maxWarned bounds the statements a connector remembers having warned
// about; past it the memory starts over (and a statement may warn again).
const maxWarned = 4096

// firstTime reports whether key is new to the memory, and records it.
func (w *warnings) firstTime(key string) bool {
	if _, ok := w.seen.Load(key); ok {
		return false
	}
	if w.n.Add(1) > maxWarned {
		w.seen.Clear()
		w.n.Store(1)
	}
	_, loaded := w.seen.LoadOrStore(key, struct{}{})
	return !loaded
}

// warn logs what plan found worth a warning under scan=warn, once per
// statement text (or table).
func (c *conn) warn(p *prepared) {
	switch {
	case p.warn:
		if c.c.warned.firstTime(p.a.text) {
			attrs := []any{slog.String("table", p.plan.Table), slog.String("index", p.plan.Index),
				slog.String("statement", p.a.text), slog.String("reason", p.plan.Reason)}
			if len(p.plan.Hints) > 0 {
				attrs = append(attrs, slog.String("hint", strings.Join(p.plan.Hints, "; ")))
			}
			c.c.logger.Warn("dynamosql: SELECT scans a whole table or index", attrs...)
		}
	case p.warnNoMetadata != nil:
		if c.c.warned.firstTime("\x00" + p.form.sel.Table) {
			c.c.logger.Warn("dynamosql: no index hints or scan check for a table: it cannot be described",
				slog.String("table", p.form.sel.Table), slog.String("error", p.warnNoMetadata.Error()))
		}
	}
}

// Explain tells what the driver would do with query and args on db
// without sending the statement: the final PartiQL (with the index chosen
// and composite columns rewritten), the number of parameters, the index,
// the access path (single item, query or scan) and why, and whether the
// scan policy would refuse it. args are the statement's arguments (their
// values matter for composite columns) and per-statement options
// (UseIndex, NoIndexHint, AllowScan, ConsistentRead...), as for Query.
// It may call DescribeTable (through the connector's catalog, which caches
// it); it never runs the statement.
//
//	plan, err := dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`, 42)
//	fmt.Println(plan)
func Explain(ctx context.Context, db *sql.DB, query string, args ...any) (*Plan, error) {
	cn, err := ConnectorOf(ctx, db)
	if err != nil {
		return nil, err
	}
	c := &conn{c: cn}
	var named []driver.NamedValue
	for _, a := range args {
		if o, ok := a.(Option); ok {
			if err := o.apply(&c.opts); err != nil {
				return nil, err
			}
			continue
		}
		named = append(named, driver.NamedValue{Ordinal: len(named) + 1, Value: a})
	}
	var p prepared
	if err := c.stages(ctx, query, named, &p); err != nil {
		return nil, err
	}
	e := p.explain()
	if p.count && p.refused == nil {
		if req, ok := c.countRequestOf(ctx, &p); ok { // count.go
			e.Reason = strings.Replace(e.Reason, countByPages, req.describe(), 1)
		}
	}
	return e, nil
}

// countByPages is Explain's note on a COUNT(*) counted from PartiQL pages.
const countByPages = "COUNT(*): the driver counts the items returned"

// explain reports what the stages decided for p.
func (p *prepared) explain() *Plan {
	e := &Plan{
		Statement: p.query,
		Params:    len(p.params),
		Rewritten: p.query != p.a.text,
		Table:     p.a.table,
		Access:    AccessUnknown,
		Refused:   p.refused,
	}
	switch {
	case p.a.kind.IsDDL():
		ddlCalls(e, p.a.stmt) // ddl.go
	case p.plan != nil:
		e.Table, e.Index, e.Access, e.Reason = p.plan.Table, p.plan.Index, p.plan.Access, p.plan.Reason
	case p.note != "":
		e.Reason = p.note
	default:
		switch p.a.kind {
		case partiql.KindInsert, partiql.KindUpdate, partiql.KindDelete:
			e.Access = AccessItem
			if p.multi != nil {
				e.Reason = fmt.Sprintf("a multi-row INSERT: %d INSERT statements in one transaction", len(p.multi))
			} else {
				e.Reason = fmt.Sprintf("%s writes the one item its key names; sent as written", p.a.kind)
			}
		case partiql.KindExists:
			e.Access = AccessItem
			e.Reason = "EXISTS is a condition check on one item inside a transaction"
		default:
			e.Reason = "not a statement the driver knows: sent as written"
		}
	}
	var notes []string
	if p.plan != nil {
		notes = append(notes, p.plan.Hints...)
	}
	if p.count {
		notes = append(notes, countByPages)
	}
	if p.offset > 0 {
		notes = append(notes, fmt.Sprintf("OFFSET: the driver skips the first %d items", p.offset))
	}
	if p.opts.maxRows > 0 {
		notes = append(notes, fmt.Sprintf("the driver stops after %d rows", p.opts.maxRows))
	}
	if len(notes) > 0 {
		e.Reason = strings.Join(append([]string{e.Reason}, notes...), "; ")
	}
	return e
}

// String returns the plan on a few labelled lines.
func (e *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "statement: %s\n", e.Statement)
	fmt.Fprintf(&b, "params:    %d\n", e.Params)
	where := fmt.Sprintf("table %q", e.Table)
	if e.Index != "" {
		where = fmt.Sprintf("index %q of table %q", e.Index, e.Table)
	}
	fmt.Fprintf(&b, "access:    %s on %s\n", e.Access, where)
	fmt.Fprintf(&b, "reason:    %s", e.Reason)
	if e.Refused != nil {
		fmt.Fprintf(&b, "\nrefused:   %v", e.Refused)
	}
	if len(e.Calls) > 0 {
		fmt.Fprintf(&b, "\ncalls:     %s", strings.Join(e.Calls, "; "))
	}
	return b.String()
}
