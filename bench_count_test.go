package dynamosql_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/latencyproxy"
)

// countItems is the number of items BenchmarkLatencyCount counts.
const countItems = 20_000

// BenchmarkLatencyCount counts 20,000 items on DynamoDB Local reached
// through the latency proxy (BENCH_RTT, default 5 ms per request): the
// driver's SELECT COUNT(*), which sends Query or Scan with Select=COUNT
// (driver), against the requests the driver sent for it before, the
// PartiQL SELECT of the table's key attributes read page by page and
// counted (sdk, through the raw client: the statement is the one Explain
// reports). Shapes: a partition (Query), a partition with a filter, the
// whole table (Scan), and the whole table in 4 parallel segments. Each
// side reports resp-B/op, the response bytes the proxy sent per count.
//
//	go test -run '^$' -bench 'LatencyCount' -benchmem .
func BenchmarkLatencyCount(b *testing.B) {
	endpoint := dynamotest.MustEndpoint(b)
	table := dynamotest.SimpleTable(b, "benchcount", "pk", "sk")
	loadItems(b, dynamotest.Client(b), table, queryPK, countItems)
	p, err := latencyproxy.Start(endpoint, latencyOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	e := newBenchEnv(b, p.URL(), table, true)
	e.proxy = p
	ctx := context.Background()
	shapes := []struct {
		name, where string
		args        []any
		want        int64
		opts        []any
	}{
		{"Query", "pk = ?", []any{queryPK}, countItems, nil},
		{"QueryFilter", "pk = ? AND age >= ?", []any{queryPK, 60}, countItems / 5, nil},
		{"Scan", "", nil, countItems, nil},
		{"Scan4", "", nil, countItems, []any{dynamosql.CountSegments(4)}},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			q := fmt.Sprintf(`SELECT COUNT(*) FROM %q`, table)
			if s.where != "" {
				q += " WHERE " + s.where
			}
			args := append(append([]any{}, s.args...), s.opts...)
			plan, err := dynamosql.Explain(ctx, e.db, q, s.args...)
			if err != nil {
				b.Fatal(err)
			}
			params, err := marshalParams(s.args...)
			if err != nil {
				b.Fatal(err)
			}
			check := func(n int64) error {
				if n != s.want {
					return fmt.Errorf("counted %d, want %d", n, s.want)
				}
				return nil
			}
			driver := func() error {
				var n int64
				if err := e.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
					return err
				}
				return check(n)
			}
			sdk := func() error {
				in := &dynamodb.ExecuteStatementInput{Statement: &plan.Statement, Parameters: params}
				var n int64
				for {
					out, err := e.raw.ExecuteStatement(ctx, in)
					if err != nil {
						return err
					}
					n += int64(len(out.Items))
					if out.NextToken == nil {
						return check(n)
					}
					in.NextToken = out.NextToken
				}
			}
			ops := []op{driver, sdk}
			names := []string{"driver", "sdk"}
			warm(b, ops...)
			for _, i := range order(2) {
				b.Run(names[i], func(b *testing.B) {
					start := p.Stats().ResponseBytes
					measure(b, e, ops[i])
					if b.N > 0 {
						b.ReportMetric(float64(p.Stats().ResponseBytes-start)/float64(b.N), "resp-B/op")
					}
				})
			}
		})
	}
}
