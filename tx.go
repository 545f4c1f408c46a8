package dynamosql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// MaxTxStatements is DynamoDB's limit on the statements of one
// ExecuteTransaction.
const MaxTxStatements = 100

// Transaction errors.
var (
	// ErrTxTooLarge reports a statement that would make a transaction hold
	// more than MaxTxStatements operations.
	ErrTxTooLarge = errors.New("dynamosql: transaction too large")
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
	// ErrIsolationLevel reports an isolation level DynamoDB does not offer.
	ErrIsolationLevel = errors.New("dynamosql: unsupported isolation level")
	// ErrReadOnlyTx reports a write inside a read-only transaction.
	ErrReadOnlyTx = errors.New("dynamosql: write in a read-only transaction")
)

// transaction is an open transaction on a connection. A write transaction
// buffers its statements and sends them in one ExecuteTransaction at
// Commit; a read-only one makes every query a strongly consistent read.
type transaction struct {
	c        *conn
	ctx      context.Context
	readOnly bool
	token    string
	stmts    []types.ParameterizedStatement
	texts    []string // statement texts, for errors (never the values)
	results  []*txResult
	done     bool
}

var _ driver.Tx = (*transaction)(nil)

// BeginTx starts a transaction. Default and Serializable isolation are
// accepted (DynamoDB write transactions are serializable); ReadOnly makes
// a read-only transaction.
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
	t := &transaction{c: c, ctx: ctx, readOnly: opts.ReadOnly, token: newToken()}
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

// add buffers a write statement.
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
		return nil, fmt.Errorf("%w: only INSERT, UPDATE, DELETE and EXISTS(SELECT ...) can be part of a write transaction", ErrTxStatement)
	}
	if p.sum.Returning {
		return nil, fmt.Errorf("%w: DynamoDB does not allow RETURNING inside a transaction: remove it, or run the statement outside the transaction", ErrTxStatement)
	}
	if len(t.stmts) >= MaxTxStatements {
		return nil, fmt.Errorf("%w: the transaction already holds the maximum of %d operations: commit this one and put the rest in another transaction, or use batch writes (not atomic) for bulk work",
			ErrTxTooLarge, MaxTxStatements)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.stmts = append(t.stmts, types.ParameterizedStatement{Statement: &p.query, Parameters: p.params})
	t.texts = append(t.texts, p.query)
	r := &txResult{tx: t}
	t.results = append(t.results, r)
	return r, nil
}

// Commit sends the buffered statements in one ExecuteTransaction, with a
// ClientRequestToken that keeps retries of this commit idempotent. An empty
// transaction sends nothing.
func (t *transaction) Commit() error {
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	t.c.tx = nil
	if t.readOnly || len(t.stmts) == 0 {
		return nil
	}
	ctx, cancel := t.c.callContext(t.ctx)
	defer cancel()
	in := &dynamodb.ExecuteTransactionInput{
		TransactStatements: t.stmts,
		ClientRequestToken: &t.token,
	}
	err := resend(ctx, func() error {
		_, err := t.c.c.client.ExecuteTransaction(ctx, in)
		return err
	})
	if err != nil {
		return t.commitError(err)
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
	t.stmts, t.texts = nil, nil
	return nil
}

func (t *transaction) commitError(err error) error {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return wrapErr("ExecuteTransaction", err)
	}
	te := &TxError{Err: err}
	for i, r := range tce.CancellationReasons {
		code := deref(r.Code)
		if code == "" || code == "None" {
			continue
		}
		f := TxFailure{Index: i, Code: code, Message: deref(r.Message)}
		if i < len(t.texts) {
			f.Statement = t.texts[i]
		}
		te.Failures = append(te.Failures, f)
	}
	return te
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TxError reports a transaction DynamoDB cancelled. It lists each failed
// statement; errors.Is matches ErrConditionFailed, ErrDuplicateItem and
// ErrTxConflict by the statements' reasons, and errors.As still finds the
// SDK's *types.TransactionCanceledException.
type TxError struct {
	// Failures lists the statements that failed, in transaction order.
	Failures []TxFailure
	// Err is the SDK's error.
	Err error
}

// TxFailure is one failed statement of a cancelled transaction.
type TxFailure struct {
	// Index is the statement's position in the transaction, from 0.
	Index int
	// Statement is the statement's text (never its argument values).
	Statement string
	// Code is DynamoDB's reason code, such as ConditionalCheckFailed,
	// DuplicateItem or TransactionConflict.
	Code string
	// Message is DynamoDB's message.
	Message string
}

// Error lists the failed statements.
func (e *TxError) Error() string {
	var b strings.Builder
	b.WriteString("dynamosql: transaction cancelled, nothing was written")
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
	tx        *transaction
	committed bool
}

// LastInsertId returns ErrNoLastInsertID.
func (r *txResult) LastInsertId() (int64, error) { return 0, ErrNoLastInsertID }

// RowsAffected returns ErrTxPending before a successful Commit, 1 after.
func (r *txResult) RowsAffected() (int64, error) {
	if !r.committed {
		return 0, ErrTxPending
	}
	return 1, nil
}
