package dynamosql_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// obsEnv is a driver whose requests go through a fault-injection
// transport (which can add ConsumedCapacity to DynamoDB Local's answers,
// as the service does), with an in-memory span recorder and metric
// reader.
type obsEnv struct {
	db     *sql.DB
	conn   *dynamosql.Connector
	ft     *faultinject.Transport
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
}

func newObsEnv(t testing.TB, dsnExtra string, edit func(*dynamosql.Config)) *obsEnv {
	t.Helper()
	e := &obsEnv{ft: faultinject.New(nil), spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	dsn := dynamotest.DSN(t)
	if dsnExtra != "" {
		dsn += ";" + dsnExtra
	}
	cfg, err := dynamosql.ParseDSN(dsn)
	require.NoError(t, err)
	cfg.TracerProvider = e.tp
	cfg.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	cfg.ClientOptions = append(cfg.ClientOptions, e.ft.ClientOption(), faultinject.FastRetries())
	if edit != nil {
		edit(cfg)
	}
	e.conn, err = dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	e.db = sql.OpenDB(e.conn)
	t.Cleanup(func() { e.db.Close() })
	return e
}

// named returns the ended spans called name.
func (e *obsEnv) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range e.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// one returns the one ended span called name.
func (e *obsEnv) one(t *testing.T, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	s := e.named(name)
	require.Len(t, s, 1, "one span %q among %v", name, e.spanNames())
	return s[0]
}

func (e *obsEnv) spanNames() []string {
	var names []string
	for _, s := range e.spans.Ended() {
		names = append(names, s.Name())
	}
	return names
}

// children returns the ended spans whose parent is s.
func (e *obsEnv) children(s sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, c := range e.spans.Ended() {
		if c.Parent().SpanID() == s.SpanContext().SpanID() {
			out = append(out, c)
		}
	}
	return out
}

// attrs returns a span's attributes by key.
func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// metrics collects the metrics and returns them by name.
func (e *obsEnv) metrics(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, e.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// sumOf returns the sum of a counter's points whose attributes include
// want.
func sumOf[N int64 | float64](t *testing.T, m metricdata.Metrics, want ...attribute.KeyValue) N {
	t.Helper()
	s, ok := m.Data.(metricdata.Sum[N])
	require.True(t, ok, "%s is a sum of %T", m.Name, N(0))
	var n N
	for _, p := range s.DataPoints {
		if hasAll(p.Attributes, want) {
			n += p.Value
		}
	}
	return n
}

// histCount returns the number of values a float64 histogram recorded
// with attributes including want.
func histCount(t *testing.T, m metricdata.Metrics, want ...attribute.KeyValue) uint64 {
	t.Helper()
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a float64 histogram", m.Name)
	var n uint64
	for _, p := range h.DataPoints {
		if hasAll(p.Attributes, want) {
			n += p.Count
		}
	}
	return n
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		v, ok := set.Value(kv.Key)
		if !ok || v != kv.Value {
			return false
		}
	}
	return true
}

var (
	sysAttr = attribute.String("db.system.name", "aws.dynamodb")
)

// statementSpan checks the span of a statement: its name, kind and the
// attributes every statement span has.
func statementSpan(t *testing.T, e *obsEnv, op, table string) sdktrace.ReadOnlySpan {
	t.Helper()
	s := e.one(t, op+" "+table)
	assert.Equal(t, trace.SpanKindClient, s.SpanKind())
	a := attrs(s)
	assert.Equal(t, "aws.dynamodb", a["db.system.name"].AsString())
	assert.Equal(t, op, a["db.operation.name"].AsString())
	assert.Equal(t, table, a["db.collection.name"].AsString())
	assert.Equal(t, []string{table}, a["aws.dynamodb.table_names"].AsStringSlice())
	return s
}

// requestSpans checks that the children of s are requests (n of them of
// op, and at most a DescribeTable the catalog made for the statement),
// and returns those of op.
func requestSpans(t *testing.T, e *obsEnv, s sdktrace.ReadOnlySpan, op string, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	var kids []sdktrace.ReadOnlySpan
	for _, k := range e.children(s) {
		if k.Name() == "DynamoDB.DescribeTable" {
			continue
		}
		kids = append(kids, k)
	}
	if !assert.Len(t, kids, n, "requests of %s: %v", s.Name(), e.spanNames()) {
		for _, k := range e.spans.Ended() {
			t.Logf("%s %s parent %s attrs %v", k.Name(), k.SpanContext().SpanID(), k.Parent().SpanID(), k.Attributes())
		}
		t.FailNow()
	}
	for _, k := range kids {
		assert.Equal(t, "DynamoDB."+op, k.Name())
		assert.Equal(t, trace.SpanKindClient, k.SpanKind())
		a := attrs(k)
		assert.Equal(t, "aws-api", a["rpc.system"].AsString())
		assert.Equal(t, "DynamoDB", a["rpc.service"].AsString())
		assert.Equal(t, op, a["rpc.method"].AsString())
		assert.Equal(t, op, a["db.operation.name"].AsString())
		assert.Equal(t, "aws.dynamodb", a["db.system.name"].AsString())
		assert.Equal(t, s.SpanContext().TraceID(), k.SpanContext().TraceID())
	}
	return kids
}

func TestObservePointRead(t *testing.T) {
	e := newObsEnv(t, "", nil)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "obs_point", "id", "")
	exec(t, e.db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'u1', 'secret': ?}`, table), "value-never-traced")
	e.ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.ReportCapacity(0.5)})
	e.spans.Reset()

	var cc dynamosql.ConsumedCapacity
	q := fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, table)
	rows, err := e.db.QueryContext(ctx, q, "u1", dynamosql.Capacity(&cc))
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		n++
	}
	require.NoError(t, rows.Close())
	require.Equal(t, 1, n)

	s := statementSpan(t, e, "SELECT", table)
	a := attrs(s)
	assert.Equal(t, q, a["db.query.text"].AsString())
	assert.Equal(t, "single item", a["dynamosql.access"].AsString())
	assert.False(t, a["dynamosql.scan"].AsBool())
	assert.Equal(t, int64(1), a["dynamosql.pages"].AsInt64())
	assert.Equal(t, int64(1), a["dynamosql.rows"].AsInt64())
	assert.Equal(t, codes.Unset, s.Status().Code)
	assert.Equal(t, []string{`{"TableName":"` + table + `","CapacityUnits":0.5,"ReadCapacityUnits":0.5,"WriteCapacityUnits":0,"Table":{"CapacityUnits":0.5,"ReadCapacityUnits":0.5,"WriteCapacityUnits":0}}`},
		a["aws.dynamodb.consumed_capacity"].AsStringSlice())
	for _, kv := range s.Attributes() {
		assert.NotContains(t, kv.Value.String(), "value-never-traced", "a parameter value in %s", kv.Key)
	}
	req := requestSpans(t, e, s, "ExecuteStatement", 1)[0]
	assert.NotEmpty(t, attrs(req)["aws.request_id"].AsString())
	assert.Len(t, attrs(req)["aws.dynamodb.consumed_capacity"].AsStringSlice(), 1)

	// The Capacity option's figure: what the injected answer reported.
	assert.Equal(t, 0.5, cc.Read)
	assert.Equal(t, 0.0, cc.Write)
	assert.Equal(t, 1, cc.Requests)
	assert.Equal(t, 0.5, cc.Tables[table].Table.Read)
	assert.Equal(t, e.ft.Capacity(table, ""), cc.Total())

	m := e.metrics(t)
	selectAttrs := []attribute.KeyValue{sysAttr, attribute.String("db.operation.name", "SELECT"), attribute.String("db.collection.name", table)}
	assert.Equal(t, uint64(1), histCount(t, m["db.client.operation.duration"], selectAttrs...))
	assert.Equal(t, "s", m["db.client.operation.duration"].Unit)
	assert.Equal(t, int64(2), sumOf[int64](t, m["dynamosql.client.requests"], attribute.String("rpc.method", "ExecuteStatement")),
		"the INSERT's request and the SELECT's")
	assert.Equal(t, 0.5, sumOf[float64](t, m["dynamosql.client.consumed_capacity"], attribute.String("db.collection.name", table), attribute.String("dynamosql.capacity.kind", "read")))
	rowsHist, ok := m["db.client.response.returned_rows"].Data.(metricdata.Histogram[int64])
	require.True(t, ok)
	var rowsSum int64
	for _, p := range rowsHist.DataPoints {
		rowsSum += p.Sum
	}
	assert.Equal(t, int64(1), rowsSum)
}

func TestObserveMultiPageScan(t *testing.T) {
	e := newObsEnv(t, "scan=allow", nil)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "obs_scan", "id", "")
	for i := range 5 {
		exec(t, e.db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'n': ?}`, table), fmt.Sprintf("i%d", i), i)
	}
	e.ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.ReportCapacity(1)})
	e.spans.Reset()
	before := e.conn.Stats()

	var cc dynamosql.ConsumedCapacity
	var pos dynamosql.Position
	rows, err := e.db.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q WHERE n >= 0`, table), dynamosql.PageSize(2), dynamosql.Track(&pos), dynamosql.Capacity(&cc))
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		n++
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	require.Equal(t, 5, n)
	require.GreaterOrEqual(t, pos.Pages, 3)

	s := statementSpan(t, e, "SELECT", table)
	a := attrs(s)
	assert.True(t, a["dynamosql.scan"].AsBool())
	assert.Equal(t, "scan", a["dynamosql.access"].AsString())
	assert.Equal(t, int64(pos.Pages), a["dynamosql.pages"].AsInt64())
	assert.Equal(t, int64(5), a["dynamosql.rows"].AsInt64())
	requestSpans(t, e, s, "ExecuteStatement", pos.Pages)
	assert.Equal(t, int64(len(e.children(s))), a["dynamosql.requests"].AsInt64(), "its pages (and a DescribeTable for SELECT *'s columns)")

	assert.Equal(t, float64(pos.Pages), cc.Read, "one unit per page, summed over all pages")
	assert.Equal(t, pos.Pages, cc.Requests)
	after := e.conn.Stats()
	assert.Equal(t, int64(1), after.FullScans-before.FullScans)
	assert.Equal(t, int64(len(e.named("DynamoDB.ExecuteStatement"))+len(e.named("DynamoDB.DescribeTable"))), after.Requests-before.Requests,
		"its requests, and the planner's DescribeTable before it")
}

func TestObserveInsertAndFailedConditionalUpdate(t *testing.T) {
	e := newObsEnv(t, "", nil)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "obs_write", "id", "")
	e.ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.ReportCapacity(1)})

	var cc dynamosql.ConsumedCapacity
	ins := fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'v': ?}`, table)
	res, err := e.db.ExecContext(ctx, ins, "a", 1, dynamosql.Capacity(&cc))
	require.NoError(t, err)
	n, _ := res.RowsAffected()
	require.Equal(t, int64(1), n)
	assert.Equal(t, 1.0, cc.Write, "an INSERT's units are writes")
	s := statementSpan(t, e, "INSERT", table)
	assert.Equal(t, ins, attrs(s)["db.query.text"].AsString())
	assert.Equal(t, int64(1), attrs(s)["dynamosql.rows_affected"].AsInt64())
	requestSpans(t, e, s, "ExecuteStatement", 1)

	// An UPDATE whose condition fails: 0 rows, the statement succeeds and
	// its request span carries DynamoDB's error code.
	upd := fmt.Sprintf(`UPDATE %q SET v = ? WHERE id = ? AND v = ?`, table)
	res, err = e.db.ExecContext(ctx, upd, 3, "a", 2)
	require.NoError(t, err)
	n, _ = res.RowsAffected()
	require.Equal(t, int64(0), n)
	s = statementSpan(t, e, "UPDATE", table)
	assert.Equal(t, codes.Unset, s.Status().Code)
	assert.True(t, attrs(s)["dynamosql.condition_failed"].AsBool())
	assert.Equal(t, int64(0), attrs(s)["dynamosql.rows_affected"].AsInt64())
	req := requestSpans(t, e, s, "ExecuteStatement", 1)[0]
	assert.Equal(t, codes.Error, req.Status().Code)
	assert.Equal(t, "ConditionalCheckFailedException", attrs(req)["error.type"].AsString())

	// With ReturnItemOnConditionFailure: an error carrying the item
	// (DynamoDB Local returns it with ALL_OLD), and an error span.
	e.spans.Reset()
	_, err = e.db.ExecContext(ctx, upd, 3, "a", 2, dynamosql.ReturnItemOnConditionFailure())
	var ce *dynamosql.ConditionError
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, dynamosql.ErrConditionFailed)
	require.NotNil(t, ce.Item)
	var got struct {
		ID string `dynamodbav:"id"`
		V  int    `dynamodbav:"v"`
	}
	require.NoError(t, ce.Item.Scan(&got))
	assert.Equal(t, 1, got.V, "the stored item")
	s = statementSpan(t, e, "UPDATE", table)
	assert.Equal(t, codes.Error, s.Status().Code)
	assert.Equal(t, "ConditionalCheckFailedException", attrs(s)["error.type"].AsString())

	// No item has the key: the error says so, Item is nil.
	_, err = e.db.ExecContext(ctx, upd, 3, "missing", 2, dynamosql.ReturnItemOnConditionFailure())
	require.ErrorAs(t, err, &ce)
	assert.Nil(t, ce.Item)
	assert.Contains(t, err.Error(), "no item has its key")

	// A duplicate INSERT: DynamoDB returns no item; the driver reads it.
	_, err = e.db.ExecContext(ctx, ins, "a", 7, dynamosql.ReturnItemOnConditionFailure())
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)
	require.NoError(t, ce.Item.Scan(&got))
	assert.Equal(t, "a", got.ID)
	assert.Equal(t, 1, got.V)

	// The same for a whole Go value: the key comes from the expanded item.
	whole := fmt.Sprintf(`INSERT INTO %q VALUE ?`, table)
	_, err = e.db.ExecContext(ctx, whole, map[string]any{"id": "a", "v": 8}, dynamosql.ReturnItemOnConditionFailure())
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)
	require.NotNil(t, ce.Item, "the stored item, read by the key of the value given")
	require.NoError(t, ce.Item.Scan(&got))
	assert.Equal(t, 1, got.V)

	m := e.metrics(t)
	assert.Equal(t, uint64(2), histCount(t, m["db.client.operation.duration"], sysAttr,
		attribute.String("db.operation.name", "UPDATE"), attribute.String("error.type", "ConditionalCheckFailedException")),
		"the two UPDATEs run with ReturnItemOnConditionFailure failed")
}

func TestObserveTransactions(t *testing.T) {
	e := newObsEnv(t, "", nil)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "obs_tx", "id", "")
	exec(t, e.db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a', 'v': 1}`, table))
	e.ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Fault: faultinject.ReportCapacity(2)})
	e.spans.Reset()

	meter := dynamosql.NewCapacityMeter()
	tctx := dynamosql.WithCapacityMeter(ctx, meter)
	tx, err := e.db.BeginTx(tctx, nil)
	require.NoError(t, err)
	upd := fmt.Sprintf(`UPDATE %q SET v = v + 1 WHERE id = ?`, table)
	ins := fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'v': 1}`, table)
	_, err = tx.ExecContext(ctx, upd, "a")
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, ins, "b")
	require.NoError(t, err)
	var cc dynamosql.ConsumedCapacity
	_, err = tx.ExecContext(ctx, ins, "c", dynamosql.Capacity(&cc))
	require.ErrorIs(t, err, dynamosql.ErrBadOption, "a buffered statement sends nothing: the option is refused")
	require.NoError(t, tx.Commit())

	s := statementSpan(t, e, "COMMIT", table)
	a := attrs(s)
	assert.Equal(t, int64(2), a["dynamosql.tx.statements"].AsInt64())
	assert.Equal(t, upd+"; "+ins, a["db.query.text"].AsString())
	requestSpans(t, e, s, "ExecuteTransaction", 1)
	got := meter.Consumed()
	assert.Equal(t, 4.0, got.Write, "two statements of 2 units, as writes")
	assert.Equal(t, e.ft.Capacity(table, ""), got.Total())

	// A cancelled transaction: its span is an error, and the failure of
	// the statement run with ReturnItemOnConditionFailure carries the item
	// (DynamoDB Local returns it with ALL_OLD).
	e.spans.Reset()
	tx, err = e.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET v = 9 WHERE id = ? AND v = ?`, table), "a", 100, dynamosql.ReturnItemOnConditionFailure())
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, ins, "d")
	require.NoError(t, err)
	err = tx.Commit()
	var te *dynamosql.TxError
	require.ErrorAs(t, err, &te)
	require.Len(t, te.Failures, 1)
	require.NotNil(t, te.Failures[0].Item)
	var item struct {
		V int `dynamodbav:"v"`
	}
	require.NoError(t, te.Failures[0].Item.Scan(&item))
	assert.Equal(t, 2, item.V, "the item as it is, after the first commit")
	s = statementSpan(t, e, "COMMIT", table)
	assert.Equal(t, codes.Error, s.Status().Code)
	assert.Equal(t, "TransactionCanceledException", attrs(s)["error.type"].AsString())
	req := requestSpans(t, e, s, "ExecuteTransaction", 1)[0]
	assert.Equal(t, "TransactionCanceledException", attrs(req)["error.type"].AsString())
}

func TestObserveThrottledThenRetried(t *testing.T) {
	e := newObsEnv(t, "", nil)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "obs_throttle", "id", "")
	exec(t, e.db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table))
	var id string
	require.NoError(t, e.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE id = ?`, table), "a").Scan(&id), "the catalog describes the table")
	e.spans.Reset()
	e.ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 1, Fault: faultinject.Throttling("")})
	before := e.conn.Stats()

	require.NoError(t, e.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE id = ?`, table), "a").Scan(&id))

	s := statementSpan(t, e, "SELECT", table)
	assert.Equal(t, codes.Unset, s.Status().Code)
	assert.Equal(t, int64(2), attrs(s)["dynamosql.requests"].AsInt64())
	assert.Equal(t, int64(1), attrs(s)["dynamosql.retries"].AsInt64())
	req := requestSpans(t, e, s, "ExecuteStatement", 1)[0]
	assert.Equal(t, codes.Unset, req.Status().Code, "the call succeeded")
	var events []string
	for _, ev := range req.Events() {
		events = append(events, ev.Name)
	}
	assert.Equal(t, []string{"throttled", "retry"}, events)
	after := e.conn.Stats()
	assert.Equal(t, int64(2), after.Requests-before.Requests)
	assert.Equal(t, int64(1), after.Retries-before.Retries)
	assert.Equal(t, int64(1), after.Throttled-before.Throttled)

	m := e.metrics(t)
	op := attribute.String("rpc.method", "ExecuteStatement")
	assert.Equal(t, int64(1), sumOf[int64](t, m["dynamosql.client.retries"], op))
	assert.Equal(t, int64(1), sumOf[int64](t, m["dynamosql.client.throttles"], op))
}

// TestCapacityTotalsUnderConcurrency runs 64 goroutines of statements
// whose answers report capacity: every statement's Capacity figure, a
// shared CapacityMeter and the connector's totals equal what the injected
// answers reported.
func TestCapacityTotalsUnderConcurrency(t *testing.T) {
	e := newObsEnv(t, "capacity=total", nil)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "obs_conc", "id", "")
	e.ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.ReportCapacity(0.5)})
	e.ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Fault: faultinject.ReportCapacity(1)})
	meter := dynamosql.NewCapacityMeter()
	mctx := dynamosql.WithCapacityMeter(ctx, meter)
	const workers = 64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sumStatements float64
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			id := fmt.Sprintf("w%02d", w)
			var ins, sel dynamosql.ConsumedCapacity
			if _, err := e.db.ExecContext(mctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?}`, table), id, dynamosql.Capacity(&ins)); err != nil {
				errs <- err
				return
			}
			rows, err := e.db.QueryContext(mctx, fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, table), id, dynamosql.Capacity(&sel))
			if err != nil {
				errs <- err
				return
			}
			for rows.Next() {
			}
			rows.Close()
			tx, err := e.db.BeginTx(mctx, nil)
			if err != nil {
				errs <- err
				return
			}
			if _, err := tx.ExecContext(mctx, fmt.Sprintf(`UPDATE %q SET n = 1 WHERE id = ?`, table), id); err != nil {
				errs <- err
				return
			}
			if err := tx.Commit(); err != nil {
				errs <- err
				return
			}
			if ins.Write != 0.5 || sel.Read != 0.5 {
				errs <- fmt.Errorf("worker %d: insert %v, select %v: want 0.5 WCU and 0.5 RCU", w, ins, sel)
			}
			mu.Lock()
			sumStatements += ins.Total() + sel.Total()
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	reported := e.ft.Capacity(table, "")
	assert.Equal(t, float64(workers)*(0.5+0.5+1), reported)
	assert.Equal(t, float64(workers)*(0.5+0.5), sumStatements)
	got := meter.Consumed()
	assert.Equal(t, reported, got.Total())
	assert.Equal(t, float64(workers)*0.5, got.Read)
	assert.Equal(t, float64(workers)*1.5, got.Write)
	assert.Equal(t, 3*workers, got.Requests)
	st := e.conn.Stats()
	assert.Equal(t, reported, st.Capacity.Total())
	assert.Equal(t, reported, st.Capacity.Tables[table].Total())
	assert.Equal(t, float64(workers)*0.5, st.Capacity.Read)
	assert.GreaterOrEqual(t, st.Statements, int64(3*workers))
}

func TestStatementLogs(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedBuffer{mu: &mu, b: &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newObsEnv(t, "capacity=total", func(c *dynamosql.Config) {
		c.Logger = logger
		c.AccessKeyID, c.SecretAccessKey = "local", "the-secret-key-value"
	})
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "obs_log", "id", "")
	e.ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.ReportCapacity(1)})
	exec(t, e.db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'card': ?}`, table), "a", "4111-1111-1111-1111")
	var id string
	require.NoError(t, e.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE id = ?`, table), "a").Scan(&id))
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	assert.NotContains(t, out, "4111-1111-1111-1111", "values are never logged")
	assert.NotContains(t, out, "the-secret-key-value")
	var selectLine string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"operation":"SELECT"`) {
			selectLine = l
		}
	}
	require.NotEmpty(t, selectLine, out)
	for _, want := range []string{`"level":"DEBUG"`, `"msg":"dynamosql: statement"`, `"statement":"SELECT id FROM`, `"access":"single item"`, `"pages":1`, `"rows":1`, `"duration":`, `"rcu":1`} {
		assert.Contains(t, selectLine, want)
	}
	assert.Contains(t, out, `"operation":"INSERT"`)
	assert.Contains(t, out, `"wcu":1`)
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestNoDebugLogsAboveDebug(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedBuffer{mu: &mu, b: &buf}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := newObsEnv(t, "", func(c *dynamosql.Config) { c.Logger = logger })
	table := dynamotest.SimpleTable(t, "obs_nolog", "id", "")
	exec(t, e.db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table))
	// The scan guard's warning keeps its level.
	rows, err := e.db.QueryContext(dynamotest.Context(t), fmt.Sprintf(`SELECT * FROM %q WHERE x = 1`, table))
	require.NoError(t, err)
	rows.Close()
	mu.Lock()
	defer mu.Unlock()
	assert.NotContains(t, buf.String(), "dynamosql: statement")
	assert.Contains(t, buf.String(), "level=WARN msg=\"dynamosql: SELECT scans a whole table or index\"")
}

func TestCapacityOptionErrors(t *testing.T) {
	db := dynamotest.OpenDB(t)
	_, err := db.ExecContext(dynamotest.Context(t), `DELETE FROM "x" WHERE id = 'a'`, dynamosql.Capacity(nil))
	require.ErrorIs(t, err, dynamosql.ErrBadOption)
	assert.Contains(t, err.Error(), "Capacity(nil)")
	_, err = dynamosql.ParseDSN("capacity=some")
	require.ErrorIs(t, err, dynamosql.ErrInvalidDSN)
	assert.Contains(t, err.Error(), "use none, total or indexes")
	cfg, err := dynamosql.ParseDSN("region=us-east-1;capacity=INDEXES")
	require.NoError(t, err)
	assert.Equal(t, dynamosql.CapacityIndexes, cfg.Capacity)
	assert.Equal(t, "region=us-east-1;capacity=indexes", cfg.FormatDSN())
	tx, err := db.BeginTx(dynamotest.Context(t), nil)
	require.NoError(t, err)
	defer tx.Rollback()
	var cc dynamosql.ConsumedCapacity
	_, err = tx.ExecContext(dynamotest.Context(t), `DELETE FROM "x" WHERE id = 'a'`, dynamosql.Capacity(&cc))
	require.ErrorIs(t, err, dynamosql.ErrBadOption)
	assert.Contains(t, err.Error(), "CapacityMeter")
}

// TestNothingRequestedWhenNoOneReads checks that no request asks for
// consumed capacity, or for the item of a failed condition, unless a
// setting, option or meter reads it.
func TestNothingRequestedWhenNoOneReads(t *testing.T) {
	e := newObsEnv(t, "", nil)
	var mu sync.Mutex
	var bodies []string
	e.ft.Observe(func(op string, body []byte) {
		mu.Lock()
		bodies = append(bodies, op+" "+string(body))
		mu.Unlock()
	})
	table := dynamotest.SimpleTable(t, "obs_none", "id", "")
	exec(t, e.db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table))
	_, err := e.db.ExecContext(dynamotest.Context(t), fmt.Sprintf(`UPDATE %q SET v = 1 WHERE id = 'a' AND v = 3`, table))
	require.NoError(t, err)
	tx, err := e.db.BeginTx(dynamotest.Context(t), nil)
	require.NoError(t, err)
	exec(t, tx, fmt.Sprintf(`UPDATE %q SET v = 2 WHERE id = 'a'`, table))
	require.NoError(t, tx.Commit())
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, bodies)
	for _, b := range bodies {
		assert.NotContains(t, b, "ReturnConsumedCapacity")
		assert.NotContains(t, b, "ReturnValuesOnConditionCheckFailure")
	}
}

// TestObserveControlPlane: a table statement is one span with its
// control-plane requests under it, and Ping is one too; neither asks for
// capacity (the control plane consumes none).
func TestObserveControlPlane(t *testing.T) {
	e := newObsEnv(t, "capacity=total", nil)
	ctx := dynamotest.Context(t)
	table := dynamotest.UniqueName("obs_ddl")
	t.Cleanup(func() {
		_, _ = e.db.ExecContext(context.Background(), fmt.Sprintf(`DROP TABLE IF EXISTS %q`, table))
	})
	require.NoError(t, e.db.PingContext(ctx))
	ping := e.one(t, "PING")
	requestSpans(t, e, ping, "ListTables", 1)

	_, err := e.db.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %q WITH PK=id:string`, table))
	require.NoError(t, err)
	s := e.one(t, "CREATE TABLE "+table)
	assert.Equal(t, "CREATE TABLE", attrs(s)["db.operation.name"].AsString())
	var ops []string
	for _, k := range e.children(s) {
		ops = append(ops, k.Name())
	}
	assert.Contains(t, ops, "DynamoDB.CreateTable")
	assert.Equal(t, int64(0), e.conn.Stats().Errors)
	assert.Zero(t, e.conn.Stats().Capacity.Requests)
}

// TestCapacityPerIndex: a query routed to an index reports its capacity
// under the index (DynamoDB's INDEXES shape), and its span names the
// index.
func TestCapacityPerIndex(t *testing.T) {
	e := newObsEnv(t, "", nil)
	ctx := dynamotest.Context(t)
	table := dynamotest.CreateTable(t, &dynamodb.CreateTableInput{
		TableName: aws.String("obs_gsi"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("email"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("by_email"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("email"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	exec(t, e.db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a', 'email': 'a@x'}`, table))
	e.ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.ReportCapacity(0.5)})
	e.spans.Reset()

	var cc dynamosql.ConsumedCapacity
	var id string
	require.NoError(t, e.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE email = ?`, table), "a@x", dynamosql.Capacity(&cc)).Scan(&id))
	assert.Equal(t, 0.5, cc.Read)
	assert.Equal(t, 0.5, cc.Tables[table].Indexes["by_email"].Read)
	assert.Equal(t, 0.0, cc.Tables[table].Table.Read)
	assert.Equal(t, e.ft.Capacity(table, "by_email"), cc.Tables[table].Indexes["by_email"].Read)
	s := statementSpan(t, e, "SELECT", table)
	a := attrs(s)
	assert.Equal(t, "by_email", a["aws.dynamodb.index_name"].AsString())
	assert.Equal(t, "query", a["dynamosql.access"].AsString())
	assert.Contains(t, a["dynamosql.rewritten_from"].AsString(), "WHERE email = ?", "the index hint rewrote the text")
	assert.Contains(t, a["db.query.text"].AsString(), `"by_email"`)
	assert.Contains(t, a["aws.dynamodb.consumed_capacity"].AsStringSlice()[0], `"GlobalSecondaryIndexes":{"by_email":{"CapacityUnits":0.5,"ReadCapacityUnits":0.5,"WriteCapacityUnits":0}}`)
}

// TestObserveSelectCount: a COUNT(*) that goes to DynamoDB as a Query with
// Select=COUNT (count.go) is observed like any statement: its request has
// a span under the statement's and counts in the connector's stats.
func TestObserveSelectCount(t *testing.T) {
	e := newObsEnv(t, "", nil)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "obs_count", "pk", "sk")
	for _, sk := range []string{"a", "b", "c"} {
		exec(t, e.db, fmt.Sprintf(`INSERT INTO %q VALUE {'pk': 'p', 'sk': ?}`, table), sk)
	}
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE pk = ?`, table)
	plan, err := dynamosql.Explain(ctx, e.db, q, "p")
	require.NoError(t, err)
	require.Contains(t, plan.Reason, "Select=COUNT", "the count goes as a Query")
	e.spans.Reset()
	before := e.conn.Stats()

	var n int64
	require.NoError(t, e.db.QueryRowContext(ctx, q, "p").Scan(&n))
	assert.EqualValues(t, 3, n)

	s := statementSpan(t, e, "SELECT", table)
	requestSpans(t, e, s, "Query", 1)
	after := e.conn.Stats()
	assert.EqualValues(t, 1, after.Requests-before.Requests, "the Query request is counted")
	assert.EqualValues(t, 1, after.Statements-before.Statements)
}
