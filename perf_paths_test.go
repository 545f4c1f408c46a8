package dynamosql_test

// Tests and benchmarks of the per-statement paths made cheaper for
// BenchmarkNoNet's Tx100 and PointRead: argument values and parameter
// slices handed out from a transaction's slab (slab.go), transaction
// statements that point at the transaction's own copy of their text, one
// result shared by a transaction's single statements, the connection's
// memory of its last statement's facts and the result columns memoised by
// statement text (stmtcache.go).

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"

	"github.com/dynamosql/dynamosql"
)

// captureTransport answers as memTransport does and keeps the body of
// every request of one operation.
type captureTransport struct {
	inner *memTransport
	op    string

	mu     sync.Mutex
	bodies [][]byte
}

// Do keeps the body when the request is for c.op, then answers.
func (c *captureTransport) Do(r *http.Request) (*http.Response, error) {
	if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810."+c.op && r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		_ = r.Body.Close()
		c.mu.Lock()
		c.bodies = append(c.bodies, b)
		c.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return c.inner.Do(r)
}

func (c *captureTransport) taken() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bodies
}

// captureEnv is noNetEnv whose transport keeps the bodies of op's
// requests.
func captureEnv(t *testing.T, op string, bodies map[string]string) (*benchEnv, *captureTransport) {
	t.Helper()
	bodies["DescribeTable"] = describeBody
	ct := &captureTransport{inner: newMemTransport(bodies), op: op}
	cfg := dynamosql.NewConfig()
	cfg.Region = "us-east-1"
	cfg.Endpoint = "http://dynamodb.invalid"
	cfg.AccessKeyID, cfg.SecretAccessKey = "bench", "bench"
	cfg.ClientOptions = append(cfg.ClientOptions, func(o *dynamodb.Options) {
		o.Logger = logging.Nop{}
		o.HTTPClient = ct
	})
	conn, err := dynamosql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	e := newBenchEnv(t, "http://dynamodb.invalid", "bench", false)
	e.db, e.raw = db, conn.Client()
	return e, ct
}

// txStmt is a statement of an ExecuteTransaction request.
type txStmt struct {
	Statement  string
	Parameters []map[string]string
}

// txBody is the part of an ExecuteTransaction request the tests read.
type txBody struct {
	TransactStatements []txStmt
}

func decodeTx(t *testing.T, b []byte) txBody {
	t.Helper()
	var body txBody
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return body
}

// TestTxStatementsKeepTheirOwnArguments runs more statements in a
// transaction than a slab chunk holds values or parameter slots, each with
// arguments of its own, and checks that the commit sends every statement
// with exactly its arguments: nothing handed out twice, nothing
// overwritten.
func TestTxStatementsKeepTheirOwnArguments(t *testing.T) {
	e, ct := captureEnv(t, "ExecuteTransaction", map[string]string{"ExecuteTransaction": `{}`})
	ctx := context.Background()
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var results []sql.Result
	for i := range dynamosql.MaxTxStatements {
		_, err := tx.ExecContext(ctx, e.insertQ, "p", fmt.Sprintf("k%03d", i), i, int64(1000+i), fmt.Sprintf("name %d", i))
		if err == nil {
			t.Fatal("five arguments for four placeholders were accepted")
		}
		r, err := tx.ExecContext(ctx, e.insertQ, "p", fmt.Sprintf("k%03d", i), int64(1000+i), fmt.Sprintf("name %d", i))
		if err != nil {
			t.Fatalf("statement %d: %v", i, err)
		}
		results = append(results, r)
	}
	if _, err := results[0].RowsAffected(); !errors.Is(err, dynamosql.ErrTxPending) {
		t.Fatalf("RowsAffected before Commit: %v, want ErrTxPending", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("statement %d: RowsAffected = %d, %v after Commit, want 1", i, n, err)
		}
	}
	bodies := ct.taken()
	if len(bodies) != 1 {
		t.Fatalf("%d ExecuteTransaction requests, want 1", len(bodies))
	}
	body := decodeTx(t, bodies[0])
	if len(body.TransactStatements) != dynamosql.MaxTxStatements {
		t.Fatalf("%d statements sent, want %d", len(body.TransactStatements), dynamosql.MaxTxStatements)
	}
	for i, s := range body.TransactStatements {
		if s.Statement != e.insertQ {
			t.Fatalf("statement %d: %q, want %q", i, s.Statement, e.insertQ)
		}
		want := []map[string]string{
			{"S": "p"}, {"S": fmt.Sprintf("k%03d", i)}, {"N": strconv.Itoa(1000 + i)}, {"S": fmt.Sprintf("name %d", i)},
		}
		if fmt.Sprint(s.Parameters) != fmt.Sprint(want) {
			t.Fatalf("statement %d: parameters %v, want %v", i, s.Parameters, want)
		}
	}
}

// TestTxRefusedStatementLeavesNoTrace adds a statement that the
// duplicate-item check refuses between two accepted ones (each of the
// three has a text of its own) and checks that the commit sends exactly the accepted two, each with its
// own text and arguments.
func TestTxRefusedStatementLeavesNoTrace(t *testing.T) {
	e, ct := captureEnv(t, "ExecuteTransaction", map[string]string{"ExecuteTransaction": `{}`})
	ctx := context.Background()
	update := fmt.Sprintf(`UPDATE %q SET age = ? WHERE pk = ? AND sk = ?`, e.table)
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, e.insertQ, "p", "k1", 1, "one"); err != nil {
		t.Fatal(err)
	}
	del := fmt.Sprintf(`DELETE FROM %q WHERE pk = ? AND sk = ?`, e.table)
	if _, err := tx.ExecContext(ctx, del, "p", "k1"); !errors.Is(err, dynamosql.ErrTxDuplicateKey) {
		t.Fatalf("second operation on item k1: %v, want ErrTxDuplicateKey", err)
	}
	if _, err := tx.ExecContext(ctx, update, 8, "p", "k2"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	bodies := ct.taken()
	if len(bodies) != 1 {
		t.Fatalf("%d ExecuteTransaction requests, want 1", len(bodies))
	}
	got := fmt.Sprint(decodeTx(t, bodies[0]).TransactStatements)
	want := fmt.Sprint([]txStmt{
		{e.insertQ, []map[string]string{{"S": "p"}, {"S": "k1"}, {"N": "1"}, {"S": "one"}}},
		{update, []map[string]string{{"N": "8"}, {"S": "p"}, {"S": "k2"}}},
	})
	if got != want {
		t.Fatalf("sent %s\nwant %s", got, want)
	}
}

// TestSelectColumnsFollowTheText alternates two SELECTs with other
// projections on one connection and checks that each returns its own
// columns and values every time (the memoised columns and the
// connection's last-statement facts are per text).
func TestSelectColumnsFollowTheText(t *testing.T) {
	e := noNetEnv(t, map[string]string{"ExecuteStatement": `{"Items":[` + itemJSON(queryPK, 500) + `]}`})
	e.db.SetMaxOpenConns(1)
	ctx := context.Background()
	q1 := fmt.Sprintf(`SELECT pk, age FROM %q WHERE pk = ? AND sk = ?`, e.table)
	q2 := fmt.Sprintf(`SELECT name, sk FROM %q WHERE pk = ? AND sk = ?`, e.table)
	for i := range 3 {
		rows, err := e.db.QueryContext(ctx, q1, queryPK, pointSK)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := rows.Columns()
		if err != nil || fmt.Sprint(cols) != "[pk age]" {
			t.Fatalf("round %d: columns %v, %v", i, cols, err)
		}
		if !rows.Next() {
			t.Fatalf("round %d: no row: %v", i, rows.Err())
		}
		var pk string
		var age int64
		if err := rows.Scan(&pk, &age); err != nil || pk != queryPK || age != 20 {
			t.Fatalf("round %d: %q %d %v", i, pk, age, err)
		}
		rows.Close()
		var name, sk string
		if err := e.db.QueryRowContext(ctx, q2, queryPK, pointSK).Scan(&name, &sk); err != nil || name != "Name 500 with some text" || sk != pointSK {
			t.Fatalf("round %d: %q %q %v", i, name, sk, err)
		}
	}
}

// BenchmarkPerfTxExec isolates what Tx100's driver side pays per
// statement apart from the commit: database/sql's tx.ExecContext plus the
// driver's checks and conversions (exec), against attributevalue.Marshal
// of the same arguments (marshal, what the SDK side pays). Nothing is
// sent: the transaction is rolled back. The sub-benchmarks are not named
// driver and sdk, so that internal/benchtable does not list them among the
// driver/SDK pairs.
//
//	go test -run '^$' -bench PerfTxExec -benchmem .
func BenchmarkPerfTxExec(b *testing.B) {
	e := noNetEnv(b, map[string]string{"ExecuteTransaction": `{}`})
	ctx := context.Background()
	driver := txOfInserts(ctx, e, (*sql.Tx).Rollback)
	sdk := func() error {
		for range txStatements {
			if _, err := marshalParams("tx", e.key(), 42, "Ada Lovelace"); err != nil {
				return err
			}
		}
		return nil
	}
	runPair(b, []string{"exec", "marshal"}, driver, sdk)
}

// TestArgumentTextMustBeUTF8 passes string arguments, short and long,
// ASCII and not, valid and not, outside and inside a transaction, and
// checks that exactly the invalid ones are refused with ErrInvalidValue
// before anything is sent.
func TestArgumentTextMustBeUTF8(t *testing.T) {
	e, ct := captureEnv(t, "ExecuteStatement", map[string]string{"ExecuteStatement": `{}`, "ExecuteTransaction": `{}`})
	ctx := context.Background()
	cases := []struct {
		s     string
		valid bool
	}{
		{"", true},
		{"Ada", true},
		{"héllo", true},
		{"日本語", true},
		{"ascii, then é", true},
		{"a long ASCII text of more than sixteen bytes", true},
		{"a long text with ünïcödé in it, well over sixteen bytes", true},
		{"a\xffb", false},
		{"\xc3", false},
		{"abc\xc3(", false},
		{"a long ASCII text that ends badly \xff", false},
		{"\xe6\x97\xa5\xe6\x97", false},
	}
	for _, tc := range cases {
		before := len(ct.taken())
		_, err := e.db.ExecContext(ctx, e.insertQ, "p", tc.s, 1, "n")
		sent := len(ct.taken()) - before
		if tc.valid {
			if err != nil || sent != 1 {
				t.Errorf("%q: %v (%d requests sent), want it sent", tc.s, err, sent)
			}
			continue
		}
		if !errors.Is(err, dynamosql.ErrInvalidValue) || sent != 0 {
			t.Errorf("%q: %v (%d requests sent), want ErrInvalidValue and nothing sent", tc.s, err, sent)
		}
	}
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for i, tc := range cases {
		_, err := tx.ExecContext(ctx, e.insertQ, "p", fmt.Sprintf("k%d", i), 1, tc.s)
		if tc.valid != (err == nil) || (!tc.valid && !errors.Is(err, dynamosql.ErrInvalidValue)) {
			t.Errorf("in a transaction, %q: %v", tc.s, err)
		}
	}
}
