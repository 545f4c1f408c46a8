package dynamosql_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/indexhint"
)

// describeUser is DescribeTable's answer for table "user": key id, a GSI
// ageIndex (age, "lastname#firstname") and a KEYS_ONLY GSI byEmail.
const describeUser = `{"Table":{"TableName":"user","TableStatus":"ACTIVE",
"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"age","AttributeType":"N"},
 {"AttributeName":"lastname#firstname","AttributeType":"S"},{"AttributeName":"email","AttributeType":"S"}],
"GlobalSecondaryIndexes":[
 {"IndexName":"ageIndex","IndexStatus":"ACTIVE","Projection":{"ProjectionType":"ALL"},
  "KeySchema":[{"AttributeName":"age","KeyType":"HASH"},{"AttributeName":"lastname#firstname","KeyType":"RANGE"}]},
 {"IndexName":"byEmail","IndexStatus":"ACTIVE","Projection":{"ProjectionType":"KEYS_ONLY"},
  "KeySchema":[{"AttributeName":"email","KeyType":"HASH"}]}]}}`

// explainServer is an in-process endpoint that answers DescribeTable with
// describe (an AccessDenied error when it is ""), ExecuteStatement with no
// items, and counts the calls by operation.
type explainServer struct {
	mu       sync.Mutex
	calls    map[string]int
	describe string
}

func (f *explainServer) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func explainDB(t *testing.T, describe string, dsn string, logger *slog.Logger) (*sql.DB, *explainServer) {
	t.Helper()
	f := &explainServer{calls: make(map[string]int), describe: describe}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		f.mu.Lock()
		f.calls[op]++
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch {
		case op == "DescribeTable" && f.describe != "":
			_, _ = io.WriteString(w, f.describe)
		case op == "DescribeTable":
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"__type":"com.amazon.coral.service#AccessDeniedException","message":"not authorized to perform dynamodb:DescribeTable"}`)
		case op == "ExecuteStatement":
			_, _ = io.WriteString(w, `{"Items":[]}`)
		default:
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"__type":"com.amazon.coral.validate#ValidationException","message":"no answer for %s"}`, op)
		}
	}))
	t.Cleanup(srv.Close)
	cfg, err := dynamosql.ParseDSN("region=us-east-1;akid=x;secret_key=y;max_retries=0;endpoint=" + srv.URL + ";" + dsn)
	require.NoError(t, err)
	cfg.Logger = logger
	cn, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(cn)
	t.Cleanup(func() { db.Close() })
	return db, f
}

func TestExplain(t *testing.T) {
	db, f := explainDB(t, describeUser, "scan=deny", nil)
	ctx := context.Background()
	cn, err := dynamosql.ConnectorOf(ctx, db)
	require.NoError(t, err)
	require.NoError(t, cn.Catalog().RegisterComposites("user", indexhint.Composite{
		Attribute: "lastname#firstname", Components: []string{"lastname", "firstname"},
		Kinds: []indexhint.ComponentKind{indexhint.KindString, indexhint.KindString},
	}))

	p, err := dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ? AND lastname = ? AND firstname = ?`, 42, "Smith", "John")
	require.NoError(t, err)
	assert.Equal(t, `SELECT * FROM "user"."ageIndex" WHERE age = ? AND "lastname#firstname" = ?`, p.Statement)
	assert.Equal(t, 2, p.Params)
	assert.True(t, p.Rewritten)
	assert.Equal(t, "user", p.Table)
	assert.Equal(t, "ageIndex", p.Index)
	assert.Equal(t, dynamosql.AccessQuery, p.Access)
	assert.Contains(t, p.Reason, `the components of its sort key "lastname#firstname"`)
	assert.NoError(t, p.Refused)
	assert.Equal(t, `statement: SELECT * FROM "user"."ageIndex" WHERE age = ? AND "lastname#firstname" = ?
params:    2
access:    query on index "ageIndex" of table "user"
reason:    `+p.Reason, p.String())

	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ? ORDER BY lastname DESC, firstname DESC`, 42)
	require.NoError(t, err)
	assert.Equal(t, `SELECT * FROM "user"."ageIndex" WHERE age = ? ORDER BY "lastname#firstname" DESC`, p.Statement)
	assert.Equal(t, 1, p.Params)

	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE id = ?`, "u1")
	require.NoError(t, err)
	assert.False(t, p.Rewritten)
	assert.Equal(t, dynamosql.AccessItem, p.Access)
	assert.Contains(t, p.String(), `access:    single item on table "user"`)

	// A scan under scan=deny: Explain tells, it does not fail.
	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE email = ?`, "a@b.c")
	require.NoError(t, err)
	assert.Equal(t, dynamosql.AccessScan, p.Access)
	assert.Contains(t, p.Reason, `not global index "byEmail": SELECT * needs every attribute and it projects KEYS_ONLY`)
	require.ErrorIs(t, p.Refused, dynamosql.ErrFullScan)
	assert.Contains(t, p.String(), "refused:   dynamosql: full scan refused (scan=deny)")
	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE email = ?`, "a@b.c", dynamosql.AllowScan())
	require.NoError(t, err)
	assert.NoError(t, p.Refused)

	// Options.
	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ? AND lastname = ?`, 42, "Smith", dynamosql.NoIndexHint())
	require.NoError(t, err)
	assert.False(t, p.Rewritten)
	assert.Equal(t, dynamosql.AccessScan, p.Access)
	assert.Contains(t, p.Reason, "NoIndexHint")
	p, err = dynamosql.Explain(ctx, db, `SELECT id FROM "user" WHERE age = ? AND email = ?`, 42, "a@b.c", dynamosql.UseIndex("byEmail"))
	require.NoError(t, err)
	assert.Equal(t, `SELECT id FROM "user"."byEmail" WHERE age = ? AND email = ?`, p.Statement)
	assert.Contains(t, p.Reason, `UseIndex("byEmail")`)
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`, 42, dynamosql.UseIndex("byName"))
	require.ErrorIs(t, err, dynamosql.ErrBadOption)
	assert.Contains(t, err.Error(), `UseIndex("byName"): table "user" has indexes "ageIndex", "byEmail"`)
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`, 42, dynamosql.UseIndex("ageIndex"), dynamosql.NoIndexHint())
	require.ErrorIs(t, err, dynamosql.ErrBadOption)
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user"."byEmail" WHERE email = ?`, "x", dynamosql.UseIndex("ageIndex"))
	require.ErrorIs(t, err, dynamosql.ErrBadOption)
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`)
	require.ErrorIs(t, err, dynamosql.ErrArgCount)

	// A component of the wrong type cannot be encoded.
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ? AND lastname = ?`, 42, 7)
	require.ErrorIs(t, err, indexhint.ErrComposite)

	// Writes.
	p, err = dynamosql.Explain(ctx, db, `UPDATE "user" SET age = ? WHERE id = ?`, 43, "u1")
	require.NoError(t, err)
	assert.Equal(t, dynamosql.AccessItem, p.Access)
	assert.Equal(t, `UPDATE "user" SET age = ? WHERE id = ?`, p.Statement)
	assert.Contains(t, p.Reason, "UPDATE writes the one item")

	assert.Zero(t, f.count("ExecuteStatement"), "Explain sends no statement")
	assert.Equal(t, 2, f.count("DescribeTable"), "the description is cached, and described again once for UseIndex of an unknown index")
}

// TestNoMetadata covers a table the driver cannot describe (no
// dynamodb:DescribeTable permission): statements go as written; scan=warn
// says so once per table, scan=deny refuses SELECTs it cannot check.
func TestNoMetadata(t *testing.T) {
	var logs hintLogs
	db, f := explainDB(t, "", "", slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx := context.Background()
	// (SELECT * would describe the table for its column names.)
	for range 3 {
		rows, err := db.QueryContext(ctx, `SELECT id, age FROM "user" WHERE age = ?`, 42)
		require.NoError(t, err)
		require.NoError(t, rows.Close())
	}
	assert.Equal(t, 3, f.count("ExecuteStatement"))
	assert.Equal(t, 1, f.count("DescribeTable"), "the failure is remembered")
	lines := logs.lines()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "no index hints or scan check")
	assert.Contains(t, lines[0], "AccessDeniedException")
	p, err := dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`, 42)
	require.NoError(t, err)
	assert.Equal(t, dynamosql.AccessUnknown, p.Access)
	assert.Contains(t, p.Reason, "no metadata")

	db, f = explainDB(t, "", "scan=deny", slog.New(slog.NewJSONHandler(&logs, nil)))
	_, err = db.QueryContext(ctx, `SELECT id FROM "user" WHERE age = ?`, 42)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scan=deny cannot check")
	assert.Contains(t, err.Error(), "DescribeTable")
	rows, err := db.QueryContext(ctx, `SELECT id FROM "user" WHERE age = ?`, 42, dynamosql.AllowScan())
	require.NoError(t, err)
	require.NoError(t, rows.Close())
	assert.Equal(t, 1, f.count("ExecuteStatement"))
}
