package mapper_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
	"github.com/dynamosql/dynamosql/mapper"
	"github.com/dynamosql/dynamosql/pagination"
)

// Parcel is the entity of the fault tests.
type Parcel struct {
	ID   string `dynamodbav:"id" dynamo:"pk"`
	Seq  int    `dynamodbav:"seq"`
	Note string `dynamodbav:"note"`
	Hub  string `dynamodbav:"hub"`
}

// batchLedger records, for each item, how many times a statement on it was
// sent in a BatchExecuteStatement and how many of those DynamoDB applied
// (answered without a per-statement error), read from the requests and
// responses on the wire.
type batchLedger struct {
	next http.RoundTripper

	mu        sync.Mutex
	sent      map[string]int
	applied   map[string]int
	throttled int // statements answered ThrottlingError
	requests  int
}

func (l *batchLedger) RoundTrip(req *http.Request) (*http.Response, error) {
	if faultinject.Operation(req) != "BatchExecuteStatement" {
		return l.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	var in struct {
		Statements []struct {
			Statement  string
			Parameters []map[string]any
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	var out struct {
		Responses []struct {
			Error *struct{ Code string }
		}
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &out) != nil || len(out.Responses) != len(in.Statements) {
		return resp, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	for i, s := range in.Statements {
		// The key is the first parameter of the mapper's INSERT (id comes
		// first) and the only one of its DELETE.
		id, _ := s.Parameters[0]["S"].(string)
		op := s.Statement[:6] + " " + id
		l.sent[op]++
		if e := out.Responses[i].Error; e == nil {
			l.applied[op]++
		} else if e.Code == "ThrottlingError" {
			l.throttled++
		}
	}
	return resp, nil
}

// relFaultDB opens a *sql.DB on DynamoDB Local whose requests go through
// ft (and ledger, when set), with the SDK's retries pausing 1 ms.
func relFaultDB(t *testing.T, ft *faultinject.Transport, ledger *batchLedger) *sql.DB {
	t.Helper()
	cfg, err := dynamosql.ParseDSN(dynamotest.DSN(t))
	require.NoError(t, err)
	var rt http.RoundTripper = ft
	if ledger != nil {
		ledger.next = ft
		ledger.sent, ledger.applied = map[string]int{}, map[string]int{}
		rt = ledger
	}
	cfg.ClientOptions = append(cfg.ClientOptions, func(o *dynamodb.Options) {
		o.HTTPClient = &http.Client{Transport: rt}
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.RateLimiter = ratelimit.None
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		})
	})
	c, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

func parcelEntity(t *testing.T, table string) *mapper.Entity[Parcel] {
	t.Helper()
	e, err := mapper.Register[Parcel](mapper.Table(table), mapper.GSI("hubIndex", mapper.Key("hub"), mapper.Key("seq")))
	require.NoError(t, err)
	return e
}

func parcels(n int, note string) []Parcel {
	ps := make([]Parcel, n)
	for i := range ps {
		ps[i] = Parcel{ID: fmt.Sprintf("p%04d", i), Seq: i, Note: note, Hub: fmt.Sprintf("hub%d", i%3)}
	}
	return ps
}

// TestBatchWritesUnderStatementThrottling: PutMany and DeleteMany with 30%
// of the statements throttled at random (seeded) end with every item
// written, then deleted, exactly once, and report nothing as failed.
func TestBatchWritesUnderStatementThrottling(t *testing.T) {
	const n = 300
	ft := faultinject.New(nil).Seed(30)
	ledger := &batchLedger{}
	db := relFaultDB(t, ft, ledger)
	ctx := ctxT(t)
	table := tableName(t, "relbatch")
	repo := syncRepo(t, db, parcelEntity(t, table), mapper.RepositoryOptions{BatchBackoff: time.Millisecond, BatchAttempts: 40})
	ft.Inject(faultinject.Rule{Op: "BatchExecuteStatement", Fault: faultinject.ThrottleBatchRate(0.3)})

	require.NoError(t, repo.PutMany(ctx, parcels(n, "first")), "nothing is reported as failed")
	putThrottled := ledger.throttled
	got := map[string]map[string]types.AttributeValue{}
	for _, it := range scanAll(t, table) {
		got[attrS(it, "id")] = it
	}
	require.Len(t, got, n, "every item written")
	for _, p := range parcels(n, "first") {
		it := got[p.ID]
		require.NotNil(t, it, p.ID)
		assert.Equal(t, "first", attrS(it, "note"))
		assert.Equal(t, p.Hub, attrS(it, "hub"))
		assert.Equal(t, 1, ledger.applied["INSERT "+p.ID], "%s applied exactly once", p.ID)
		assert.Zero(t, ledger.applied["UPDATE "+p.ID], "%s never replaced", p.ID)
	}
	sent := 0
	for _, v := range ledger.sent {
		sent += v
	}
	assert.Equal(t, n+putThrottled, sent, "each statement sent once, plus once per throttling")
	assert.Greater(t, putThrottled, n/5, "about 30%% of the statements were throttled")

	require.NoError(t, repo.DeleteMany(ctx, func() []mapper.ID {
		ids := make([]mapper.ID, n)
		for i := range ids {
			ids[i] = mapper.ID{fmt.Sprintf("p%04d", i)}
		}
		return ids
	}()), "nothing is reported as failed")
	assert.Empty(t, scanAll(t, table), "every item deleted")
	for i := range n {
		assert.Equal(t, 1, ledger.applied[fmt.Sprintf("DELETE p%04d", i)], "p%04d deleted exactly once", i)
	}
	t.Logf("PutMany+DeleteMany of %d items: %d requests, %d statements throttled (%d in PutMany), %d batch faults injected",
		n, ledger.requests, ledger.throttled, putThrottled, ft.Injected(faultinject.KindBatchThrottle))
}

// TestBatchWritesAfterLostResponses: a BatchExecuteStatement whose
// response is lost after DynamoDB applied it is resent by the SDK; the
// INSERTs it already applied answer DuplicateItem and PutMany replaces
// them with the same values, so every item ends written once with its
// value, and nothing is reported as failed. A DeleteMany resent the same
// way deletes nothing twice.
func TestBatchWritesAfterLostResponses(t *testing.T) {
	const n = 60
	ft := faultinject.New(nil)
	ledger := &batchLedger{}
	db := relFaultDB(t, ft, ledger)
	ctx := ctxT(t)
	table := tableName(t, "rellost")
	repo := syncRepo(t, db, parcelEntity(t, table), mapper.RepositoryOptions{BatchBackoff: time.Millisecond, BatchConcurrency: 1})
	// Three requests meet one fault each, the SDK retries each of them.
	ft.Inject(faultinject.Rule{Op: "BatchExecuteStatement", Times: 1, Fault: faultinject.DropResponse()})
	ft.Inject(faultinject.Rule{Op: "BatchExecuteStatement", Skip: 2, Times: 1, Fault: faultinject.Status(500)})
	ft.Inject(faultinject.Rule{Op: "BatchExecuteStatement", Skip: 2, Times: 1, Fault: faultinject.Throttling("ThrottlingException")})
	require.NoError(t, repo.PutMany(ctx, parcels(n, "v1")))
	items := scanAll(t, table)
	require.Len(t, items, n)
	for _, it := range items {
		assert.Equal(t, "v1", attrS(it, "note"))
	}
	assert.Equal(t, 3, ft.TotalInjected())

	ft.Clear()
	ft.Inject(faultinject.Rule{Op: "BatchExecuteStatement", Times: 1, Fault: faultinject.DropResponse()})
	ids := make([]mapper.ID, n)
	for i := range ids {
		ids[i] = mapper.ID{fmt.Sprintf("p%04d", i)}
	}
	require.NoError(t, repo.DeleteMany(ctx, ids))
	assert.Empty(t, scanAll(t, table))
	t.Logf("faults injected: drop-response=%d status=%d throttle=%d", ft.Injected(faultinject.KindDropResponse), ft.Injected(faultinject.KindStatus), ft.Injected(faultinject.KindThrottle))
}

// TestFindPageUnderReadFaults: a cursor walk of FindPage whose reads meet
// throttling, 5xx, resets and broken bodies returns every item once, in
// order.
func TestFindPageUnderReadFaults(t *testing.T) {
	const n = 90
	ft := faultinject.New(nil).Seed(5)
	db := relFaultDB(t, ft, nil)
	ctx := ctxT(t)
	table := tableName(t, "relpage")
	repo := syncRepo(t, db, parcelEntity(t, table), mapper.RepositoryOptions{BatchBackoff: time.Millisecond})
	require.NoError(t, repo.PutMany(ctx, parcels(n, "x")))
	// Every other read meets a fault, the four kinds in turn: the SDK's
	// retries and the driver's resends absorb them.
	reads := 0
	for k, f := range []faultinject.Fault{faultinject.Throttling(""), faultinject.Status(503), faultinject.Reset(), faultinject.BreakBody()} {
		ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: f, Match: func(string, []byte) bool {
			if k == 0 {
				reads++ // the first rule sees every read; Match runs under the transport's lock
			}
			return reads%8 == 2*k+1
		}})
	}
	q := mapper.Query{Where: []mapper.Cond{mapper.Eq("hub", "hub1")}, Sort: mapper.Asc("seq")}
	p := pagination.Pageable{Size: 7}
	var seqs []int
	for {
		page, err := repo.FindPage(ctx, q, p)
		require.NoError(t, err)
		for _, v := range page.Content {
			seqs = append(seqs, v.Seq)
		}
		if !page.HasNext {
			break
		}
		p = pagination.Pageable{Cursor: page.NextCursor}
	}
	var want []int
	for i := 1; i < n; i += 3 {
		want = append(want, i)
	}
	assert.Equal(t, want, seqs, "every item once, in order")
	assert.Positive(t, ft.TotalInjected())
	t.Logf("faults injected: throttle=%d status=%d reset=%d break-body=%d", ft.Injected(faultinject.KindThrottle), ft.Injected(faultinject.KindStatus), ft.Injected(faultinject.KindReset), ft.Injected(faultinject.KindBreakBody))
}
