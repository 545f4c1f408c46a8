package dynamosql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/dynamosql/dynamosql/internal/backoff"
)

// Propagation says what RunInTx does when its context already carries a
// transaction of the same *sql.DB (put there by an enclosing RunInTx or by
// WithTx).
type Propagation int

// The propagation modes, after the usual declarative-transaction ones.
const (
	// TxRequired joins the context's transaction, or begins one when there
	// is none. The default.
	TxRequired Propagation = iota
	// TxRequiresNew always begins a new transaction. DynamoDB has no
	// nested transactions: the new one commits on its own when fn returns,
	// whatever later happens to the enclosing one, and the enclosing one
	// does not see its writes before that.
	TxRequiresNew
	// TxMandatory joins the context's transaction and fails with
	// ErrNoTx when there is none.
	TxMandatory
	// TxNever runs fn without a transaction (tx is nil) and fails with
	// ErrTxNotAllowed when the context carries one.
	TxNever
	// TxSupports joins the context's transaction when there is one, and
	// otherwise runs fn without a transaction (tx is nil).
	TxSupports
)

// String returns the mode's name, such as "TxRequired".
func (p Propagation) String() string {
	switch p {
	case TxRequired:
		return "TxRequired"
	case TxRequiresNew:
		return "TxRequiresNew"
	case TxMandatory:
		return "TxMandatory"
	case TxNever:
		return "TxNever"
	case TxSupports:
		return "TxSupports"
	}
	return fmt.Sprintf("Propagation(%d)", int(p))
}

// RunInTx errors.
var (
	// ErrNoTx reports RunInTx with TxMandatory and no transaction in the
	// context.
	ErrNoTx = errors.New("dynamosql: no transaction in the context")
	// ErrTxNotAllowed reports RunInTx with TxNever and a transaction in the
	// context.
	ErrTxNotAllowed = errors.New("dynamosql: a transaction is not allowed here")
	// ErrTxRetriesExhausted reports RunInTx giving up: every attempt failed
	// with a retryable error. The error also wraps the last attempt's error.
	ErrTxRetriesExhausted = errors.New("dynamosql: RunInTx gave up")
	// ErrTxRollbackOnly reports a transaction rolled back because a joined
	// RunInTx inside it failed, although the outer function returned nil.
	ErrTxRollbackOnly = errors.New("dynamosql: the transaction was marked rollback-only")
)

// Defaults of RunInTx.
const (
	// DefaultTxAttempts is how many times RunInTx runs a transaction at
	// most.
	DefaultTxAttempts = 5
	// DefaultTxBackoff is the first pause between attempts; each later one
	// doubles, up to DefaultTxMaxBackoff, with full jitter.
	DefaultTxBackoff    = 25 * time.Millisecond
	DefaultTxMaxBackoff = time.Second
)

// RunOption configures RunInTx.
type RunOption func(*runConfig)

type runConfig struct {
	propagation Propagation
	attempts    int
	backoff     time.Duration
	maxBackoff  time.Duration
	txOpts      *sql.TxOptions
}

// WithPropagation sets the propagation mode (TxRequired by default).
func WithPropagation(p Propagation) RunOption {
	return func(c *runConfig) { c.propagation = p }
}

// WithMaxAttempts sets how many times RunInTx runs the transaction at
// most (DefaultTxAttempts; 1 disables retries).
func WithMaxAttempts(n int) RunOption {
	return func(c *runConfig) { c.attempts = n }
}

// WithBackoff sets the pause before the first retry and the bound of the
// later ones (each doubles the one before, and the pause is drawn at
// random between half of that and all of it: "equal jitter").
func WithBackoff(first, limit time.Duration) RunOption {
	return func(c *runConfig) { c.backoff, c.maxBackoff = first, limit }
}

// WithTxOptions sets the options of the transactions RunInTx begins, for
// example &sql.TxOptions{ReadOnly: true}.
func WithTxOptions(o *sql.TxOptions) RunOption {
	return func(c *runConfig) { c.txOpts = o }
}

// runKey is the context key of the state of the RunInTx that began the
// context's transaction.
type runKey struct{}

// runState is shared by a RunInTx that begins a transaction and the
// RunInTx calls that join it.
type runState struct {
	tx *sql.Tx

	mu     sync.Mutex
	failed error // the first failure of a joined RunInTx
}

func (s *runState) fail(err error) {
	s.mu.Lock()
	if s.failed == nil {
		s.failed = err
	}
	s.mu.Unlock()
}

func (s *runState) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// RunInTx runs fn in a transaction on db: it begins one, runs fn with a
// context that carries it (see WithTx, TxFromContext, Executor), commits
// when fn returns nil, and rolls back when fn returns an error or panics
// (the panic then continues). Code deeper down that takes the context
// joins the transaction without being changed.
//
// When DynamoDB cancels the transaction for a conflict or throttling, or a
// call fails with throttling or an HTTP 5xx error after the SDK's own
// retries, RunInTx runs fn again in a new transaction, after a pause that
// grows exponentially with jitter, up to WithMaxAttempts times
// (DefaultTxAttempts). fn must therefore be safe to run again: do the
// reads and the writes inside it, keep other side effects out. When the
// attempts run out, the error wraps ErrTxRetriesExhausted and the last
// attempt's error. A commit whose outcome is unknown (ErrTxOutcomeUnknown)
// is retried with the same ClientRequestToken, so if the earlier commit
// was applied and fn buffers the same statements, DynamoDB applies them
// once; if fn buffers other statements, DynamoDB refuses them with
// ErrTxTokenReused rather than risk applying twice. A token set with
// WithClientRequestToken is used for every attempt.
//
// The propagation mode (WithPropagation) decides what happens when ctx
// already carries a transaction of db; TxRequired, the default, joins it.
// A joined call neither commits nor retries: the RunInTx that began the
// transaction does. When a joined call fails, the whole transaction is
// rolled back, even if the outer function ignores the error
// (ErrTxRollbackOnly). For TxNever, and TxSupports without a transaction,
// fn runs once with tx == nil and ctx as given.
//
// A write transaction buffers its writes until the commit; a SELECT inside
// fn runs at once, outside the transaction, as a strongly consistent read
// that does not see the buffered writes.
func RunInTx(ctx context.Context, db *sql.DB, fn func(ctx context.Context, tx *sql.Tx) error, opts ...RunOption) error {
	cfg := runConfig{
		attempts:   DefaultTxAttempts,
		backoff:    DefaultTxBackoff,
		maxBackoff: DefaultTxMaxBackoff,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.attempts < 1 {
		cfg.attempts = 1
	}
	outer := ctxTx(ctx, db)
	switch cfg.propagation {
	case TxRequired:
		if outer != nil {
			return joinTx(ctx, outer, fn)
		}
	case TxRequiresNew:
	case TxMandatory:
		if outer == nil {
			return fmt.Errorf("%w: RunInTx with TxMandatory must run inside a transaction of the same *sql.DB (an enclosing RunInTx)", ErrNoTx)
		}
		return joinTx(ctx, outer, fn)
	case TxNever:
		if outer != nil {
			return fmt.Errorf("%w: RunInTx with TxNever was called inside a transaction of the same *sql.DB", ErrTxNotAllowed)
		}
		return fn(ctx, nil)
	case TxSupports:
		if outer != nil {
			return joinTx(ctx, outer, fn)
		}
		return fn(ctx, nil)
	default:
		return fmt.Errorf("%w: RunInTx: unknown propagation mode %v", ErrBadOption, cfg.propagation)
	}
	return runNew(ctx, db, fn, &cfg)
}

// ctxTx returns the transaction ctx carries for db, or nil.
func ctxTx(ctx context.Context, db *sql.DB) *sql.Tx {
	if info, _ := ctx.Value(txKey{}).(*txInfo); info != nil && info.tx != nil && info.db == db {
		return info.tx
	}
	return nil
}

// joinTx runs fn in the context's transaction tx. A failure marks the
// transaction rollback-only when a RunInTx began it.
func joinTx(ctx context.Context, tx *sql.Tx, fn func(context.Context, *sql.Tx) error) (err error) {
	st, _ := ctx.Value(runKey{}).(*runState)
	if st != nil && st.tx != tx {
		st = nil // the transaction was put in the context by WithTx
	}
	if st != nil {
		defer func() {
			if r := recover(); r != nil {
				st.fail(fmt.Errorf("dynamosql: a joined RunInTx panicked: %v", r))
				panic(r)
			}
			if err != nil {
				st.fail(err)
			}
		}()
	}
	return fn(ctx, tx)
}

// runNew runs fn in transactions of its own, retrying as documented on
// RunInTx.
func runNew(ctx context.Context, db *sql.DB, fn func(context.Context, *sql.Tx) error, cfg *runConfig) error {
	userToken, fixed := ctx.Value(tokenKey{}).(string)
	token := userToken
	var err error
	for attempt := 1; ; attempt++ {
		if !fixed && token == "" {
			token = newToken()
		}
		err = runOnce(ctx, token, db, fn, cfg)
		if err == nil {
			return nil
		}
		retry, keep := retryable(err)
		if !retry || ctx.Err() != nil {
			return err
		}
		if attempt >= cfg.attempts {
			break
		}
		if !keep {
			token = userToken
		}
		if serr := (backoff.Policy{Base: cfg.backoff, Max: cfg.maxBackoff}).Sleep(ctx, attempt); serr != nil {
			return err
		}
	}
	return fmt.Errorf("%w after %d attempts; the last one failed with: %w", ErrTxRetriesExhausted, cfg.attempts, err)
}

// runOnce begins a transaction with token, runs fn in it and commits, or
// rolls back on an error or a panic.
func runOnce(ctx context.Context, token string, db *sql.DB, fn func(context.Context, *sql.Tx) error, cfg *runConfig) (err error) {
	tx, err := db.BeginTx(WithClientRequestToken(ctx, token), cfg.txOpts)
	if err != nil {
		return err
	}
	st := &runState{tx: tx}
	committed := false
	defer func() {
		if committed {
			return
		}
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
		_ = tx.Rollback()
	}()
	// fn's context carries the transaction, not the token: a transaction
	// begun inside fn (TxRequiresNew) gets a token of its own.
	fctx := context.WithValue(WithTx(ctx, db, tx), runKey{}, st)
	fctx = context.WithValue(fctx, tokenKey{}, nil)
	if err := fn(fctx, tx); err != nil {
		return err
	}
	if ferr := st.failure(); ferr != nil {
		return fmt.Errorf("%w: a RunInTx that joined it failed, so nothing was committed: %w", ErrTxRollbackOnly, ferr)
	}
	committed = true
	return tx.Commit()
}

// retryable reports whether RunInTx runs a failed transaction again, and
// whether the next attempt keeps the ClientRequestToken (the commit's
// outcome is unknown).
func retryable(err error) (retry, keepToken bool) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTxTokenReused) {
		return false, false
	}
	var te *TxError
	if errors.As(err, &te) {
		if len(te.Failures) == 0 {
			return false, false
		}
		for _, f := range te.Failures {
			if !retryableReasons[f.Code] {
				return false, false
			}
		}
		return true, false
	}
	if errors.Is(err, ErrTxOutcomeUnknown) {
		return true, true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && retryableCodes[ae.ErrorCode()] {
		return true, false
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= http.StatusInternalServerError {
		return true, false
	}
	var se *smithyhttp.RequestSendError
	if errors.As(err, &se) && notSent(err) {
		// The commit could not even connect (after the SDK's own
		// retries): nothing was applied, so another attempt is safe.
		return true, true
	}
	return false, false
}

// retryableReasons are the cancellation reasons of a transaction that a
// later attempt may not meet.
var retryableReasons = map[string]bool{
	"TransactionConflict":           true,
	"ThrottlingError":               true,
	"ProvisionedThroughputExceeded": true,
	"RequestLimitExceeded":          true,
}

// retryableCodes are error codes of calls that a later attempt may not
// meet: throttling, conflicts with other transactions, server errors.
var retryableCodes = map[string]bool{
	"ThrottlingException":                    true,
	"ProvisionedThroughputExceededException": true,
	"RequestLimitExceeded":                   true,
	"TransactionConflictException":           true,
	"TransactionInProgressException":         true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
}
