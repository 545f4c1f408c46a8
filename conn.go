package dynamosql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynamosql/dynamosql/internal/partiql"
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
	opts    stmtOptions
	optsErr error

	tx     *transaction // the open transaction, if any
	closed bool

	facts *stmtFacts // the facts of the last statement text (stmtcache.go)

	// explain is set on the private connection of Explain: plan fills it
	// and neither refuses nor logs.
	explain *Plan
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

// argErr names the position of an argument that could not be converted.
type argErr struct {
	n   int
	err error
}

func (e *argErr) Error() string {
	return "dynamosql: argument " + strconv.Itoa(e.n) + ": " + strings.TrimPrefix(e.err.Error(), "dynamosql: ")
}

func (e *argErr) Unwrap() error { return e.err }

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

// PrepareContext returns a prepared statement; the statement is checked
// (length, syntax of quotes and comments) but nothing is sent.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if c.closed {
		return nil, driver.ErrBadConn
	}
	if _, err := summarize(query); err != nil {
		return nil, err
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
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	err := resend(ctx, func() error {
		_, err := c.c.client.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		return err
	})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "AccessDeniedException" {
			return nil
		}
		return wrapErr("Ping", err)
	}
	return nil
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

// summarize checks a statement's length and lexes it.
func summarize(query string) (partiql.Summary, error) {
	if len(query) > MaxStatementLength {
		return partiql.Summary{}, fmt.Errorf("%w: the statement has %d characters and DynamoDB accepts at most %d: pass long values as ? parameters or split the work",
			ErrStatementTooLong, len(query), MaxStatementLength)
	}
	if strings.TrimSpace(query) == "" {
		return partiql.Summary{}, fmt.Errorf("%w: nothing to send", ErrEmptyStatement)
	}
	s, err := partiql.Summarize(query)
	if err != nil {
		return s, fmt.Errorf("dynamosql: %w", syntaxErr(err)) // input_errors.go
	}
	if s.Empty {
		return partiql.Summary{}, fmt.Errorf("%w: the statement holds only comments, nothing to send", ErrEmptyStatement)
	}
	return s, nil
}

// prepared is a statement checked and ready to send.
type prepared struct {
	// query is the text to send (after translation and index hints);
	// original is the text the caller wrote.
	query    string
	original string
	sum      partiql.Summary
	params   []types.AttributeValue
	opts     stmtOptions

	// Set by translate (translate.go) for SQL forms PartiQL lacks.
	offset int                            // rows to skip on the client (OFFSET)
	count  bool                           // COUNT(*): return one row with the count
	multi  []types.ParameterizedStatement // multi-row INSERT: one statement per row
	none   bool                           // LIMIT 0: no rows, nothing is sent

	facts *stmtFacts // what the original text alone tells (stmtcache.go)
}

// prepare checks a statement and its arguments before anything is sent,
// then translates SQL forms PartiQL lacks and applies index hints. It
// fills *p, which the caller owns (ExecContext and QueryContext keep it on
// their stack: nothing holds on to p after the statement ran, only to what
// it points to).
func (c *conn) prepare(ctx context.Context, query string, args []driver.NamedValue, p *prepared) error {
	opts := c.takeOptions()
	if c.closed {
		return driver.ErrBadConn
	}
	facts := c.factsOf(query) // stmtcache.go
	sum, err := facts.sum, facts.err
	if err != nil {
		return err
	}
	if err := checkTableName(sum.Table); err != nil { // input_errors.go
		return err
	}
	if sum.Params != len(args) {
		return fmt.Errorf("%w: the statement has %d ? placeholder(s) but %d argument(s) were given",
			ErrArgCount, sum.Params, len(args))
	}
	var params []types.AttributeValue
	if len(args) > 0 {
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
					return &argErr{n: i + 1, err: err}
				}
			}
			params[i] = av
		}
	}
	*p = prepared{query: query, original: query, sum: sum, params: params, opts: opts, facts: facts}
	if err := c.translate(ctx, p); err != nil {
		return err
	}
	return c.plan(ctx, p)
}

// ExecContext runs a statement that returns no rows.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if r, ok, err := c.execDDL(ctx, query, args); ok { // ddl.go: tables and indexes
		return r, err
	}
	var p prepared
	if err := c.prepare(ctx, query, args, &p); err != nil {
		return nil, err
	}
	return c.exec(ctx, &p)
}

func (c *conn) exec(ctx context.Context, p *prepared) (driver.Result, error) {
	if p.sum.Kind == partiql.KindSelect {
		return nil, fmt.Errorf("%w: Exec of a SELECT: use Query (QueryContext), which returns the rows", ErrNotQuery)
	}
	if p.multi != nil {
		return c.execMulti(ctx, p)
	}
	if c.tx != nil {
		return c.tx.add(ctx, p) // a read-only transaction refuses it
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	text := p.query
	addedReturning := false
	if p.sum.Kind == partiql.KindDelete && !p.sum.Returning {
		// Learn whether an item was deleted.
		text = appendReturning(text)
		addedReturning = true
		if len(text) > MaxStatementLength {
			text, addedReturning = p.query, false
		}
	}
	cctx, cancel := c.callContext(ctx)
	defer cancel()
	w := newWriteWatch(p.sum.Kind, p.original) // write_outcome.go
	out, err := c.c.client.ExecuteStatement(cctx, &dynamodb.ExecuteStatementInput{
		Statement:  &text,
		Parameters: p.params,
	}, w.option())
	if uerr := w.outcome(cctx, out, err, addedReturning || p.sum.Returning); uerr != nil {
		return nil, uerr
	}
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) && (p.sum.Kind == partiql.KindUpdate || p.sum.Kind == partiql.KindDelete) {
			// No item matched the key and condition: the SQL idiom is 0 rows.
			return result{affected: 0}, nil
		}
		return nil, c.statementError(p.sum.Table, err)
	}
	switch p.sum.Kind {
	case partiql.KindDelete:
		if addedReturning || p.sum.Returning {
			return result{affected: int64(len(out.Items))}, nil
		}
		return result{affected: 1}, nil
	default:
		return result{affected: 1}, nil
	}
}

// appendReturning adds RETURNING ALL OLD * to a DELETE, after any trailing
// semicolon is removed. A newline first ends a trailing -- comment.
func appendReturning(q string) string {
	t := strings.TrimRight(q, " \t\r\n")
	t = strings.TrimSuffix(t, ";")
	return t + "\nRETURNING ALL OLD *"
}

// statementError wraps an error from ExecuteStatement and forgets cached
// metadata of a table DynamoDB says is missing.
func (c *conn) statementError(table string, err error) error {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) && table != "" {
		c.c.catalog.Invalidate(table)
	}
	if table != "" && isIndexError(err) {
		c.c.catalog.Invalidate(table)
	}
	return wrapErr("ExecuteStatement", err)
}

// QueryContext runs a statement that returns rows: a SELECT, or a write
// with RETURNING. It returns after the first page; later pages are fetched
// as Next needs them.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if r, ok, err := c.queryDDL(ctx, query, args); ok { // ddl.go: tables and indexes
		return r, err
	}
	var p prepared
	if err := c.prepare(ctx, query, args, &p); err != nil {
		return nil, err
	}
	return c.query(ctx, &p)
}

func (c *conn) query(ctx context.Context, p *prepared) (driver.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch p.sum.Kind {
	case partiql.KindSelect:
		if p.count {
			return c.countRows(ctx, p)
		}
		if p.none {
			return c.noRows(ctx, p), nil
		}
		return c.selectRows(ctx, p)
	default:
		if p.multi != nil {
			if _, err := c.execMulti(ctx, p); err != nil {
				return nil, err
			}
			return emptyRows(), nil
		}
		if c.tx != nil {
			if p.sum.Returning && !c.tx.readOnly {
				return nil, fmt.Errorf("%w: DynamoDB does not allow RETURNING inside a transaction: run the statement outside the transaction", ErrTxStatement)
			}
			if _, err := c.tx.add(ctx, p); err != nil {
				return nil, err
			}
			return emptyRows(), nil
		}
		cctx, cancel := c.callContext(ctx)
		defer cancel()
		w := newWriteWatch(p.sum.Kind, p.original) // write_outcome.go
		text := p.query                            // not &p.query: p stays on the caller's stack
		out, err := c.c.client.ExecuteStatement(cctx, &dynamodb.ExecuteStatementInput{
			Statement:  &text,
			Parameters: p.params,
		}, w.option())
		if uerr := w.outcome(cctx, out, err, p.sum.Returning); uerr != nil {
			return nil, uerr
		}
		if err != nil {
			var ccf *types.ConditionalCheckFailedException
			if errors.As(err, &ccf) && (p.sum.Kind == partiql.KindUpdate || p.sum.Kind == partiql.KindDelete) {
				return emptyRows(), nil
			}
			return nil, c.statementError(p.sum.Table, err)
		}
		return c.itemRows(ctx, p, out.Items), nil
	}
}
