package dynamosql_test

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
	"github.com/dynamosql/dynamosql/internal/latencyproxy"
)

// burst runs g goroutines doing n operations o each, each goroutine
// pausing between two operations for 0 to 4 ms (its number modulo 5), as
// an application does some work between two queries; it returns the first
// error.
func burst(g, n int, o func() error) error {
	var wg sync.WaitGroup
	errs := make(chan error, g)
	for i := range g {
		wg.Go(func() {
			for range n {
				if err := o(); err != nil {
					errs <- err
					return
				}
				time.Sleep(time.Duration(i%5) * time.Millisecond)
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// proxiedCanned starts the canned endpoint behind a latency proxy of rtt
// (handshakes cost nothing extra) and returns the proxy.
func proxiedCanned(t *testing.T, rtt time.Duration, bodies map[string]string) *latencyproxy.Proxy {
	t.Helper()
	bodies["DescribeTable"] = describeBody
	p, err := latencyproxy.StartHandler(cannedHandler(bodies), latencyproxy.Options{Delay: rtt})
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

// TestConcurrentReadsReuseConnections runs 64 goroutines of point reads
// through a proxy that makes each request take 5 ms, once with the
// driver's defaults and once with a raw SDK client with the AWS SDK's
// defaults, and counts the TCP connections each opens. The SDK keeps at
// most 10 idle connections per host, so each burst of 64 requests closes
// 54 connections and opens them again; the driver's client keeps the
// connections its load needs (DefaultMaxIdleConns), so 64 goroutines need
// about 64 connections however long they run.
func TestConcurrentReadsReuseConnections(t *testing.T) {
	const (
		goroutines = 64
		reads      = 20
	)
	ctx := dynamotest.Context(t)
	body := map[string]string{"ExecuteStatement": `{"Items":[` + itemJSON(queryPK, 500) + `]}`}
	q := `SELECT pk, sk, age, name FROM "bench" WHERE pk = ? AND sk = ?`

	driverProxy := proxiedCanned(t, 5*time.Millisecond, body)
	cfg := dynamosql.NewConfig()
	cfg.Region, cfg.Endpoint = "us-east-1", driverProxy.URL()
	cfg.AccessKeyID, cfg.SecretAccessKey = "x", "y"
	conn, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(conn)
	defer db.Close()
	require.NoError(t, burst(goroutines, reads, func() error {
		var pk, sk, name string
		var age int
		return db.QueryRowContext(ctx, q, queryPK, pointSK).Scan(&pk, &sk, &age, &name)
	}))

	sdkProxy := proxiedCanned(t, 5*time.Millisecond, body)
	raw := sdkDefaultClient(sdkProxy.URL())
	params := []types.AttributeValue{&types.AttributeValueMemberS{Value: queryPK}, &types.AttributeValueMemberS{Value: pointSK}}
	require.NoError(t, burst(goroutines, reads, func() error {
		_, err := raw.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: &q, Parameters: params})
		return err
	}))

	d, s := driverProxy.Stats(), sdkProxy.Stats()
	t.Logf("%d goroutines x %d point reads: driver %d TCP connections (%d requests), SDK defaults %d (%d requests)",
		goroutines, reads, d.Conns, d.Requests, s.Conns, s.Requests)
	assert.EqualValues(t, goroutines*reads+1, d.Requests, "one request per read, and one DescribeTable")
	assert.EqualValues(t, goroutines*reads, s.Requests)
	// A request that finds no idle connection dials one, and every
	// connection dialled is kept: about one connection per goroutine. (A
	// dial whose request meanwhile got a connection another request gave
	// back is kept too, so the bound is not exactly g.)
	assert.LessOrEqual(t, d.Conns, int64(2*goroutines), "the driver keeps the connections its load needs")
	assert.LessOrEqual(t, d.Conns, s.Conns, "the driver opens no more connections than the SDK's defaults")
}

// retryDB opens the driver on DynamoDB Local from a Config literal with
// nothing but the endpoint and credentials set, plus the DSN-style extra
// settings of set, every request going through ft. The connector's own
// retryer is used (unlike faultDB's, which replaces it).
func retryDB(t *testing.T, ft *faultinject.Transport, set func(*dynamosql.Config)) *sql.DB {
	t.Helper()
	cfg := &dynamosql.Config{
		Region:          dynamotest.Region,
		Endpoint:        dynamotest.MustEndpoint(t),
		AccessKeyID:     dynamotest.AccessKey,
		SecretAccessKey: dynamotest.AccessKey,
		ClientOptions:   []func(*dynamodb.Options){ft.ClientOption()},
	}
	if set != nil {
		set(cfg)
	}
	c, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

// TestZeroConfigRetriesOnDynamoDBLocal: a Config literal (MaxRetries 0) retries with the
// default three attempts; NoRetries sends once.
func TestZeroConfigRetriesOnDynamoDBLocal(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "zerocfg", "id", "")
	ft := faultinject.New(nil)
	db := retryDB(t, ft, nil)
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'n': ?}`, table), "a", 1)
	q := fmt.Sprintf(`SELECT n FROM %q WHERE id = ?`, table)

	ft.ResetCounts()
	ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 2, Fault: faultinject.Status(500)})
	var n int
	require.NoError(t, db.QueryRowContext(ctx, q, "a").Scan(&n), "two failures, then the third attempt")
	assert.Equal(t, 1, n)
	assert.Equal(t, 3, ft.Requests("ExecuteStatement"))

	ft2 := faultinject.New(nil)
	none := retryDB(t, ft2, func(c *dynamosql.Config) { c.MaxRetries = dynamosql.NoRetries })
	ft2.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 1, Fault: faultinject.Status(500)})
	err := none.QueryRowContext(ctx, q, "a").Scan(&n)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "StatusCode: 500")
	assert.Equal(t, 1, ft2.Requests("ExecuteStatement"), "NoRetries: one attempt")
}

// TestOutageDoesNotExhaustLaterRetries reproduces issue 18 §2: during an
// outage every request fails and the AWS SDK's client-side retry quota
// (500 tokens, 14 per retry) runs out, after which a transient failure of
// the first request after the outage is not retried ("retry quota
// exceeded"). With the connector's default (no quota) it is: the read
// and the write after the outage succeed. The write goes through the
// driver's per-call write watch (write_outcome.go), which wraps the
// connector's retryer.
func TestOutageDoesNotExhaustLaterRetries(t *testing.T) {
	const outageCalls = 25 // x 2 retries x 14 tokens = 700 > 500
	for _, tc := range []struct {
		name    string
		quota   int
		refused bool
	}{
		{"no quota (default)", 0, false},
		{"the SDK's quota", dynamosql.SDKRetryQuota, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := dynamotest.Context(t)
			table := dynamotest.SimpleTable(t, "outage", "id", "")
			ft := faultinject.New(nil)
			db := retryDB(t, ft, func(c *dynamosql.Config) { c.RetryQuota = tc.quota })
			exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'n': ?}`, table), "a", 1)
			q := fmt.Sprintf(`SELECT n FROM %q WHERE id = ?`, table)

			// The outage: every request fails.
			ft.Inject(faultinject.Rule{Fault: faultinject.Reset()})
			for range outageCalls {
				var n int
				require.Error(t, db.QueryRowContext(ctx, q, "a").Scan(&n))
			}
			ft.Clear()

			// After it, one transient failure each for a read and a write.
			ft.ResetCounts()
			ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 2, Fault: faultinject.Status(503)})
			var n int
			readErr := db.QueryRowContext(ctx, q, "a").Scan(&n)
			_, writeErr := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'n': ?}`, table), "b", 2)
			t.Logf("after the outage: read %v; write %v; %d requests", readErr, writeErr, ft.Requests("ExecuteStatement"))
			if tc.refused {
				var quota ratelimit.QuotaExceededError
				require.ErrorAs(t, readErr, &quota, "the SDK's quota is spent: the read is not retried")
				assert.Contains(t, readErr.Error(), "retry quota exceeded")
				assert.Contains(t, readErr.Error(), "StatusCode: 503", "the cause stays in the error")
				require.Error(t, writeErr)
				return
			}
			require.NoError(t, readErr)
			assert.Equal(t, 1, n)
			require.NoError(t, writeErr, "the write is retried after a 503")
			assert.Equal(t, 4, ft.Requests("ExecuteStatement"), "each retried once")
			var got int
			require.NoError(t, db.QueryRowContext(ctx, q, "b", dynamosql.ConsistentRead()).Scan(&got))
			assert.Equal(t, 2, got, "the write is applied")
		})
	}
}
