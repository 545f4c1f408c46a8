package dynamosql_test

import (
	"fmt"
	"testing"

	"github.com/XSAM/otelsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// TestOtelsqlWrapper: a program that wraps the driver with otelsql
// (database/sql instrumentation) and gives both the same tracer provider
// gets one tree per call: otelsql's span, the driver's statement span
// under it, the DynamoDB requests under that; one driver span per
// statement (none for preparing, none for otelsql's session resets),
// every span ended, and per-statement options still reach the driver
// through otelsql's connection.
func TestOtelsqlWrapper(t *testing.T) {
	e := newObsEnv(t, "", nil)
	db := otelsql.OpenDB(e.conn, otelsql.WithTracerProvider(e.tp))
	t.Cleanup(func() { db.Close() })
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "obs_otelsql", "id", "")
	e.ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.ReportCapacity(1)})
	e.spans.Reset()
	// The application's own span, as an HTTP handler would have.
	ctx, root := e.tp.Tracer("app").Start(ctx, "request")

	_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), "a")
	require.NoError(t, err)
	stmt, err := db.PrepareContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE id = ?`, table))
	require.NoError(t, err)
	var cc dynamosql.ConsumedCapacity
	for range 2 {
		rows, err := stmt.QueryContext(ctx, "a", dynamosql.Capacity(&cc))
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			n++
		}
		require.NoError(t, rows.Close())
		require.Equal(t, 1, n)
	}
	require.NoError(t, stmt.Close())
	assert.Equal(t, 1.0, cc.Read, "the option went through otelsql's connection")
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET n = 1 WHERE id = ?`, table), "a")
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	root.End()

	started := len(e.spans.Started())
	ended := e.spans.Ended()
	assert.Equal(t, started, len(ended), "every span started was ended")

	byID := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range ended {
		byID[s.SpanContext().SpanID().String()] = s
	}
	parentName := func(s sdktrace.ReadOnlySpan) string {
		if p, ok := byID[s.Parent().SpanID().String()]; ok {
			return p.Name()
		}
		return ""
	}
	ins := e.named("INSERT " + table)
	require.Len(t, ins, 1)
	assert.Equal(t, "sql.conn.exec", parentName(ins[0]))
	sel := e.named("SELECT " + table)
	require.Len(t, sel, 2, "one driver span per execution, none for Prepare: %v", e.spanNames())
	for _, s := range sel {
		assert.Equal(t, "sql.stmt.query", parentName(s))
		kids := e.children(s)
		require.NotEmpty(t, kids)
		for _, k := range kids {
			assert.Contains(t, []string{"DynamoDB.ExecuteStatement", "DynamoDB.DescribeTable"}, k.Name())
		}
	}
	// driver.Tx.Commit takes no context: the COMMIT span is a child of
	// the span of the context BeginTx got, which under otelsql is its
	// sql.conn.begin_tx span (otelsql's own sql.tx.commit span is a
	// sibling of that one).
	commit := e.named("COMMIT " + table)
	require.Len(t, commit, 1)
	assert.Equal(t, "sql.conn.begin_tx", parentName(commit[0]))
	require.Len(t, e.named("sql.tx.commit"), 1)
	assert.Equal(t, e.named("sql.tx.commit")[0].Parent().SpanID(), e.named("sql.conn.begin_tx")[0].Parent().SpanID())
	assert.Empty(t, e.named("UPDATE "+table), "the buffered UPDATE sends nothing: it is in the COMMIT span")
	for _, s := range ended {
		assert.Equal(t, root.SpanContext().TraceID(), s.SpanContext().TraceID(), "%s is in the request's trace", s.Name())
		if s.Parent().IsValid() {
			p, ok := byID[s.Parent().SpanID().String()]
			require.True(t, ok, "the parent of %s was recorded", s.Name())
			assert.Equal(t, p.SpanContext().TraceID(), s.SpanContext().TraceID())
		}
	}
}
