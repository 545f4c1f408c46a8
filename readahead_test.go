package dynamosql_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/latencyproxy"
)

// readAheadGoroutines counts the goroutines reading a page ahead.
func readAheadGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "(*rows).readNext.func")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// noReadAheadLeft fails t unless every read-ahead goroutine has ended
// (or is ending: a goroutine that has handed over its page may still be
// returning, so it waits up to a second for the count to reach zero).
func noReadAheadLeft(t *testing.T) {
	t.Helper()
	n := readAheadGoroutines()
	for deadline := time.Now().Add(time.Second); n > 0 && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		n = readAheadGoroutines()
	}
	assert.Zero(t, n, "a read-ahead goroutine outlived its rows")
}

// waitRequests waits (up to 10 s) until p has received n ExecuteStatement
// requests, and reports whether it has.
func waitRequests(p *latencyproxy.Proxy, n int64) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if p.Requests("ExecuteStatement") >= n {
			return true
		}
	}
	return false
}

// TestReadAheadSendsTheNextPageWhileTheReaderReads checks that, once the
// reader asked for a second row, the request for the next page is sent
// before the reader reaches it, and no further one (one page ahead at
// most), and that QueryRow, NoReadAhead and read_ahead=false send none
// ahead.
func TestReadAheadSendsTheNextPageWhileTheReaderReads(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "ra", "pk", "sk")
	seedPages(t, dynamotest.OpenDB(t), table, 50)
	q := fmt.Sprintf(`SELECT sk FROM %q WHERE pk = ?`, table)
	db, p := proxiedDB(t, 0, "scan=allow")

	rows, err := db.QueryContext(ctx, q, "p", dynamosql.PageSize(10))
	require.NoError(t, err)
	require.True(t, rows.Next())
	time.Sleep(50 * time.Millisecond)
	assert.EqualValues(t, 1, p.Requests("ExecuteStatement"), "nothing read ahead before the second row is asked for")
	require.True(t, rows.Next())
	require.True(t, waitRequests(p, 2), "page 2 requested while the reader is on page 1")
	time.Sleep(50 * time.Millisecond)
	assert.EqualValues(t, 2, p.Requests("ExecuteStatement"), "one page ahead at most")
	for range 9 { // the rest of page 1 and the first row of page 2
		require.True(t, rows.Next())
	}
	require.True(t, waitRequests(p, 3), "on page 2, page 3 is read ahead")
	require.NoError(t, rows.Close())
	noReadAheadLeft(t)

	// QueryRow reads one row: nothing is read ahead.
	start := p.Requests("ExecuteStatement")
	var sk string
	require.NoError(t, db.QueryRowContext(ctx, q, "p", dynamosql.PageSize(10)).Scan(&sk))
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, start+1, p.Requests("ExecuteStatement"))

	// Off per statement, and by DSN.
	off, offProxy := proxiedDB(t, 0, "read_ahead=false")
	for _, c := range []struct {
		db   *sql.DB
		p    *latencyproxy.Proxy
		args []any
	}{{db, p, []any{dynamosql.NoReadAhead()}}, {off, offProxy, nil}} {
		start := c.p.Requests("ExecuteStatement")
		rows, err := c.db.QueryContext(ctx, q, append([]any{"p", dynamosql.PageSize(10)}, c.args...)...)
		require.NoError(t, err)
		for range 10 {
			require.True(t, rows.Next())
		}
		time.Sleep(50 * time.Millisecond)
		assert.Equal(t, start+1, c.p.Requests("ExecuteStatement"), "read-ahead is off")
		require.True(t, rows.Next())
		assert.Equal(t, start+2, c.p.Requests("ExecuteStatement"))
		require.NoError(t, rows.Close())
	}
}

// TestReadAheadKeepsResultsAndPositionsExact reads the same results with
// and without read-ahead, with page sizes, MaxRows, LIMIT/OFFSET,
// MaxPages, SELECT * and empty pages (a filter), and checks that rows,
// Position and resuming from Position.NextToken are the same.
func TestReadAheadKeepsResultsAndPositionsExact(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "raexact", "pk", "sk")
	seedPages(t, dynamotest.OpenDB(t), table, 50)
	db, _ := proxiedDB(t, 0, "scan=allow")
	sel := fmt.Sprintf(`SELECT sk FROM %q WHERE pk = ?`, table)
	cases := []struct {
		q    string
		args []any
	}{
		{sel, []any{"p", dynamosql.PageSize(7)}},
		{sel, []any{"p", dynamosql.PageSize(4), dynamosql.MaxRows(23)}},
		{sel, []any{"p", dynamosql.PageSize(5), dynamosql.MaxPages(3)}},
		{sel + ` LIMIT 13 OFFSET 9`, []any{"p", dynamosql.PageSize(4)}},
		{fmt.Sprintf(`SELECT sk FROM %q WHERE pk = ? AND i >= 40 OR pk = ? AND i < 3`, table), []any{"p", "p", dynamosql.PageSize(6)}}, // empty pages
		{fmt.Sprintf(`SELECT * FROM %q WHERE pk = ? ORDER BY sk DESC`, table), []any{"p", dynamosql.PageSize(9), dynamosql.MaxRows(31)}},
	}
	for _, c := range cases {
		var on, off dynamosql.Position
		want := sks(t, db, c.q, append(c.args, dynamosql.Track(&off), dynamosql.NoReadAhead())...)
		got := sks(t, db, c.q, append(c.args, dynamosql.Track(&on))...)
		assert.Equal(t, want, got, c.q)
		// The tokens of DynamoDB Local carry their creation time: compare
		// the rest (resuming from them is checked below).
		assert.Equal(t, off.NextToken == "", on.NextToken == "", c.q)
		off.NextToken, on.NextToken = "", ""
		assert.Equal(t, off, on, "%s: the same Position", c.q)
		noReadAheadLeft(t)
	}

	// Reading in chunks of MaxRows, each resumed from the last chunk's
	// NextToken, gives the whole result once, in order.
	all := sks(t, db, sel, "p")
	var chunks []string
	token := ""
	for i := 0; ; i++ {
		require.Less(t, i, 20)
		var pos dynamosql.Position
		args := []any{"p", dynamosql.PageSize(3), dynamosql.MaxRows(8), dynamosql.Track(&pos)}
		if token != "" {
			args = append(args, dynamosql.StartToken(token))
		}
		chunks = append(chunks, sks(t, db, sel, args...)...)
		if pos.Done {
			break
		}
		token = pos.NextToken
	}
	assert.Equal(t, all, chunks)

	// Stopping in the middle of a page: Position names the last page the
	// reader reached, not the one read ahead.
	var pos dynamosql.Position
	rows, err := db.QueryContext(ctx, sel, "p", dynamosql.PageSize(10), dynamosql.Track(&pos))
	require.NoError(t, err)
	for range 15 {
		require.True(t, rows.Next())
	}
	assert.Equal(t, 2, pos.Pages)
	assert.Equal(t, 15, pos.Rows)
	rest := sks(t, db, sel, "p", dynamosql.StartToken(pos.NextToken))
	require.NoError(t, rows.Close())
	assert.Equal(t, all[20:], rest, "NextToken resumes after the page the reader is on")
}

// TestReadAheadEndsItsGoroutine checks that the request read ahead ends
// with Close, with the statement's context and on an error, leaving no
// goroutine behind, and that the error reaches the reader.
func TestReadAheadEndsItsGoroutine(t *testing.T) {
	table := dynamotest.SimpleTable(t, "raleak", "pk", "sk")
	seedPages(t, dynamotest.OpenDB(t), table, 50)
	q := fmt.Sprintf(`SELECT sk FROM %q WHERE pk = ?`, table)
	db, p := proxiedDB(t, time.Second, "max_retries=0")

	// Close while the next page is in flight (the proxy holds it 1 s).
	rows, err := db.QueryContext(dynamotest.Context(t), q, "p", dynamosql.PageSize(10))
	require.NoError(t, err)
	require.True(t, rows.Next())
	require.True(t, rows.Next())
	require.Equal(t, 1, readAheadGoroutines())
	began := time.Now()
	require.NoError(t, rows.Close())
	noReadAheadLeft(t)
	t.Logf("Close with a page in flight took %v", time.Since(began))

	// The statement's context ends while the next page is in flight.
	ctx, cancel := context.WithCancel(dynamotest.Context(t))
	rows, err = db.QueryContext(ctx, q, "p", dynamosql.PageSize(10))
	require.NoError(t, err)
	require.True(t, rows.Next())
	require.True(t, rows.Next())
	cancel()
	for rows.Next() {
	}
	require.ErrorIs(t, rows.Err(), context.Canceled)
	require.NoError(t, rows.Close())
	noReadAheadLeft(t)

	// The request read ahead fails: the reader gets the error when it
	// reaches the page, and the goroutine is gone already.
	fast, fp := proxiedDB(t, 0, "max_retries=0")
	rows, err = fast.QueryContext(dynamotest.Context(t), q, "p", dynamosql.PageSize(10))
	require.NoError(t, err)
	require.True(t, rows.Next())
	require.NoError(t, fp.Close()) // DynamoDB is gone
	n := 1
	for rows.Next() {
		n++
	}
	require.Error(t, rows.Err())
	assert.Equal(t, 10, n, "the first page is read whole, then the error")
	noReadAheadLeft(t)
	require.NoError(t, rows.Close())
	_ = p
}
