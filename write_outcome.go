package dynamosql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// ErrWriteOutcomeUnknown reports a single INSERT, UPDATE or DELETE, sent
// outside a transaction, that DynamoDB may or may not have applied: its
// answer was lost (a connection reset, a body that broke off, an HTTP 5xx,
// the context ending while the request was in flight), or the AWS SDK
// resent it after such a loss and the resend's answer cannot tell whether
// the first send was applied (a duplicate item for an INSERT, a failed
// condition or no old item for a DELETE). The error is an *OutcomeError.
//
// Read the item to learn what happened, or make the write idempotent: put
// it in a transaction (sql.Tx or RunInTx), whose commit carries a
// ClientRequestToken and is applied at most once.
var ErrWriteOutcomeUnknown = errors.New("dynamosql: the outcome of the write is unknown")

// OutcomeError is the error of a single write whose outcome is unknown (see
// ErrWriteOutcomeUnknown). errors.Is matches ErrWriteOutcomeUnknown and
// whatever Cause matches (context.DeadlineExceeded, for example).
//
// An INSERT whose first send was lost is resent by the AWS SDK; when the
// resend fails with a duplicate item, the item may be the one the first
// send wrote, or one that another writer wrote. That answer is kept in
// Answer, and deliberately not unwrapped: errors.Is(err, ErrDuplicateItem)
// is false, so code that maps a duplicate to "already exists" does not
// report a write that may have succeeded as a conflict.
//
// The driver never lets the SDK resend an UPDATE after a lost answer
// (SET n = n + 1 would be applied twice): the UPDATE fails with this error
// at once. Throttling and connection failures before anything was sent are
// still retried: they leave nothing applied.
type OutcomeError struct {
	// Statement is the statement's text (never its argument values).
	Statement string
	// Attempts is how many times the request was sent.
	Attempts int
	// Cause is the failure that left the outcome open.
	Cause error
	// Answer is DynamoDB's answer to the last resend when it is not Cause
	// (a duplicate item, a failed condition), or nil.
	Answer error
}

// Error describes the unknown outcome, the cause and the last answer.
func (e *OutcomeError) Error() string {
	msg := "dynamosql: the outcome of the write is unknown: DynamoDB may or may not have applied (" +
		abbreviate(e.Statement, 120) + ") after " + strconv.Itoa(e.Attempts) + " attempt(s); read the item to find out, or use a transaction (its ClientRequestToken makes it idempotent): " +
		e.Cause.Error()
	if e.Answer != nil {
		msg += "; the resend was answered: " + e.Answer.Error()
	}
	return msg
}

// Unwrap returns ErrWriteOutcomeUnknown and Cause.
func (e *OutcomeError) Unwrap() []error { return []error{ErrWriteOutcomeUnknown, e.Cause} }

// writeWatch follows the attempts the AWS SDK makes to send one write
// statement: how many were sent and whether one failed in a way that
// leaves open whether DynamoDB applied it. A nil *writeWatch (for a
// statement that is not a write) watches nothing.
type writeWatch struct {
	kind partiql.Kind
	text string

	mu        sync.Mutex
	attempts  int
	ambiguous error // the first attempt failure that left the outcome open
}

// newWriteWatch returns a watch for a single INSERT, UPDATE or DELETE with
// text, or nil for any other kind of statement.
func newWriteWatch(kind partiql.Kind, text string) *writeWatch {
	switch kind {
	case partiql.KindInsert, partiql.KindUpdate, partiql.KindDelete:
		return &writeWatch{kind: kind, text: text}
	}
	return nil
}

// option returns the per-call client option that installs the watch on the
// call's retryer.
func (w *writeWatch) option() func(*dynamodb.Options) {
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

func (w *writeWatch) noteAttempt() {
	w.mu.Lock()
	w.attempts++
	w.mu.Unlock()
}

func (w *writeWatch) noteAmbiguous(err error) {
	w.mu.Lock()
	if w.ambiguous == nil {
		w.ambiguous = err
	}
	w.mu.Unlock()
}

func (w *writeWatch) state() (attempts int, ambiguous error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.attempts, w.ambiguous
}

// outcome returns an *OutcomeError when the result of the call (out, err)
// leaves open whether DynamoDB applied the write, and nil otherwise (the
// caller then handles out and err as usual). returning tells that the
// statement has a RETURNING ALL OLD * clause, so a DELETE's out.Items says
// whether it deleted an item.
func (w *writeWatch) outcome(ctx context.Context, out *dynamodb.ExecuteStatementOutput, err error, returning bool) error {
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
	if err != nil {
		if ctx.Err() != nil || ambiguousFailure(err) {
			return unknown(err, nil)
		}
		if earlier == nil {
			return nil
		}
		var ccf *types.ConditionalCheckFailedException
		switch {
		case w.kind == partiql.KindInsert && isDuplicate(err):
			return unknown(earlier, wrapErr("ExecuteStatement", err))
		case w.kind != partiql.KindInsert && errors.As(err, &ccf):
			return unknown(earlier, wrapErr("ExecuteStatement", err))
		}
		return nil
	}
	if earlier != nil && w.kind == partiql.KindDelete && returning && (out == nil || len(out.Items) == 0) {
		return unknown(earlier, errors.New("no item to delete"))
	}
	return nil
}

// ambiguousFailure reports an attempt failure after which DynamoDB may have
// applied the request: any failure but an answer with a 4xx status
// (DynamoDB refused it: validation, condition, duplicate, throttling) and a
// connection that could not be made (nothing was sent).
func ambiguousFailure(err error) bool {
	if err == nil {
		return false
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 { // 0: no answer at all
		s := re.HTTPStatusCode()
		return s < 400 || s >= 500 // a 2xx whose body broke off was applied
	}
	var se *smithyhttp.RequestSendError
	if !errors.As(err, &se) {
		// Failed before the HTTP round trip (signing, credentials,
		// endpoint, the retry quota), or a retry wait cancelled after an
		// attempt already noted.
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return false
	}
	msg := err.Error()
	for _, s := range unsentMessages {
		if strings.Contains(msg, s) {
			return false
		}
	}
	return true
}

// unsentMessages are errors of net/http that refuse a request before
// anything is written to the connection.
var unsentMessages = []string{
	"net/http: invalid header field",
	"net/http: invalid method",
	"unsupported protocol scheme",
	"http: no Host in request URL",
}

// watchRetryer wraps the call's retryer: it counts the attempts, notes
// ambiguous failures, and refuses to let the SDK resend an UPDATE after
// one (resending SET n = n + 1 would apply it twice).
type watchRetryer struct {
	aws.Retryer
	w *writeWatch
}

var _ aws.RetryerV2 = (*watchRetryer)(nil)

// IsErrorRetryable notes ambiguous failures and keeps UPDATEs from being
// resent after them.
func (r *watchRetryer) IsErrorRetryable(err error) bool {
	if ambiguousFailure(err) {
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
