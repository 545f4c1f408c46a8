package dynamosql_test

// Benchmarks of the driver against the raw AWS SDK, side by side.
//
// Every driver benchmark has a raw-SDK twin that does the same work through
// the very client the driver uses (same endpoint, same settings, same HTTP
// connection pool), in the same run, under names a tool can pair:
//
//	BenchmarkCanned/<Work>/driver[-variant]  vs  BenchmarkCanned/<Work>/sdk
//	BenchmarkLocal/<Work>/driver[-variant]   vs  BenchmarkLocal/<Work>/sdk
//
// BenchmarkCanned runs against an in-process HTTP endpoint that answers
// with canned DynamoDB responses: it measures the client's own cost
// (statement handling, value conversion, scanning, the SDK's serialization,
// signing and loopback HTTP), with no database work. BenchmarkLocal
// (benchmark_local_test.go) runs the same work end to end on DynamoDB
// Local. `make bench` prints the pairs' ratios (internal/benchtable).
//
// Heavy setup (loading thousands of items) happens inside benchmarks only,
// so a plain `go test` never pays for it.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"github.com/jmoiron/sqlx"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/latencyproxy"
)

// benchItem is the item of every benchmark: table (pk, sk) with two more
// attributes.
type benchItem struct {
	PK   string `dynamodbav:"pk" db:"pk" dynamo:"pk"`
	SK   string `dynamodbav:"sk" db:"sk" dynamo:"sk"`
	Age  int64  `dynamodbav:"age" db:"age"`
	Name string `dynamodbav:"name" db:"name"`
}

// The partition the read benchmarks query, its size, and the item the
// point read reads.
const (
	queryPK    = "p1000"
	queryItems = 1000
	pointSK    = "0000500"
)

// itemJSON is the DynamoDB JSON of item i of partition pk, as the canned
// endpoint serves it (loadItems writes the same values to DynamoDB Local).
func itemJSON(pk string, i int) string {
	return fmt.Sprintf(`{"pk":{"S":%q},"sk":{"S":"%07d"},"age":{"N":"%d"},"name":{"S":"Name %d with some text"}}`, pk, i, 20+i%50, i)
}

// benchEnv is what a driver/SDK pair runs against: a *sql.DB opened with
// the driver, the raw SDK client the driver itself uses, and the table.
type benchEnv struct {
	db    *sql.DB
	xdb   *sqlx.DB
	raw   *dynamodb.Client
	table string
	// local is set on DynamoDB Local, where bulk writes are verified by
	// counting the items written (the canned endpoint stores nothing).
	local bool
	seq   *atomic.Int64 // fresh keys for writes
	// proxy, when set, is the latency proxy the endpoint is reached
	// through (BenchmarkLatency): the pairs then report its counts.
	proxy *latencyproxy.Proxy

	pointQ, queryQ, insertQ string
}

// newBenchEnv opens the driver on endpoint (scan=allow, quiet SDK logger)
// and takes the raw client from its connector.
func newBenchEnv(tb testing.TB, endpoint, table string, local bool, edits ...func(*dynamosql.Config)) *benchEnv {
	tb.Helper()
	cfg := dynamosql.NewConfig()
	cfg.Region = "us-east-1"
	cfg.Endpoint = endpoint
	cfg.AccessKeyID, cfg.SecretAccessKey = "bench", "bench"
	cfg.Scan = dynamosql.ScanAllow
	// The SDK logs a warning when it cannot reuse a connection whose
	// response body broke off (see docs/errors.md); both sides share the client,
	// so silence it for both.
	cfg.ClientOptions = append(cfg.ClientOptions, func(o *dynamodb.Options) { o.Logger = logging.Nop{} })
	for _, edit := range edits {
		edit(cfg)
	}
	conn, err := dynamosql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	db := sql.OpenDB(conn)
	tb.Cleanup(func() { db.Close() })
	return &benchEnv{
		db:      db,
		xdb:     sqlx.NewDb(db, "dynamodb"),
		raw:     conn.Client(),
		table:   table,
		local:   local,
		seq:     new(atomic.Int64),
		pointQ:  fmt.Sprintf(`SELECT pk, sk, age, name FROM %q WHERE pk = ? AND sk = ?`, table),
		queryQ:  fmt.Sprintf(`SELECT pk, sk, age, name FROM %q WHERE pk = ?`, table),
		insertQ: fmt.Sprintf(`INSERT INTO %q VALUE {'pk': ?, 'sk': ?, 'age': ?, 'name': ?}`, table),
	}
}

// key returns a fresh sort key: writes to DynamoDB Local must not collide.
func (e *benchEnv) key() string { return strconv.FormatInt(e.seq.Add(1), 10) }

// isBroken reports a request whose answer was lost: a response body that
// broke off, which the AWS SDK does not retry (docs/errors.md; about once in
// 10,000 requests on a loopback endpoint here), or a write the driver
// reports with an unknown outcome for that reason.
func isBroken(err error) bool {
	var de *smithy.DeserializationError
	if errors.As(err, &de) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, dynamosql.ErrWriteOutcomeUnknown) || errors.Is(err, dynamosql.ErrTxOutcomeUnknown) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "failed to decode response body") || strings.Contains(msg, "use of closed network connection")
}

// brokenCounter counts lost answers during a benchmark instead of
// aborting it (an honest benchmark does not die on a known SDK flake).
type brokenCounter struct{ n int }

// failed reports whether err ends this iteration: a lost answer is
// counted, any other error fails the benchmark.
func (c *brokenCounter) failed(b *testing.B, err error) bool {
	if err == nil {
		return false
	}
	if !isBroken(err) {
		b.Fatal(err)
	}
	c.n++
	return true
}

// report logs the lost answers, if any.
func (c *brokenCounter) report(b *testing.B) {
	if c.n > 0 {
		b.Logf("%d lost answer(s) counted (broken response bodies, see DESIGN.md)", c.n)
	}
}

// crcHeader is the X-Amz-Crc32 value of body: DynamoDB sends the CRC32 of
// each response body and the SDK checks it.
func crcHeader(body string) string {
	return strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10)
}

// writeBody writes a DynamoDB JSON answer.
func writeBody(w http.ResponseWriter, status int, body, crc string) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Crc32", crc)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// cannedServer is an in-process DynamoDB endpoint that answers every
// operation with a fixed body per X-Amz-Target operation name. It measures
// the client's own cost: no database work, loopback HTTP only. Checksums
// are computed once, so the server costs both sides of a pair as little
// as possible.
func cannedServer(tb testing.TB, bodies map[string]string) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(cannedHandler(bodies))
	tb.Cleanup(srv.Close)
	return srv
}

// cannedHandler is the handler of cannedServer.
func cannedHandler(bodies map[string]string) http.Handler {
	crcs := make(map[string]string, len(bodies))
	for op, body := range bodies {
		crcs[op] = crcHeader(body)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		body, ok := bodies[op]
		if !ok {
			body := fmt.Sprintf(`{"__type":"com.amazon.coral.validate#ValidationException","message":"canned server has no answer for %s"}`, op)
			writeBody(w, http.StatusBadRequest, body, crcHeader(body))
			return
		}
		writeBody(w, http.StatusOK, body, crcs[op])
	})
}

// describeBody describes the table "bench" (pk, sk).
const describeBody = `{"Table":{"TableName":"bench","TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}]}}`

// pageBody is the ExecuteStatement answer holding items start to
// start+n-1 (at most total-1) of partition queryPK, with a NextToken when
// items remain.
func pageBody(start, n, total int) string {
	end := min(start+n, total)
	var b strings.Builder
	b.WriteString(`{"Items":[`)
	for i := start; i < end; i++ {
		if i > start {
			b.WriteByte(',')
		}
		b.WriteString(itemJSON(queryPK, i))
	}
	b.WriteString("]")
	if end < total {
		fmt.Fprintf(&b, `,"NextToken":"t%d"`, end)
	}
	b.WriteString("}")
	return b.String()
}

// pagedServer serves a SELECT of total items of partition queryPK in pages
// of at most pageSize items (fewer when the request's Limit is smaller),
// with a NextToken until the end, like DynamoDB. A result of one page is
// built once; longer results are generated per request, so the server
// holds no result in memory (BenchmarkStreamingHeap measures the heap).
func pagedServer(tb testing.TB, total, pageSize int) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(pagedHandler(total, pageSize))
	tb.Cleanup(srv.Close)
	return srv
}

// pagedHandler is the handler of pagedServer.
func pagedHandler(total, pageSize int) http.Handler {
	page := func(start, n int) string { return pageBody(start, n, total) }
	var whole, wholeCRC string
	if total <= pageSize {
		whole = page(0, total)
		wholeCRC = crcHeader(whole)
	}
	describeCRC := crcHeader(describeBody)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".DescribeTable") {
			_, _ = io.Copy(io.Discard, r.Body)
			writeBody(w, http.StatusOK, describeBody, describeCRC)
			return
		}
		if whole != "" {
			_, _ = io.Copy(io.Discard, r.Body)
			writeBody(w, http.StatusOK, whole, wholeCRC)
			return
		}
		var req struct {
			NextToken string
			Limit     int
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		start := 0
		if req.NextToken != "" {
			start, _ = strconv.Atoi(strings.TrimPrefix(req.NextToken, "t"))
		}
		n := pageSize
		if req.Limit > 0 && req.Limit < n {
			n = req.Limit
		}
		body := page(start, n)
		writeBody(w, http.StatusOK, body, crcHeader(body))
	})
}

// BenchmarkCanned runs every driver/SDK pair against the canned in-process
// endpoint: the client's own cost. Each pair gets a server answering what
// its work needs.
//
//	go test -run '^$' -bench 'Canned' -benchmem -count 6 .
func BenchmarkCanned(b *testing.B) {
	runPairSet(b, pairEnvs{
		canned: func(b *testing.B, bodies map[string]string) *benchEnv {
			bodies["DescribeTable"] = describeBody
			return newBenchEnv(b, cannedServer(b, bodies).URL, "bench", false)
		},
		paged: func(b *testing.B, n int) *benchEnv {
			return newBenchEnv(b, pagedServer(b, n, n).URL, "bench", false)
		},
	})
}

// BenchmarkStreamingHeap streams 10,000 and 100,000 items in pages of 100
// from the canned endpoint and reports the largest live heap seen while
// streaming (after a GC, every 5,000 rows) above the heap before the
// query, as peak-live-heap-B: it must not grow with the result size.
//
//	go test -run '^$' -bench 'StreamingHeap' -benchmem -count 6 .
func BenchmarkStreamingHeap(b *testing.B) {
	for _, total := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("items=%d", total), func(b *testing.B) {
			srv := pagedServer(b, total, 100)
			e := newBenchEnv(b, srv.URL, "bench", false)
			ctx := context.Background()
			var peak uint64
			var ms runtime.MemStats
			for b.Loop() {
				// The base is the live heap just before each query: one
				// taken once before the loop also held whatever the
				// benchmarks before left to collect, and a live heap that
				// fell below it read as no heap at all.
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				b.StartTimer()
				rows, err := e.db.QueryContext(ctx, e.queryQ, queryPK)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					var it benchItem
					if err := rows.Scan(&it.PK, &it.SK, &it.Age, &it.Name); err != nil {
						b.Fatal(err)
					}
					n++
					if n%5000 == 0 {
						runtime.GC()
						runtime.ReadMemStats(&ms)
						if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
							peak = ms.HeapAlloc - base
						}
					}
				}
				if err := rows.Close(); err != nil || n != total {
					b.Fatal(err, n)
				}
			}
			b.ReportMetric(float64(peak), "peak-live-heap-B")
		})
	}
}
