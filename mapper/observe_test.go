package mapper_test

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
	"github.com/dynamosql/dynamosql/mapper"
)

// tracedDB opens a *sql.DB whose requests go through ft, with the
// driver's spans recorded.
func tracedDB(t *testing.T, ft *faultinject.Transport) (*sql.DB, *dynamosql.Connector, *tracetest.SpanRecorder, *sdkmetric.ManualReader) {
	t.Helper()
	cfg, err := dynamosql.ParseDSN(dynamotest.DSN(t))
	require.NoError(t, err)
	sr := tracetest.NewSpanRecorder()
	cfg.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	reader := sdkmetric.NewManualReader()
	cfg.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	cfg.ClientOptions = append(cfg.ClientOptions, ft.ClientOption(), faultinject.FastRetries())
	c, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db, c, sr, reader
}

// TestBatchWriteObserved: a PutMany whose first BatchWriteItem comes back
// with unprocessed items is one span, BATCH PUT, with one child per
// request; the capacity DynamoDB Local reports for BatchWriteItem (one
// unit per item written, one more for its index) is summed into the context's CapacityMeter and
// the connector's totals.
func TestBatchWriteObserved(t *testing.T) {
	ft := faultinject.New(nil)
	db, conn, sr, reader := tracedDB(t, ft)
	ctx := dynamotest.Context(t)
	table := tableName(t, "obsbatch")
	repo := syncRepo(t, db, parcelEntity(t, table), mapper.RepositoryOptions{BatchBackoff: time.Millisecond, BatchConcurrency: 1})
	ft.Inject(faultinject.Rule{Op: "BatchWriteItem", Times: 1, Fault: faultinject.UnprocessBatch(0, 1)})
	sr.Reset()
	before := conn.Stats()

	m := dynamosql.NewCapacityMeter()
	require.NoError(t, repo.PutMany(dynamosql.WithCapacityMeter(ctx, m), parcels(30, "n")))

	var batch sdktrace.ReadOnlySpan
	var requests []sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		switch s.Name() {
		case "BATCH PUT " + table:
			batch = s
		case "DynamoDB.BatchWriteItem":
			requests = append(requests, s)
		}
	}
	require.NotNil(t, batch)
	a := map[attribute.Key]attribute.Value{}
	for _, kv := range batch.Attributes() {
		a[kv.Key] = kv.Value
	}
	assert.Equal(t, "aws.dynamodb", a["db.system.name"].AsString())
	assert.Equal(t, "BATCH PUT", a["db.operation.name"].AsString())
	assert.Equal(t, int64(30), a["dynamosql.batch.items"].AsInt64())
	require.Len(t, requests, 3, "25 items, 5 items, then the 2 left unprocessed")
	for _, r := range requests {
		assert.Equal(t, batch.SpanContext().SpanID(), r.Parent().SpanID())
		var tables []string
		for _, kv := range r.Attributes() {
			if kv.Key == "aws.dynamodb.table_names" {
				tables = kv.Value.AsStringSlice()
			}
		}
		assert.Equal(t, []string{table}, tables)
	}
	got := m.Consumed()
	assert.Equal(t, 60.0, got.Write, "DynamoDB Local reports 1 WCU per item written and 1 for its GSI, none for the unprocessed")
	assert.Equal(t, 60.0, got.Tables[table].Write)
	assert.Equal(t, 30.0, got.Tables[table].Table.Write, "the meter asks for the breakdown per index")
	assert.Equal(t, 30.0, got.Tables[table].Indexes["hubIndex"].Write)
	after := conn.Stats()
	assert.Equal(t, int64(3), after.Requests-before.Requests)
	assert.Equal(t, 60.0, after.Capacity.Write-before.Capacity.Write)

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	points := map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if v, _ := p.Attributes.Value("rpc.method"); v.AsString() == "BatchWriteItem" {
						points[m.Name] += float64(p.Value)
					}
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					if v, _ := p.Attributes.Value("dynamosql.capacity.kind"); v.AsString() == "write" {
						points[m.Name] += p.Value
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if v, _ := p.Attributes.Value("db.operation.name"); v.AsString() == "BATCH PUT" {
						points[m.Name] += float64(p.Count)
					}
				}
			}
		}
	}
	assert.Equal(t, 3.0, points["dynamosql.client.requests"], "three BatchWriteItem requests")
	assert.Equal(t, 60.0, points["dynamosql.client.consumed_capacity"])
	assert.Equal(t, 1.0, points["db.client.operation.duration"], "one BATCH PUT")
}

// TestStaleVersionCarriesTheStoredVersion: a versioned write that lost
// the race reports the stored version, from the item DynamoDB returned
// with the failed condition (no second read).
func TestStaleVersionCarriesTheStoredVersion(t *testing.T) {
	ft := faultinject.New(nil)
	db, _, _, _ := tracedDB(t, ft)
	ctx := dynamotest.Context(t)
	e, err := mapper.Register[Doc](mapper.Table(tableName(t, "obsstale")))
	require.NoError(t, err)
	repo := syncRepo(t, db, e)
	d := Doc{ID: "d1", Body: "one"}
	require.NoError(t, repo.Insert(ctx, &d))
	stale := d
	d.Body = "two"
	require.NoError(t, repo.Update(ctx, &d))
	d.Body = "three"
	require.NoError(t, repo.Update(ctx, &d))
	require.EqualValues(t, 3, d.Version)

	ft.ResetCounts()
	stale.Body = "lost"
	err = repo.Update(ctx, &stale)
	var sv *mapper.StaleVersionError
	require.ErrorAs(t, err, &sv)
	require.ErrorIs(t, err, mapper.ErrStaleVersion)
	assert.EqualValues(t, 1, sv.Expected)
	assert.EqualValues(t, 3, sv.Stored)
	assert.Contains(t, err.Error(), "expected version 1, stored version 3")
	assert.Equal(t, 1, ft.Requests("ExecuteStatement"), "the UPDATE alone: the stored item came with its failure")

	err = repo.Put(ctx, &stale)
	require.ErrorAs(t, err, &sv)
	assert.EqualValues(t, 3, sv.Stored)

	err = repo.Patch(ctx, mapper.ID{"d1"}, mapper.Set("body", "p"), mapper.IfVersion(2))
	require.ErrorAs(t, err, &sv)
	assert.EqualValues(t, 2, sv.Expected)
	assert.EqualValues(t, 3, sv.Stored)

	// A failed If with the right version is a failed condition, not a
	// stale version.
	err = repo.Patch(ctx, mapper.ID{"d1"}, mapper.Set("body", "p"), mapper.IfVersion(3), mapper.If(mapper.Eq("body", "nope")))
	require.ErrorIs(t, err, dynamosql.ErrConditionFailed)
	assert.False(t, errors.Is(err, mapper.ErrStaleVersion))

	missing := Doc{ID: "nobody", Body: "x", Version: 4}
	require.ErrorIs(t, repo.Update(ctx, &missing), mapper.ErrNotFound)

	// PutMany of versioned items: BatchExecuteStatement returns the item
	// of a failed condition too.
	stale.Body = "batch"
	err = repo.PutMany(ctx, []Doc{stale})
	require.ErrorAs(t, err, &sv)
	assert.EqualValues(t, 3, sv.Stored)
}

// TestBatchExecuteStatementCapacity: a versioned PutMany writes with
// BatchExecuteStatement, whose capacity DynamoDB Local does not report;
// with answers completed as the service's are, the context's meter sums
// what they reported.
func TestBatchExecuteStatementCapacity(t *testing.T) {
	ft := faultinject.New(nil)
	db, _, sr, _ := tracedDB(t, ft)
	ctx := dynamotest.Context(t)
	table := tableName(t, "obsbes")
	e, err := mapper.Register[Doc](mapper.Table(table))
	require.NoError(t, err)
	repo := syncRepo(t, db, e)
	ft.Inject(faultinject.Rule{Op: "BatchExecuteStatement", Fault: faultinject.ReportCapacity(1)})
	sr.Reset()

	m := dynamosql.NewCapacityMeter()
	docs := []Doc{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	require.NoError(t, repo.PutMany(dynamosql.WithCapacityMeter(ctx, m), docs))
	got := m.Consumed()
	assert.Equal(t, 3.0, got.Write, "one unit per statement, counted as writes")
	assert.Equal(t, ft.Capacity(table, ""), got.Tables[table].Write)
	var requests int
	for _, s := range sr.Ended() {
		if s.Name() == "DynamoDB.BatchExecuteStatement" {
			requests++
		}
	}
	assert.Equal(t, 1, requests)
}
