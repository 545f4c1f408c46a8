package dynamosql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
	// keys checks that no two statements target one item (txkey.go).
	keys keyCheck
	// one is the result of every statement that adds one operation (they
	// all read the same); results are those of multi-row INSERTs.
	one     *txResult
	results []*txResult
	// slab holds the arguments of the transaction's statements (slab.go).
	slab slab
	done bool
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
		return nil, fmt.Errorf("%w: commit or roll it back before beginning another", ErrTxOpen)
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
	token, err := requestToken(ctx)
	if err != nil {
		return nil, err
	}
	t := &transaction{c: c, ctx: ctx, readOnly: opts.ReadOnly, token: token}
	t.keys.cat = c.c.catalog
	c.tx = t
	return t, nil
}

// requestToken returns the ClientRequestToken of a commit: the context's
// (see WithClientRequestToken), checked, or a new random one.
func requestToken(ctx context.Context) (string, error) {
	token, ok := ctx.Value(tokenKey{}).(string)
	if !ok {
		return newToken(), nil
	}
	if token == "" || len(token) > maxTokenLength {
		return "", fmt.Errorf("%w: ClientRequestToken %q: DynamoDB accepts 1 to %d characters", ErrBadOption, token, maxTokenLength)
	}
	return token, nil
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
	switch p.a.kind {
	case partiql.KindInsert, partiql.KindUpdate, partiql.KindDelete, partiql.KindExists:
	default:
		return nil, fmt.Errorf("%w: only INSERT, UPDATE, DELETE and EXISTS(SELECT ...) can be part of a write transaction; run a SELECT with Query (it runs at once, outside the transaction)", ErrTxStatement)
	}
	if p.a.returning {
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
		t.keys.stmts = make([]keyed, 0, MaxTxStatements)
	}
	if p.multi == nil {
		// The statement points at its text's copy in t.texts, not into p:
		// nothing keeps p once the statement is added.
		t.texts = append(t.texts, p.query)
		if j, dup := t.keys.add(ctx, keyed{table: p.a.table, keys: p.keys, params: p.params}); dup {
			t.texts = t.texts[:n]
			return nil, t.keys.duplicateError(n, j, p.a.table)
		}
		t.stmts = append(t.stmts, types.ParameterizedStatement{Statement: &t.texts[n], Parameters: p.params,
			ReturnValuesOnConditionCheckFailure: p.itemOnFailure()}) // condition.go
		if t.one == nil {
			t.one = &txResult{rows: 1}
		}
		return t.one, nil
	}
	for i, k := range p.multiKeys {
		if j, dup := t.keys.add(ctx, k); dup {
			t.keys.truncate(n)
			return nil, t.keys.duplicateError(n+i, j, p.a.table)
		}
	}
	t.stmts = append(t.stmts, p.multi...)
	for i := n; i < len(t.stmts); i++ {
		t.stmts[i].ReturnValuesOnConditionCheckFailure = p.itemOnFailure() // condition.go
	}
	for _, s := range p.multi {
		t.texts = append(t.texts, *s.Statement)
	}
	r := &txResult{rows: int64(len(p.multi))}
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
// throttling and 5xx errors keep the token too. When an attempt may have
// reached DynamoDB and no later answer tells, Commit fails with
// ErrTxOutcomeUnknown.
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
	tables := make([]string, len(t.keys.stmts))
	for i, k := range t.keys.stmts {
		tables[i] = k.table
	}
	ctx, rec := t.c.beginTx(t.ctx, "COMMIT", t.texts, tables, true)                                                               // observe.go
	if _, err := t.c.sendTx(ctx, txSend{stmts: t.stmts, texts: t.texts, token: t.token, table: t.keys.onlyTable()}); err != nil { // send.go
		return rec.end(err)
	}
	_ = rec.end(nil)
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
	t.stmts, t.texts, t.keys = nil, nil, keyCheck{}
	return nil
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
