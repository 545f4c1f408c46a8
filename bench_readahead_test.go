package dynamosql_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql"
)

// The read-ahead benchmark: a long SELECT whose reader does some work per
// row, through the latency proxy, where fetching a page and reading it
// take comparable time.
const (
	readAheadItems = 20_000
	rowWork        = 50 * time.Microsecond
)

// work spends d of CPU, as a reader processing a row would.
func work(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

// BenchmarkLatencyReadAhead reads 20,000 items in pages of 1,000 and of
// 100 through the latency proxy (BENCH_RTT, default 5 ms per request),
// spending 50 µs of CPU on each row: the driver with read-ahead (driver),
// without it (driver-noreadahead), and hand-written SDK code that pages
// sequentially with the same per-row work (sdk). The SDK side also
// reports how its time splits (fetch-ms/op: requests and unmarshalling;
// work-ms/op: the rows' work) and ideal-ratio, the larger of the two over
// their sum: the ratio a reader that overlaps them perfectly would reach.
// Target (issue 19): driver/sdk ≤ 0.80 at PageSize(1000).
//
//	go test -run '^$' -bench 'LatencyReadAhead' -benchmem .
func BenchmarkLatencyReadAhead(b *testing.B) {
	for _, size := range []int{1000, 100} {
		b.Run(fmt.Sprintf("PageSize=%d", size), func(b *testing.B) {
			e := latencyEnv(b, pagedHandler(readAheadItems, size))
			benchReadAhead(b, e, size)
		})
	}
}

// benchReadAhead runs the three sides of the read-ahead pair against e.
func benchReadAhead(b *testing.B, e *benchEnv, size int) {
	ctx := context.Background()
	check := func(n int) error {
		if n != readAheadItems {
			return fmt.Errorf("read %d rows, want %d", n, readAheadItems)
		}
		return nil
	}
	viaDriver := func(opts ...any) op {
		return func() error {
			rows, err := e.db.QueryContext(ctx, e.queryQ, append([]any{queryPK, dynamosql.PageSize(size)}, opts...)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var it benchItem
				if err := rows.Scan(&it.PK, &it.SK, &it.Age, &it.Name); err != nil {
					return err
				}
				work(rowWork)
				n++
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return check(n)
		}
	}
	var fetching, working time.Duration
	sdk := func() error {
		in := &dynamodb.ExecuteStatementInput{
			Statement:  &e.queryQ,
			Parameters: []types.AttributeValue{&types.AttributeValueMemberS{Value: queryPK}},
			Limit:      aws.Int32(int32(size)),
		}
		n := 0
		for {
			start := time.Now()
			out, err := e.raw.ExecuteStatement(ctx, in)
			if err != nil {
				return err
			}
			var page []benchItem
			if err := attributevalue.UnmarshalListOfMaps(out.Items, &page); err != nil {
				return err
			}
			fetched := time.Now()
			fetching += fetched.Sub(start)
			for range page {
				work(rowWork)
				n++
			}
			working += time.Since(fetched)
			if out.NextToken == nil {
				return check(n)
			}
			in.NextToken = out.NextToken
		}
	}
	ops := []op{viaDriver(), viaDriver(dynamosql.NoReadAhead()), sdk}
	names := []string{"driver", "driver-noreadahead", "sdk"}
	warm(b, ops...)
	for _, i := range order(len(ops)) {
		b.Run(names[i], func(b *testing.B) {
			fetching, working = 0, 0
			measure(b, e, ops[i])
			if names[i] == "sdk" && b.N > 0 {
				f, w := float64(fetching)/float64(b.N), float64(working)/float64(b.N)
				b.ReportMetric(f/1e6, "fetch-ms/op")
				b.ReportMetric(w/1e6, "work-ms/op")
				b.ReportMetric(max(f, w)/(f+w), "ideal-ratio")
			}
		})
	}
}
