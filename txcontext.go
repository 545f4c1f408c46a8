package dynamosql

import (
	"context"
	"database/sql"
)

// Querier is what *sql.DB, *sql.Tx and *sql.Conn have in common: code that
// takes a Querier runs the same inside and outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ Querier = (*sql.DB)(nil)
	_ Querier = (*sql.Tx)(nil)
	_ Querier = (*sql.Conn)(nil)
)

type txKey struct{}

// txInfo is what a context carries about its transaction.
type txInfo struct {
	tx *sql.Tx
	db *sql.DB
}

// WithTx returns a context that carries tx, begun on db. RunInTx does this
// for the function it runs; repositories and Executor then join tx.
func WithTx(ctx context.Context, db *sql.DB, tx *sql.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, &txInfo{tx: tx, db: db})
}

// WithoutTx returns a context that carries no transaction (code run with it
// does not join an enclosing one).
func WithoutTx(ctx context.Context) context.Context {
	return context.WithValue(ctx, txKey{}, (*txInfo)(nil))
}

// TxFromContext returns the transaction ctx carries, if any.
func TxFromContext(ctx context.Context) (*sql.Tx, bool) {
	info, _ := ctx.Value(txKey{}).(*txInfo)
	if info == nil || info.tx == nil {
		return nil, false
	}
	return info.tx, true
}

// Executor returns the transaction that ctx carries for db, or db itself
// when ctx carries none (or one begun on another *sql.DB). Code written
// against Executor joins an enclosing RunInTx without being changed.
func Executor(ctx context.Context, db *sql.DB) Querier {
	if info, _ := ctx.Value(txKey{}).(*txInfo); info != nil && info.tx != nil && (db == nil || info.db == db) {
		return info.tx
	}
	return db
}
