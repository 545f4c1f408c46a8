package dynamosql

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Every sentinel error of the driver and every classifier of DynamoDB's
// errors (duplicate item, failed condition, may-have-applied, broken
// response) lives in this file.

// Sentinel errors. Every error the driver returns either is one of these or
// wraps one, so callers can test with errors.Is. Errors from the AWS SDK are
// wrapped too, so errors.As with *types.ConditionalCheckFailedException and
// friends keeps working.
var (
	// ErrDuplicateItem reports an INSERT whose key already exists. It matches
	// both the service's DuplicateItemException and DynamoDB Local's
	// DuplicateItem code.
	ErrDuplicateItem = errors.New("dynamosql: an item with this key already exists")

	// ErrConditionFailed reports a write whose condition was not met.
	ErrConditionFailed = errors.New("dynamosql: the condition of the write was not met")

	// ErrArgCount reports a statement run with a number of arguments that
	// differs from its number of ? placeholders.
	ErrArgCount = errors.New("dynamosql: wrong number of arguments")

	// ErrUnsupportedType reports an argument whose Go type has no DynamoDB
	// representation.
	ErrUnsupportedType = errors.New("dynamosql: unsupported argument type")

	// ErrStatementTooLong reports a statement over DynamoDB's 8,192 character
	// limit.
	ErrStatementTooLong = errors.New("dynamosql: statement too long")

	// ErrNamedArgs reports a sql.Named argument: PartiQL parameters are
	// positional.
	ErrNamedArgs = errors.New("dynamosql: named arguments are not supported")

	// ErrNotQuery reports Exec of a statement that returns rows (a SELECT).
	ErrNotQuery = errors.New("dynamosql: statement returns rows")

	// ErrNoLastInsertID is returned by Result.LastInsertId: DynamoDB has no
	// generated keys.
	ErrNoLastInsertID = errors.New("dynamosql: LastInsertId is not supported: DynamoDB has no auto-generated keys; choose the key yourself")

	// ErrInvalidDSN reports a malformed data source name or Config.
	ErrInvalidDSN = errors.New("dynamosql: invalid DSN")

	// ErrBadOption reports a per-statement option that cannot be honoured.
	ErrBadOption = errors.New("dynamosql: invalid statement option")

	// ErrEmptyStatement reports an empty statement text.
	ErrEmptyStatement = errors.New("dynamosql: empty statement")

	// ErrScan reports a value that cannot be scanned into the destination
	// given (a Scan method of the driver's types, Item.Scan).
	ErrScan = errors.New("dynamosql: cannot scan")

	// ErrUnexpectedResponse reports an answer of DynamoDB the driver cannot
	// use (a response that does not match the request).
	ErrUnexpectedResponse = errors.New("dynamosql: unexpected response from DynamoDB")

	// ErrNotExec reports Query of a statement that returns no rows: a
	// CREATE, ALTER or DROP of a table or an index. Run it with Exec,
	// whose Result has RowsAffected.
	ErrNotExec = errors.New("dynamosql: statement returns no rows")

	// ErrDDLInTx reports a CREATE, ALTER or DROP of a table or an index
	// inside a transaction: DynamoDB transactions hold only item writes
	// (INSERT, UPDATE, DELETE and EXISTS checks). Run it on the *sql.DB,
	// outside the transaction; the transaction stays usable.
	ErrDDLInTx = errors.New("dynamosql: table and index statements cannot run in a transaction: DynamoDB transactions hold only item writes")

	// ErrTableNotFound reports a table DynamoDB does not have (its
	// ResourceNotFoundException): the error, a *Error, names the table
	// when the statement names one. Table names are case-sensitive and
	// belong to one region and account: SHOW TABLES lists those the
	// connection sees.
	ErrTableNotFound = errors.New("dynamosql: table not found")

	// ErrUnavailable reports a request that never reached DynamoDB: no
	// connection could be made (connection refused, a timeout while
	// connecting, an unknown host), on every attempt the SDK made. Nothing
	// was sent, so nothing was written: try again later (a service
	// answers 503 with Retry-After). A write that an earlier attempt may
	// have delivered fails with ErrWriteOutcomeUnknown instead, which may
	// match ErrUnavailable too: test ErrWriteOutcomeUnknown first.
	ErrUnavailable = errors.New("dynamosql: DynamoDB could not be reached")

	// ErrInvalidDDL reports a table or index statement that DynamoDB could
	// not apply to the table as it is, found before anything is changed:
	// a global index without capacity on a provisioned table, a capacity
	// for an index of an on-demand table, ALTER GSI of an index the table
	// does not have.
	ErrInvalidDDL = errors.New("dynamosql: invalid table or index statement")
)

// Errors of statements the driver refuses to send because it cannot read
// them, or DynamoDB could not run them.
var (
	// ErrSyntax reports a statement the driver cannot read: an unterminated
	// string, quoted name or block comment, or a form the driver
	// translates (INSERT ... VALUES, LIMIT, OFFSET, COUNT(*)) written
	// wrongly; or a reserved word of PartiQL written unquoted as a table,
	// index or attribute name (user, date, size, value...), which DynamoDB
	// refuses without saying why. The error gives the line and column and
	// what to write. Nothing is sent.
	// Statements the driver does not translate are checked by DynamoDB,
	// whose ValidationException is a *Error.
	ErrSyntax = errors.New("dynamosql: syntax error")

	// ErrInvalidTableName reports a table name DynamoDB cannot hold: more
	// than 255 characters, or a character other than a-z, A-Z, 0-9, '_',
	// '-' and '.'. Nothing is sent.
	ErrInvalidTableName = errors.New("dynamosql: invalid table name")

	// ErrUnsupportedSQL reports SQL that DynamoDB's PartiQL has no
	// equivalent for and the driver cannot translate: joins, several
	// tables, GROUP BY, HAVING, DISTINCT, UNION, subqueries, aggregates
	// other than COUNT(*), an UPDATE or DELETE without WHERE... The error
	// says what to do instead. Nothing is sent.
	ErrUnsupportedSQL = errors.New("dynamosql: unsupported SQL")

	// ErrInvalidLimit reports a LIMIT or OFFSET that is not a whole number
	// from 0 to 2,147,483,647 (as a literal or as the argument of its ?).
	ErrInvalidLimit = errors.New("dynamosql: invalid LIMIT or OFFSET")

	// ErrFullScan reports a SELECT refused under scan=deny because it would
	// read a whole table or index. The message names the table, the
	// partition key conditions that would make it a query and the table's
	// indexes.
	ErrFullScan = errors.New("dynamosql: full scan refused")
)

// ErrWriteOutcomeUnknown reports a single INSERT, UPDATE or DELETE, sent
// outside a transaction, that DynamoDB may or may not have applied: one of
// its attempts may have reached DynamoDB and its answer was lost (a
// connection reset after the request was sent, a body that broke off, an
// HTTP 5xx, the context ending while the request was in flight), and no
// later attempt could tell (a resend that could not connect, a duplicate
// item for an INSERT, a failed condition or no old item for a DELETE).
// The error is an *OutcomeError.
//
// Read the item to learn what happened, or make the write idempotent: put
// it in a transaction (sql.Tx or RunInTx), whose commit carries a
// ClientRequestToken and is applied at most once.
var ErrWriteOutcomeUnknown = errors.New("dynamosql: the outcome of the write is unknown")

// Transaction errors.
var (
	// ErrTxTooLarge reports a statement that would make a transaction hold
	// more than MaxTxStatements operations. The statement is not added; the
	// transaction stays usable (commit what it holds, or roll back).
	ErrTxTooLarge = errors.New("dynamosql: transaction too large")
	// ErrTxDuplicateKey reports a statement that targets an item another
	// statement of the same transaction already targets: DynamoDB allows
	// one operation per item per transaction. The statement is not added.
	ErrTxDuplicateKey = errors.New("dynamosql: two operations on one item in a transaction")
	// ErrTxPending is returned by RowsAffected of a statement buffered in a
	// transaction that has not committed yet.
	ErrTxPending = errors.New("dynamosql: the statement is buffered until Commit; RowsAffected is known after a successful Commit")
	// ErrTxStatement reports a statement DynamoDB cannot run inside a
	// transaction.
	ErrTxStatement = errors.New("dynamosql: statement not allowed in a transaction")
	// ErrTxConflict reports a transaction DynamoDB cancelled because
	// another transaction or write touched the same item at the same time.
	// Retrying (see RunInTx) usually succeeds.
	ErrTxConflict = errors.New("dynamosql: transaction conflict")
	// ErrTxOutcomeUnknown reports a Commit whose outcome is unknown: an
	// attempt may have reached DynamoDB and its answer was lost (HTTP 5xx
	// after the SDK's retries, a connection lost after the request was
	// sent, a response body that broke off, the context ending), so
	// DynamoDB may or may not have applied the transaction. Committing the
	// same statements again with the same ClientRequestToken within 10
	// minutes applies them at most once; RunInTx does that.
	ErrTxOutcomeUnknown = errors.New("dynamosql: the outcome of the commit is unknown")
	// ErrTxTokenReused reports a ClientRequestToken DynamoDB already saw in
	// the last 10 minutes with other statements
	// (IdempotentParameterMismatchException).
	ErrTxTokenReused = errors.New("dynamosql: ClientRequestToken reused with other statements")
	// ErrIsolationLevel reports an isolation level DynamoDB does not offer.
	ErrIsolationLevel = errors.New("dynamosql: unsupported isolation level")
	// ErrReadOnlyTx reports a write inside a read-only transaction.
	ErrReadOnlyTx = errors.New("dynamosql: write in a read-only transaction")
	// ErrTxOpen reports a BeginTx on a connection whose transaction is
	// still open: commit or roll it back first (database/sql never does
	// this; a driver connection used by hand can).
	ErrTxOpen = errors.New("dynamosql: a transaction is already open on this connection")
)

// errNotOurs reports a *sql.DB that another driver opened.
var errNotOurs = errors.New("dynamosql: the *sql.DB was not opened with the dynamodb driver")

// ---- DynamoDB's errors ----

// Error codes DynamoDB (or DynamoDB Local) returns for a duplicate INSERT.
var duplicateCodes = map[string]bool{
	"DuplicateItemException": true,
	"DuplicateItem":          true,
}

// wrapErr turns an error from the SDK into a driver error that still
// unwraps to the SDK error and also matches the driver's sentinels.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Err: err}
}

// tableErr is wrapErr for a request on table ("" when unknown or several),
// which a missing-table error names.
func tableErr(op, table string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Table: table, Err: err}
}

// Error is an error returned by DynamoDB for a statement or call. It wraps
// the SDK's error (so errors.As with SDK error types works) and matches the
// driver's sentinels (errors.Is(err, ErrDuplicateItem) and so on).
//
// Its message has one prefix, "dynamosql: " and the operation, then
// DynamoDB's error code and message (the SDK's "operation error ...,
// https response error StatusCode: 400, RequestID: ..." is left out; see
// RequestID), and what to do where the driver knows: a missing table is
// named, with how to list the tables.
type Error struct {
	// Op is the DynamoDB operation that failed, for example
	// "ExecuteStatement".
	Op string
	// Table is the table the request read or wrote, "" when the driver
	// does not know it or the request touched several.
	Table string
	// Err is the error the AWS SDK returned.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("dynamosql: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case isNotFound(e.Err):
		if e.Table != "" {
			fmt.Fprintf(&b, "table %q does not exist", e.Table)
		} else {
			b.WriteString("a table the request names does not exist")
		}
		b.WriteString(" (")
		b.WriteString(sdkText(e.Err))
		b.WriteString("); SHOW TABLES lists the tables this connection sees (names are case-sensitive, and tables belong to one region)")
		return b.String()
	case unreachable(e.Err):
		b.WriteString("DynamoDB could not be reached, nothing was sent: ")
	}
	b.WriteString(sdkText(e.Err))
	return b.String()
}

// describeError is the failed DescribeTable of table inside err (an error
// of the catalog or the planner) as an *Error, with the driver's short
// message; err itself when it holds no SDK error.
func describeError(table string, err error) error {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return tableErr("DescribeTable", table, oe)
	}
	return err
}

// sdkText is the message of an SDK error without the SDK's prefix
// ("operation error DynamoDB: Op, "), which repeats the operation. When
// DynamoDB answered with an error (HTTP 4xx), it is the error's code and
// message; when the request could not be sent (or its connection broke),
// the send error; either with how many attempts the SDK made when it gave
// up retrying, and whether its retry quota ran out. The status and request
// ID are left out (see Error.RequestID). Other errors (an HTTP 5xx, a body
// that broke off) keep the SDK's text.
func sdkText(err error) string {
	var oe *smithy.OperationError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	var s string
	var ae smithy.APIError
	var se *smithyhttp.RequestSendError
	switch {
	case answered(err) && errors.As(err, &ae):
		s = ae.ErrorCode() + ": " + ae.ErrorMessage()
	case errors.As(err, &se):
		s = se.Error()
	default:
		return err.Error()
	}
	var me *retry.MaxAttemptsError
	if errors.As(err, &me) {
		s += " (the SDK gave up after " + strconv.Itoa(me.Attempt) + " attempts)"
	}
	var qe ratelimit.QuotaExceededError
	if errors.As(err, &qe) {
		s += " (the SDK's retry quota ran out: " + qe.Error() + ")"
	}
	return s
}

// Unwrap returns the SDK error.
func (e *Error) Unwrap() error { return e.Err }

// Code returns DynamoDB's error code, such as
// "ConditionalCheckFailedException", or "" when the error has none.
func (e *Error) Code() string { return errorCode(e.Err) }

// RequestID returns the request ID DynamoDB gave its answer (AWS support
// asks for it), or "" when there was no answer.
func (e *Error) RequestID() string {
	var re *awshttp.ResponseError
	if errors.As(e.Err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}

// Is maps DynamoDB error codes onto the driver's sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrDuplicateItem:
		return isDuplicate(e.Err)
	case ErrConditionFailed:
		return isConditionFailed(e.Err)
	case ErrTableNotFound:
		return isNotFound(e.Err)
	case ErrUnavailable:
		return unreachable(e.Err)
	}
	return false
}

// errorCode returns the DynamoDB error code of err, "" when it has none.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isDuplicate reports an INSERT refused because its key exists.
func isDuplicate(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	if duplicateCodes[ae.ErrorCode()] {
		return true
	}
	// DynamoDB Local reports a duplicate inside a transaction as a
	// ValidationException mentioning a duplicate primary key.
	return ae.ErrorCode() == "ValidationException" &&
		strings.Contains(strings.ToLower(ae.ErrorMessage()), "duplicate primary key")
}

// isConditionFailed reports a write whose condition (or key) matched no
// item.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// isNotFound reports a table (or index) DynamoDB does not know.
func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// isIndexError reports a ValidationException about an index ("The table
// does not have the specified index", "... index ... does not project
// ..."): the cached description of the table may be stale.
func isIndexError(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" &&
		strings.Contains(strings.ToLower(ae.ErrorMessage()), "index")
}

// isInProgress reports a commit DynamoDB is still applying (an earlier
// send with the same ClientRequestToken).
func isInProgress(err error) bool {
	var ip *types.TransactionInProgressException
	return errors.As(err, &ip)
}

// ---- did the request reach DynamoDB? ----

// mayHaveApplied reports an attempt failure after which DynamoDB may have
// applied the request. It is the one outcome classifier of the driver, for
// single writes and commits alike. Any failure may have, except:
//   - an answer with a 4xx status: DynamoDB refused the request
//     (validation, condition, duplicate, throttling, ...);
//   - a failure before the request was written to a connection (notSent):
//     a dial or DNS failure, a request net/http refused to send;
//   - a failure before the HTTP round trip: signing, credentials, the
//     endpoint, the retry quota, a retry wait cancelled.
//
// A 2xx whose body broke off was applied; a 5xx, a connection reset or a
// timeout after the request was sent may have been.
func mayHaveApplied(err error) bool {
	if err == nil {
		return false
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 { // 0: no answer at all
		s := re.HTTPStatusCode()
		return s < 400 || s >= 500
	}
	var se *smithyhttp.RequestSendError
	if !errors.As(err, &se) {
		return false
	}
	return !notSent(err)
}

// notSent reports a request send failure that happened before anything
// was written to the connection.
func notSent(err error) bool {
	if noConnection(err) {
		return true
	}
	msg := err.Error()
	for _, s := range unsentMessages {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// noConnection reports a failure to connect: a dial or DNS failure.
func noConnection(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// unreachable reports a request that failed because no connection to
// DynamoDB could be made (ErrUnavailable): nothing was sent.
func unreachable(err error) bool {
	var se *smithyhttp.RequestSendError
	return errors.As(err, &se) && noConnection(err)
}

// unsentMessages are errors of net/http that refuse a request before
// anything is written to the connection.
var unsentMessages = []string{
	"net/http: invalid header field",
	"net/http: invalid method",
	"unsupported protocol scheme",
	"http: no Host in request URL",
}

// answered reports an error that carries DynamoDB's answer: a response
// with a 4xx status.
func answered(err error) bool {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		s := re.HTTPStatusCode()
		return s >= 400 && s < 500
	}
	return false
}

// isBrokenResponse reports an error the AWS SDK returns when a response
// body breaks off after an HTTP 200 ("failed to decode response body ...
// use of closed network connection", "unexpected EOF"). The SDK never
// retries those because it cannot know whether the operation is idempotent
// (aws-sdk-go-v2 issues 1825, 2737, 2935). The driver knows: it resends
// reads, read transactions and commits that carry their ClientRequestToken.
func isBrokenResponse(err error) bool {
	if err == nil {
		return false
	}
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "failed to decode response body") ||
		strings.Contains(msg, "use of closed network connection")
}

// ---- the driver's own errors ----

// syntaxError marks an error of the statement parser as ErrSyntax and
// keeps its message as it is.
type syntaxError struct{ err error }

func (e *syntaxError) Error() string   { return e.err.Error() }
func (e *syntaxError) Unwrap() []error { return []error{ErrSyntax, e.err} }

// syntaxErr returns err marked as ErrSyntax.
func syntaxErr(err error) error {
	if err == nil {
		return nil
	}
	return &syntaxError{err: err}
}

// isUnsupported reports a parser error for SQL DynamoDB's PartiQL lacks.
func isUnsupported(err error) bool { return errors.Is(err, partiql.ErrUnsupported) }

// unsupported returns an error wrapping ErrUnsupportedSQL.
func unsupported(msg string) error {
	return fmt.Errorf("%w: %s", ErrUnsupportedSQL, msg)
}

// inContext is err with what the driver was doing when it failed:
// "dynamosql: <doing>: <err without its own dynamosql: prefix>". It
// unwraps to err.
type inContext struct {
	doing string
	err   error
}

func (e *inContext) Error() string {
	return "dynamosql: " + e.doing + ": " + strings.TrimPrefix(e.err.Error(), "dynamosql: ")
}

func (e *inContext) Unwrap() error { return e.err }

// argErr names the position of an argument that could not be converted.
type argErr struct {
	n   int
	err error
}

func (e *argErr) Error() string {
	return "dynamosql: argument " + strconv.Itoa(e.n) + ": " + strings.TrimPrefix(e.err.Error(), "dynamosql: ")
}

func (e *argErr) Unwrap() error { return e.err }

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
	// Answer is the last attempt's failure when it is not Cause (a
	// duplicate item, a failed condition, a resend that could not
	// connect), or nil.
	Answer error
}

// Error describes the unknown outcome, the cause and the last answer.
func (e *OutcomeError) Error() string {
	msg := "dynamosql: the outcome of the write is unknown: DynamoDB may or may not have applied (" +
		statementText(e.Statement) + ") after " + strconv.Itoa(e.Attempts) + " attempt(s); read the item to find out, or use a transaction (its ClientRequestToken makes it idempotent): " +
		e.Cause.Error()
	if e.Answer != nil {
		msg += "; the last attempt failed with: " + e.Answer.Error()
	}
	return msg
}

// Unwrap returns ErrWriteOutcomeUnknown and Cause.
func (e *OutcomeError) Unwrap() []error { return []error{ErrWriteOutcomeUnknown, e.Cause} }

// ---- cancelled transactions ----

// txError interprets an ExecuteTransaction error that carries DynamoDB's
// answer; texts are the statements sent, read tells a read transaction,
// table is the one table the statements touch ("" for several).
func txError(err error, texts []string, read bool, token, table string) error {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		te := &TxError{Err: err, read: read}
		for i, r := range tce.CancellationReasons {
			code := aws.ToString(r.Code)
			if code == "" || code == "None" {
				continue
			}
			f := TxFailure{Index: i, Code: code, Message: aws.ToString(r.Message)}
			if len(r.Item) > 0 {
				f.Item = Item(r.Item)
			}
			if i < len(texts) {
				f.Statement = texts[i]
			}
			te.Failures = append(te.Failures, f)
		}
		return te
	}
	var ipm *types.IdempotentParameterMismatchException
	if errors.As(err, &ipm) {
		return fmt.Errorf("%w: DynamoDB already committed a transaction with ClientRequestToken %q and other statements in the last 10 minutes, so it refused this one (nothing was written); begin a new transaction for new work: %w",
			ErrTxTokenReused, token, tableErr("ExecuteTransaction", table, err))
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" &&
		strings.Contains(strings.ToLower(ae.ErrorMessage()), "multiple operations on one item") {
		return fmt.Errorf("%w: DynamoDB allows one operation per item per transaction and refused the whole transaction: %w",
			ErrTxDuplicateKey, tableErr("ExecuteTransaction", table, err))
	}
	return tableErr("ExecuteTransaction", table, err)
}

// TxError reports a transaction DynamoDB cancelled: nothing of it was
// applied. It lists each failed statement; errors.Is matches
// ErrConditionFailed, ErrDuplicateItem and ErrTxConflict by the statements'
// reasons, and errors.As still finds the SDK's
// *types.TransactionCanceledException.
type TxError struct {
	// Failures lists the statements that failed, in transaction order.
	Failures []TxFailure
	// Err is the SDK's error.
	Err error

	read bool
}

// TxFailure is one failed statement of a cancelled transaction.
type TxFailure struct {
	// Index is the statement's position in the transaction, from 0 (a
	// multi-row INSERT counts one statement per row).
	Index int
	// Statement is the statement's text (never its argument values).
	Statement string
	// Code is DynamoDB's reason code, such as ConditionalCheckFailed,
	// DuplicateItem, TransactionConflict, ThrottlingError or
	// ValidationError.
	Code string
	// Message is DynamoDB's message.
	Message string
	// Item is the item the statement's condition was checked against, as
	// DynamoDB holds it, when the statement was run with
	// ReturnItemOnConditionFailure; nil otherwise, when no item has the
	// statement's key, or when DynamoDB returned none (DynamoDB Local
	// returns none for a duplicate INSERT).
	Item Item
}

// Error lists the failed statements.
func (e *TxError) Error() string {
	var b strings.Builder
	if e.read {
		b.WriteString("dynamosql: read transaction cancelled")
	} else {
		b.WriteString("dynamosql: transaction cancelled, nothing was written")
	}
	if len(e.Failures) == 0 {
		b.WriteString(": ")
		b.WriteString(sdkText(e.Err))
		return b.String()
	}
	for i, f := range e.Failures {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "statement %d (%s) failed with %s", f.Index, statementText(f.Statement), f.Code)
		if f.Message != "" {
			b.WriteString(": ")
			b.WriteString(f.Message)
		}
	}
	return b.String()
}

// Unwrap returns the SDK's error.
func (e *TxError) Unwrap() error { return e.Err }

// Is matches the driver's sentinels by the failures' reason codes.
func (e *TxError) Is(target error) bool {
	for _, f := range e.Failures {
		if f.is(target) {
			return true
		}
	}
	return false
}

func (f TxFailure) is(target error) bool {
	switch target {
	case ErrConditionFailed:
		return f.Code == "ConditionalCheckFailed"
	case ErrDuplicateItem:
		// DynamoDB Local reports a duplicate INSERT in a transaction as a
		// ValidationError "Duplicate primary key exists in table".
		return f.Code == "DuplicateItem" ||
			(strings.HasPrefix(f.Code, "Validation") && strings.Contains(strings.ToLower(f.Message), "duplicate primary key"))
	case ErrTxConflict:
		return f.Code == "TransactionConflict"
	}
	return false
}

// rowsError explains a failed multi-row INSERT of n rows. When DynamoDB
// cancelled it, the message names the rows (counted from 1) it refused,
// and the *TxError stays reachable with errors.As: its Failures' Index is
// the row's position from 0.
func rowsError(n int, err error) error {
	var te *TxError
	if !errors.As(err, &te) || len(te.Failures) == 0 {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "dynamosql: INSERT of %d rows cancelled, no row was written", n)
	for i, f := range te.Failures {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "row %d failed with %s", f.Index+1, f.Code)
		if f.Message != "" {
			b.WriteString(": ")
			b.WriteString(f.Message)
		}
	}
	return &rowsErr{msg: b.String(), err: err}
}

// rowsErr is a cancelled multi-row INSERT: its message names the rows
// (from 1); it unwraps to the *TxError.
type rowsErr struct {
	msg string
	err error
}

func (e *rowsErr) Error() string { return e.msg }
func (e *rowsErr) Unwrap() error { return e.err }

// ---- text in messages ----

// statementText returns a statement's text for a message: on one line, at
// most 120 bytes.
func statementText(s string) string {
	return shorten(strings.Join(strings.Fields(s), " "), 120)
}

// shorten returns s for a message: valid UTF-8 (each run of invalid bytes
// becomes U+FFFD), cut at a character boundary to at most n bytes and
// "...".
func shorten(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	n = max(n, 0)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
