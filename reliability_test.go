package dynamosql_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// Faults the driver must survive, injected between the driver and DynamoDB
// Local by internal/faultinject. Covered elsewhere, not repeated here:
//   - a commit whose response is lost is applied once (its
//     ClientRequestToken): TestTxLostResponseIsAppliedOnce and
//     TestTxOutcomeUnknownAfterEveryResendIsLost in tx_test.go;
//   - RunInTx retries conflicts, throttling and 5xx, and stops after its
//     bound with ErrTxRetriesExhausted: TestRunInTxRetriesAConflict,
//     TestRunInTxGivesUp, TestRunInTxRetriesThrottlingAndServerErrors in
//     txrunner_test.go;
//   - a read transaction is resent after a broken body:
//     TestReadItemsIsResentAfterABrokenResponse in txread_test.go.

// relFault is a fault of the read tests, with what its error says once
// retries are exhausted.
type relFault struct {
	name  string
	fault faultinject.Fault
	// cause is a fragment of the error once every attempt got the fault.
	cause string
	// sdkRetried tells whether the SDK retries it (max_retries); the
	// others (a body that breaks off after HTTP 200) are resent by the
	// driver, which knows a read is safe to resend.
	sdkRetried bool
}

var relReadFaults = []relFault{
	{"HTTP 500", faultinject.Status(500), "StatusCode: 500", true},
	{"HTTP 503", faultinject.Status(503), "StatusCode: 503", true},
	{"ProvisionedThroughputExceeded", faultinject.Throttling(""), "ProvisionedThroughputExceededException", true},
	{"ThrottlingException", faultinject.Throttling("ThrottlingException"), "ThrottlingException", true},
	{"RequestLimitExceeded", faultinject.Throttling("RequestLimitExceeded"), "RequestLimitExceeded", true},
	{"connection reset", faultinject.Reset(), "connection reset by peer", true},
	{"response lost after it was served", faultinject.DropResponse(), "connection reset by peer", true},
	{"body broken off", faultinject.BreakBody(), "unexpected EOF", false},
}

// relSeed writes the items the read tests read.
func relSeed(t *testing.T, db *sql.DB, table string, n int) {
	t.Helper()
	for i := range n {
		exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'n': ?}`, table), fmt.Sprintf("r%02d", i), i)
	}
}

// relLogInjected logs the faults ft injected, by kind, for the report.
func relLogInjected(t *testing.T, ft *faultinject.Transport) {
	t.Helper()
	var parts []string
	for k := faultinject.KindStatus; k <= faultinject.KindRefuse; k++ {
		if n := ft.Injected(k); n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, n))
		}
	}
	t.Logf("faults injected: %s", strings.Join(parts, " "))
}

func TestReadsSucceedAfterRetriedFaults(t *testing.T) {
	for _, f := range relReadFaults {
		t.Run(f.name, func(t *testing.T) {
			ft := faultinject.New(nil)
			db := faultDB(t, ft) // max_retries=2: three attempts
			ctx := dynamotest.Context(t)
			table := dynamotest.SimpleTable(t, "relread", "id", "")
			relSeed(t, db, table, 5)
			ft.ResetCounts()

			// Two faults in a row: the third attempt (SDK) or the third
			// send (driver) succeeds.
			ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 2, Fault: f.fault})
			var n int64
			require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf(`SELECT n FROM %q WHERE id = ?`, table), "r03").Scan(&n))
			assert.EqualValues(t, 3, n)
			assert.Equal(t, 2, ft.TotalInjected())
			assert.Equal(t, 3, ft.Requests("ExecuteStatement"))

			// A page walk whose every page but the first meets one fault.
			ft.Clear()
			seen := 0
			ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: f.fault, Match: func(string, []byte) bool {
				seen++ // called under the transport's lock
				return seen%2 == 0
			}})
			var pos dynamosql.Position
			rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT id FROM %q`, table),
				dynamosql.PageSize(1), dynamosql.ConsistentRead(), dynamosql.Track(&pos))
			require.NoError(t, err)
			var ids []string
			for rows.Next() {
				var id string
				require.NoError(t, rows.Scan(&id))
				ids = append(ids, id)
			}
			require.NoError(t, rows.Err())
			require.NoError(t, rows.Close())
			assert.Equal(t, 6, pos.Pages, "five items one per page, then an empty last page")
			assert.ElementsMatch(t, []string{"r00", "r01", "r02", "r03", "r04"}, ids, "every row once")

			// Ping.
			ft.Clear()
			ft.Inject(faultinject.Rule{Op: "ListTables", Times: 2, Fault: f.fault})
			require.NoError(t, db.PingContext(ctx))
			relLogInjected(t, ft)
		})
	}
}

func TestReadsFailClearlyOnceRetriesAreExhausted(t *testing.T) {
	for _, f := range relReadFaults {
		t.Run(f.name, func(t *testing.T) {
			ft := faultinject.New(nil)
			db := faultDB(t, ft, "max_retries=1")
			ctx := dynamotest.Context(t)
			table := dynamotest.SimpleTable(t, "relexh", "id", "")
			relSeed(t, db, table, 1)
			ft.ResetCounts()
			ft.Inject(faultinject.Rule{Fault: f.fault})

			var n int64
			err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT n FROM %q WHERE id = ?`, table), "r00").Scan(&n)
			require.Error(t, err)
			var de *dynamosql.Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "ExecuteStatement", de.Op)
			assert.True(t, strings.HasPrefix(err.Error(), "dynamosql: ExecuteStatement: "), err.Error())
			assert.Contains(t, err.Error(), f.cause, "the error names the cause")
			if f.sdkRetried {
				// An answer of DynamoDB (4xx) reads "(the SDK gave up
				// after 2 attempts)"; other failures keep the SDK's text.
				assert.Regexp(t, `exceeded maximum number of attempts, 2|the SDK gave up after 2 attempts`, err.Error())
				assert.Equal(t, 2, ft.Requests("ExecuteStatement"), "max_retries=1: two attempts")
			} else {
				assert.Equal(t, 4, ft.Requests("ExecuteStatement"), "the driver's first send and three resends")
			}

			err = db.PingContext(ctx)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "dynamosql: Ping: "), err.Error())
			assert.Contains(t, err.Error(), f.cause)
			relLogInjected(t, ft)
		})
	}
}

// TestSingleWritesAfterALostAnswer: a single INSERT, UPDATE or DELETE
// whose answer is lost must end in a documented outcome: applied once
// (the SDK resent it and DynamoDB applied it once) or ErrWriteOutcomeUnknown
// (nothing is known; the item shows what happened), never a silent
// duplicate and never a success reported as a failure.
func TestSingleWritesAfterALostAnswer(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "relwrite", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'counter', 'n': 0}`, table))
	insert := fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'v': ?}`, table)
	inc := fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = ?`, table)
	del := fmt.Sprintf(`DELETE FROM %q WHERE id = ?`, table)
	counter := func() string { return numberAttr(t, item(t, table, key("counter")), "n") }
	// The subtests reset the counts; injected keeps the totals.
	injected := map[faultinject.Kind]int{}
	reset := func() {
		for k := faultinject.KindStatus; k <= faultinject.KindRefuse; k++ {
			injected[k] += ft.Injected(k)
		}
		ft.Clear()
		ft.ResetCounts()
	}
	once := func(f faultinject.Fault) {
		reset()
		ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 1, Fault: f})
	}
	unknown := func(t *testing.T, err error) *dynamosql.OutcomeError {
		t.Helper()
		require.ErrorIs(t, err, dynamosql.ErrWriteOutcomeUnknown)
		var oe *dynamosql.OutcomeError
		require.ErrorAs(t, err, &oe)
		assert.Contains(t, err.Error(), "may or may not have applied")
		assert.NotContains(t, err.Error(), "secret-value", "values are never in the error")
		return oe
	}

	t.Run("INSERT applied, answer lost, SDK resends: duplicate is not reported as a duplicate", func(t *testing.T) {
		once(faultinject.DropResponse())
		_, err := db.ExecContext(ctx, insert, "i1", "secret-value")
		oe := unknown(t, err)
		assert.NotErrorIs(t, err, dynamosql.ErrDuplicateItem, "the duplicate may be the INSERT's own first send")
		require.Error(t, oe.Answer)
		assert.ErrorIs(t, oe.Answer, dynamosql.ErrDuplicateItem, "the resend's answer is kept")
		assert.Contains(t, err.Error(), "connection reset by peer")
		assert.Equal(t, 2, oe.Attempts)
		assert.Equal(t, 2, ft.Requests("ExecuteStatement"))
		assert.NotNil(t, item(t, table, key("i1")), "applied")
	})

	t.Run("INSERT lost before DynamoDB saw it: the resend applies it", func(t *testing.T) {
		reset()
		// An HTTP 503 that was not forwarded stands for a request DynamoDB
		// did not apply; the resend applies it and nothing is ambiguous.
		ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 1, Fault: faultinject.Status(503)})
		res, err := db.ExecContext(ctx, insert, "i2", "v")
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, 2, ft.Requests("ExecuteStatement"))
		assert.NotNil(t, item(t, table, key("i2")))
	})

	t.Run("INSERT of an existing key after a lost answer", func(t *testing.T) {
		// The item existed before: DynamoDB refused both sends, but the
		// client cannot know the first was refused.
		once(faultinject.DropResponse())
		_, err := db.ExecContext(ctx, insert, "i1", "again")
		unknown(t, err)
		// Without a fault, a duplicate is a plain duplicate.
		_, err = db.ExecContext(ctx, insert, "i1", "again")
		require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)
		assert.NotErrorIs(t, err, dynamosql.ErrWriteOutcomeUnknown)
	})

	t.Run("INSERT whose every answer is lost", func(t *testing.T) {
		reset()
		ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.DropResponse()})
		_, err := db.ExecContext(ctx, insert, "i3", "v")
		oe := unknown(t, err)
		assert.Equal(t, 3, oe.Attempts)
		assert.Equal(t, 3, ft.Requests("ExecuteStatement"))
		assert.NotNil(t, item(t, table, key("i3")), "the first send applied it, once")
	})

	t.Run("INSERT whose body broke off after HTTP 200 is not resent", func(t *testing.T) {
		once(faultinject.BreakBody())
		_, err := db.ExecContext(ctx, insert, "i4", "v")
		oe := unknown(t, err)
		assert.Equal(t, 1, oe.Attempts)
		assert.Equal(t, 1, ft.Requests("ExecuteStatement"))
		assert.NotNil(t, item(t, table, key("i4")))
	})

	for _, f := range []struct {
		name  string
		fault faultinject.Fault
	}{
		{"connection reset after DynamoDB applied it", faultinject.DropResponse()},
		{"body broken off", faultinject.BreakBody()},
		{"HTTP 500", faultinject.Status(500)},
	} {
		t.Run("UPDATE n = n + 1 is never resent: "+f.name, func(t *testing.T) {
			before := counter()
			once(f.fault)
			_, err := db.ExecContext(ctx, inc, "counter")
			oe := unknown(t, err)
			assert.Equal(t, 1, oe.Attempts)
			assert.Equal(t, 1, ft.Requests("ExecuteStatement"), "no resend")
			after := counter()
			if f.fault.Kind == faultinject.KindStatus {
				assert.Equal(t, before, after, "the 500 was injected without forwarding")
			} else {
				assert.NotEqual(t, before, after)
			}
			// Applied at most once: one more increment moves it by one.
			exec(t, db, inc, "counter")
			assert.Equal(t, fmt.Sprint(mustAtoi(t, after)+1), counter())
		})
	}

	t.Run("UPDATE is still retried after throttling", func(t *testing.T) {
		before := mustAtoi(t, counter())
		reset()
		ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 2, Fault: faultinject.Throttling("")})
		res, err := db.ExecContext(ctx, inc, "counter")
		require.NoError(t, err)
		n, _ := res.RowsAffected()
		assert.EqualValues(t, 1, n)
		assert.Equal(t, 3, ft.Requests("ExecuteStatement"))
		assert.Equal(t, fmt.Sprint(before+1), counter(), "applied once")
	})

	t.Run("UPDATE RETURNING through Query is never resent", func(t *testing.T) {
		before := mustAtoi(t, counter())
		once(faultinject.DropResponse())
		rows, err := db.QueryContext(ctx, fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = ? RETURNING ALL NEW *`, table), "counter")
		if rows != nil {
			rows.Close()
		}
		unknown(t, err)
		assert.Equal(t, 1, ft.Requests("ExecuteStatement"))
		assert.Equal(t, fmt.Sprint(before+1), counter(), "applied once")
	})

	t.Run("DELETE applied, answer lost: not reported as 0 rows", func(t *testing.T) {
		once(faultinject.DropResponse())
		_, err := db.ExecContext(ctx, del, "i2")
		oe := unknown(t, err)
		assert.Equal(t, 2, oe.Attempts)
		assert.Contains(t, err.Error(), "no item to delete")
		assert.Nil(t, item(t, table, key("i2")))
	})

	t.Run("DELETE lost before DynamoDB saw it: the resend deletes, 1 row", func(t *testing.T) {
		once(faultinject.Status(503))
		res, err := db.ExecContext(ctx, del, "i3")
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Nil(t, item(t, table, key("i3")))
	})
	t.Run("nothing sent: a refused connection is not ambiguous", func(t *testing.T) {
		closed, err := sql.Open("dynamodb", "region=us-east-1;endpoint=http://127.0.0.1:1;akid=x;secret_key=y;max_retries=1")
		require.NoError(t, err)
		defer closed.Close()
		_, err = closed.ExecContext(ctx, inc, "counter")
		require.Error(t, err)
		assert.NotErrorIs(t, err, dynamosql.ErrWriteOutcomeUnknown)
		assert.Contains(t, err.Error(), "connection refused")
	})
	reset()
	var parts []string
	for k := faultinject.KindStatus; k <= faultinject.KindRefuse; k++ {
		if injected[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, injected[k]))
		}
	}
	t.Logf("faults injected: %s", strings.Join(parts, " "))
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	_, err := fmt.Sscan(s, &n)
	require.NoError(t, err)
	return n
}

// relDeadline is the deadline of the deadline tests and relSlack what a
// call may take beyond it: a correctness bound, not a benchmark.
const (
	relDeadline = 300 * time.Millisecond
	relSlack    = time.Second
	relLatency  = 5 * time.Second
)

// relWithin runs fn with a context whose deadline is relDeadline away and
// checks that fn returns in time with context.DeadlineExceeded.
func relWithin(t *testing.T, what string, fn func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), relDeadline)
	defer cancel()
	start := time.Now()
	err := fn(ctx)
	took := time.Since(start)
	assert.Less(t, took, relDeadline+relSlack, "%s returned after %v", what, took)
	require.Error(t, err, what)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "%s: %v", what, err)
}

func TestDeadlinesAreHonouredUnderLatency(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "reldead", "id", "")
	relSeed(t, db, table, 3)
	ft.Inject(faultinject.Rule{Fault: faultinject.Latency(relLatency)})
	begin := time.Now()

	relWithin(t, "Exec", func(ctx context.Context) error {
		_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'late'}`, table))
		// The request may have reached DynamoDB: the outcome is unknown,
		// and the error still matches the deadline.
		assert.ErrorIs(t, err, dynamosql.ErrWriteOutcomeUnknown)
		return err
	})
	relWithin(t, "Query", func(ctx context.Context) error {
		rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, table), "r00")
		if err == nil {
			rows.Close()
		}
		return err
	})
	relWithin(t, "QueryRow", func(ctx context.Context) error {
		var id string
		return db.QueryRowContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE id = ?`, table), "r01").Scan(&id)
	})
	relWithin(t, "Ping", func(ctx context.Context) error { return db.PingContext(ctx) })
	relWithin(t, "Commit", func(ctx context.Context) error {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET n = 7 WHERE id = ?`, table), "r02")
		require.NoError(t, err, "buffered: nothing is sent")
		err = tx.Commit()
		assert.ErrorIs(t, err, dynamosql.ErrTxOutcomeUnknown)
		return err
	})
	relWithin(t, "RunInTx", func(ctx context.Context) error {
		return dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET n = 8 WHERE id = ?`, table), "r02")
			return err
		})
	})
	relWithin(t, "ReadItems", func(ctx context.Context) error {
		_, err := dynamosql.ReadItems(ctx, db, dynamosql.Read(fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, table), "r00"))
		return err
	})
	relWithin(t, "rows.Next fetching a later page", func(ctx context.Context) error {
		ft.Clear()
		rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT id FROM %q`, table), dynamosql.PageSize(1))
		require.NoError(t, err, "the first page has no latency")
		defer rows.Close()
		ft.Inject(faultinject.Rule{Fault: faultinject.Latency(relLatency)})
		for rows.Next() {
		}
		return rows.Err()
	})
	ft.Clear()
	// The per-call timeout of the DSN bounds each call the same way.
	tdb := faultDB(t, ft, "timeout=300ms")
	ft.Inject(faultinject.Rule{Fault: faultinject.Latency(relLatency)})
	relWithin(t, "Query under timeout=300ms", func(context.Context) error {
		rows, err := tdb.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, table), "r00")
		if err == nil {
			rows.Close()
		}
		return err
	})
	ft.Clear()
	assert.Less(t, time.Since(begin), 8*(relDeadline+relSlack))
	relLogInjected(t, ft)

	// Nothing of the timed-out transactions was applied (the latency held
	// the requests back until the deadline cancelled them).
	it := item(t, table, key("r02"))
	assert.Equal(t, "2", numberAttr(t, it, "n"))
}

// TestWriteOutcomeIsThatOfAllAttempts: during an outage a write's first
// attempt can reach DynamoDB and lose its answer, and the SDK's resend then
// cannot even connect. The outcome of the write is that of all its
// attempts: it may have been applied, so it must never be reported as a
// plain connection failure (which means nothing was applied). Only when no
// attempt was sent is the failure a plain one.
func TestWriteOutcomeIsThatOfAllAttempts(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "reloutage", "id", "")
	insert := fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'v': ?}`, table)
	del := fmt.Sprintf(`DELETE FROM %q WHERE id = ?`, table)
	upd := fmt.Sprintf(`UPDATE %q SET v = ? WHERE id = ?`, table)
	// outage loses the answer of the first request of op (after DynamoDB
	// applied it), then refuses every connection.
	outage := func(op string) {
		ft.Clear()
		ft.ResetCounts()
		ft.Inject(faultinject.Rule{Op: op, Times: 1, Fault: faultinject.DropResponse()})
		ft.Inject(faultinject.Rule{Op: op, Fault: faultinject.Refuse()})
	}
	down := func(op string) {
		ft.Clear()
		ft.ResetCounts()
		ft.Inject(faultinject.Rule{Op: op, Fault: faultinject.Refuse()})
	}
	unknown := func(t *testing.T, err error) *dynamosql.OutcomeError {
		t.Helper()
		require.ErrorIs(t, err, dynamosql.ErrWriteOutcomeUnknown, "an attempt may have been applied")
		var oe *dynamosql.OutcomeError
		require.ErrorAs(t, err, &oe)
		assert.Contains(t, err.Error(), "connection reset by peer", "the cause: the lost answer")
		return oe
	}
	t.Cleanup(ft.Clear)

	t.Run("INSERT applied, answer lost, resends refused", func(t *testing.T) {
		outage("ExecuteStatement")
		_, err := db.ExecContext(ctx, insert, "o1", "v")
		oe := unknown(t, err)
		assert.Equal(t, 3, oe.Attempts)
		require.Error(t, oe.Answer)
		assert.Contains(t, oe.Answer.Error(), "connection refused", "the last attempt's failure is kept")
		ft.Clear()
		assert.NotNil(t, item(t, table, key("o1")), "it was applied")
	})
	t.Run("DELETE applied, answer lost, resends refused", func(t *testing.T) {
		exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'o2'}`, table))
		outage("ExecuteStatement")
		_, err := db.ExecContext(ctx, del, "o2")
		unknown(t, err)
		ft.Clear()
		assert.Nil(t, item(t, table, key("o2")), "it was applied")
	})
	t.Run("UPDATE applied, answer lost: not resent", func(t *testing.T) {
		exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'o3', 'v': 'a'}`, table))
		outage("ExecuteStatement")
		_, err := db.ExecContext(ctx, upd, "b", "o3")
		oe := unknown(t, err)
		assert.Equal(t, 1, oe.Attempts)
		ft.Clear()
		assert.Equal(t, "b", stringAttr(t, item(t, table, key("o3")), "v"))
	})
	t.Run("commit applied, answer lost, resends refused", func(t *testing.T) {
		outage("ExecuteTransaction")
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, insert, "o4", "v")
		require.NoError(t, err)
		err = tx.Commit()
		require.ErrorIs(t, err, dynamosql.ErrTxOutcomeUnknown)
		ft.Clear()
		assert.NotNil(t, item(t, table, key("o4")), "it was applied")
	})
	t.Run("nothing sent: a plain failure, nothing applied", func(t *testing.T) {
		down("ExecuteStatement")
		_, err := db.ExecContext(ctx, insert, "o5", "v")
		require.Error(t, err)
		assert.NotErrorIs(t, err, dynamosql.ErrWriteOutcomeUnknown)
		assert.Contains(t, err.Error(), "connection refused")
		assert.Equal(t, 3, ft.Requests("ExecuteStatement"), "the SDK retried the refused connections")
		down("ExecuteTransaction")
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, insert, "o6", "v")
		require.NoError(t, err)
		err = tx.Commit()
		require.Error(t, err)
		assert.NotErrorIs(t, err, dynamosql.ErrTxOutcomeUnknown)
		ft.Clear()
		assert.Nil(t, item(t, table, key("o5")))
		assert.Nil(t, item(t, table, key("o6")))
	})
}
