package dynamosql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// faultDB opens a *sql.DB on DynamoDB Local whose requests go through ft,
// with the SDK's retries (3 attempts) pausing 1 ms instead of up to
// seconds.
func faultDB(t testing.TB, ft *faultinject.Transport, extra ...string) *sql.DB {
	t.Helper()
	dsn := dynamotest.DSN(t)
	for _, e := range extra {
		if e != "" {
			dsn += ";" + e
		}
	}
	cfg, err := dynamosql.ParseDSN(dsn)
	require.NoError(t, err)
	cfg.ClientOptions = append(cfg.ClientOptions, ft.ClientOption(), faultinject.FastRetries())
	c, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

// tokens records the ClientRequestToken of every ExecuteTransaction
// request that goes through ft.
type tokens struct {
	mu   sync.Mutex
	list []string
}

func recordTokens(ft *faultinject.Transport) *tokens {
	tk := &tokens{}
	ft.Observe(func(op string, body []byte) {
		if op != "ExecuteTransaction" {
			return
		}
		var in struct{ ClientRequestToken string }
		_ = json.Unmarshal(body, &in)
		tk.mu.Lock()
		tk.list = append(tk.list, in.ClientRequestToken)
		tk.mu.Unlock()
	})
	return tk
}

func (tk *tokens) all() []string {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return append([]string(nil), tk.list...)
}

// item reads an item with the raw client (consistent), nil when missing.
func item(t *testing.T, table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	out, err := dynamotest.Client(t).GetItem(dynamotest.Context(t), &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true),
	})
	require.NoError(t, err)
	return out.Item
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}
}

// count returns how many items table holds.
func count(t *testing.T, table string) int {
	t.Helper()
	out, err := dynamotest.Client(t).Scan(dynamotest.Context(t), &dynamodb.ScanInput{
		TableName: aws.String(table), Select: types.SelectCount, ConsistentRead: aws.Bool(true),
	})
	require.NoError(t, err)
	require.Nil(t, out.LastEvaluatedKey, "the test tables are small")
	return int(out.Count)
}

// numberAttr returns the number attribute name of an item as text.
func numberAttr(t *testing.T, it map[string]types.AttributeValue, name string) string {
	t.Helper()
	n, ok := it[name].(*types.AttributeValueMemberN)
	require.True(t, ok, "attribute %s is a number: %#v", name, it[name])
	return n.Value
}

// stringAttr returns the string attribute name of an item.
func stringAttr(t *testing.T, it map[string]types.AttributeValue, name string) string {
	t.Helper()
	s, ok := it[name].(*types.AttributeValueMemberS)
	require.True(t, ok, "attribute %s is a string: %#v", name, it[name])
	return s.Value
}

func exec(t *testing.T, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, query string, args ...any) {
	t.Helper()
	_, err := q.ExecContext(dynamotest.Context(t), query, args...)
	require.NoError(t, err)
}

func TestTxCommitsAcrossTablesAtomically(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	users := dynamotest.SimpleTable(t, "tx_users", "id", "")
	orders := dynamotest.SimpleTable(t, "tx_orders", "id", "")
	cart := dynamotest.SimpleTable(t, "tx_cart", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'cart-1', 'userId': 'user-123'}`, cart))

	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	ft.ResetCounts()
	r1, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'status': ?}`, users), "user-123", "active")
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'userId': ?, 'total': ?}`, orders), "order-456", "user-123", 100.0)
	require.NoError(t, err)
	r3, err := tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %q WHERE id = ?`, cart), "cart-1")
	require.NoError(t, err)
	assert.Zero(t, ft.Requests(""), "nothing is sent before Commit")
	_, err = r1.RowsAffected()
	require.ErrorIs(t, err, dynamosql.ErrTxPending)
	assert.Contains(t, err.Error(), "buffered until Commit")
	_, err = r1.LastInsertId()
	require.ErrorIs(t, err, dynamosql.ErrNoLastInsertID)

	require.NoError(t, tx.Commit())
	assert.Equal(t, 1, ft.Requests(""), "one ExecuteTransaction")
	assert.Equal(t, 1, ft.Requests("ExecuteTransaction"))
	for _, r := range []sql.Result{r1, r3} {
		n, err := r.RowsAffected()
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
	}
	assert.NotNil(t, item(t, users, key("user-123")))
	assert.NotNil(t, item(t, orders, key("order-456")))
	assert.Nil(t, item(t, cart, key("cart-1")))
}

func TestTxFailureNamesTheStatementAndWritesNothing(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	users := dynamotest.SimpleTable(t, "txf_users", "id", "")
	orders := dynamotest.SimpleTable(t, "txf_orders", "id", "")
	cart := dynamotest.SimpleTable(t, "txf_cart", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'taken', 'v': 1}`, users))
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'c1'}`, cart))

	insertUser := fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'secret': ?}`, users)
	for _, tc := range []struct {
		name     string
		stmts    [][]any // query, args...
		index    int
		code     string
		sentinel error
	}{
		{
			name: "duplicate key",
			stmts: [][]any{
				{fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, orders), "o1"},
				{insertUser, "taken", "s3cr3t-value"},
				{fmt.Sprintf(`DELETE FROM %q WHERE id = ?`, cart), "c1"},
			},
			index: 1, sentinel: dynamosql.ErrDuplicateItem,
		},
		{
			name: "failed condition",
			stmts: [][]any{
				{fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, orders), "o1"},
				{fmt.Sprintf(`DELETE FROM %q WHERE id = ?`, cart), "c1"},
				{fmt.Sprintf(`UPDATE %q SET v = 2 WHERE id = ? AND v = ?`, users), "taken", 99},
			},
			index: 2, code: "ConditionalCheckFailed", sentinel: dynamosql.ErrConditionFailed,
		},
		{
			name: "update of a missing item",
			stmts: [][]any{
				{fmt.Sprintf(`UPDATE %q SET v = 2 WHERE id = ?`, users), "nobody"},
				{fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, orders), "o1"},
				{fmt.Sprintf(`DELETE FROM %q WHERE id = ?`, cart), "c1"},
			},
			index: 0, code: "ConditionalCheckFailed", sentinel: dynamosql.ErrConditionFailed,
		},
		{
			name: "condition check",
			stmts: [][]any{
				{fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, orders), "o1"},
				{fmt.Sprintf(`EXISTS(SELECT * FROM %q WHERE id = ? AND v = ?)`, users), "taken", 5},
				{fmt.Sprintf(`DELETE FROM %q WHERE id = ?`, cart), "c1"},
			},
			index: 1, code: "ConditionalCheckFailed", sentinel: dynamosql.ErrConditionFailed,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			for _, s := range tc.stmts {
				_, err := tx.ExecContext(ctx, s[0].(string), s[1:]...)
				require.NoError(t, err)
			}
			err = tx.Commit()
			require.Error(t, err)
			var te *dynamosql.TxError
			require.True(t, errors.As(err, &te), "%v", err)
			require.Len(t, te.Failures, 1, "%v", err)
			f := te.Failures[0]
			assert.Equal(t, tc.index, f.Index)
			assert.Equal(t, tc.stmts[tc.index][0], f.Statement)
			if tc.code != "" {
				assert.Equal(t, tc.code, f.Code)
			}
			assert.ErrorIs(t, err, tc.sentinel)
			assert.NotErrorIs(t, err, dynamosql.ErrTxConflict)
			var tce *types.TransactionCanceledException
			assert.True(t, errors.As(err, &tce), "the SDK's error stays reachable")
			assert.Contains(t, err.Error(), fmt.Sprintf("statement %d (", tc.index))
			assert.Contains(t, err.Error(), "nothing was written")
			assert.NotContains(t, err.Error(), "s3cr3t-value", "argument values never appear in errors")

			assert.Nil(t, item(t, orders, key("o1")), "no other statement was applied")
			assert.NotNil(t, item(t, cart, key("c1")))
			it := item(t, users, key("taken"))
			assert.Equal(t, "1", numberAttr(t, it, "v"))
			_, ok := it["secret"]
			assert.False(t, ok)
		})
	}
}

func TestTxHolds100StatementsInOneRequest(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "tx100", "id", "")
	q := fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'i': ?}`, table)

	// The 101st statement is refused, the transaction stays usable, and a
	// rollback leaves nothing written.
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	for i := range dynamosql.MaxTxStatements {
		_, err := tx.ExecContext(ctx, q, fmt.Sprintf("r%03d", i), i)
		require.NoError(t, err, "statement %d", i)
	}
	assert.Equal(t, 1, ft.Requests(""), "buffering sends nothing but one DescribeTable (cached) for the duplicate-key check")
	assert.Equal(t, 1, ft.Requests("DescribeTable"))
	_, err = tx.ExecContext(ctx, q, "r100", 100)
	require.ErrorIs(t, err, dynamosql.ErrTxTooLarge)
	assert.Contains(t, err.Error(), "maximum of 100 operations")
	assert.Contains(t, err.Error(), "another transaction")
	require.NoError(t, tx.Rollback())
	assert.Zero(t, ft.Requests("ExecuteTransaction"))
	assert.Zero(t, count(t, table))

	// 100 statements commit in exactly one request.
	tx, err = db.BeginTx(ctx, nil)
	require.NoError(t, err)
	for i := range dynamosql.MaxTxStatements {
		_, err := tx.ExecContext(ctx, q, fmt.Sprintf("c%03d", i), i)
		require.NoError(t, err)
	}
	_, err = tx.ExecContext(ctx, q, "c100", 100)
	require.ErrorIs(t, err, dynamosql.ErrTxTooLarge)
	ft.ResetCounts()
	require.NoError(t, tx.Commit(), "the refused 101st statement does not spoil the other 100")
	assert.Equal(t, 1, ft.Requests(""), "a commit of 100 statements is one request")
	assert.Equal(t, 1, ft.Requests("ExecuteTransaction"))
	assert.Equal(t, 100, count(t, table))
	assert.Nil(t, item(t, table, key("c100")))
}

func TestTxRollbackWritesNothing(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "txrb", "id", "")
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table))
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'b'}`, table))
	require.NoError(t, tx.Rollback())
	require.ErrorIs(t, tx.Commit(), sql.ErrTxDone)
	require.ErrorIs(t, tx.Rollback(), sql.ErrTxDone)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'c'}`, table))
	require.ErrorIs(t, err, sql.ErrTxDone)
	assert.Zero(t, ft.Requests("ExecuteTransaction"))
	assert.Zero(t, ft.Requests("ExecuteStatement"))
	assert.Zero(t, count(t, table))

	// Commit, then commit again.
	tx, err = db.BeginTx(ctx, nil)
	require.NoError(t, err)
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table))
	require.NoError(t, tx.Commit())
	require.ErrorIs(t, tx.Commit(), sql.ErrTxDone)
	require.ErrorIs(t, tx.Rollback(), sql.ErrTxDone)
	assert.Equal(t, 1, count(t, table))
}

func TestTxEmptySendsNothing(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	require.NoError(t, db.PingContext(ctx))
	ft.ResetCounts()
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	tx, err = db.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
	tx, err = db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	assert.Zero(t, ft.Requests(""), "an empty transaction sends nothing")
}

func TestTxLostResponseIsAppliedOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault faultinject.Fault
		dsn   string
	}{
		// The SDK retries a connection error with the same request.
		{"connection reset after DynamoDB applied it", faultinject.DropResponse(), ""},
		// The SDK does not retry a body that breaks off; the driver resends
		// the commit with its token (shown with the SDK's retries off).
		{"response body broken off", faultinject.BreakBody(), "max_retries=0"},
		// DynamoDB still applies an earlier send of the same token.
		{"transaction in progress", faultinject.Error(400, "TransactionInProgressException", "Transaction is in progress"), "max_retries=0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := faultinject.New(nil)
			tk := recordTokens(ft)
			db := faultDB(t, ft, tc.dsn)
			ctx := dynamotest.Context(t)
			table := dynamotest.SimpleTable(t, "txlost", "id", "")
			exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'counter', 'n': 0}`, table))
			ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Times: 1, Fault: tc.fault})

			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			exec(t, tx, fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = ?`, table), "counter")
			exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), "other")
			require.NoError(t, tx.Commit())

			assert.Equal(t, 1, ft.TotalInjected())
			sent := tk.all()
			require.Len(t, sent, 2, "sent, lost, sent again")
			assert.NotEmpty(t, sent[0])
			assert.Equal(t, sent[0], sent[1], "the same ClientRequestToken both times")
			assert.Equal(t, "1", numberAttr(t, item(t, table, key("counter")), "n"), "applied exactly once")
			assert.NotNil(t, item(t, table, key("other")))
		})
	}
}

func TestTxOutcomeUnknownAfterEveryResendIsLost(t *testing.T) {
	ft := faultinject.New(nil)
	tk := recordTokens(ft)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "txunk", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'counter', 'n': 0}`, table))
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Fault: faultinject.DropResponse()})
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	exec(t, tx, fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = ?`, table), "counter")
	err = tx.Commit()
	require.ErrorIs(t, err, dynamosql.ErrTxOutcomeUnknown)
	assert.Contains(t, err.Error(), "may or may not have applied")
	sent := tk.all()
	require.Len(t, sent, 3, "the SDK's three attempts")
	assert.Equal(t, sent[0], sent[2])
	assert.Equal(t, "1", numberAttr(t, item(t, table, key("counter")), "n"), "DynamoDB applied it once")
}

func TestTxClientRequestToken(t *testing.T) {
	ft := faultinject.New(nil)
	tk := recordTokens(ft)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "txtok", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'counter', 'n': 0}`, table))
	inc := fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = ?`, table)

	// Every transaction has a token of its own.
	for range 2 {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		exec(t, tx, inc, "counter")
		require.NoError(t, tx.Commit())
	}
	sent := tk.all()
	require.Len(t, sent, 2)
	assert.NotEqual(t, sent[0], sent[1])
	assert.Len(t, sent[0], 32)

	// A chosen token: the same statements again are applied once.
	token := "order-" + dynamotest.UniqueName("t")[2:]
	tctx := dynamosql.WithClientRequestToken(ctx, token)
	for range 2 {
		tx, err := db.BeginTx(tctx, nil)
		require.NoError(t, err)
		exec(t, tx, inc, "counter")
		require.NoError(t, tx.Commit())
	}
	assert.Equal(t, "3", numberAttr(t, item(t, table, key("counter")), "n"), "2 + 1: the repeated commit was not applied again")
	assert.Equal(t, []string{token, token}, tk.all()[2:])

	// The same token with other statements is refused clearly.
	tx, err := db.BeginTx(tctx, nil)
	require.NoError(t, err)
	exec(t, tx, fmt.Sprintf(`UPDATE %q SET n = n + 10 WHERE id = ?`, table), "counter")
	err = tx.Commit()
	require.ErrorIs(t, err, dynamosql.ErrTxTokenReused)
	var ipm *types.IdempotentParameterMismatchException
	assert.True(t, errors.As(err, &ipm))
	assert.Contains(t, err.Error(), token)
	assert.Contains(t, err.Error(), "other statements")
	assert.Equal(t, "3", numberAttr(t, item(t, table, key("counter")), "n"))

	for _, bad := range []string{"", strings.Repeat("x", 37)} {
		_, err = db.BeginTx(dynamosql.WithClientRequestToken(ctx, bad), nil)
		require.ErrorIs(t, err, dynamosql.ErrBadOption)
		assert.Contains(t, err.Error(), "1 to 36 characters")
	}
}

func TestTxIsolationLevels(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	for _, lvl := range []sql.IsolationLevel{sql.LevelDefault, sql.LevelSerializable} {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: lvl})
		require.NoError(t, err, lvl.String())
		require.NoError(t, tx.Rollback())
	}
	for _, lvl := range []sql.IsolationLevel{sql.LevelReadUncommitted, sql.LevelReadCommitted, sql.LevelWriteCommitted,
		sql.LevelRepeatableRead, sql.LevelSnapshot, sql.LevelLinearizable} {
		_, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: lvl})
		require.ErrorIs(t, err, dynamosql.ErrIsolationLevel, lvl.String())
		assert.Contains(t, err.Error(), lvl.String())
		assert.Contains(t, err.Error(), "serializable")
	}
	assert.Zero(t, db.Stats().InUse, "a refused BeginTx gives its connection back")
}

func TestTxCancelledContext(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "txctx", "id", "")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := db.BeginTx(cctx, nil)
	require.ErrorIs(t, err, context.Canceled)

	// A transaction whose context ends before Commit is rolled back.
	cctx, cancel = context.WithCancel(ctx)
	tx, err := db.BeginTx(cctx, nil)
	require.NoError(t, err)
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table))
	cancel()
	require.Error(t, tx.Commit())
	assert.Zero(t, ft.Requests("ExecuteTransaction"))
	assert.Zero(t, count(t, table))
}

func TestTxReadOnly(t *testing.T) {
	ft := faultinject.New(nil)
	var consistent, reads int
	var mu sync.Mutex
	ft.Observe(func(op string, body []byte) {
		if op == "ExecuteStatement" && strings.Contains(string(body), "SELECT") {
			mu.Lock()
			reads++
			if strings.Contains(string(body), `"ConsistentRead":true`) {
				consistent++
			}
			mu.Unlock()
		}
	})
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "txro", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a', 'v': 1}`, table))

	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	require.NoError(t, err)
	var v int
	require.NoError(t, tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT v FROM %q WHERE id = ?`, table), "a").Scan(&v))
	assert.Equal(t, 1, v)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'b'}`, table))
	require.ErrorIs(t, err, dynamosql.ErrReadOnlyTx)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET v = 2 WHERE id = 'a'`, table))
	require.ErrorIs(t, err, dynamosql.ErrReadOnlyTx)
	_, err = tx.QueryContext(ctx, fmt.Sprintf(`DELETE FROM %q WHERE id = 'a' RETURNING ALL OLD *`, table))
	require.ErrorIs(t, err, dynamosql.ErrReadOnlyTx)
	require.NoError(t, tx.Commit())

	assert.Equal(t, 1, reads)
	assert.Equal(t, 1, consistent, "a query in a read-only transaction is strongly consistent")
	assert.Zero(t, ft.Requests("ExecuteTransaction"))
	assert.Equal(t, 1, count(t, table))
	assert.Equal(t, "1", numberAttr(t, item(t, table, key("a")), "v"))
}

func TestTxQueryRunsAtOnceAndDoesNotSeeBufferedWrites(t *testing.T) {
	ft := faultinject.New(nil)
	var consistent int
	var mu sync.Mutex
	ft.Observe(func(op string, body []byte) {
		if op == "ExecuteStatement" && strings.Contains(string(body), `"ConsistentRead":true`) {
			mu.Lock()
			consistent++
			mu.Unlock()
		}
	})
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "txq", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a', 'v': 1}`, table))

	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	exec(t, tx, fmt.Sprintf(`UPDATE %q SET v = 2 WHERE id = ?`, table), "a")
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'v': 3}`, table), "b")

	var v int
	require.NoError(t, tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT v FROM %q WHERE id = ?`, table), "a").Scan(&v))
	assert.Equal(t, 1, v, "the buffered UPDATE is not visible")
	err = tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT v FROM %q WHERE id = ?`, table), "b").Scan(&v)
	assert.ErrorIs(t, err, sql.ErrNoRows, "the buffered INSERT is not visible")
	assert.Equal(t, 2, consistent, "reads inside a write transaction are strongly consistent")
	assert.Zero(t, ft.Requests("ExecuteTransaction"), "the reads ran outside the transaction, at once")

	require.NoError(t, tx.Commit())
	require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf(`SELECT v FROM %q WHERE id = ?`, table), "b", dynamosql.ConsistentRead()).Scan(&v))
	assert.Equal(t, 3, v)
}

func TestTxRefusesStatementsDynamoDBRefuses(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "txref", "id", "")
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %q WHERE id = 'a' RETURNING ALL OLD *`, table))
	require.ErrorIs(t, err, dynamosql.ErrTxStatement)
	assert.Contains(t, err.Error(), "RETURNING")
	_, err = tx.QueryContext(ctx, fmt.Sprintf(`UPDATE %q SET v = 1 WHERE id = 'a' RETURNING ALL NEW *`, table))
	require.ErrorIs(t, err, dynamosql.ErrTxStatement)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'v': ?}`, table), "a")
	require.ErrorIs(t, err, dynamosql.ErrArgCount)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), make(chan int))
	require.ErrorIs(t, err, dynamosql.ErrUnsupportedType)
	// Rows come back as after a plain write.
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), "q")
	require.NoError(t, err)
	assert.False(t, rows.Next())
	require.NoError(t, rows.Close())
	require.NoError(t, tx.Commit())
	assert.NotNil(t, item(t, table, key("q")))
}

func TestTxRefusesTwoOperationsOnOneItem(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	users := dynamotest.SimpleTable(t, "txdup", "id", "")
	events := dynamotest.SimpleTable(t, "txdup_ev", "pk", "sk")
	nums := dynamotest.CreateTable(t, &dynamodb.CreateTableInput{
		TableName:            aws.String("txdup_n"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("n"), AttributeType: types.ScalarAttributeTypeN}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("n"), KeyType: types.KeyTypeHash}},
	})
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'u2', 'v': 0}`, users))

	for _, tc := range []struct {
		name   string
		first  []any
		second []any
	}{
		{"insert then update, by parameters", []any{`INSERT INTO %q VALUE {'id': ?}`, users, "u1"}, []any{`UPDATE %q SET v = 1 WHERE id = ?`, users, "u1"}},
		{"literal and parameter", []any{`UPDATE %q SET v = 1 WHERE id = 'u2'`, users}, []any{`DELETE FROM %q WHERE ? = id`, users, "u2"}},
		{"condition check and write", []any{`EXISTS(SELECT * FROM %q WHERE id = ? AND v = 0)`, users, "u2"}, []any{`UPDATE %q SET v = 5 WHERE id = ? AND v = 0`, users, "u2"}},
		{"item passed as one parameter", []any{`INSERT INTO %q VALUE ?`, users, map[string]any{"id": "u3", "v": 1}}, []any{`DELETE FROM %q WHERE id = 'u3'`, users}},
		{"composite key", []any{`INSERT INTO %q VALUE {'pk': ?, 'sk': ?}`, events, "p", "1"}, []any{`UPDATE %q SET x = 1 WHERE sk = ? AND pk = ?`, events, "1", "p"}},
		{"numbers compared by value", []any{`INSERT INTO %q VALUE {'n': 10}`, nums}, []any{`DELETE FROM %q WHERE n = ?`, nums, dynamosql.Number("1.0E1")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			defer tx.Rollback()
			exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'unrelated'}`, users))
			_, err = tx.ExecContext(ctx, fmt.Sprintf(tc.first[0].(string), tc.first[1]), tc.first[2:]...)
			require.NoError(t, err)
			_, err = tx.ExecContext(ctx, fmt.Sprintf(tc.second[0].(string), tc.second[1]), tc.second[2:]...)
			require.ErrorIs(t, err, dynamosql.ErrTxDuplicateKey)
			assert.Contains(t, err.Error(), "statement 2")
			assert.Contains(t, err.Error(), "statement 1")
			assert.Contains(t, err.Error(), "one operation per item per transaction")
			assert.Contains(t, err.Error(), tc.first[1].(string))
		})
	}

	// Different items, the same key in another table, and another sort key
	// are fine; the transaction stays usable after a refusal.
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, users), "k1")
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'pk': ?, 'sk': '1'}`, events), "k1")
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'pk': ?, 'sk': '2'}`, events), "k1")
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'n': 10}`, nums))
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'n': 10.5}`, nums))
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET v = 1 WHERE id = ?`, users), "k1")
	require.ErrorIs(t, err, dynamosql.ErrTxDuplicateKey)
	require.NoError(t, tx.Commit())
	assert.Equal(t, 2, count(t, users))
	assert.Equal(t, 2, count(t, events))
	assert.Equal(t, 2, count(t, nums))

	// Two operations on one item that only DynamoDB sees (the driver finds
	// keys in every statement shape DynamoDB accepts, so the answer is
	// injected) match the same sentinel.
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "ExecuteTransaction",
		Fault: faultinject.Error(400, "ValidationException", "Transaction request cannot include multiple operations on one item")})
	fdb := faultDB(t, ft)
	tx, err = fdb.BeginTx(ctx, nil)
	require.NoError(t, err)
	exec(t, tx, fmt.Sprintf(`UPDATE %q SET v = 1 WHERE id = ?`, users), "u2")
	err = tx.Commit()
	require.ErrorIs(t, err, dynamosql.ErrTxDuplicateKey, "%v", err)
	assert.Contains(t, err.Error(), "one operation per item per transaction")
	assert.Equal(t, "0", numberAttr(t, item(t, users, key("u2")), "v"))
}

func TestTxConnectionState(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	sc, err := db.Conn(ctx)
	require.NoError(t, err)
	defer sc.Close()
	valid := func() bool {
		var ok bool
		require.NoError(t, sc.Raw(func(dc any) error {
			ok = dc.(driver.Validator).IsValid()
			return nil
		}))
		return ok
	}
	assert.True(t, valid())
	tx, err := sc.BeginTx(ctx, nil)
	require.NoError(t, err)
	assert.False(t, valid(), "not reusable while a transaction is open")
	require.NoError(t, tx.Rollback())
	assert.True(t, valid())

	// ResetSession clears a transaction left open on the driver connection.
	require.NoError(t, sc.Raw(func(dc any) error {
		_, err := dc.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
		require.NoError(t, err)
		require.False(t, dc.(driver.Validator).IsValid())
		_, err = dc.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
		require.Error(t, err, "one transaction at a time on a connection")
		require.NoError(t, dc.(driver.SessionResetter).ResetSession(ctx))
		require.True(t, dc.(driver.Validator).IsValid())
		tx, err := dc.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
		require.NoError(t, err)
		return tx.Rollback()
	}))
}

func TestTxConcurrentOnOneDB(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	items := dynamotest.SimpleTable(t, "txconc", "id", "")
	logs := dynamotest.SimpleTable(t, "txconc_log", "g", "i")
	const goroutines, perG = 32, 4
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'total', 'n': 0}`, items))
	for g := range goroutines {
		exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'n': 0}`, items), fmt.Sprintf("g%02d", g))
	}

	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gid := fmt.Sprintf("g%02d", g)
			for i := range perG {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					errs <- err
					return
				}
				stmts := [][]any{
					{fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = ?`, items), gid},
					{fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE id = 'total'`, items)},
					{fmt.Sprintf(`INSERT INTO %q VALUE {'g': ?, 'i': ?}`, logs), gid, fmt.Sprint(i)},
				}
				if i%2 == 1 {
					// Every other transaction is rolled back.
					stmts = append(stmts, []any{fmt.Sprintf(`INSERT INTO %q VALUE {'g': ?, 'i': 'rolled-back'}`, logs), gid + fmt.Sprint(i)})
				}
				for _, s := range stmts {
					if _, err := tx.ExecContext(ctx, s[0].(string), s[1:]...); err != nil {
						errs <- err
						return
					}
				}
				if i%2 == 1 {
					err = tx.Rollback()
				} else {
					err = tx.Commit()
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	committed := goroutines * perG / 2
	assert.Equal(t, fmt.Sprint(committed), numberAttr(t, item(t, items, key("total")), "n"))
	for g := range goroutines {
		assert.Equal(t, fmt.Sprint(perG/2), numberAttr(t, item(t, items, key(fmt.Sprintf("g%02d", g))), "n"))
	}
	assert.Equal(t, committed, count(t, logs))
	assert.Zero(t, db.Stats().InUse)
}
