package dynamosql_test

import (
	"database/sql"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
	"github.com/jmoiron/sqlx"

	"github.com/dynamosql/dynamosql"
)

// memTransport is an HTTP client for the SDK that answers each request in
// memory with a fixed body per operation, as cannedServer does over
// loopback HTTP: no sockets, no server goroutines, no scheduling between
// them.
type memTransport struct {
	bodies map[string]string
	crcs   map[string]string
}

func newMemTransport(bodies map[string]string) *memTransport {
	m := &memTransport{bodies: bodies, crcs: make(map[string]string, len(bodies))}
	for op, body := range bodies {
		m.crcs[op] = crcHeader(body)
	}
	return m
}

// Do answers the request.
func (m *memTransport) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	body, ok := m.bodies[op]
	status, crc := http.StatusOK, m.crcs[op]
	if !ok {
		status = http.StatusBadRequest
		body = `{"__type":"com.amazon.coral.validate#ValidationException","message":"no answer for ` + op + `"}`
		crc = crcHeader(body)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Crc32", crc)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		StatusCode: status, Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
	}, nil
}

// noNetEnv is a benchEnv whose client answers in memory.
func noNetEnv(tb testing.TB, bodies map[string]string) *benchEnv {
	tb.Helper()
	bodies["DescribeTable"] = describeBody
	tr := newMemTransport(bodies)
	cfg := dynamosql.NewConfig()
	cfg.Region = "us-east-1"
	cfg.Endpoint = "http://dynamodb.invalid"
	cfg.AccessKeyID, cfg.SecretAccessKey = "bench", "bench"
	cfg.Scan = dynamosql.ScanAllow
	cfg.ClientOptions = append(cfg.ClientOptions, func(o *dynamodb.Options) {
		o.Logger = logging.Nop{}
		o.HTTPClient = tr
	})
	conn, err := dynamosql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	db := sql.OpenDB(conn)
	tb.Cleanup(func() { db.Close() })
	e := newBenchEnv(tb, "http://dynamodb.invalid", "bench", false)
	e.db, e.xdb, e.raw = db, sqlx.NewDb(db, "dynamodb"), conn.Client()
	return e
}

// BenchmarkNoNet runs the driver/SDK pairs of BenchmarkCanned with an HTTP
// client that answers in memory: the SDK still serializes, signs and
// deserializes every request, but nothing crosses a socket. Without the
// loopback round trip and the server, each pair's difference is the
// client's own cost undiluted, and the least disturbed by other jobs on
// the machine. No targets apply: it is the magnifying glass for the canned
// figures.
//
//	go test -run '^$' -bench 'NoNet' -benchmem .
func BenchmarkNoNet(b *testing.B) {
	runPairSet(b, pairEnvs{
		canned: func(b *testing.B, bodies map[string]string) *benchEnv { return noNetEnv(b, bodies) },
		paged: func(b *testing.B, n int) *benchEnv {
			return noNetEnv(b, map[string]string{"ExecuteStatement": pageBody(0, n, n)})
		},
	})
}
