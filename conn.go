package dynamosql

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
	"github.com/dynamosql/dynamosql/internal/planner"
)

// MaxStatementLength is DynamoDB's limit on the length of a PartiQL
// statement, in characters.
const MaxStatementLength = 8192

// conn is a connection. It holds no network state: every call goes through
// the connector's shared client.
type conn struct {
	c *Connector

	// opts collects the per-statement options that CheckNamedValue removed
	// from the arguments of the statement about to run.
	opts stmtOptions

	tx     *transaction // the open transaction, if any
	closed bool

	last *analysis // the analysis of the last statement text (analyse.go)
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
)

// CheckNamedValue converts each argument to a DynamoDB attribute value and
// removes per-statement options (the go-sql-spanner pattern).
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if t := c.tx; t != nil && nv.Name == "" {
		// In a transaction, the common arguments first, with their values
		// from the transaction's slab; anything else, and invalid text, as
		// convertValue does.
		switch x := nv.Value.(type) {
		case string:
			if validText(x) { // value.go
				nv.Value = t.slab.str(x)
				return nil
			}
		case int:
			nv.Value = t.slab.num(strconv.FormatInt(int64(x), 10))
			return nil
		case int64:
			nv.Value = t.slab.num(strconv.FormatInt(x, 10))
			return nil
		}
	}
	if o, ok := nv.Value.(Option); ok {
		if err := o.apply(&c.opts); err != nil {
			c.resetOptions()
			return err
		}
		return driver.ErrRemoveArgument
	}
	if nv.Name != "" {
		c.resetOptions()
		return fmt.Errorf("%w: argument %d is sql.Named(%q, ...): PartiQL parameters are positional (?); pass the value without sql.Named",
			ErrNamedArgs, nv.Ordinal, nv.Name)
	}
	av, err := convertValue(nv.Value)
	if err != nil {
		c.resetOptions()
		return &argErr{n: nv.Ordinal, err: err}
	}
	nv.Value = av
	return nil
}

// takeOptions returns the options collected for the statement about to run
// and clears them for the next one.
func (c *conn) takeOptions() stmtOptions {
	if c.opts == (stmtOptions{}) {
		// Most statements have none: clearing would store zeros (and,
		// while the garbage collector runs, pay write barriers) for nothing.
		return stmtOptions{}
	}
	o := c.opts
	c.resetOptions()
	return o
}

func (c *conn) resetOptions() { c.opts = stmtOptions{} }

// Prepare returns a prepared statement. Preparing sends nothing: DynamoDB
// has no server-side prepared statements.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns a prepared statement; the statement is analysed
// (and refused when it can never be sent) but nothing is sent.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if c.closed {
		return nil, driver.ErrBadConn
	}
	if a := c.analysisOf(query); a.err != nil {
		return nil, a.err
	}
	return &stmt{c: c, query: query}, nil
}

// Close closes the connection. An open transaction is discarded.
func (c *conn) Close() error {
	c.closed = true
	c.tx = nil
	return nil
}

// Begin starts a transaction; use BeginTx.
func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// Ping makes a real, cheap call (ListTables with Limit 1), so that a wrong
// endpoint, region or credentials fail at startup. An AccessDenied answer
// counts as success: DynamoDB was reached and checked the credentials.
func (c *conn) Ping(ctx context.Context) error {
	if c.closed {
		return driver.ErrBadConn
	}
	rec := c.c.obs.start(ctx, "PING", "", nil) // observe.go
	ctx = rec.withContext(ctx)
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	err := resend(ctx, maxReadResends, isBrokenResponse, func() error {
		_, err := c.c.client.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)}, c.c.obs.option)
		return err
	})
	if err != nil {
		if errorCode(err) == "AccessDeniedException" {
			return rec.end(nil)
		}
		return rec.end(wrapErr("Ping", err))
	}
	return rec.end(nil)
}

// ResetSession clears state a previous user of the connection left behind.
func (c *conn) ResetSession(ctx context.Context) error {
	if c.closed {
		return driver.ErrBadConn
	}
	c.tx = nil
	c.resetOptions()
	return nil
}

// IsValid reports whether the connection can be reused: not while a
// transaction is open on it.
func (c *conn) IsValid() bool { return !c.closed && c.tx == nil }

// callContext applies the configured per-call timeout.
func (c *conn) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.c.cfg.Timeout > 0 {
		return context.WithTimeout(ctx, c.c.cfg.Timeout)
	}
	return ctx, func() {}
}

// prepared is a statement on its way through the pipeline: its analysis,
// its arguments, and what each stage decided for this execution.
type prepared struct {
	a *analysis
	// query is the text to send and params its parameters, after the
	// rewrites and index hints.
	query  string
	params []types.AttributeValue
	opts   stmtOptions
	// consistent is the one consistent-read rule: the statement's option,
	// the DSN's setting, or a transaction. Planning (no GSI for a
	// consistent read) and the request read it.
	consistent bool

	// Set by rewrite (rewrite.go).
	form      *form                          // the SELECT sent, for plan; nil for other statements
	offset    int                            // rows to skip on the client (OFFSET)
	count     bool                           // COUNT(*): return one row with the count
	none      bool                           // LIMIT 0: no rows, nothing is sent
	multi     []types.ParameterizedStatement // multi-row INSERT: one statement per row
	multiKeys []keyed                        // the item keys of multi
	keys      *keyParts                      // the item key of the statement sent (txkey.go)

	// Set by plan (plan.go).
	plan           *planner.Plan
	note           string // why the statement has no plan, for Explain
	refused        error  // the scan policy refuses the statement
	warn           bool   // the scan policy warns about it
	warnNoMetadata error  // the table cannot be described: no hints, no check

	// rec records what the statement sends (observe.go); nil until it is
	// about to send.
	rec *stmtRec
}

// stages runs the stages that precede sending: analyse the text (cached),
// check and convert the arguments, rewrite, plan. It fills *p, which the
// caller owns (ExecContext and QueryContext keep it on their stack).
func (c *conn) stages(ctx context.Context, query string, args []driver.NamedValue, p *prepared) error {
	opts := c.takeOptions()
	if c.closed {
		return driver.ErrBadConn
	}
	a := c.analysisOf(query) // analyse.go
	if a.err != nil {
		return a.err
	}
	if a.kind.IsDDL() {
		*p = prepared{a: a, query: a.text}
		return c.checkDDL(a, len(args)) // ddl.go
	}
	if a.params != len(args) {
		return fmt.Errorf("%w: the statement has %d ? placeholder(s) but %d argument(s) were given",
			ErrArgCount, a.params, len(args))
	}
	params, err := c.params(args)
	if err != nil {
		return err
	}
	*p = prepared{
		a:          a,
		query:      a.text,
		params:     params,
		opts:       opts,
		consistent: opts.consistentRead || c.c.cfg.ConsistentRead || c.tx != nil,
		keys:       a.keys,
	}
	if err := c.rewrite(ctx, p); err != nil { // rewrite.go
		return err
	}
	if a.kind == partiql.KindSelect {
		return c.plan(ctx, p) // plan.go
	}
	return nil
}

// params returns the attribute values CheckNamedValue made of args.
func (c *conn) params(args []driver.NamedValue) ([]types.AttributeValue, error) {
	if len(args) == 0 {
		return nil, nil
	}
	var params []types.AttributeValue
	if t := c.tx; t != nil {
		params = t.slab.params(len(args)) // slab.go
	} else {
		params = make([]types.AttributeValue, len(args))
	}
	for i, a := range args {
		var av types.AttributeValue
		ok := true
		switch v := a.Value.(type) { // what CheckNamedValue makes most often, without an interface assertion
		case *types.AttributeValueMemberS:
			av = v
		case *types.AttributeValueMemberN:
			av = v
		default:
			av, ok = a.Value.(types.AttributeValue)
		}
		if !ok {
			// Only reachable when database/sql skipped CheckNamedValue.
			var err error
			if av, err = convertValue(a.Value); err != nil {
				return nil, &argErr{n: i + 1, err: err}
			}
		}
		params[i] = av
	}
	return params, nil
}

// prepare runs the stages, then acts on the scan policy: a refused
// statement fails, a warned one is logged (once per text).
func (c *conn) prepare(ctx context.Context, query string, args []driver.NamedValue, p *prepared) error {
	if err := c.stages(ctx, query, args, p); err != nil {
		return err
	}
	if p.refused != nil {
		return p.refused
	}
	c.warn(p) // plan.go
	return nil
}

// ExecContext runs a statement that returns no rows.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	var p prepared
	if err := c.prepare(ctx, query, args, &p); err != nil {
		return nil, err
	}
	switch {
	case p.a.kind == partiql.KindSelect:
		return nil, fmt.Errorf("%w: Exec of a SELECT: use Query (QueryContext), which returns the rows", ErrNotQuery)
	case c.tx != nil && !p.a.kind.IsDDL():
		if err := c.buffered(&p); err != nil {
			return nil, err
		}
		if p.multi != nil {
			return c.sendRows(ctx, &p) // send.go: added to the transaction
		}
		return c.tx.add(ctx, &p) // tx.go; a read-only transaction refuses it
	}
	ctx, rec := c.begin(ctx, &p) // observe.go
	p.rec = rec
	var res driver.Result
	var err error
	switch {
	case p.a.kind.IsDDL():
		res, err = c.execDDL(ctx, p.a.stmt) // ddl.go: tables and indexes
	case p.multi != nil:
		res, err = c.sendRows(ctx, &p) // send.go
	default:
		var n int64
		if _, n, err = c.write(ctx, &p, false); err == nil { // send.go
			res = result{affected: n}
		}
	}
	return res, rec.end(err)
}

// buffered refuses the options that cannot apply to a statement a
// transaction buffers: it sends nothing until Commit.
func (c *conn) buffered(p *prepared) error {
	switch {
	case p.opts.capacity != nil:
		return fmt.Errorf("%w: Capacity on a statement inside a transaction: the statement is sent at Commit, with the others; give BeginTx a context carrying a CapacityMeter (WithCapacityMeter) to learn what the commit consumed", ErrBadOption)
	}
	return nil
}

// QueryContext runs a statement that returns rows: a SELECT, or a write
// with RETURNING. It returns after the first page; later pages are fetched
// as Next needs them.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	var p prepared
	if err := c.prepare(ctx, query, args, &p); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case p.a.kind == partiql.KindSelect && p.none:
		return c.noRows(ctx, &p), nil
	case c.tx != nil && p.a.kind != partiql.KindSelect && !p.a.kind.IsDDL():
		if p.a.returning && !c.tx.readOnly {
			return nil, fmt.Errorf("%w: DynamoDB does not allow RETURNING inside a transaction: run the statement outside the transaction", ErrTxStatement)
		}
		if err := c.buffered(&p); err != nil {
			return nil, err
		}
		if p.multi != nil {
			if _, err := c.sendRows(ctx, &p); err != nil {
				return nil, err
			}
		} else if _, err := c.tx.add(ctx, &p); err != nil {
			return nil, err
		}
		return emptyRows(), nil
	}
	ctx, rec := c.begin(ctx, &p) // observe.go
	p.rec = rec
	switch {
	case p.a.kind.IsDDL():
		r, err := c.queryDDL(ctx, p.a.stmt) // ddl.go
		return r, rec.end(err)
	case p.a.kind == partiql.KindSelect && p.count:
		r, err := c.countRows(ctx, &p) // rows.go
		return r, rec.end(err)
	case p.a.kind == partiql.KindSelect:
		r, err := c.selectRows(ctx, &p) // rows.go: the rows end the record when closed
		if err != nil {
			return nil, rec.end(err)
		}
		return r, nil
	case p.multi != nil:
		if _, err := c.sendRows(ctx, &p); err != nil {
			return nil, rec.end(err)
		}
		return emptyRows(), rec.end(nil)
	}
	items, _, err := c.write(ctx, &p, true)
	if err != nil {
		return nil, rec.end(err)
	}
	return c.itemRows(ctx, &p, items), rec.end(nil)
}
