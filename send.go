package dynamosql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/backoff"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Stage 4 of the pipeline: every request the driver sends for a statement
// goes through one of three paths here. The write path sends a single
// INSERT, UPDATE or DELETE (write) and follows the SDK's attempts to tell
// an applied write from one that may have been applied; the read path
// sends one page of a SELECT (fetch); the transaction path sends an
// ExecuteTransaction (sendTx): a commit, a multi-row INSERT or the reads
// of ReadItems.

// resendPolicy paces the driver's own resends (after a broken response
// body or a transaction still in progress).
var resendPolicy = backoff.Policy{Base: 10 * time.Millisecond, Max: 200 * time.Millisecond}

// How often the driver resends a request that is safe to repeat after its
// answer was lost: a read, and a commit (which DynamoDB may also answer
// TransactionInProgressException while it applies an earlier send).
const (
	maxReadResends   = 3
	maxCommitResends = 4
)

// resend runs fn, and runs it again (up to max times, pausing between)
// while it fails with an error again says may pass. Only call it for
// requests that are safe to repeat.
func resend(ctx context.Context, max int, again func(error) bool, fn func() error) error {
	for n := 1; ; n++ {
		err := fn()
		if err == nil || n > max || !again(err) || ctx.Err() != nil {
			return err
		}
		if resendPolicy.Sleep(ctx, n) != nil {
			return err
		}
	}
}

// ---- the write path ----

// write sends p, a single statement outside a transaction that is not a
// SELECT, and returns the items of its RETURNING clause and the number of
// items it changed. With wantItems false, a DELETE without RETURNING gets
// RETURNING ALL OLD *, so that the count is exact (0 when no item had the
// key).
func (c *conn) write(ctx context.Context, p *prepared, wantItems bool) ([]map[string]types.AttributeValue, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	text := p.query
	returning := p.a.returning
	if !wantItems && p.a.kind == partiql.KindDelete && !returning {
		// Learn whether an item was deleted.
		if t := appendReturning(text); len(t) <= MaxStatementLength {
			text, returning = t, true
		}
	}
	cctx, cancel := c.callContext(ctx)
	defer cancel()
	w := newWatch(p.a.kind, p.a.text, false)
	in := &dynamodb.ExecuteStatementInput{Statement: &text, Parameters: p.params}
	if p.opts.conditionItem {
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	out, err := c.c.client.ExecuteStatement(cctx, in, w.option(), c.c.obs.option)
	if uerr := w.outcome(cctx, err, p.a.kind == partiql.KindDelete && returning && err == nil && len(out.Items) == 0); uerr != nil {
		return nil, 0, uerr
	}
	if err != nil {
		if isConditionFailed(err) && (p.a.kind == partiql.KindUpdate || p.a.kind == partiql.KindDelete) {
			// No item matched the key and condition: the SQL idiom is 0
			// rows, or, with ReturnItemOnConditionFailure, an error that
			// carries the current item (condition.go).
			p.rec.rowsAffected(0, true)
			if p.opts.conditionItem {
				return nil, 0, conditionError(p.query, err)
			}
			return nil, 0, nil
		}
		if p.opts.conditionItem && isDuplicate(err) {
			return nil, 0, c.duplicateError(ctx, p, err) // condition.go
		}
		return nil, 0, c.statementError(p.a.table, err)
	}
	if p.a.kind == partiql.KindDelete && returning {
		p.rec.rowsAffected(int64(len(out.Items)), false)
		return out.Items, int64(len(out.Items)), nil
	}
	p.rec.rowsAffected(1, false)
	return out.Items, 1, nil
}

// appendReturning adds RETURNING ALL OLD * to a DELETE, after any trailing
// semicolon is removed. A newline first ends a trailing -- comment.
func appendReturning(q string) string {
	t := strings.TrimRight(q, " \t\r\n")
	t = strings.TrimSuffix(t, ";")
	return t + "\nRETURNING ALL OLD *"
}

// statementError wraps an error from ExecuteStatement and forgets cached
// metadata of a table DynamoDB says is missing or lacks an index.
func (c *conn) statementError(table string, err error) error {
	if table != "" && (isNotFound(err) || isIndexError(err)) {
		c.c.catalog.Invalidate(table)
	}
	return tableErr("ExecuteStatement", table, err)
}

// ---- the read path ----

// fetch sends one page request of a SELECT. A read is safe to repeat: it
// is resent when its answer breaks off.
func (c *conn) fetch(ctx context.Context, in *dynamodb.ExecuteStatementInput) (*dynamodb.ExecuteStatementOutput, error) {
	var out *dynamodb.ExecuteStatementOutput
	err := c.readCall(ctx, func(ctx context.Context) (err error) {
		out, err = c.c.client.ExecuteStatement(ctx, in, c.c.obs.option)
		return err
	})
	return out, err
}

// readCall runs one read request with the per-call timeout, resending it
// when its answer broke off (a read is safe to repeat): a SELECT's page,
// a COUNT(*)'s Query or Scan (count.go).
func (c *conn) readCall(ctx context.Context, fn func(context.Context) error) error {
	cctx, cancel := c.callContext(ctx)
	defer cancel()
	return resend(cctx, maxReadResends, isBrokenResponse, func() error { return fn(cctx) })
}

// ---- the transaction path ----

// txSend is one ExecuteTransaction: a write transaction's commit (with its
// ClientRequestToken, so that every resend is applied at most once) or an
// atomic read.
type txSend struct {
	stmts []types.ParameterizedStatement
	texts []string // the statements' texts, for errors (never the values)
	token string   // "" for a read
	read  bool
	table string // the one table the statements touch, "" for several (for errors)
}

// sendTx sends t, resending it after a lost answer (a broken response,
// TransactionInProgressException while DynamoDB still applies an earlier
// send): a read is safe to repeat, and a commit carries its token. It
// returns the output, or an error that names the failed statements
// (*TxError), a reused token, or an unknown outcome.
func (c *conn) sendTx(ctx context.Context, t txSend) (*dynamodb.ExecuteTransactionOutput, error) {
	cctx, cancel := c.callContext(ctx)
	defer cancel()
	in := &dynamodb.ExecuteTransactionInput{TransactStatements: t.stmts}
	var w *watch
	if !t.read {
		in.ClientRequestToken = &t.token
		w = newWatch(partiql.KindUnknown, "", true)
	}
	var out *dynamodb.ExecuteTransactionOutput
	resends := maxCommitResends
	if t.read {
		resends = maxReadResends
	}
	err := resend(cctx, resends, func(err error) bool { return isBrokenResponse(err) || isInProgress(err) }, func() error {
		var err error
		out, err = c.c.client.ExecuteTransaction(cctx, in, w.option(), c.c.obs.option)
		return err
	})
	if err == nil {
		return out, nil
	}
	if t.read {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, txError(err, t.texts, true, "", t.table)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("%w: the context ended during the commit; DynamoDB may or may not have applied it (ClientRequestToken %q): %w",
			ErrTxOutcomeUnknown, t.token, ctxErr)
	}
	if w.outcome(cctx, err, false) != nil {
		return nil, fmt.Errorf("%w: DynamoDB may or may not have applied the transaction (ClientRequestToken %q); committing the same statements with that token within 10 minutes applies them at most once: %w",
			ErrTxOutcomeUnknown, t.token, tableErr("ExecuteTransaction", t.table, err))
	}
	return nil, txError(err, t.texts, false, t.token, t.table)
}

// sendRows runs a multi-row INSERT as one atomic ExecuteTransaction, or,
// inside a transaction, adds all its rows to the transaction's buffer (or
// none, when they would not fit). The commit carries a ClientRequestToken
// (the context's, see WithClientRequestToken, or a random one).
func (c *conn) sendRows(ctx context.Context, p *prepared) (driver.Result, error) {
	if c.tx != nil {
		return c.tx.add(ctx, p)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	token, err := requestToken(ctx)
	if err != nil {
		return nil, err
	}
	texts := make([]string, len(p.multi))
	for i, st := range p.multi {
		texts[i] = *st.Statement
	}
	if _, err := c.sendTx(ctx, txSend{stmts: p.multi, texts: texts, token: token, table: p.a.table}); err != nil {
		if isNotFound(err) && p.a.table != "" {
			c.c.catalog.Invalidate(p.a.table)
		}
		return nil, rowsError(len(p.multi), err)
	}
	return result{affected: int64(len(p.multi))}, nil
}

// ---- following the SDK's attempts ----

// watch follows the attempts the AWS SDK makes to send one write request
// (a single INSERT, UPDATE or DELETE, or a commit): how many were sent and
// whether one failed in a way that leaves open whether DynamoDB applied
// it. A nil *watch watches nothing.
type watch struct {
	kind partiql.Kind
	text string
	// idempotent marks a commit with a ClientRequestToken: DynamoDB's
	// answer to a resend then tells the outcome of every earlier send.
	idempotent bool

	mu        sync.Mutex
	attempts  int
	ambiguous error // the first attempt failure that left the outcome open
}

// newWatch returns a watch for a write request: a single INSERT, UPDATE or
// DELETE with text, or a commit (idempotent), and nil for any other kind
// of statement (a read is safe to repeat).
func newWatch(kind partiql.Kind, text string, idempotent bool) *watch {
	switch {
	case idempotent:
	case kind == partiql.KindInsert, kind == partiql.KindUpdate, kind == partiql.KindDelete:
	default:
		return nil
	}
	return &watch{kind: kind, text: text, idempotent: idempotent}
}

// option returns the per-call client option that installs the watch on the
// call's retryer.
func (w *watch) option() func(*dynamodb.Options) {
	if w == nil {
		return func(*dynamodb.Options) {}
	}
	return func(o *dynamodb.Options) {
		if o.Retryer == nil {
			o.Retryer = aws.NopRetryer{}
		}
		o.Retryer = &watchRetryer{Retryer: o.Retryer, w: w}
	}
}

func (w *watch) noteAttempt() {
	w.mu.Lock()
	w.attempts++
	w.mu.Unlock()
}

func (w *watch) noteAmbiguous(err error) {
	w.mu.Lock()
	if w.ambiguous == nil {
		w.ambiguous = err
	}
	w.mu.Unlock()
}

func (w *watch) state() (attempts int, ambiguous error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.attempts, w.ambiguous
}

// outcome returns an *OutcomeError when the attempts of the request, which
// ended with err, leave open whether DynamoDB applied it, and nil when the
// outcome is known (the caller then handles err as usual). The outcome of
// a write is the outcome of all its attempts: once one may have reached
// DynamoDB, a later attempt that could not even connect, or whose answer
// says nothing of the earlier one (a duplicate item for an INSERT, a failed
// condition for an UPDATE), leaves it unknown. noItem tells that a DELETE
// ... RETURNING ALL OLD * succeeded without an old item: after an earlier
// ambiguous attempt, that may be the earlier attempt's doing.
func (w *watch) outcome(ctx context.Context, err error, noItem bool) error {
	if w == nil {
		return nil
	}
	attempts, earlier := w.state()
	if attempts == 0 {
		return nil // nothing was sent
	}
	unknown := func(cause, answer error) error {
		e := &OutcomeError{Statement: w.text, Attempts: attempts, Cause: wrapErr("ExecuteStatement", cause), Answer: answer}
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(e.Cause, ctxErr) {
			e.Cause = fmt.Errorf("%w: %w", ctxErr, e.Cause)
		}
		return e
	}
	if err == nil {
		if earlier != nil && noItem {
			return unknown(earlier, errors.New("no item to delete"))
		}
		return nil
	}
	if ctx.Err() != nil || mayHaveApplied(err) {
		return unknown(err, nil)
	}
	if earlier == nil {
		return nil // no attempt reached DynamoDB, or each was refused
	}
	if w.idempotent && answered(err) {
		return nil // the token makes DynamoDB's answer tell about every send
	}
	return unknown(earlier, wrapErr("ExecuteStatement", err))
}

// watchRetryer wraps the call's retryer: it counts the attempts, notes
// ambiguous failures, and refuses to let the SDK resend an UPDATE after
// one (resending SET n = n + 1 would apply it twice).
type watchRetryer struct {
	aws.Retryer
	w *watch
}

var _ aws.RetryerV2 = (*watchRetryer)(nil)

// IsErrorRetryable notes ambiguous failures and keeps UPDATEs from being
// resent after them.
func (r *watchRetryer) IsErrorRetryable(err error) bool {
	if mayHaveApplied(err) {
		r.w.noteAmbiguous(err)
		if r.w.kind == partiql.KindUpdate {
			return false
		}
	}
	return r.Retryer.IsErrorRetryable(err)
}

// GetAttemptToken counts an attempt about to be sent.
func (r *watchRetryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	r.w.noteAttempt()
	if v2, ok := r.Retryer.(aws.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return r.Retryer.GetInitialToken(), nil
}
