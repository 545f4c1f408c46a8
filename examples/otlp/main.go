// Command otlp shows the OpenTelemetry setup of docs/observability.md: the
// SDK with OTLP/HTTP exporters for traces and metrics, installed as the
// global providers the driver uses by default. It is a module of its own,
// so that the exporters (and gRPC, which they bring) are not dependencies
// of the driver; internal/docscheck builds it.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	_ "github.com/dynamosql/dynamosql"
)

// docs:begin
func setup(ctx context.Context) (shutdown func(context.Context) error, err error) {
	res := resource.NewSchemaless(attribute.String("service.name", "orders"))
	traces, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(traces), sdktrace.WithResource(res))
	metrics, err := otlpmetrichttp.New(ctx)
	if err != nil {
		return nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metrics)), sdkmetric.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	return func(ctx context.Context) error {
		return errors.Join(tp.Shutdown(ctx), mp.Shutdown(ctx))
	}, nil
}

func main() {
	ctx := context.Background()
	shutdown, err := setup(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer shutdown(ctx)
	// capacity=total makes every request report its capacity, for the
	// dynamosql.client.consumed_capacity metric.
	db, err := sql.Open("dynamosql", "region=us-east-1;capacity=total")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	// Pass a context that carries the caller's span (an HTTP handler's):
	// the driver's spans are its children.
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "orders" WHERE customer = ?`, "c1").Scan(&n)
	fmt.Println(n, err)
}

// docs:end
