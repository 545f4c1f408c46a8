package dynamosql

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/dynamosql/dynamosql/internal/obshook"
	"github.com/dynamosql/dynamosql/internal/partiql"
	"github.com/dynamosql/dynamosql/internal/planner"
)

// The one seam through which the driver observes what it sends: every
// request of the connector's client passes the connector's middleware
// (installed per call by obs.option), which asks for consumed capacity
// when someone will read it, counts requests, retries and throttled
// attempts, and opens a span per request; every statement that sends
// something has a stmtRec, carried in its context, which sums its pages,
// rows and capacity and, when it ends, closes its span, records its
// metrics and writes its Debug log record. See docs/observability.md.

// instrumentationName names the driver's tracer and meter.
const instrumentationName = "github.com/dynamosql/dynamosql"

// Attribute keys of the spans and metrics (OpenTelemetry semantic
// conventions for databases and AWS DynamoDB, then the driver's own).
const (
	attrDBSystem         = attribute.Key("db.system.name")
	attrDBOperation      = attribute.Key("db.operation.name")
	attrDBCollection     = attribute.Key("db.collection.name")
	attrDBQueryText      = attribute.Key("db.query.text")
	attrDBRows           = attribute.Key("db.response.returned_rows")
	attrErrorType        = attribute.Key("error.type")
	attrRPCSystem        = attribute.Key("rpc.system")
	attrRPCService       = attribute.Key("rpc.service")
	attrRPCMethod        = attribute.Key("rpc.method")
	attrRequestID        = attribute.Key("aws.request_id")
	attrTableNames       = attribute.Key("aws.dynamodb.table_names")
	attrIndexName        = attribute.Key("aws.dynamodb.index_name")
	attrConsumedCapacity = attribute.Key("aws.dynamodb.consumed_capacity")
	attrConsistentRead   = attribute.Key("aws.dynamodb.consistent_read")
	attrScan             = attribute.Key("dynamosql.scan")
	attrAccess           = attribute.Key("dynamosql.access")
	attrPages            = attribute.Key("dynamosql.pages")
	attrRows             = attribute.Key("dynamosql.rows")
	attrRequests         = attribute.Key("dynamosql.requests")
	attrRetries          = attribute.Key("dynamosql.retries")
	attrRewrittenFrom    = attribute.Key("dynamosql.rewritten_from")
	attrTxStatements     = attribute.Key("dynamosql.tx.statements")
	attrBatchItems       = attribute.Key("dynamosql.batch.items")
	attrAttempt          = attribute.Key("dynamosql.attempt")
	attrCapacityKind     = attribute.Key("dynamosql.capacity.kind")
	attrRowsAffected     = attribute.Key("dynamosql.rows_affected")
	attrConditionFailed  = attribute.Key("dynamosql.condition_failed")

	systemName = "aws.dynamodb"
)

var systemAttr = attrDBSystem.String(systemName)

// throttlingCodes are the error codes of a request DynamoDB refused for
// throughput: the attempt counts as throttled.
var throttlingCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"Throttling":                             true,
}

// Stats is a snapshot of a connector's running totals (Connector.Stats).
type Stats struct {
	// Statements counts the statements that sent at least one request
	// (a transaction's commit counts one).
	Statements int64
	// Requests counts the HTTP requests sent to DynamoDB: every attempt,
	// retries included.
	Requests int64
	// Retries counts the attempts the AWS SDK made after a failed one.
	Retries int64
	// Throttled counts the attempts DynamoDB refused for throughput
	// (ProvisionedThroughputExceededException, ThrottlingException,
	// RequestLimitExceeded).
	Throttled int64
	// FullScans counts the SELECTs that read a whole table or index.
	FullScans int64
	// Errors counts the statements that failed.
	Errors int64
	// Capacity sums the capacity DynamoDB reported: only requests that
	// asked for it report it (Config.Capacity, the Capacity option, a
	// CapacityMeter).
	Capacity ConsumedCapacity
}

// Stats returns a snapshot of the connector's running totals.
func (c *Connector) Stats() Stats {
	o := c.obs
	s := Stats{
		Statements: o.statements.Load(),
		Requests:   o.requests.Load(),
		Retries:    o.retries.Load(),
		Throttled:  o.throttled.Load(),
		FullScans:  o.scans.Load(),
		Errors:     o.errors.Load(),
	}
	o.capMu.Lock()
	s.Capacity = o.capacity.clone()
	o.capMu.Unlock()
	return s
}

// observer is a connector's instrumentation.
type observer struct {
	mode   CapacityMode
	tracer trace.Tracer
	logger *slog.Logger

	duration   metric.Float64Histogram
	returned   metric.Int64Histogram
	requestsM  metric.Int64Counter
	retriesM   metric.Int64Counter
	throttlesM metric.Int64Counter
	capacityM  metric.Float64Counter

	statements, requests, retries, throttled, scans, errors atomic.Int64

	capMu    sync.Mutex
	capacity ConsumedCapacity

	// option installs the middleware on one call of the client.
	option func(*dynamodb.Options)

	// requestAttrs holds the span and metric options of each DynamoDB
	// operation, made once; stmtAttrs those of each statement kind and
	// table, made when first seen.
	requestAttrs map[string]*opAttrs
	attrsMu      sync.RWMutex
	stmtAttrs    map[opKey]*opAttrs
}

// opKey names the attributes of statements of one kind on one table.
type opKey struct{ op, table string }

// requestOps are the DynamoDB operations the driver and the mapper send.
var requestOps = []string{"ExecuteStatement", "ExecuteTransaction", "BatchExecuteStatement", "BatchWriteItem",
	"Query", "Scan", "DescribeTable", "CreateTable", "UpdateTable", "DeleteTable", "ListTables", "Other"}

func newObserver(cfg *Config, logger *slog.Logger) *observer {
	tp := cfg.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	mp := cfg.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	o := &observer{
		mode:   cfg.Capacity,
		tracer: tp.Tracer(instrumentationName),
		logger: logger,
	}
	m := mp.Meter(instrumentationName)
	// Instrument errors are reported to otel's error handler and leave a
	// working no-op instrument behind.
	o.duration, _ = m.Float64Histogram("db.client.operation.duration",
		metric.WithUnit("s"), metric.WithDescription("Duration of the driver's statements: until Exec returns, or until the rows are closed."),
		metric.WithExplicitBucketBoundaries(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10))
	o.returned, _ = m.Int64Histogram("db.client.response.returned_rows",
		metric.WithUnit("{row}"), metric.WithDescription("Items DynamoDB returned for a statement, over all its pages."),
		metric.WithExplicitBucketBoundaries(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000))
	o.requestsM, _ = m.Int64Counter("dynamosql.client.requests",
		metric.WithUnit("{request}"), metric.WithDescription("HTTP requests sent to DynamoDB, retries included."))
	o.retriesM, _ = m.Int64Counter("dynamosql.client.retries",
		metric.WithUnit("{retry}"), metric.WithDescription("Attempts the AWS SDK made after a failed one."))
	o.throttlesM, _ = m.Int64Counter("dynamosql.client.throttles",
		metric.WithUnit("{request}"), metric.WithDescription("Requests DynamoDB refused for throughput."))
	o.capacityM, _ = m.Float64Counter("dynamosql.client.consumed_capacity",
		metric.WithUnit("{capacity_unit}"), metric.WithDescription("Capacity units DynamoDB reported as consumed (only for requests that asked)."))
	o.requestAttrs = make(map[string]*opAttrs, len(requestOps))
	for _, op := range requestOps {
		o.requestAttrs[op] = newOpAttrs(op, "", true)
	}
	o.stmtAttrs = make(map[opKey]*opAttrs)
	mw := &obsMiddleware{o: o}
	o.option = func(opts *dynamodb.Options) {
		opts.APIOptions = append(opts.APIOptions, mw.install)
	}
	return o
}

// opAttrs are the precomputed attributes of one operation name (a
// DynamoDB API, or a statement kind with its table).
type opAttrs struct {
	spanName string
	start    []trace.SpanStartOption
	record   []metric.RecordOption
	add      []metric.AddOption
}

// attrsFor returns the attributes of a statement of kind op on table
// (table may be "").
func (o *observer) attrsFor(op, table string) *opAttrs {
	k := opKey{op, table}
	o.attrsMu.RLock()
	a := o.stmtAttrs[k]
	o.attrsMu.RUnlock()
	if a != nil {
		return a
	}
	o.attrsMu.Lock()
	defer o.attrsMu.Unlock()
	if a = o.stmtAttrs[k]; a == nil {
		if len(o.stmtAttrs) >= maxStmtAttrs {
			clear(o.stmtAttrs) // bounded: tables come and go in long-lived programs
		}
		a = newOpAttrs(op, table, false)
		o.stmtAttrs[k] = a
	}
	return a
}

// maxStmtAttrs bounds the statement attributes an observer keeps.
const maxStmtAttrs = 4096

// requestAttrsFor returns the attributes of a request of operation op.
func (o *observer) requestAttrsFor(op string) *opAttrs {
	if a := o.requestAttrs[op]; a != nil {
		return a
	}
	return o.requestAttrs["Other"]
}

// newOpAttrs makes the span and metric options of a statement (request
// false) or a DynamoDB request of operation op.
func newOpAttrs(op, table string, request bool) *opAttrs {
	attrs := []attribute.KeyValue{systemAttr, attrDBOperation.String(op)}
	name := op
	if table != "" {
		attrs = append(attrs, attrDBCollection.String(table))
		name = op + " " + table
	}
	if request {
		name = "DynamoDB." + op
		attrs = append(attrs, attrRPCSystem.String("aws-api"), attrRPCService.String("DynamoDB"), attrRPCMethod.String(op))
	}
	set := attribute.NewSet(attrs...)
	return &opAttrs{
		spanName: name,
		start:    []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...)},
		record:   []metric.RecordOption{metric.WithAttributeSet(set)},
		add:      []metric.AddOption{metric.WithAttributeSet(set)},
	}
}

// addCapacity adds what one response reported to the connector's totals
// and to the capacity metric.
func (o *observer) addCapacity(ctx context.Context, list []types.ConsumedCapacity, write bool) {
	if len(list) == 0 {
		return
	}
	o.capMu.Lock()
	o.capacity.add(list, write)
	o.capMu.Unlock()
	for i := range list {
		var u CapacityUnits
		cc := &list[i]
		u.add(cc.CapacityUnits, cc.ReadCapacityUnits, cc.WriteCapacityUnits, write)
		table := attrDBCollection.String(derefString(cc.TableName))
		if u.Read > 0 {
			o.capacityM.Add(ctx, u.Read, metric.WithAttributes(systemAttr, table, attrCapacityKind.String("read")))
		}
		if u.Write > 0 {
			o.capacityM.Add(ctx, u.Write, metric.WithAttributes(systemAttr, table, attrCapacityKind.String("write")))
		}
	}
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ---- one statement ----

// stmtRec records one statement that sends requests: a SELECT and its
// pages, a write, a commit, a table statement, a Ping, a mapper batch.
// A nil *stmtRec records nothing.
type stmtRec struct {
	o     *observer
	ctx   context.Context
	span  trace.Span
	attrs *opAttrs
	start time.Time

	op, table, text string
	write           bool // units not told apart count as writes
	capMode         CapacityMode
	user            *ConsumedCapacity // the Capacity option's
	meter           *CapacityMeter    // the context's

	// What the statement's planning decided (SELECTs).
	index, access, rewrittenFrom string
	scan, consistent             bool
	txStatements                 int
	batchItems                   int

	mu       sync.Mutex
	requests int
	retries  int
	pages    int
	items    int
	affected int64
	condFail bool
	capacity ConsumedCapacity
	ended    bool
}

type recKey struct{}

// recOf returns the statement recorder ctx carries, or nil.
func recOf(ctx context.Context) *stmtRec {
	r, _ := ctx.Value(recKey{}).(*stmtRec)
	return r
}

// begin starts recording statement p: its span (a child of ctx's), its
// clock, the capacity it asks for. The returned context carries the
// recorder; send the statement's requests with it.
func (c *conn) begin(ctx context.Context, p *prepared) (context.Context, *stmtRec) {
	a := p.a
	op := a.kind.String()
	table := a.table
	r := c.c.obs.start(ctx, op, table, p.opts.capacity)
	r.text = p.query
	r.write = a.kind != partiql.KindSelect
	if p.query != a.text {
		r.rewrittenFrom = a.text
	}
	r.consistent = p.consistent && a.kind == partiql.KindSelect
	if pl := p.plan; pl != nil {
		r.index = pl.Index
		r.scan = pl.Access == planner.AccessScan
		r.access = pl.Access.String()
	}
	if p.multi != nil {
		r.txStatements = len(p.multi)
	}
	return r.withContext(ctx), r
}

// start returns a recorder of a statement of kind op on table.
func (o *observer) start(ctx context.Context, op, table string, user *ConsumedCapacity) *stmtRec {
	r := &stmtRec{o: o, op: op, table: table, user: user, capMode: o.mode, start: time.Now()}
	r.attrs = o.attrsFor(op, table)
	if user != nil {
		r.capMode = CapacityIndexes
	}
	if r.meter = meterOf(ctx); r.meter != nil {
		r.capMode = CapacityIndexes
	}
	return r
}

// withContext starts the span and returns the context carrying it and r.
func (r *stmtRec) withContext(ctx context.Context) context.Context {
	ctx, r.span = r.o.tracer.Start(ctx, r.attrs.spanName, r.attrs.start...)
	ctx = context.WithValue(ctx, recKey{}, r)
	r.ctx = ctx
	return ctx
}

// response adds what one response of the statement reported.
func (r *stmtRec) response(list []types.ConsumedCapacity, page bool, items int, write bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if page {
		r.pages++
		r.items += items
	}
	if len(list) > 0 {
		r.capacity.add(list, write)
		if r.user != nil {
			*r.user = r.capacity.clone()
		}
	}
	r.mu.Unlock()
}

// attempt counts one attempt of a request of the statement.
func (r *stmtRec) attempt(retry bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.requests++
	if retry {
		r.retries++
	}
	r.mu.Unlock()
}

// rowsAffected records a write's RowsAffected and whether its condition
// failed.
func (r *stmtRec) rowsAffected(n int64, condFail bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.affected, r.condFail = n, condFail
	r.mu.Unlock()
}

// end ends the statement with err (nil: success): its span, metrics and
// log record. It returns err. Later calls do nothing.
func (r *stmtRec) end(err error) error {
	if r == nil {
		return err
	}
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return err
	}
	r.ended = true
	r.mu.Unlock()
	o := r.o
	ctx := r.ctx
	elapsed := time.Since(r.start)
	o.statements.Add(1)
	if r.scan {
		o.scans.Add(1)
	}
	code := ""
	if err != nil {
		o.errors.Add(1)
		code = errorType(err)
	}
	if r.meter != nil && r.capacity.Requests > 0 {
		r.meter.mu.Lock()
		r.meter.c.merge(&r.capacity)
		r.meter.mu.Unlock()
	}
	if r.user != nil {
		*r.user = r.capacity.clone()
	}
	if err == nil {
		o.duration.Record(ctx, elapsed.Seconds(), r.attrs.record...)
	} else {
		o.duration.Record(ctx, elapsed.Seconds(), r.attrs.record[0], metric.WithAttributes(attrErrorType.String(code)))
	}
	if r.pages > 0 {
		o.returned.Record(ctx, int64(r.items), r.attrs.record...)
	}
	if span := r.span; span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 12)
		if r.text != "" {
			attrs = append(attrs, attrDBQueryText.String(r.text))
		}
		if r.rewrittenFrom != "" {
			attrs = append(attrs, attrRewrittenFrom.String(r.rewrittenFrom))
		}
		if r.table != "" {
			attrs = append(attrs, attrTableNames.StringSlice([]string{r.table}))
		}
		if r.index != "" {
			attrs = append(attrs, attrIndexName.String(r.index))
		}
		if r.access != "" {
			attrs = append(attrs, attrAccess.String(r.access), attrScan.Bool(r.scan))
		}
		if r.consistent {
			attrs = append(attrs, attrConsistentRead.Bool(true))
		}
		if r.pages > 0 {
			attrs = append(attrs, attrPages.Int(r.pages), attrRows.Int(r.items), attrDBRows.Int(r.items))
		}
		if r.txStatements > 0 {
			attrs = append(attrs, attrTxStatements.Int(r.txStatements))
		}
		if r.batchItems > 0 {
			attrs = append(attrs, attrBatchItems.Int(r.batchItems))
		}
		if r.write && r.pages == 0 && err == nil && r.txStatements == 0 && r.batchItems == 0 {
			attrs = append(attrs, attrRowsAffected.Int64(r.affected))
		}
		if r.condFail {
			attrs = append(attrs, attrConditionFailed.Bool(true))
		}
		attrs = append(attrs, attrRequests.Int(r.requests), attrRetries.Int(r.retries))
		if r.capacity.Requests > 0 {
			attrs = append(attrs, attrConsumedCapacity.StringSlice(capacityJSON(&r.capacity)))
		}
		span.SetAttributes(attrs...)
		if err != nil {
			span.SetAttributes(attrErrorType.String(code))
			span.SetStatus(codes.Error, err.Error())
		}
	}
	r.span.End()
	if l := o.logger; l.Enabled(ctx, slog.LevelDebug) {
		r.log(ctx, elapsed, err)
	}
	return err
}

// log writes the statement's Debug record: its text (never its values),
// access path, pages, rows, duration, capacity.
func (r *stmtRec) log(ctx context.Context, elapsed time.Duration, err error) {
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs, slog.String("operation", r.op))
	if r.text != "" {
		attrs = append(attrs, slog.String("statement", r.text))
	}
	if r.table != "" {
		attrs = append(attrs, slog.String("table", r.table))
	}
	if r.access != "" {
		attrs = append(attrs, slog.String("access", r.access))
	}
	if r.index != "" {
		attrs = append(attrs, slog.String("index", r.index))
	}
	if r.pages > 0 {
		attrs = append(attrs, slog.Int("pages", r.pages), slog.Int("rows", r.items))
	}
	if r.txStatements > 0 {
		attrs = append(attrs, slog.Int("tx_statements", r.txStatements))
	}
	if r.batchItems > 0 {
		attrs = append(attrs, slog.Int("batch_items", r.batchItems))
	}
	attrs = append(attrs, slog.Int("requests", r.requests), slog.Int("retries", r.retries), slog.Duration("duration", elapsed))
	if r.capacity.Requests > 0 {
		attrs = append(attrs, slog.Float64("rcu", r.capacity.Read), slog.Float64("wcu", r.capacity.Write))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	r.o.logger.LogAttrs(ctx, slog.LevelDebug, "dynamosql: statement", attrs...)
}

// errorType returns the error.type of a failed statement: DynamoDB's
// error code, "timeout" or "canceled" when the context ended, or
// "_OTHER".
func errorType(err error) string {
	if code := errorCode(err); code != "" {
		return code
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "_OTHER"
}

// capacityJSON returns the capacity per table as DynamoDB's
// ConsumedCapacity JSON, one string per table (the form the semantic
// conventions give aws.dynamodb.consumed_capacity).
func capacityJSON(c *ConsumedCapacity) []string {
	names := make([]string, 0, len(c.Tables))
	for n := range c.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	type units struct {
		CapacityUnits      float64
		ReadCapacityUnits  float64
		WriteCapacityUnits float64
	}
	for _, n := range names {
		t := c.Tables[n]
		v := struct {
			TableName              string
			CapacityUnits          float64
			ReadCapacityUnits      float64
			WriteCapacityUnits     float64
			Table                  *units           `json:",omitempty"`
			GlobalSecondaryIndexes map[string]units `json:",omitempty"`
		}{TableName: n, CapacityUnits: t.Total(), ReadCapacityUnits: t.Read, WriteCapacityUnits: t.Write}
		if t.Table != (CapacityUnits{}) {
			v.Table = &units{t.Table.Total(), t.Table.Read, t.Table.Write}
		}
		for idx, u := range t.Indexes {
			if v.GlobalSecondaryIndexes == nil {
				v.GlobalSecondaryIndexes = make(map[string]units)
			}
			v.GlobalSecondaryIndexes[idx] = units{u.Total(), u.Read, u.Write}
		}
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	return out
}

// ---- every request: the client middleware ----

// obsMiddleware is installed on every call of the connector's client: one
// handler per call (Initialize step) and one per attempt (Finalize step,
// after the retry loop).
type obsMiddleware struct{ o *observer }

func (m *obsMiddleware) install(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(callObserver{m.o}, middleware.After); err != nil {
		return err
	}
	return stack.Finalize.Add(attemptObserver{m.o}, middleware.After)
}

// callObserver handles one call of the client.
type callObserver struct{ o *observer }

func (callObserver) ID() string { return "dynamosql.ObserveCall" }

func (h callObserver) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	o := h.o
	rec := recOf(ctx)
	mode := o.mode
	if rec != nil {
		mode = max(mode, rec.capMode)
	} else if meterOf(ctx) != nil {
		mode = CapacityIndexes
	}
	op, write, tables := describeInput(in.Parameters, mode.request(), rec)
	// A request span under a statement span that records nothing (no
	// provider, or not sampled) would record nothing either: skip it.
	var span trace.Span
	if rec == nil || rec.span.IsRecording() {
		a := o.requestAttrsFor(op)
		ctx, span = o.tracer.Start(ctx, a.spanName, a.start...)
		if len(tables) > 0 && span.IsRecording() {
			span.SetAttributes(attrTableNames.StringSlice(tables))
		}
	}
	out, md, err := next.HandleInitialize(ctx, in)
	list, page, items := describeOutput(out.Result)
	if len(list) > 0 {
		o.addCapacity(ctx, list, write)
		if rec != nil {
			rec.response(list, false, 0, write)
		} else if m := meterOf(ctx); m != nil {
			m.add(list, write)
		}
	}
	if page && rec != nil && !write {
		rec.response(nil, true, items, write)
	}
	if span == nil {
		return out, md, err
	}
	if span.IsRecording() {
		if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
			span.SetAttributes(attrRequestID.String(id))
		}
		if len(list) > 0 {
			var c ConsumedCapacity
			c.add(list, write)
			span.SetAttributes(attrConsumedCapacity.StringSlice(capacityJSON(&c)))
		}
		if err != nil {
			code := errorCode(err)
			if code == "" {
				code = "_OTHER"
			}
			span.SetAttributes(attrErrorType.String(code))
			span.SetStatus(codes.Error, err.Error())
		}
	}
	span.End()
	return out, md, err
}

// attemptObserver handles one attempt of a call.
type attemptObserver struct{ o *observer }

func (attemptObserver) ID() string { return "dynamosql.ObserveAttempt" }

func (h attemptObserver) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	o := h.o
	attempt := attemptNumber(in.Request)
	retry := attempt > 1
	recOf(ctx).attempt(retry)
	o.requests.Add(1)
	attrs := o.requestAttrsFor(awsmiddleware.GetOperationName(ctx))
	o.requestsM.Add(ctx, 1, attrs.add...)
	span := trace.SpanFromContext(ctx) // the request's (or a statement's that records nothing)
	if retry {
		o.retries.Add(1)
		o.retriesM.Add(ctx, 1, attrs.add...)
		if span.IsRecording() {
			span.AddEvent("retry", trace.WithAttributes(attrAttempt.Int(attempt)))
		}
	}
	out, md, err := next.HandleFinalize(ctx, in)
	if err != nil {
		if code := errorCode(err); throttlingCodes[code] {
			o.throttled.Add(1)
			o.throttlesM.Add(ctx, 1, attrs.add...)
			if span.IsRecording() {
				span.AddEvent("throttled", trace.WithAttributes(attrAttempt.Int(attempt), attrErrorType.String(code)))
			}
		}
	}
	return out, md, err
}

// attemptNumber returns the number of the attempt (1 for the first) the
// AWS SDK's retry middleware wrote in the request's Amz-Sdk-Request
// header ("attempt=2; max=3"), or 1 when it wrote none.
func attemptNumber(req any) int {
	r, ok := req.(*smithyhttp.Request)
	if !ok {
		return 1
	}
	v := r.Header.Get("Amz-Sdk-Request")
	i := strings.Index(v, "attempt=")
	if i < 0 {
		return 1
	}
	n := 0
	for _, c := range v[i+len("attempt="):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return max(n, 1)
}

// describeInput returns the operation of a request's input, whether the
// capacity it reports counts as writes, and the tables it names; it sets
// ReturnConsumedCapacity to capacity when that is not "".
func describeInput(in any, capacity types.ReturnConsumedCapacity, rec *stmtRec) (op string, write bool, tables []string) {
	switch v := in.(type) {
	case *dynamodb.ExecuteStatementInput:
		if capacity != "" {
			v.ReturnConsumedCapacity = capacity
		}
		return "ExecuteStatement", rec != nil && rec.write, nil
	case *dynamodb.ExecuteTransactionInput:
		if capacity != "" {
			v.ReturnConsumedCapacity = capacity
		}
		return "ExecuteTransaction", v.ClientRequestToken != nil, nil
	case *dynamodb.BatchExecuteStatementInput:
		if capacity != "" {
			v.ReturnConsumedCapacity = capacity
		}
		return "BatchExecuteStatement", true, nil
	case *dynamodb.BatchWriteItemInput:
		if capacity != "" {
			v.ReturnConsumedCapacity = capacity
		}
		for t := range v.RequestItems {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		return "BatchWriteItem", true, tables
	case *dynamodb.QueryInput: // a COUNT(*) sent with Select=COUNT (count.go)
		if capacity != "" {
			v.ReturnConsumedCapacity = capacity
		}
		return "Query", false, []string{derefString(v.TableName)}
	case *dynamodb.ScanInput: // likewise
		if capacity != "" {
			v.ReturnConsumedCapacity = capacity
		}
		return "Scan", false, []string{derefString(v.TableName)}
	case *dynamodb.DescribeTableInput:
		return "DescribeTable", false, []string{derefString(v.TableName)}
	case *dynamodb.CreateTableInput:
		return "CreateTable", false, []string{derefString(v.TableName)}
	case *dynamodb.UpdateTableInput:
		return "UpdateTable", false, []string{derefString(v.TableName)}
	case *dynamodb.DeleteTableInput:
		return "DeleteTable", false, []string{derefString(v.TableName)}
	case *dynamodb.ListTablesInput:
		return "ListTables", false, nil
	}
	return "Other", false, nil
}

// describeOutput returns the consumed capacity of a response, and for an
// ExecuteStatement whether it is a page of items and how many.
func describeOutput(out any) (list []types.ConsumedCapacity, page bool, items int) {
	switch v := out.(type) {
	case *dynamodb.ExecuteStatementOutput:
		if v.ConsumedCapacity != nil {
			list = []types.ConsumedCapacity{*v.ConsumedCapacity}
		}
		return list, true, len(v.Items)
	case *dynamodb.ExecuteTransactionOutput:
		return v.ConsumedCapacity, false, 0
	case *dynamodb.BatchExecuteStatementOutput:
		return v.ConsumedCapacity, false, 0
	case *dynamodb.BatchWriteItemOutput:
		return v.ConsumedCapacity, false, 0
	case *dynamodb.QueryOutput:
		if v.ConsumedCapacity != nil {
			list = []types.ConsumedCapacity{*v.ConsumedCapacity}
		}
		return list, true, 0
	case *dynamodb.ScanOutput:
		if v.ConsumedCapacity != nil {
			list = []types.ConsumedCapacity{*v.ConsumedCapacity}
		}
		return list, true, 0
	case *dynamodb.UpdateTableOutput, *dynamodb.CreateTableOutput, *dynamodb.DeleteTableOutput:
		// The control plane consumes no read or write capacity.
	}
	return nil, false, 0
}

// beginTx starts recording a transaction sent as one ExecuteTransaction:
// a commit (op COMMIT) or the reads of ReadItems (op BATCH SELECT). texts
// are its statements' texts and tables the tables they name.
func (c *conn) beginTx(ctx context.Context, op string, texts []string, tables []string, write bool) (context.Context, *stmtRec) {
	table := ""
	if ts := distinct(tables); len(ts) == 1 {
		table = ts[0]
	}
	r := c.c.obs.start(ctx, op, table, nil)
	r.write = write
	r.txStatements = len(texts)
	r.text = strings.Join(distinct(texts), "; ")
	return r.withContext(ctx), r
}

// distinct returns the distinct strings of list, in their first order.
func distinct(list []string) []string {
	var out []string
	seen := make(map[string]bool, 4)
	for _, s := range list {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func init() { obshook.Batch = observeBatch }

// observeBatch is obshook.Batch: the mapper's batch writes.
func observeBatch(connector any, ctx context.Context, op, table string, items int) (context.Context, func(*dynamodb.Options), func(error) error) {
	c := connector.(*Connector)
	r := c.obs.start(ctx, op, table, nil)
	r.write = true
	r.batchItems = items
	return r.withContext(ctx), c.obs.option, r.end
}
