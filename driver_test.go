package dynamosql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

func TestOpenPingAndQuickstartFlow(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	require.NoError(t, db.PingContext(ctx))
	table := dynamotest.SimpleTable(t, "user", "id", "")

	res, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'age': ?, 'tags': ?}`, table), "u1", 42, []string{"a"})
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	_, err = res.LastInsertId()
	assert.ErrorIs(t, err, dynamosql.ErrNoLastInsertID)

	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, table), "u1")
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	assert.Equal(t, []string{"id", "age", "tags"}, cols, "key first, then the other attributes sorted")
	require.True(t, rows.Next())
	var id string
	var age int64
	var tags []any
	require.NoError(t, rows.Scan(&id, &age, &tags))
	assert.Equal(t, "u1", id)
	assert.EqualValues(t, 42, age)
	assert.Equal(t, []any{"a"}, tags)
	assert.False(t, rows.Next())
	require.NoError(t, rows.Err())
}

func TestPingFailsOnWrongEndpoint(t *testing.T) {
	db, err := sql.Open("dynamodb", "region=us-east-1;endpoint=http://127.0.0.1:1;akid=x;secret_key=y;max_retries=0")
	require.NoError(t, err, "Open makes no network call")
	defer db.Close()
	err = db.PingContext(dynamotest.Context(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dynamosql: Ping")
	assert.NotContains(t, err.Error(), "secret_key=y")
}

func TestArgumentCountIsCheckedBeforeSending(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "args", "id", "")
	q := fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'v': ?}`, table)

	_, err := db.ExecContext(ctx, q, "a")
	require.ErrorIs(t, err, dynamosql.ErrArgCount)
	assert.Contains(t, err.Error(), "2 ? placeholder(s) but 1 argument(s)")

	// DynamoDB Local would accept the extra parameter silently.
	_, err = db.ExecContext(ctx, q, "a", 1, 2)
	require.ErrorIs(t, err, dynamosql.ErrArgCount)
	assert.Contains(t, err.Error(), "2 ? placeholder(s) but 3 argument(s)")

	// ? inside strings, quoted identifiers and comments are not placeholders.
	_, err = db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'q': 'what?', 'w': '"?"'} -- really?
/* and? */`, table), "b")
	require.NoError(t, err)

	_, err = db.ExecContext(ctx, q, sql.Named("id", "c"), 1)
	require.ErrorIs(t, err, dynamosql.ErrNamedArgs)

	_, err = db.ExecContext(ctx, q, "d", make(chan int))
	require.ErrorIs(t, err, dynamosql.ErrUnsupportedType)
	assert.Contains(t, err.Error(), "argument 2")
	assert.Contains(t, err.Error(), "chan int")

	_, err = db.ExecContext(ctx, fmt.Sprintf(`SELECT * FROM %q`, table))
	require.ErrorIs(t, err, dynamosql.ErrNotQuery)
	assert.Contains(t, err.Error(), "use Query")

	long := fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'x', 'v': '%s'}`, table, strings.Repeat("x", dynamosql.MaxStatementLength))
	_, err = db.ExecContext(ctx, long)
	require.ErrorIs(t, err, dynamosql.ErrStatementTooLong)

	// Nothing of the refused statements was written.
	assert.Equal(t, []string{"b"}, allIDs(t, db, table))
}

func allIDs(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.QueryContext(dynamotest.Context(t), fmt.Sprintf(`SELECT id FROM %q`, table), dynamosql.ConsistentRead())
	require.NoError(t, err)
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}

func TestRowsAffected(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "ra", "id", "")
	exec := func(q string, args ...any) int64 {
		t.Helper()
		res, err := db.ExecContext(ctx, fmt.Sprintf(q, table), args...)
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		return n
	}
	assert.EqualValues(t, 1, exec(`INSERT INTO %q VALUE {'id': ?, 'v': 1}`, "a"))
	assert.EqualValues(t, 1, exec(`UPDATE %q SET v = v + 1 WHERE id = ?`, "a"))
	assert.EqualValues(t, 0, exec(`UPDATE %q SET v = 5 WHERE id = ?`, "missing"), "UPDATE of a missing item is 0 rows")
	assert.EqualValues(t, 0, exec(`UPDATE %q SET v = 5 WHERE id = ? AND v = ?`, "a", 99), "failed condition is 0 rows")
	assert.EqualValues(t, 1, exec(`UPDATE %q SET v = 5 WHERE id = ? AND v = ?`, "a", 2), "optimistic lock")
	assert.EqualValues(t, 0, exec(`DELETE FROM %q WHERE id = ?`, "missing"))
	assert.EqualValues(t, 1, exec(`DELETE FROM %q WHERE id = ?;`, "a"))
	assert.EqualValues(t, 0, exec(`DELETE FROM %q WHERE id = ? -- gone already`, "a"))

	_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), "dup")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), "dup")
	require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "the SDK error stays reachable")
	var de *dynamosql.Error
	require.True(t, errors.As(err, &de))
	assert.Equal(t, "ExecuteStatement", de.Op)
}

func TestConditionalCheckStaysReachable(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "ccf", "id", "")
	// A DELETE with RETURNING run through Query surfaces rows; a failed
	// condition through Exec is 0 rows; an INSERT duplicate is an error that
	// still unwraps to the SDK's type.
	_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'k', 'v': 1}`, table))
	require.NoError(t, err)
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`DELETE FROM %q WHERE id = 'k' RETURNING ALL OLD *`, table))
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	assert.Equal(t, []string{"id", "v"}, cols)
	require.True(t, rows.Next())
	var id string
	var v int
	require.NoError(t, rows.Scan(&id, &v))
	assert.Equal(t, "k", id)
	assert.Equal(t, 1, v)
}

func TestRowsStreamPageByPageAndResume(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "stream", "pk", "sk")
	client := dynamotest.Client(t)
	const n = 95
	var reqs []types.BatchStatementRequest
	flush := func() {
		if len(reqs) == 0 {
			return
		}
		out, err := client.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: reqs})
		require.NoError(t, err)
		for _, r := range out.Responses {
			require.Nil(t, r.Error)
		}
		reqs = nil
	}
	for i := 0; i < n; i++ {
		reqs = append(reqs, types.BatchStatementRequest{
			Statement: aws.String(fmt.Sprintf(`INSERT INTO %q VALUE {'pk': 'p', 'sk': ?, 'i': ?}`, table)),
			Parameters: []types.AttributeValue{
				&types.AttributeValueMemberS{Value: fmt.Sprintf("%03d", i)},
				&types.AttributeValueMemberN{Value: fmt.Sprint(i)},
			},
		})
		if len(reqs) == 25 {
			flush()
		}
	}
	flush()

	q := fmt.Sprintf(`SELECT sk, i FROM %q WHERE pk = ?`, table)
	var pos dynamosql.Position
	rows, err := db.QueryContext(ctx, q, "p", dynamosql.PageSize(10), dynamosql.Track(&pos))
	require.NoError(t, err)
	assert.Equal(t, 1, pos.Pages, "Query returns after the first page")
	count := 0
	for rows.Next() {
		var sk string
		var i int
		require.NoError(t, rows.Scan(&sk, &i))
		assert.Equal(t, fmt.Sprintf("%03d", count), sk)
		count++
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	assert.Equal(t, n, count)
	assert.Equal(t, n, pos.Rows)
	assert.GreaterOrEqual(t, pos.Pages, 10, "fetched page by page")
	assert.True(t, pos.Done)
	assert.Empty(t, pos.NextToken)

	// Close stops fetching.
	rows, err = db.QueryContext(ctx, q, "p", dynamosql.PageSize(10), dynamosql.Track(&pos))
	require.NoError(t, err)
	require.True(t, rows.Next())
	require.NoError(t, rows.Close())
	assert.False(t, rows.Next())
	assert.Equal(t, 1, pos.Pages)

	// Read 25 rows, then resume from the token: every row exactly once.
	var seen []string
	rows, err = db.QueryContext(ctx, q, "p", dynamosql.MaxRows(25), dynamosql.PageSize(10), dynamosql.Track(&pos))
	require.NoError(t, err)
	for rows.Next() {
		var sk string
		var i int
		require.NoError(t, rows.Scan(&sk, &i))
		seen = append(seen, sk)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Len(t, seen, 25)
	require.False(t, pos.Done)
	require.NotEmpty(t, pos.NextToken)
	rows, err = db.QueryContext(ctx, q, "p", dynamosql.StartToken(pos.NextToken))
	require.NoError(t, err)
	for rows.Next() {
		var sk string
		var i int
		require.NoError(t, rows.Scan(&sk, &i))
		seen = append(seen, sk)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Len(t, seen, n)
	for i, sk := range seen {
		require.Equal(t, fmt.Sprintf("%03d", i), sk)
	}
}

func TestCancelledContextStopsRows(t *testing.T) {
	db := dynamotest.OpenDB(t)
	table := dynamotest.SimpleTable(t, "cancel", "pk", "sk")
	ctx := dynamotest.Context(t)
	for i := 0; i < 5; i++ {
		_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'pk': 'p', 'sk': ?}`, table), fmt.Sprint(i))
		require.NoError(t, err)
	}
	qctx, cancel := context.WithCancel(ctx)
	rows, err := db.QueryContext(qctx, fmt.Sprintf(`SELECT sk FROM %q WHERE pk = 'p'`, table), dynamosql.PageSize(1))
	require.NoError(t, err)
	require.True(t, rows.Next())
	cancel()
	for rows.Next() {
	}
	assert.ErrorIs(t, rows.Err(), context.Canceled)

	cctx, cancel2 := context.WithCancel(ctx)
	cancel2()
	_, err = db.ExecContext(cctx, fmt.Sprintf(`INSERT INTO %q VALUE {'pk': 'p', 'sk': 'late'}`, table))
	require.ErrorIs(t, err, context.Canceled)
	var got int
	rows, err = db.QueryContext(ctx, fmt.Sprintf(`SELECT sk FROM %q WHERE pk = 'p' AND sk = 'late'`, table))
	require.NoError(t, err)
	for rows.Next() {
		got++
	}
	require.NoError(t, rows.Err())
	assert.Zero(t, got, "a cancelled Exec writes nothing")
}

func TestColumns(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "cols", "pk", "sk")
	_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'pk': 'p', 'sk': '1', 'zeta': 1, 'alpha': 'x', 'm': {'x': 7, 'y': [1, 2, {'z': 'deep'}]}, 'b': ?}`, table), []byte{1, 2})
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'pk': 'p', 'sk': '2', 'later': true}`, table))
	require.NoError(t, err)

	// Explicit projection: in order, named as written, nested paths included.
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT zeta, "alpha", m.y[2].z, m.y[1], sk FROM %q WHERE pk = ? AND sk = '1'`, table), "p")
	require.NoError(t, err)
	cols, err := rows.Columns()
	require.NoError(t, err)
	assert.Equal(t, []string{"zeta", "alpha", "m.y[2].z", "m.y[1]", "sk"}, cols)
	require.True(t, rows.Next())
	var zeta int
	var alpha, z, sk string
	var y1 int64
	require.NoError(t, rows.Scan(&zeta, &alpha, &z, &y1, &sk))
	assert.Equal(t, []any{1, "x", "deep", int64(2), "1"}, []any{zeta, alpha, z, y1, sk})
	rows.Close()

	// SELECT *: keys first, then the first page's attributes sorted; a
	// missing attribute is NULL.
	rows, err = db.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q WHERE pk = ?`, table), "p")
	require.NoError(t, err)
	defer rows.Close()
	cols, err = rows.Columns()
	require.NoError(t, err)
	assert.Equal(t, []string{"pk", "sk", "alpha", "b", "later", "m", "zeta"}, cols)
	cts, err := rows.ColumnTypes()
	require.NoError(t, err)
	want := map[string]string{"pk": "S", "sk": "S", "alpha": "S", "b": "B", "later": "BOOL", "m": "M", "zeta": "N"}
	for _, ct := range cts {
		assert.Equal(t, want[ct.Name()], ct.DatabaseTypeName(), ct.Name())
		nullable, ok := ct.Nullable()
		assert.True(t, ok)
		assert.Equal(t, ct.Name() != "pk" && ct.Name() != "sk", nullable, ct.Name())
		assert.NotNil(t, ct.ScanType(), ct.Name())
	}
	require.True(t, rows.Next())
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	require.NoError(t, rows.Scan(ptrs...))
	assert.Equal(t, "p", vals[0])
	assert.Equal(t, []byte{1, 2}, vals[1+2])
	assert.Nil(t, vals[4], "later is missing from item 1")
	require.True(t, rows.Next())
	require.NoError(t, rows.Scan(ptrs...))
	assert.Equal(t, true, vals[4])
	assert.Nil(t, vals[6], "zeta is missing from item 2")
}

func TestMaxPagesSendsOneRequest(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "maxpages", "pk", "sk")
	for i := 0; i < 7; i++ {
		_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'pk': 'p', 'sk': ?, 'keep': ?}`, table), fmt.Sprint(i), i%3 == 0)
		require.NoError(t, err)
	}
	// A filter that matches items 0, 3 and 6: pages of 2 items read are
	// short (or empty) and still carry a NextToken.
	q := fmt.Sprintf(`SELECT * FROM %q WHERE pk = ? AND keep = true`, table)
	var got []string
	token := ""
	requests := 0
	for {
		var pos dynamosql.Position
		args := []any{"p", dynamosql.PageSize(2), dynamosql.MaxPages(1), dynamosql.Track(&pos)}
		if token != "" {
			args = append(args, dynamosql.StartToken(token))
		}
		rows, err := db.QueryContext(ctx, q, args...)
		require.NoError(t, err)
		for rows.Next() {
			var pk, sk string
			var keep bool
			require.NoError(t, rows.Scan(&pk, &sk, &keep))
			got = append(got, sk)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		require.Equal(t, 1, pos.Pages, "MaxPages(1) sends exactly one request")
		requests++
		if pos.Done {
			break
		}
		token = pos.NextToken
	}
	assert.Equal(t, []string{"0", "3", "6"}, got)
	assert.Equal(t, 4, requests, "7 items read 2 at a time")
}

// TestReturningColumns: RETURNING ALL OLD/NEW returns whole items, key
// columns first; RETURNING MODIFIED OLD/NEW returns exactly the attributes
// the UPDATE changed, never the key (DynamoDB does not return it), so a
// Scan of the modified attributes works.
func TestReturningColumns(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "returning", "pk", "sk")
	_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'pk': 'p', 'sk': 's', 'a': 1, 'b': 'x', 'c': true}`, table))
	require.NoError(t, err)

	columnsOf := func(q string, args ...any) ([]string, *sql.Rows) {
		t.Helper()
		rows, err := db.QueryContext(ctx, fmt.Sprintf(q, table), args...)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		return cols, rows
	}

	cols, rows := columnsOf(`UPDATE %q SET a = 2, b = 'y' WHERE pk = 'p' AND sk = 's' RETURNING MODIFIED OLD *`)
	assert.Equal(t, []string{"a", "b"}, cols)
	cts, err := rows.ColumnTypes()
	require.NoError(t, err)
	assert.Equal(t, "N", cts[0].DatabaseTypeName())
	assert.Equal(t, "S", cts[1].DatabaseTypeName())
	require.True(t, rows.Next())
	var a int
	var b string
	require.NoError(t, rows.Scan(&a, &b))
	assert.Equal(t, 1, a)
	assert.Equal(t, "x", b)
	require.NoError(t, rows.Close())

	cols, rows = columnsOf(`UPDATE %q SET a = 3 WHERE pk = 'p' AND sk = 's' RETURNING MODIFIED NEW *`)
	assert.Equal(t, []string{"a"}, cols)
	require.True(t, rows.Next())
	require.NoError(t, rows.Scan(&a))
	assert.Equal(t, 3, a)
	require.NoError(t, rows.Close())

	cols, rows = columnsOf(`UPDATE %q SET a = 4 WHERE pk = 'p' AND sk = 's' RETURNING ALL NEW *`)
	assert.Equal(t, []string{"pk", "sk", "a", "b", "c"}, cols, "whole items: keys first")
	require.True(t, rows.Next())
	require.NoError(t, rows.Close())
}

// TestSecondBeginTxOnOneConnection: a driver connection holds one
// transaction; beginning another before the first ends fails with
// ErrTxOpen (database/sql never does it, a driver connection used by hand
// can).
func TestSecondBeginTxOnOneConnection(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	sc, err := db.Conn(ctx)
	require.NoError(t, err)
	defer sc.Close()
	err = sc.Raw(func(dc any) error {
		b, ok := dc.(driver.ConnBeginTx)
		require.True(t, ok)
		tx, err := b.BeginTx(ctx, driver.TxOptions{})
		require.NoError(t, err)
		_, err = b.BeginTx(ctx, driver.TxOptions{})
		require.ErrorIs(t, err, dynamosql.ErrTxOpen)
		assert.Contains(t, err.Error(), "commit or roll it back")
		require.NoError(t, tx.Rollback())
		tx, err = b.BeginTx(ctx, driver.TxOptions{})
		require.NoError(t, err, "after the first ends, a new one begins")
		return tx.Rollback()
	})
	require.NoError(t, err)
}
