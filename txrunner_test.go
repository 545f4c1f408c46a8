package dynamosql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// fastRetries keeps RunInTx's pauses short in tests.
var fastRetries = dynamosql.WithBackoff(time.Millisecond, 5*time.Millisecond)

func TestRunInTxCommits(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	users := dynamotest.SimpleTable(t, "run_users", "id", "")
	wallets := dynamotest.SimpleTable(t, "run_wallets", "id", "")
	ft.ResetCounts()

	err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		got, ok := dynamosql.TxFromContext(ctx)
		require.True(t, ok, "the context carries the transaction")
		require.Same(t, tx, got)
		require.Same(t, tx, dynamosql.Executor(ctx, db), "code deeper down joins it through Executor")
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, users), "u1"); err != nil {
			return err
		}
		_, err := dynamosql.Executor(ctx, db).ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'balance': 0}`, wallets), "u1")
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, 1, ft.Requests(""), "one ExecuteTransaction")
	assert.NotNil(t, item(t, users, key("u1")))
	assert.NotNil(t, item(t, wallets, key("u1")))
	assert.Zero(t, db.Stats().InUse)
}

func TestRunInTxRetriesAConflict(t *testing.T) {
	ft := faultinject.New(nil)
	tk := recordTokens(ft)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "run_conflict", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'counter', 'n': 0}`, table))
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Times: 2, Fault: faultinject.CancelTx("TransactionConflict")})

	var calls atomic.Int32
	err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		calls.Add(1)
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = ?`, table), "counter")
		return err
	}, fastRetries)
	require.NoError(t, err)
	assert.EqualValues(t, 3, calls.Load(), "two conflicts, then success")
	assert.Equal(t, 2, ft.Injected(faultinject.KindTxCanceled))
	sent := tk.all()
	require.Len(t, sent, 3)
	assert.NotEqual(t, sent[0], sent[1], "a cancelled attempt's transaction is new work with a new token")
	assert.Equal(t, "1", numberAttr(t, item(t, table, key("counter")), "n"))
}

func TestRunInTxGivesUp(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "run_giveup", "id", "")
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Fault: faultinject.CancelTx("None", "TransactionConflict")})

	var calls atomic.Int32
	err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		calls.Add(1)
		for _, id := range []string{"a", "b"} {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), id); err != nil {
				return err
			}
		}
		return nil
	}, fastRetries, dynamosql.WithMaxAttempts(3))
	require.Error(t, err)
	assert.EqualValues(t, 3, calls.Load())
	assert.ErrorIs(t, err, dynamosql.ErrTxRetriesExhausted)
	assert.ErrorIs(t, err, dynamosql.ErrTxConflict, "the last error stays reachable")
	var te *dynamosql.TxError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, 1, te.Failures[0].Index)
	assert.Contains(t, err.Error(), "gave up after 3 attempts")
	assert.Contains(t, err.Error(), "TransactionConflict")
	assert.Zero(t, count(t, table))

	// The default bound.
	calls.Store(0)
	err = dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		calls.Add(1)
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'x'}`, table))
		return err
	}, fastRetries)
	require.ErrorIs(t, err, dynamosql.ErrTxRetriesExhausted)
	assert.EqualValues(t, dynamosql.DefaultTxAttempts, calls.Load())
}

func TestRunInTxRetriesThrottlingAndServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault faultinject.Fault
	}{
		{"throttled request", faultinject.Throttling("ThrottlingException")},
		{"provisioned throughput exceeded", faultinject.Throttling("")},
		{"cancelled for throttling", faultinject.CancelTx("ThrottlingError")},
		{"server error", faultinject.Status(500)},
		// A commit whose attempts could not even connect was not applied:
		// RunInTx runs it again.
		{"connection refused", faultinject.Refuse()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := faultinject.New(nil)
			db := faultDB(t, ft)
			ctx := dynamotest.Context(t)
			table := dynamotest.SimpleTable(t, "run_throttle", "id", "")
			// Three faults outlast the SDK's three attempts of one commit.
			ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Times: 3, Fault: tc.fault})
			var calls atomic.Int32
			err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
				calls.Add(1)
				_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table))
				return err
			}, fastRetries)
			require.NoError(t, err)
			assert.Greater(t, calls.Load(), int32(1), "fn ran again")
			assert.Equal(t, 3, ft.TotalInjected())
			assert.Equal(t, 1, count(t, table))
		})
	}
}

func TestRunInTxKeepsTheTokenWhenTheOutcomeIsUnknown(t *testing.T) {
	ft := faultinject.New(nil)
	tk := recordTokens(ft)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "run_unknown", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'counter', 'n': 0}`, table))
	// Every answer of the first commit (three SDK attempts) is lost after
	// DynamoDB applied it.
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Times: 3, Fault: faultinject.DropResponse()})

	var calls atomic.Int32
	err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		calls.Add(1)
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = ?`, table), "counter")
		return err
	}, fastRetries)
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load())
	sent := tk.all()
	require.Len(t, sent, 4)
	for _, s := range sent {
		assert.Equal(t, sent[0], s, "every attempt carries the first attempt's token")
	}
	assert.Equal(t, "1", numberAttr(t, item(t, table, key("counter")), "n"), "applied exactly once")
}

func TestRunInTxUsesAChosenTokenForEveryAttempt(t *testing.T) {
	ft := faultinject.New(nil)
	tk := recordTokens(ft)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "run_token", "id", "")
	token := "req-" + dynamotest.UniqueName("t")[2:]
	ft.Inject(faultinject.Rule{
		Op: "ExecuteTransaction", Times: 1, Fault: faultinject.CancelTx("TransactionConflict"),
		Match: func(_ string, body []byte) bool { return strings.Contains(string(body), token) },
	})
	err := dynamosql.RunInTx(dynamosql.WithClientRequestToken(ctx, token), db, func(ctx context.Context, tx *sql.Tx) error {
		// A transaction begun inside fn gets a token of its own.
		inner, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := inner.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), dynamotest.UniqueName("inner")); err != nil {
			return err
		}
		if err := inner.Commit(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'outer'}`, table))
		return err
	}, fastRetries)
	require.NoError(t, err)
	sent := tk.all()
	require.Len(t, sent, 4, "inner, outer (conflict), inner, outer")
	assert.Equal(t, []string{token, token}, []string{sent[1], sent[3]})
	assert.NotEqual(t, token, sent[0])
	assert.NotEqual(t, token, sent[2])
}

func TestRunInTxDoesNotRetryOtherErrors(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "run_noretry", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'taken'}`, table))

	var calls atomic.Int32
	err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		calls.Add(1)
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'new'}`, table)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'taken'}`, table))
		return err
	}, fastRetries)
	require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)
	assert.NotErrorIs(t, err, dynamosql.ErrTxRetriesExhausted)
	assert.EqualValues(t, 1, calls.Load())
	assert.Nil(t, item(t, table, key("new")))

	// fn's own error: rolled back, returned as is, not retried.
	errMine := errors.New("insufficient funds")
	calls.Store(0)
	err = dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		calls.Add(1)
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'new'}`, table)); err != nil {
			return err
		}
		return errMine
	}, fastRetries)
	require.Same(t, errMine, err)
	assert.EqualValues(t, 1, calls.Load())
	assert.Nil(t, item(t, table, key("new")))

	// A cancelled context stops everything.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = dynamosql.RunInTx(cctx, db, func(ctx context.Context, tx *sql.Tx) error { return nil })
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, db.Stats().InUse)
}

func TestRunInTxRollsBackOnPanic(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "run_panic", "id", "")
	ft.ResetCounts()
	require.PanicsWithValue(t, "boom", func() {
		_ = dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table)); err != nil {
				return err
			}
			panic("boom")
		})
	})
	assert.Zero(t, ft.Requests("ExecuteTransaction"))
	assert.Zero(t, count(t, table))
	assert.Zero(t, db.Stats().InUse, "the connection went back to the pool")
	// The pool still works.
	require.NoError(t, dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'b'}`, table))
		return err
	}))
	assert.Equal(t, 1, count(t, table))
}

func TestRunInTxPropagation(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "run_prop", "id", "")
	insert := func(ctx context.Context, id string) error {
		_, err := dynamosql.Executor(ctx, db).ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), id)
		return err
	}

	t.Run("required joins", func(t *testing.T) {
		ft.ResetCounts()
		err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, outer *sql.Tx) error {
			if err := insert(ctx, "req-outer"); err != nil {
				return err
			}
			return dynamosql.RunInTx(ctx, db, func(ctx context.Context, inner *sql.Tx) error {
				assert.Same(t, outer, inner)
				return insert(ctx, "req-inner")
			})
		})
		require.NoError(t, err)
		assert.Equal(t, 1, ft.Requests("ExecuteTransaction"), "one commit for both")
		assert.NotNil(t, item(t, table, key("req-inner")))
	})

	t.Run("required rolls back with the outer", func(t *testing.T) {
		errOuter := errors.New("outer fails")
		err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, _ *sql.Tx) error {
			require.NoError(t, dynamosql.RunInTx(ctx, db, func(ctx context.Context, _ *sql.Tx) error {
				return insert(ctx, "req-rb-inner")
			}))
			return errOuter
		})
		require.Same(t, errOuter, err)
		assert.Nil(t, item(t, table, key("req-rb-inner")))
	})

	t.Run("a failed joined call makes the transaction rollback-only", func(t *testing.T) {
		errInner := errors.New("inner fails")
		err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, _ *sql.Tx) error {
			if err := insert(ctx, "ro-outer"); err != nil {
				return err
			}
			_ = dynamosql.RunInTx(ctx, db, func(ctx context.Context, _ *sql.Tx) error { return errInner }) // ignored
			return nil
		})
		require.ErrorIs(t, err, dynamosql.ErrTxRollbackOnly)
		require.ErrorIs(t, err, errInner)
		assert.Nil(t, item(t, table, key("ro-outer")))
	})

	t.Run("requires new commits on its own", func(t *testing.T) {
		errOuter := errors.New("outer fails")
		err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, outer *sql.Tx) error {
			if err := insert(ctx, "new-outer"); err != nil {
				return err
			}
			err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, inner *sql.Tx) error {
				assert.NotSame(t, outer, inner)
				got, _ := dynamosql.TxFromContext(ctx)
				assert.Same(t, inner, got)
				return insert(ctx, "new-inner")
			}, dynamosql.WithPropagation(dynamosql.TxRequiresNew))
			require.NoError(t, err)
			assert.NotNil(t, item(t, table, key("new-inner")), "committed before the outer ends")
			got, _ := dynamosql.TxFromContext(ctx)
			assert.Same(t, outer, got, "the outer context still carries the outer transaction")
			return errOuter
		})
		require.Same(t, errOuter, err)
		assert.NotNil(t, item(t, table, key("new-inner")), "kept although the outer rolled back")
		assert.Nil(t, item(t, table, key("new-outer")))
	})

	t.Run("mandatory", func(t *testing.T) {
		called := false
		err := dynamosql.RunInTx(ctx, db, func(context.Context, *sql.Tx) error { called = true; return nil },
			dynamosql.WithPropagation(dynamosql.TxMandatory))
		require.ErrorIs(t, err, dynamosql.ErrNoTx)
		assert.False(t, called)
		err = dynamosql.RunInTx(ctx, db, func(ctx context.Context, outer *sql.Tx) error {
			return dynamosql.RunInTx(ctx, db, func(ctx context.Context, inner *sql.Tx) error {
				assert.Same(t, outer, inner)
				return insert(ctx, "mandatory")
			}, dynamosql.WithPropagation(dynamosql.TxMandatory))
		})
		require.NoError(t, err)
		assert.NotNil(t, item(t, table, key("mandatory")))
	})

	t.Run("never", func(t *testing.T) {
		err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
			assert.Nil(t, tx)
			_, ok := dynamosql.TxFromContext(ctx)
			assert.False(t, ok)
			return insert(ctx, "never")
		}, dynamosql.WithPropagation(dynamosql.TxNever))
		require.NoError(t, err)
		assert.NotNil(t, item(t, table, key("never")), "written at once, without a transaction")
		err = dynamosql.RunInTx(ctx, db, func(ctx context.Context, _ *sql.Tx) error {
			return dynamosql.RunInTx(ctx, db, func(context.Context, *sql.Tx) error { return nil },
				dynamosql.WithPropagation(dynamosql.TxNever))
		})
		require.ErrorIs(t, err, dynamosql.ErrTxNotAllowed)
	})

	t.Run("supports", func(t *testing.T) {
		ft.ResetCounts()
		err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
			assert.Nil(t, tx)
			_, ok := dynamosql.TxFromContext(ctx)
			assert.False(t, ok)
			return insert(ctx, "supports-alone")
		}, dynamosql.WithPropagation(dynamosql.TxSupports))
		require.NoError(t, err)
		assert.Zero(t, ft.Requests("ExecuteTransaction"))
		assert.NotNil(t, item(t, table, key("supports-alone")))
		err = dynamosql.RunInTx(ctx, db, func(ctx context.Context, outer *sql.Tx) error {
			return dynamosql.RunInTx(ctx, db, func(ctx context.Context, inner *sql.Tx) error {
				assert.Same(t, outer, inner)
				return insert(ctx, "supports-joined")
			}, dynamosql.WithPropagation(dynamosql.TxSupports))
		})
		require.NoError(t, err)
		assert.Equal(t, 1, ft.Requests("ExecuteTransaction"))
	})

	t.Run("a transaction of another *sql.DB is not joined", func(t *testing.T) {
		other := dynamotest.OpenDB(t)
		err := dynamosql.RunInTx(ctx, other, func(ctx context.Context, otherTx *sql.Tx) error {
			return dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
				assert.NotSame(t, otherTx, tx)
				return nil
			}, dynamosql.WithPropagation(dynamosql.TxMandatory))
		})
		require.ErrorIs(t, err, dynamosql.ErrNoTx)
	})

	t.Run("unknown mode", func(t *testing.T) {
		err := dynamosql.RunInTx(ctx, db, func(context.Context, *sql.Tx) error { return nil },
			dynamosql.WithPropagation(dynamosql.Propagation(42)))
		require.ErrorIs(t, err, dynamosql.ErrBadOption)
		assert.Equal(t, "TxRequiresNew", dynamosql.TxRequiresNew.String())
	})
	assert.Zero(t, db.Stats().InUse)
}

func TestRunInTxReadOnly(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "run_ro", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a', 'v': 7}`, table))
	var v int
	err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT v FROM %q WHERE id = ?`, table), "a").Scan(&v); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET v = 8 WHERE id = 'a'`, table))
		return err
	}, dynamosql.WithTxOptions(&sql.TxOptions{ReadOnly: true}))
	require.ErrorIs(t, err, dynamosql.ErrReadOnlyTx)
	assert.Equal(t, 7, v)

	err = dynamosql.RunInTx(ctx, db, func(context.Context, *sql.Tx) error { return nil },
		dynamosql.WithTxOptions(&sql.TxOptions{Isolation: sql.LevelSnapshot}))
	require.ErrorIs(t, err, dynamosql.ErrIsolationLevel)
}

// TestRunInTxConcurrent runs 32 goroutines of RunInTx on one *sql.DB, with
// conflicts injected at random into a quarter of the commits.
func TestRunInTxConcurrent(t *testing.T) {
	ft := faultinject.New(nil).Seed(3)
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Rate: 0.25, Fault: faultinject.CancelTx("TransactionConflict")})
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "run_conc", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'total', 'n': 0}`, table))
	const goroutines, perG = 32, 3
	errs := make(chan error, goroutines*perG)
	done := make(chan struct{})
	for g := range goroutines {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range perG {
				errs <- dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = 'total'`, table)); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), fmt.Sprintf("g%02d-%d", g, i))
					return err
				}, fastRetries, dynamosql.WithMaxAttempts(20))
			}
		}()
	}
	for range goroutines {
		<-done
	}
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Positive(t, ft.Injected(faultinject.KindTxCanceled))
	assert.Equal(t, fmt.Sprint(goroutines*perG), numberAttr(t, item(t, table, key("total")), "n"), "every transaction applied exactly once")
	assert.Equal(t, goroutines*perG+1, count(t, table))
}
