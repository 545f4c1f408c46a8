package dynamosql_test

import (
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Errors that say what to do (issue 17). Each test quotes the error the
// driver returned before, for the lead's closing note.

// TestMissingTableIsNamed: a statement on a table that does not exist fails
// with an error that names the table, says how to list the tables, has one
// short prefix, matches ErrTableNotFound and keeps the SDK's error.
//
// Before: dynamosql: ExecuteStatement: operation error DynamoDB:
// ExecuteStatement, https response error StatusCode: 400, RequestID: …,
// ResourceNotFoundException: Cannot do operations on a non-existent table
func TestMissingTableIsNamed(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	missing := dynamotest.UniqueName("nosuch")
	q := func(s string) string { return strings.ReplaceAll(s, "TBL", fmt.Sprintf("%q", missing)) }
	query := func(s string, args ...any) error {
		rows, err := db.QueryContext(ctx, q(s), args...)
		if err == nil {
			err = rows.Close()
		}
		return err
	}
	execute := func(s string, args ...any) error {
		_, err := db.ExecContext(ctx, q(s), args...)
		return err
	}
	for _, tc := range []struct {
		name, op string
		run      func() error
	}{
		{"SELECT", "ExecuteStatement", func() error { return query(`SELECT * FROM TBL WHERE id = ?`, "a") }},
		{"INSERT", "ExecuteStatement", func() error { return execute(`INSERT INTO TBL VALUE {'id': ?}`, "a") }},
		{"UPDATE", "ExecuteStatement", func() error { return execute(`UPDATE TBL SET v = 1 WHERE id = ?`, "a") }},
		{"DELETE", "ExecuteStatement", func() error { return execute(`DELETE FROM TBL WHERE id = ?`, "a") }},
		{"multi-row INSERT", "ExecuteTransaction", func() error { return execute(`INSERT INTO TBL (id) VALUES (?), (?)`, "a", "b") }},
		{"transaction", "ExecuteTransaction", func() error {
			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			_, err = tx.ExecContext(ctx, q(`INSERT INTO TBL VALUE {'id': ?}`), "a")
			require.NoError(t, err)
			return tx.Commit()
		}},
		{"DESCRIBE", "DescribeTable", func() error { return query(`DESCRIBE TABLE TBL`) }},
		{"COUNT(*)", "DescribeTable", func() error { return query(`SELECT COUNT(*) FROM TBL WHERE id = ?`, "a") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			require.Error(t, err)
			t.Logf("%s: %v", tc.name, err)
			assert.ErrorIs(t, err, dynamosql.ErrTableNotFound)
			var nf *types.ResourceNotFoundException
			assert.ErrorAs(t, err, &nf, "the SDK's error stays reachable")
			var de *dynamosql.Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tc.op, de.Op)
			assert.Equal(t, missing, de.Table)
			assert.NotEmpty(t, de.RequestID(), "the request ID stays reachable")
			msg := err.Error()
			assert.Contains(t, msg, fmt.Sprintf("table %q does not exist", missing))
			assert.Contains(t, msg, "SHOW TABLES lists the tables")
			assert.Equal(t, 1, strings.Count(msg, tc.op), "the operation is named once: %s", msg)
			assert.Equal(t, 1, strings.Count(msg, "dynamosql:"), "one prefix: %s", msg)
			assert.NotContains(t, msg, "operation error")
			assert.NotContains(t, msg, "RequestID")
		})
	}
	// SHOW TABLES, as the message says, lists the tables.
	table := dynamotest.SimpleTable(t, "listed", "id", "")
	rows, err := db.QueryContext(ctx, `SHOW TABLES`)
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	assert.Contains(t, names, table)
	assert.NotContains(t, names, missing)
}

// TestDynamoDBErrorsHaveOnePrefix: every error DynamoDB answers has the
// prefix "dynamosql: <operation>: " once, then its code and message.
//
// Before: dynamosql: ExecuteStatement: operation error DynamoDB:
// ExecuteStatement, https response error StatusCode: 400, RequestID: …,
// api error ValidationException: Statement wasn't well formed, ...
func TestDynamoDBErrorsHaveOnePrefix(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "prefix", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table))

	_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table))
	require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)
	assert.Regexp(t, `^dynamosql: ExecuteStatement: DuplicateItem(Exception)?: `, err.Error())

	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELEKT * FROM %q`, table))
	if err == nil {
		rows.Close()
	}
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "dynamosql: ExecuteStatement: ValidationException: Statement wasn't well formed"), err.Error())
	for _, e := range []error{err} {
		assert.NotContains(t, e.Error(), "operation error")
		assert.NotContains(t, e.Error(), "https response error")
	}
}

// TestUnavailable: with nothing listening at the endpoint, reads, writes
// and commits fail with an error that matches ErrUnavailable (nothing was
// sent) and not ErrWriteOutcomeUnknown; a connection lost after the
// request was sent does not match it.
func TestUnavailable(t *testing.T) {
	ctx := dynamotest.Context(t)
	db, err := sql.Open("dynamosql", "region=us-east-1;endpoint=http://127.0.0.1:1;akid=local;secret_key=local;max_retries=1")
	require.NoError(t, err)
	defer db.Close()

	var n int
	err = db.QueryRowContext(ctx, `SELECT n FROM "t" WHERE id = ?`, "a").Scan(&n)
	require.ErrorIs(t, err, dynamosql.ErrUnavailable)
	assert.Contains(t, err.Error(), "DynamoDB could not be reached, nothing was sent")

	_, err = db.ExecContext(ctx, `INSERT INTO "t" VALUE {'id': ?}`, "a")
	require.ErrorIs(t, err, dynamosql.ErrUnavailable)
	assert.NotErrorIs(t, err, dynamosql.ErrWriteOutcomeUnknown)

	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `INSERT INTO "t" VALUE {'id': ?}`, "a")
	require.NoError(t, err)
	err = tx.Commit()
	require.ErrorIs(t, err, dynamosql.ErrUnavailable)
	assert.NotErrorIs(t, err, dynamosql.ErrTxOutcomeUnknown)

	// A connection reset after sending: DynamoDB was reached.
	ft := faultinject.New(nil)
	fdb := faultDB(t, ft, "max_retries=0")
	table := dynamotest.SimpleTable(t, "unavail", "id", "")
	ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.Reset()})
	err = fdb.QueryRowContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE id = ?`, table), "a").Scan(new(string))
	require.Error(t, err)
	assert.NotErrorIs(t, err, dynamosql.ErrUnavailable)
}

// TestReservedWordsAreNamed: a reserved word written unquoted as a table
// or attribute name is refused before anything is sent, with the word and
// the fix; quoted, the same statements run.
//
// Before: dynamosql: ExecuteStatement: operation error DynamoDB:
// ExecuteStatement, https response error StatusCode: 400, RequestID: …,
// api error ValidationException: Statement wasn't well formed, can't be
// processed: SELECT id FROM user WHERE id = 'u1'
func TestReservedWordsAreNamed(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "reserved", "id", "")
	T := fmt.Sprintf("%q", table)
	for _, tc := range []struct {
		query, word, what string
		args              []any
	}{
		{`SELECT id FROM user WHERE id = 'u1'`, "user", "table", nil},
		{`SELECT id, size FROM TBL WHERE id = ?`, "size", "attribute", []any{"u1"}},
		{`SELECT id FROM TBL WHERE date = ?`, "date", "attribute", []any{"2024"}},
		{`UPDATE TBL SET timestamp = ? WHERE id = ?`, "timestamp", "attribute", []any{1, "u1"}},
		{`UPDATE TBL SET value = ? WHERE id = ?`, "value", "attribute", []any{1, "u1"}},
	} {
		ft.ResetCounts()
		rows, err := db.QueryContext(ctx, strings.ReplaceAll(tc.query, "TBL", T), tc.args...)
		if err == nil {
			rows.Close()
		}
		require.ErrorIs(t, err, dynamosql.ErrSyntax, tc.query)
		assert.Contains(t, err.Error(), fmt.Sprintf(`%s is a reserved word in PartiQL: write the %s name in double quotes, "%s"`, tc.word, tc.what, tc.word))
		assert.Zero(t, writeRequests(ft), "nothing is sent: %s", tc.query)
	}
	// Quoted, they are names.
	exec(t, db, fmt.Sprintf(`INSERT INTO %s VALUE {'id': ?, 'size': ?, 'date': ?}`, T), "u1", 3, "2024")
	exec(t, db, fmt.Sprintf(`UPDATE %s SET "timestamp" = ?, "value" = ? WHERE id = ?`, T), 7, 8, "u1")
	var size, ts, value int
	var date string
	require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf(`SELECT "size", "date", "timestamp", "value" FROM %s WHERE id = ?`, T), "u1").Scan(&size, &date, &ts, &value))
	assert.Equal(t, []any{3, "2024", 7, 8}, []any{size, date, ts, value})
}

// TestReservedWordsAgainstDynamoDB checks the parser's list against
// DynamoDB Local: each reserved word the parser refuses as an unquoted
// name, DynamoDB refuses too ("Statement wasn't well formed"), and each it
// lets through, DynamoDB accepts. Sent with the SDK, not the driver.
func TestReservedWordsAgainstDynamoDB(t *testing.T) {
	c := dynamotest.Client(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "rwords", "id", "")
	for _, w := range partiql.ReservedWords() {
		for _, s := range []string{`SELECT %s FROM "%s" WHERE id = 'x'`, `SELECT id FROM "%s" WHERE %s = 'x'`} {
			var stmt string
			if strings.HasPrefix(s, "SELECT %s") {
				stmt = fmt.Sprintf(s, strings.ToLower(w), table)
			} else {
				stmt = fmt.Sprintf(s, table, strings.ToLower(w))
			}
			_, err := c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(stmt)})
			refused := err != nil && strings.Contains(err.Error(), "wasn't well formed")
			if err != nil && !refused && !isLiteral(w) {
				t.Errorf("%s: %v", stmt, err)
			}
			if want := partiql.RefusedUnquoted(w); refused != want && !isLiteral(w) {
				t.Errorf("%s: DynamoDB refused: %v; the parser refuses %s unquoted: %v", stmt, refused, w, want)
			}
		}
	}
}

// isLiteral reports the keywords that are values where a value goes
// (WHERE true = 'x' is a comparison of literals).
func isLiteral(w string) bool { return w == "TRUE" || w == "FALSE" || w == "NULL" || w == "MISSING" }

// TestScanHintsOnDynamoDB: a double-quoted string and a typo of the key in
// WHERE make a scan that finds nothing; scan=deny says why in its error,
// scan=warn in its warning.
//
// Before (scan=deny): dynamosql: full scan refused (scan=deny): the SELECT
// would read the whole table "t": a query needs one on "id" (table) (= or
// IN); the table has no indexes; or pass dynamosql.AllowScan() to run this
// one — the same for WHERE id = "i01" and WHERE idd = 'i01'.
func TestScanHintsOnDynamoDB(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "hints", "id", "")
	deny := dynamotest.OpenDB(t, "scan=deny")
	exec(t, deny, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'i01'}`, table))
	for q, hint := range map[string]string{
		`SELECT * FROM %q WHERE id = "i01"`:  `"i01" is an attribute name; write the string as 'i01'`,
		`SELECT * FROM %q WHERE idd = 'i01'`: `did you mean "id"?`,
	} {
		rows, err := deny.QueryContext(ctx, fmt.Sprintf(q, table))
		if err == nil {
			rows.Close()
		}
		require.ErrorIs(t, err, dynamosql.ErrFullScan)
		assert.Contains(t, err.Error(), hint)
	}

	var logs hintLogs
	cfg, err := dynamosql.ParseDSN(dynamotest.DSN(t))
	require.NoError(t, err)
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	cn, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	warn := sql.OpenDB(cn)
	defer warn.Close()
	var ids []string
	rows, err := warn.QueryContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE id = "i01"`, table))
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	assert.Empty(t, ids, "the scan compares two attributes and finds nothing")
	require.Len(t, logs.lines(), 1)
	assert.Contains(t, logs.lines()[0], `"hint":"\"i01\" is an attribute name; write the string as 'i01'"`)
	// With the string written as a string, it is a single-item read.
	var id string
	require.NoError(t, warn.QueryRowContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE id = 'i01'`, table)).Scan(&id))
	assert.Equal(t, "i01", id)
	assert.Len(t, logs.lines(), 1)
}

// TestGroupByWithCount: GROUP BY is refused as GROUP BY, whatever the
// SELECT list holds.
//
// Before: dynamosql: cannot translate the statement's COUNT(*): partiql:
// line 1, column 13: COUNT(*) must be the only item of the SELECT list
// (ErrSyntax)
func TestGroupByWithCount(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	for _, q := range []string{
		`SELECT age, COUNT(*) FROM "t" GROUP BY age`,
		`SELECT COUNT(*), age FROM "t" GROUP BY age`,
		`SELECT age, COUNT(id) FROM "t" GROUP BY age`,
		`SELECT age FROM "t" GROUP BY age`,
	} {
		_, err := db.QueryContext(ctx, q)
		require.ErrorIs(t, err, dynamosql.ErrUnsupportedSQL, q)
		assert.NotErrorIs(t, err, dynamosql.ErrSyntax, q)
		assert.Contains(t, err.Error(), "DynamoDB's PartiQL has no GROUP BY; aggregate the rows in Go", q)
	}
}
