package dynamosql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Limits of a write transaction. A sql.Tx buffers its INSERT, UPDATE,
// DELETE and EXISTS(SELECT ...) statements and sends them at Commit in one
// ExecuteTransaction, which DynamoDB applies entirely or not at all:
//
//   - At most MaxTxStatements (100) statements. The 101st is refused when
//     it is added, with ErrTxTooLarge; the transaction stays usable. The
//     driver never splits a transaction.
//   - At most MaxTxBytes (4 MB) of items in all. The driver does not
//     measure it (DynamoDB counts attribute names and the items' existing
//     contents too): DynamoDB refuses a larger transaction at Commit and
//     nothing is written.
//   - One operation per item: two statements (writes or EXISTS condition
//     checks) on the same item are refused. When both show the item's key
//     (in an INSERT's VALUE map, in WHERE equalities on the key attributes,
//     literal or ? parameter) the second is refused when it is added, with
//     ErrTxDuplicateKey naming both statements; otherwise DynamoDB refuses
//     the whole transaction at Commit (the error matches
//     ErrTxDuplicateKey too).
//   - No RETURNING clause (ErrTxStatement).
//   - No reads: DynamoDB cannot read inside a write transaction. A SELECT
//     run with Query inside one runs at once, outside the transaction, as
//     a strongly consistent read, and does not see the buffered writes.
//     Use ReadItems for an atomic read of several items.
const (
	MaxTxStatements = 100
	MaxTxBytes      = 4 << 20
)

// maxTokenLength is DynamoDB's limit on a ClientRequestToken.
const maxTokenLength = 36

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
	// ErrTxOutcomeUnknown reports a Commit whose outcome is unknown: the
	// request failed without an answer from DynamoDB (HTTP 5xx after the
	// SDK's retries, a connection lost, a response body that broke off), so
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
)

// transaction is an open transaction on a connection.
//
// A write transaction (the default) buffers INSERT, UPDATE, DELETE and
// EXISTS(SELECT ...) statements and sends them all in one ExecuteTransaction
// at Commit, with a ClientRequestToken that keeps every resend of that
// commit idempotent. A SELECT inside it runs at once, outside the
// transaction, as a strongly consistent read that does not see the buffered
// writes: DynamoDB cannot mix reads and writes in one transaction.
//
// A read-only transaction (sql.TxOptions{ReadOnly: true}) makes every query
// a strongly consistent read and refuses writes; it sends nothing at
// Commit. For a snapshot of several items read atomically, use ReadItems.
type transaction struct {
	c        *conn
	ctx      context.Context
	readOnly bool
	token    string
	stmts    []types.ParameterizedStatement
	texts    []string // statement texts, for errors (never the values)
	// one is the result of every statement that adds one operation (they
	// all read the same); results are those of multi-row INSERTs.
	one     *txResult
	results []*txResult
	// slab holds the arguments of the transaction's statements (slab.go).
	slab slab
	// tables indexes the statements by table and by the item they
	// target (see checkKeys); lastTable is tables[lastName], the table of
	// the last statement checked against an earlier one.
	tables    map[string]*txTable
	lastName  string
	lastTable *txTable
	done      bool
}

var _ driver.Tx = (*transaction)(nil)

type tokenKey struct{}

// WithClientRequestToken returns a context that makes a transaction begun
// with it (db.BeginTx(ctx, ...) or RunInTx) commit with token as its
// ClientRequestToken, 1 to 36 characters, instead of a random one. DynamoDB
// applies the commits of one token at most once within 10 minutes, so a
// token derived from a request ID makes a whole request idempotent across
// processes; the same token with other statements fails with
// ErrTxTokenReused.
func WithClientRequestToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// BeginTx starts a transaction. Default and Serializable isolation are
// accepted (DynamoDB write transactions are serializable); any other level
// is refused with ErrIsolationLevel. ReadOnly makes a read-only
// transaction. Nothing is sent.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.closed {
		return nil, driver.ErrBadConn
	}
	if c.tx != nil {
		return nil, fmt.Errorf("dynamosql: a transaction is already open on this connection")
	}
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault, sql.LevelSerializable:
	default:
		return nil, fmt.Errorf("%w: %s: DynamoDB transactions are serializable; use sql.LevelDefault or sql.LevelSerializable",
			ErrIsolationLevel, sql.IsolationLevel(opts.Isolation))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	token, ok := ctx.Value(tokenKey{}).(string)
	if !ok {
		token = newToken()
	} else if token == "" || len(token) > maxTokenLength {
		return nil, fmt.Errorf("%w: ClientRequestToken %q: DynamoDB accepts 1 to %d characters", ErrBadOption, token, maxTokenLength)
	}
	t := &transaction{c: c, ctx: ctx, readOnly: opts.ReadOnly, token: token}
	c.tx = t
	return t, nil
}

// newToken returns a ClientRequestToken: 32 hex characters (DynamoDB
// accepts 1 to 36).
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// add buffers a write statement (all the statements of a multi-row INSERT)
// after checking it: kind, no RETURNING, the 100-statement limit, and no
// second operation on an item the transaction already targets.
func (t *transaction) add(ctx context.Context, p *prepared) (driver.Result, error) {
	if t.done {
		return nil, sql.ErrTxDone
	}
	if t.readOnly {
		return nil, fmt.Errorf("%w: the transaction was begun with ReadOnly: true", ErrReadOnlyTx)
	}
	switch p.sum.Kind {
	case partiql.KindInsert, partiql.KindUpdate, partiql.KindDelete, partiql.KindExists:
	default:
		return nil, fmt.Errorf("%w: only INSERT, UPDATE, DELETE and EXISTS(SELECT ...) can be part of a write transaction; run a SELECT with Query (it runs at once, outside the transaction)", ErrTxStatement)
	}
	if p.sum.Returning {
		return nil, fmt.Errorf("%w: DynamoDB does not allow RETURNING inside a transaction: remove it, or run the statement outside the transaction", ErrTxStatement)
	}
	n, added := len(t.stmts), len(p.multi)
	if p.multi == nil {
		added = 1
	}
	if n+added > MaxTxStatements {
		if added == 1 {
			return nil, fmt.Errorf("%w: the transaction already holds the maximum of %d operations: commit it and put the rest of the work in another transaction (DynamoDB never splits one for you), or use non-atomic writes for bulk work",
				ErrTxTooLarge, MaxTxStatements)
		}
		return nil, fmt.Errorf("%w: the transaction holds %d operations and this statement adds %d, over DynamoDB's maximum of %d: commit first and put the rest of the work in another transaction",
			ErrTxTooLarge, n, added, MaxTxStatements)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t.stmts == nil {
		// One allocation of the most a transaction holds costs less than
		// growing the slices a doubling at a time.
		t.stmts = make([]types.ParameterizedStatement, 0, MaxTxStatements)
		t.texts = make([]string, 0, MaxTxStatements)
	}
	stmts := p.multi
	var one [1]types.ParameterizedStatement
	if stmts == nil {
		// The statement points at its text's copy in t.texts, not into p:
		// nothing keeps p once the statement is added.
		t.texts = append(t.texts, p.query)
		one[0] = types.ParameterizedStatement{Statement: &t.texts[n], Parameters: p.params}
		stmts = one[:]
	}
	if err := t.checkKeys(ctx, p.sum.Table, stmts); err != nil {
		t.texts = t.texts[:n]
		return nil, err
	}
	if p.multi == nil {
		t.stmts = append(t.stmts, one[0])
		if t.one == nil {
			t.one = &txResult{rows: 1}
		}
		return t.one, nil
	}
	t.stmts = append(t.stmts, stmts...)
	for _, s := range stmts {
		t.texts = append(t.texts, *s.Statement)
	}
	r := &txResult{rows: int64(len(stmts))}
	t.results = append(t.results, r)
	return r, nil
}

// Commit sends the buffered statements in one ExecuteTransaction with the
// context given to BeginTx and the transaction's ClientRequestToken. An
// empty or read-only transaction sends nothing.
//
// A lost answer (a broken response body, TransactionInProgressException
// while DynamoDB still applies an earlier send) is resent with the same
// token, which DynamoDB applies at most once; the SDK's own retries of
// throttling and 5xx errors keep the token too.
func (t *transaction) Commit() error {
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	t.c.tx = nil
	if t.readOnly || len(t.stmts) == 0 {
		return nil
	}
	if err := t.ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := t.c.callContext(t.ctx)
	defer cancel()
	in := &dynamodb.ExecuteTransactionInput{
		TransactStatements: t.stmts,
		ClientRequestToken: &t.token,
	}
	if err := commitTx(ctx, t.c.c.client, in); err != nil {
		return t.commitError(err)
	}
	if t.one != nil {
		t.one.committed = true
	}
	for _, r := range t.results {
		r.committed = true
	}
	return nil
}

// Rollback discards the buffered statements; nothing is sent.
func (t *transaction) Rollback() error {
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	t.c.tx = nil
	t.stmts, t.texts, t.tables = nil, nil, nil
	t.lastName, t.lastTable = "", nil
	return nil
}

// maxCommitResends bounds the resends of one commit after a lost answer.
const maxCommitResends = 4

// commitTx sends in, resending it with its token after a broken response
// or a TransactionInProgressException.
func commitTx(ctx context.Context, client *dynamodb.Client, in *dynamodb.ExecuteTransactionInput) error {
	for attempt := 0; ; attempt++ {
		_, err := client.ExecuteTransaction(ctx, in)
		if err == nil {
			return nil
		}
		if attempt >= maxCommitResends || ctx.Err() != nil || !(isBrokenResponse(err) || isInProgress(err)) {
			return err
		}
		tm := time.NewTimer(time.Duration(attempt+1) * 20 * time.Millisecond)
		select {
		case <-ctx.Done():
			tm.Stop()
			return err
		case <-tm.C:
		}
	}
}

func isInProgress(err error) bool {
	var ip *types.TransactionInProgressException
	return errors.As(err, &ip)
}

// commitError turns the error of a commit into a *TxError (cancelled: each
// failed statement named), ErrTxTokenReused, ErrTxDuplicateKey, or
// ErrTxOutcomeUnknown when DynamoDB did not answer.
func (t *transaction) commitError(err error) error {
	if t.ctx == nil {
		t.ctx = context.Background()
	}
	if ctxErr := t.ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w: the transaction's context ended during Commit; DynamoDB may or may not have applied it: %w", ErrTxOutcomeUnknown, ctxErr)
	}
	return txError(err, t.texts, false, t.token)
}

// txError interprets an ExecuteTransaction error; texts are the statements
// sent, read tells a read transaction.
func txError(err error, texts []string, read bool, token string) error {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		te := &TxError{Err: err, read: read}
		for i, r := range tce.CancellationReasons {
			code := deref(r.Code)
			if code == "" || code == "None" {
				continue
			}
			f := TxFailure{Index: i, Code: code, Message: deref(r.Message)}
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
			ErrTxTokenReused, token, wrapErr("ExecuteTransaction", err))
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" &&
		strings.Contains(strings.ToLower(ae.ErrorMessage()), "multiple operations on one item") {
		return fmt.Errorf("%w: DynamoDB allows one operation per item per transaction and refused the whole transaction: %w",
			ErrTxDuplicateKey, wrapErr("ExecuteTransaction", err))
	}
	if !read && outcomeUnknown(err) {
		return fmt.Errorf("%w: DynamoDB may or may not have applied the transaction (ClientRequestToken %q); committing the same statements with that token within 10 minutes applies them at most once: %w",
			ErrTxOutcomeUnknown, token, wrapErr("ExecuteTransaction", err))
	}
	return wrapErr("ExecuteTransaction", err)
}

// outcomeUnknown reports an error that leaves open whether DynamoDB
// applied the request: anything but an answer with a 4xx status.
func outcomeUnknown(err error) bool {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		s := re.HTTPStatusCode()
		return s >= http.StatusInternalServerError || s < http.StatusBadRequest
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
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
		b.WriteString(e.Err.Error())
		return b.String()
	}
	for i, f := range e.Failures {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "statement %d (%s) failed with %s", f.Index, abbreviate(f.Statement, 120), f.Code)
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

func abbreviate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// txResult is the result of a statement buffered in a transaction.
type txResult struct {
	rows      int64 // statements it added (rows of a multi-row INSERT)
	committed bool
}

// LastInsertId returns ErrNoLastInsertID.
func (r *txResult) LastInsertId() (int64, error) { return 0, ErrNoLastInsertID }

// RowsAffected returns ErrTxPending before a successful Commit. After it,
// it returns 1 (the number of rows of a multi-row INSERT): DynamoDB applied
// the statement. A DELETE inside a transaction cannot tell whether the item
// existed (RETURNING is not allowed there).
func (r *txResult) RowsAffected() (int64, error) {
	if !r.committed {
		return 0, ErrTxPending
	}
	return r.rows, nil
}
