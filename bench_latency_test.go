package dynamosql_test

// The latency set: every driver/SDK pair, and the concurrency benchmark,
// through internal/latencyproxy, which adds a network round trip to each
// request and counts requests and TCP connections. DynamoDB Local on two
// shared cores sets its own pace, and the canned endpoint answers in
// microseconds; the service is a round trip of 3-10 ms away, where what
// counts is how many round trips an operation costs and how a client
// behaves with many requests in flight.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"

	"github.com/dynamosql/dynamosql/internal/latencyproxy"
)

// The environment variables of the latency set (make bench passes them
// on): the round trip each request gets (default 5ms, a fair in-region
// figure), its jitter (default none) and the cost of a new connection's
// TCP and TLS handshakes (default two round trips).
const (
	envRTT       = "BENCH_RTT"
	envJitter    = "BENCH_JITTER"
	envHandshake = "BENCH_HANDSHAKE"
)

// defaultRTT is the round trip of the latency set when BENCH_RTT is unset.
const defaultRTT = 5 * time.Millisecond

// envDuration reads a duration from the environment variable name, or
// returns def when it is unset.
func envDuration(tb testing.TB, name string, def time.Duration) time.Duration {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		tb.Fatalf("%s=%q is not a non-negative Go duration such as 5ms", name, v)
	}
	return d
}

// latencyOptions returns the proxy settings of the latency set.
func latencyOptions(tb testing.TB) latencyproxy.Options {
	rtt := envDuration(tb, envRTT, defaultRTT)
	return latencyproxy.Options{
		Delay:          rtt,
		Jitter:         envDuration(tb, envJitter, 0),
		HandshakeDelay: envDuration(tb, envHandshake, 2*rtt),
	}
}

// startProxy starts a latency proxy serving upstream (in-process, see
// latencyproxy.StartHandler) for the rest of tb.
func startProxy(tb testing.TB, upstream http.Handler) *latencyproxy.Proxy {
	tb.Helper()
	p, err := latencyproxy.StartHandler(upstream, latencyOptions(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// latencyEnv is a benchEnv that reaches upstream through a latency proxy.
func latencyEnv(tb testing.TB, upstream http.Handler) *benchEnv {
	tb.Helper()
	p := startProxy(tb, upstream)
	e := newBenchEnv(tb, p.URL(), "bench", false)
	e.proxy = p
	return e
}

// proxyCount holds a proxy's counts at the start of a measurement.
type proxyCount struct {
	p     *latencyproxy.Proxy
	start latencyproxy.Stats
}

// count starts counting the requests and connections of a measurement;
// without a proxy (or an env) it counts nothing.
func (e *benchEnv) count() proxyCount {
	if e == nil || e.proxy == nil {
		return proxyCount{}
	}
	e.proxy.ResetPeak()
	return proxyCount{p: e.proxy, start: e.proxy.Stats()}
}

// report adds req/op (requests the proxy received per operation) and
// conns (TCP connections it accepted during the measurement) to b's
// results.
func (c proxyCount) report(b *testing.B) {
	if c.p == nil || b.N == 0 {
		return
	}
	s := c.p.Stats()
	b.ReportMetric(float64(s.Requests-c.start.Requests)/float64(b.N), "req/op")
	b.ReportMetric(float64(s.Conns-c.start.Conns), "conns")
}

// BenchmarkLatency runs every driver/SDK pair of BenchmarkCanned against
// the canned endpoint served by a latency proxy (BENCH_RTT, default 5ms per
// request): what the pairs cost where every request is a round trip. Each
// pair also reports req/op and conns (TCP connections opened while it was
// measured, after its warm-up).
//
//	go test -run '^$' -bench 'Latency' -benchmem .
//	BENCH_RTT=10ms BENCH_JITTER=2ms go test -run '^$' -bench 'Latency' -benchmem .
func BenchmarkLatency(b *testing.B) {
	runPairSet(b, pairEnvs{
		canned: func(b *testing.B, bodies map[string]string) *benchEnv {
			bodies["DescribeTable"] = describeBody
			return latencyEnv(b, cannedHandler(bodies))
		},
		paged: func(b *testing.B, n int) *benchEnv { return latencyEnv(b, pagedHandler(n, n)) },
	})
}

// sdkDefaultClient is a DynamoDB client for endpoint with the AWS SDK's
// defaults (HTTP client, connection pool, retries): what hand-written SDK
// code gets without tuning.
func sdkDefaultClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		Logger:       logging.Nop{},
	})
}

// concurrencyLevels are the numbers of goroutines of
// BenchmarkLatencyConcurrent.
var concurrencyLevels = []int{64, 256}

// warmConcurrent runs o on g goroutines for warmTime, untimed: each side
// then starts measuring with the connections g goroutines need already
// opened (what stays open is up to its pool), instead of opening them
// during the benchmark's first short runs.
func warmConcurrent(b *testing.B, g int, o op) {
	b.Helper()
	deadline := time.Now().Add(warmTime)
	var wg sync.WaitGroup
	var failure atomic.Pointer[error]
	for range g {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if err := o(); err != nil && !isBroken(err) {
					failure.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := failure.Load(); err != nil {
		b.Fatal(*err)
	}
}

// runConcurrent runs b.N operations o on g goroutines and reports, besides
// the time per operation (its inverse is the throughput), the requests per
// operation, the TCP connections the proxy accepted (conns, and per 1,000
// operations) and the most connections open at once.
func runConcurrent(b *testing.B, p *latencyproxy.Proxy, g int, o op) {
	p.ResetPeak()
	start := p.Stats()
	clk := startClock(b)
	var next, lost atomic.Int64
	var once sync.Once
	var failure error
	var wg sync.WaitGroup
	for range g {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := o(); err != nil {
					if isBroken(err) {
						lost.Add(1)
						continue
					}
					once.Do(func() { failure = err })
					return
				}
			}
		})
	}
	wg.Wait()
	clk.report()
	if failure != nil {
		b.Fatal(failure)
	}
	s := p.Stats()
	conns := float64(s.Conns - start.Conns)
	b.ReportMetric(float64(s.Requests-start.Requests)/float64(b.N), "req/op")
	b.ReportMetric(conns, "conns")
	b.ReportMetric(conns*1000/float64(b.N), "conns/kop")
	b.ReportMetric(float64(s.PeakOpen), "peak-conns")
	if n := lost.Load(); n > 0 {
		b.Logf("%d lost answer(s) counted (broken response bodies, see DESIGN.md)", n)
	}
}

// BenchmarkLatencyConcurrent runs point reads and inserts on 64 and 256
// goroutines at once through the latency proxy: the driver with the
// connector's defaults (and database/sql's) against hand-written SDK
// code on a client with the AWS SDK's defaults, each with its own
// connection pool. Targets: throughput at least 0.95 of the SDK's (time
// ratio at most 1/0.95) and no more TCP connections opened than the SDK
// opens.
//
//	go test -run '^$' -bench 'LatencyConcurrent' -benchmem .
func BenchmarkLatencyConcurrent(b *testing.B) {
	works := []struct {
		name   string
		bodies map[string]string
		ops    func(ctx context.Context, e *benchEnv, client *dynamodb.Client) (driver, sdk op)
	}{
		{"PointRead", map[string]string{"ExecuteStatement": `{"Items":[` + itemJSON(queryPK, 500) + `]}`}, pointReadOps},
		{"Insert", map[string]string{"ExecuteStatement": `{}`}, insertOps},
	}
	ctx := context.Background()
	for _, w := range works {
		for _, g := range concurrencyLevels {
			b.Run(fmt.Sprintf("%s/g=%d", w.name, g), func(b *testing.B) {
				w.bodies["DescribeTable"] = describeBody
				e := latencyEnv(b, cannedHandler(w.bodies))
				raw := sdkDefaultClient(e.proxy.URL())
				driver, sdk := w.ops(ctx, e, raw)
				ops := []op{driver, sdk}
				for _, o := range ops {
					warmConcurrent(b, g, o)
				}
				names := []string{"driver", "sdk"}
				for _, i := range order(2) {
					b.Run(names[i], func(b *testing.B) { runConcurrent(b, e.proxy, g, ops[i]) })
				}
			})
		}
	}
}
