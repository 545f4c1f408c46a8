package dynamosql_test

import (
	"context"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/dynamosql/dynamosql"
)

// discardSpans is a span processor that keeps nothing: spans are sampled
// and recorded (every attribute is built), then dropped, as an exporter
// that sends them elsewhere would leave them.
type discardSpans struct{}

func (discardSpans) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discardSpans) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discardSpans) Shutdown(context.Context) error                  { return nil }
func (discardSpans) ForceFlush(context.Context) error                { return nil }

// tracingModes are the observability settings BenchmarkCannedTracing
// compares: nothing configured (the global providers, which do nothing
// until a program installs an SDK), explicit no-op providers, and the
// OpenTelemetry SDK recording every span and metric.
var tracingModes = []struct {
	name string
	edit func(*dynamosql.Config)
}{
	{"off", nil},
	{"noop", func(c *dynamosql.Config) {
		c.TracerProvider = tracenoop.NewTracerProvider()
		c.MeterProvider = metricnoop.NewMeterProvider()
	}},
	{"recording", func(c *dynamosql.Config) {
		c.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(discardSpans{}))
		c.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	}},
}

// BenchmarkCannedTracing runs the point read, the 1,000-item query and
// the insert of BenchmarkCanned (driver and SDK, against the canned
// endpoint) with tracing and metrics off, on no-op providers, and on the
// OpenTelemetry SDK: the driver's own cost of observability.
//
//	go test -run '^$' -bench 'CannedTracing' -benchmem -count 6 .
func BenchmarkCannedTracing(b *testing.B) {
	for _, m := range tracingModes {
		b.Run(m.name, func(b *testing.B) {
			var edits []func(*dynamosql.Config)
			if m.edit != nil {
				edits = append(edits, m.edit)
			}
			b.Run("PointRead", func(b *testing.B) {
				bodies := map[string]string{
					"DescribeTable":    describeBody,
					"ExecuteStatement": `{"Items":[` + itemJSON(queryPK, 500) + `]}`,
				}
				benchPointRead(b, newBenchEnv(b, cannedServer(b, bodies).URL, "bench", false, edits...))
			})
			b.Run("Query1000", func(b *testing.B) {
				benchQuery(b, newBenchEnv(b, pagedServer(b, queryItems, queryItems).URL, "bench", false, edits...), queryItems)
			})
			b.Run("Insert", func(b *testing.B) {
				bodies := map[string]string{"DescribeTable": describeBody, "ExecuteStatement": `{}`}
				benchInsert(b, newBenchEnv(b, cannedServer(b, bodies).URL, "bench", false, edits...))
			})
		})
	}
}
