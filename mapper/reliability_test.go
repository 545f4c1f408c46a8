package mapper_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
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

// batchLedger records, for each item, how many times a statement or
// write request on it was sent in a BatchExecuteStatement or a
// BatchWriteItem, and how many of those DynamoDB applied (answered
// without a per-statement error, or did not return as unprocessed), read
// from the requests and responses on the wire. Statements are recorded
// as "INSERT id", "UPDATE id", "DELETE id", write requests as "PUT id"
// and "DEL id".
type batchLedger struct {
	next http.RoundTripper

	mu          sync.Mutex
	sent        map[string]int
	applied     map[string]int
	throttled   int // statements answered ThrottlingError
	unprocessed int // write requests returned as unprocessed
	requests    int
}

func (l *batchLedger) RoundTrip(req *http.Request) (*http.Response, error) {
	switch faultinject.Operation(req) {
	case "BatchWriteItem":
		return l.writeItems(req)
	case "BatchExecuteStatement":
	default:
		return l.next.RoundTrip(req)
	}
	var in struct {
		Statements []struct {
			Statement  string
			Parameters []map[string]any
		}
	}
	var out struct {
		Responses []struct {
			Error *struct{ Code string }
		}
	}
	resp, ok, err := l.exchange(req, &in, &out)
	if !ok || len(out.Responses) != len(in.Statements) {
		return resp, err
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

// exchange decodes req's JSON body into in, sends req on, and decodes a
// 200 answer into out, leaving both bodies readable. ok reports that both
// were decoded; resp and err are what to return either way.
func (l *batchLedger) exchange(req *http.Request, in, out any) (resp *http.Response, ok bool, err error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, false, err
	}
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err := json.Unmarshal(body, in); err != nil {
		return nil, false, err
	}
	resp, err = l.next.RoundTrip(req)
	if err != nil {
		return resp, false, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, false, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, resp.StatusCode == http.StatusOK && json.Unmarshal(data, out) == nil, nil
}

// writeRequest is a BatchWriteItem write request on the wire.
type writeRequest struct {
	PutRequest    *struct{ Item map[string]map[string]any }
	DeleteRequest *struct{ Key map[string]map[string]any }
}

// op is "PUT id" or "DEL id".
func (w writeRequest) op() string {
	if w.PutRequest != nil {
		id, _ := w.PutRequest.Item["id"]["S"].(string)
		return "PUT " + id
	}
	id, _ := w.DeleteRequest.Key["id"]["S"].(string)
	return "DEL " + id
}

// writeItems records a BatchWriteItem: every write request as sent, and
// as applied unless the answer returns it unprocessed.
func (l *batchLedger) writeItems(req *http.Request) (*http.Response, error) {
	var in struct{ RequestItems map[string][]writeRequest }
	var out struct{ UnprocessedItems map[string][]writeRequest }
	resp, ok, err := l.exchange(req, &in, &out)
	if !ok {
		return resp, err
	}
	left := map[string]bool{}
	for _, reqs := range out.UnprocessedItems {
		for _, w := range reqs {
			left[w.op()] = true
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	for _, reqs := range in.RequestItems {
		for _, w := range reqs {
			op := w.op()
			l.sent[op]++
			if left[op] {
				l.unprocessed++
			} else {
				l.applied[op]++
			}
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

// TestBatchWritesUnderStatementThrottling: PutMany writing PartiQL
// statements (KeepUnknownAttributes) with 30% of them throttled at random
// (seeded) ends with every item written exactly once, and reports
// nothing as failed.
func TestBatchWritesUnderStatementThrottling(t *testing.T) {
	const n = 300
	ft := faultinject.New(nil).Seed(30)
	ledger := &batchLedger{}
	db := relFaultDB(t, ft, ledger)
	ctx := dynamotest.Context(t)
	table := tableName(t, "relbatch")
	repo := syncRepo(t, db, parcelEntity(t, table), mapper.RepositoryOptions{BatchBackoff: time.Millisecond, BatchAttempts: 40, KeepUnknownAttributes: true})
	ft.Inject(faultinject.Rule{Op: "BatchExecuteStatement", Fault: faultinject.ThrottleBatchRate(0.3)})

	require.NoError(t, repo.PutMany(ctx, parcels(n, "first")), "nothing is reported as failed")
	assertParcels(t, table, parcels(n, "first"))
	for _, p := range parcels(n, "first") {
		assert.Equal(t, 1, ledger.applied["INSERT "+p.ID], "%s applied exactly once", p.ID)
		assert.Zero(t, ledger.applied["UPDATE "+p.ID], "%s never replaced", p.ID)
	}
	sent := 0
	for _, v := range ledger.sent {
		sent += v
	}
	assert.Equal(t, n+ledger.throttled, sent, "each statement sent once, plus once per throttling")
	assert.Greater(t, ledger.throttled, n/5, "about 30%% of the statements were throttled")
	t.Logf("PutMany of %d items: %d requests, %d statements throttled, %d batch faults injected",
		n, ledger.requests, ledger.throttled, ft.Injected(faultinject.KindBatchThrottle))
}

// TestBatchWritesUnderUnprocessedItems: PutMany and DeleteMany with
// BatchWriteItem, 30% of whose write requests DynamoDB returns as
// unprocessed at random (seeded), end with every item written, then
// deleted, and report nothing as failed; each item is sent once plus
// once per time it came back unprocessed.
func TestBatchWritesUnderUnprocessedItems(t *testing.T) {
	const n = 300
	ft := faultinject.New(nil).Seed(31)
	ledger := &batchLedger{}
	db := relFaultDB(t, ft, ledger)
	ctx := dynamotest.Context(t)
	table := tableName(t, "relunproc")
	repo := syncRepo(t, db, parcelEntity(t, table), mapper.RepositoryOptions{BatchBackoff: time.Millisecond, BatchAttempts: 40})
	ft.Inject(faultinject.Rule{Op: "BatchWriteItem", Fault: faultinject.UnprocessBatchRate(0.3)})

	require.NoError(t, repo.PutMany(ctx, parcels(n, "first")), "nothing is reported as failed")
	assertParcels(t, table, parcels(n, "first"))
	putLeft := ledger.unprocessed
	for _, p := range parcels(n, "first") {
		assert.Equal(t, 1, ledger.applied["PUT "+p.ID], "%s applied exactly once", p.ID)
		assert.Zero(t, ledger.sent["INSERT "+p.ID], "%s: no PartiQL statement", p.ID)
	}
	assert.Greater(t, putLeft, n/5, "about 30%% of the puts came back unprocessed")

	ids := make([]mapper.ID, n)
	for i := range ids {
		ids[i] = mapper.ID{fmt.Sprintf("p%04d", i)}
	}
	require.NoError(t, repo.DeleteMany(ctx, ids), "nothing is reported as failed")
	assert.Empty(t, scanAll(t, table), "every item deleted")
	sent := 0
	for op, v := range ledger.sent {
		sent += v
		if strings.HasPrefix(op, "DEL ") {
			assert.Equal(t, 1, ledger.applied[op], "%s applied exactly once", op)
		}
	}
	assert.Equal(t, 2*n+ledger.unprocessed, sent, "each write sent once, plus once per time it came back unprocessed")
	assert.Greater(t, ledger.unprocessed-putLeft, n/5, "about 30%% of the deletes came back unprocessed")
	t.Logf("PutMany+DeleteMany of %d items: %d requests, %d write requests unprocessed (%d in PutMany), %d faults injected",
		n, ledger.requests, ledger.unprocessed, putLeft, ft.Injected(faultinject.KindUnprocessed))
}

// assertParcels checks that table holds exactly want.
func assertParcels(t *testing.T, table string, want []Parcel) {
	t.Helper()
	got := map[string]map[string]types.AttributeValue{}
	for _, it := range scanAll(t, table) {
		got[attrS(it, "id")] = it
	}
	require.Len(t, got, len(want), "every item written")
	for _, p := range want {
		it := got[p.ID]
		require.NotNil(t, it, p.ID)
		assert.Equal(t, p.Note, attrS(it, "note"))
		assert.Equal(t, p.Hub, attrS(it, "hub"))
	}
}

// batchFaultRepo returns a repository of parcels in a new table whose
// requests go through ft, one batch request at a time, and the operation
// PutMany sends: BatchExecuteStatement with KeepUnknownAttributes,
// BatchWriteItem without.
func batchFaultRepo(t *testing.T, prefix string, keep bool) (ft *faultinject.Transport, repo *mapper.Repository[Parcel], table, op string) {
	ft = faultinject.New(nil)
	db := relFaultDB(t, ft, &batchLedger{})
	table = tableName(t, prefix)
	repo = syncRepo(t, db, parcelEntity(t, table), mapper.RepositoryOptions{BatchBackoff: time.Millisecond, BatchConcurrency: 1, KeepUnknownAttributes: keep})
	op = "BatchWriteItem"
	if keep {
		op = "BatchExecuteStatement"
	}
	return ft, repo, table, op
}

// TestBatchWritesAfterLostResponses: a batch request whose response is
// lost after DynamoDB applied it, or that meets a 500 or a throttling
// error, is resent by the SDK. For PartiQL statements
// (KeepUnknownAttributes) the INSERTs already applied answer
// DuplicateItem and PutMany replaces them with the same values; whole-
// item puts and deletes (BatchWriteItem) are idempotent. Either way every
// item ends written once with its value, or deleted, and nothing is
// reported as failed.
func TestBatchWritesAfterLostResponses(t *testing.T) {
	const n = 60
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("KeepUnknownAttributes=%v", keep), func(t *testing.T) {
			ft, repo, table, op := batchFaultRepo(t, "rellost", keep)
			ctx := dynamotest.Context(t)
			// Three requests meet one fault each, the SDK retries each of them.
			ft.Inject(faultinject.Rule{Op: op, Times: 1, Fault: faultinject.DropResponse()})
			ft.Inject(faultinject.Rule{Op: op, Skip: 2, Times: 1, Fault: faultinject.Status(500)})
			ft.Inject(faultinject.Rule{Op: op, Skip: 2, Times: 1, Fault: faultinject.Throttling("ThrottlingException")})
			require.NoError(t, repo.PutMany(ctx, parcels(n, "v1")))
			assertParcels(t, table, parcels(n, "v1"))
			assert.Equal(t, 3, ft.TotalInjected())

			ft.Clear()
			before := ft.TotalInjected()
			ft.Inject(faultinject.Rule{Op: "BatchWriteItem", Times: 1, Fault: faultinject.DropResponse()})
			ids := make([]mapper.ID, n)
			for i := range ids {
				ids[i] = mapper.ID{fmt.Sprintf("p%04d", i)}
			}
			require.NoError(t, repo.DeleteMany(ctx, ids))
			assert.Empty(t, scanAll(t, table))
			assert.Equal(t, 1, ft.TotalInjected()-before, "the DeleteMany's first request lost its response")
		})
	}
}

// TestBatchWritesResubmitThrottledRequests: a batch request DynamoDB
// keeps throttling as a whole beyond the SDK's own retries is resubmitted
// by PutMany and DeleteMany after a backoff, for statements and for
// write requests alike.
func TestBatchWritesResubmitThrottledRequests(t *testing.T) {
	const n = 30
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("KeepUnknownAttributes=%v", keep), func(t *testing.T) {
			ft, repo, table, op := batchFaultRepo(t, "relthrottle", keep)
			ctx := dynamotest.Context(t)
			// More throttling answers in a row than the SDK's 3 attempts.
			ft.Inject(faultinject.Rule{Op: op, Times: 5, Fault: faultinject.Throttling("ProvisionedThroughputExceededException")})
			require.NoError(t, repo.PutMany(ctx, parcels(n, "v1")))
			assertParcels(t, table, parcels(n, "v1"))
			assert.Equal(t, 5, ft.TotalInjected())

			ft.Clear()
			before := ft.TotalInjected()
			ft.Inject(faultinject.Rule{Op: "BatchWriteItem", Times: 4, Fault: faultinject.Throttling("ThrottlingException")})
			ids := make([]mapper.ID, n)
			for i := range ids {
				ids[i] = mapper.ID{fmt.Sprintf("p%04d", i)}
			}
			require.NoError(t, repo.DeleteMany(ctx, ids))
			assert.Empty(t, scanAll(t, table))
			assert.Equal(t, 4, ft.TotalInjected()-before)
		})
	}
}

// TestFindPageUnderReadFaults: a cursor walk of FindPage whose reads meet
// throttling, 5xx, resets and broken bodies returns every item once, in
// order.
func TestFindPageUnderReadFaults(t *testing.T) {
	const n = 90
	ft := faultinject.New(nil).Seed(5)
	db := relFaultDB(t, ft, nil)
	ctx := dynamotest.Context(t)
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
