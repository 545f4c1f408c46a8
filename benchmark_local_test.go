package dynamosql_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// loadItems writes items 0..n-1 of partition pk (the values itemJSON
// describes) with BatchExecuteStatement, 25 per batch, 4 batches at a time.
func loadItems(tb testing.TB, client *dynamodb.Client, table, pk string, n int) {
	tb.Helper()
	ctx := context.Background()
	stmt := fmt.Sprintf(`INSERT INTO %q VALUE {'pk': ?, 'sk': ?, 'age': ?, 'name': ?}`, table)
	var wg sync.WaitGroup
	var failed atomic.Int64
	sem := make(chan struct{}, 4)
	for start := 0; start < n; start += 25 {
		var reqs []types.BatchStatementRequest
		for i := start; i < min(start+25, n); i++ {
			reqs = append(reqs, types.BatchStatementRequest{
				Statement: aws.String(stmt),
				Parameters: []types.AttributeValue{
					&types.AttributeValueMemberS{Value: pk},
					&types.AttributeValueMemberS{Value: fmt.Sprintf("%07d", i)},
					&types.AttributeValueMemberN{Value: fmt.Sprint(20 + i%50)},
					&types.AttributeValueMemberS{Value: fmt.Sprintf("Name %d with some text", i)},
				},
			})
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out, err := client.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: reqs})
			if err != nil {
				failed.Add(int64(len(reqs)))
				return
			}
			for _, r := range out.Responses {
				if r.Error != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		tb.Fatalf("loading %d items: %d failed", n, failed.Load())
	}
}

// warmUp sends every kind of request of the benchmarks a few hundred
// times, so that DynamoDB Local's JIT compiler has compiled its paths
// before anything is measured (otherwise the first benchmark pays for it).
func warmUp(tb testing.TB, e *benchEnv) {
	tb.Helper()
	ctx := context.Background()
	key := []types.AttributeValue{&types.AttributeValueMemberS{Value: queryPK}, &types.AttributeValueMemberS{Value: pointSK}}
	for i := range 300 {
		var it benchItem
		if err := e.db.QueryRowContext(ctx, e.pointQ, queryPK, pointSK).Scan(&it.PK, &it.SK, &it.Age, &it.Name); err != nil {
			tb.Fatal(err)
		}
		if _, err := e.raw.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: &e.pointQ, Parameters: key}); err != nil {
			tb.Fatal(err)
		}
		if i%3 == 0 {
			if _, err := e.db.ExecContext(ctx, e.insertQ, "warm", e.key(), 42, "Ada Lovelace"); err != nil {
				tb.Fatal(err)
			}
		}
		if i%30 == 0 {
			var items []benchItem
			if err := e.xdb.SelectContext(ctx, &items, e.queryQ, queryPK); err != nil {
				tb.Fatal(err)
			}
		}
	}
	loadItems(tb, e.raw, e.table, "warm-batch", 2000)
}

// BenchmarkLocal runs the same driver/SDK pairs as BenchmarkCanned end to
// end against DynamoDB Local: same table, same client, same run. Its
// PutMany10000 group also inserts the 10,000 items one ExecContext at a
// time (exec-each) and reports the bulk speed-up as x_putmany; every bulk
// write is verified by counting the items with the raw client.
//
//	go test -run '^$' -bench 'Local' -benchmem -count 6 .
func BenchmarkLocal(b *testing.B) {
	e := newBenchEnv(b, dynamotest.MustEndpoint(b), dynamotest.SimpleTable(b, "benchlocal", "pk", "sk"), true)
	loadItems(b, e.raw, e.table, queryPK, queryItems)
	warmUp(b, e)
	b.Run("PointRead", func(b *testing.B) { benchPointRead(b, e) })
	b.Run("Query1000", func(b *testing.B) { benchQuery(b, e, queryItems) })
	b.Run("Insert", func(b *testing.B) { benchInsert(b, e) })
	b.Run("Tx100", func(b *testing.B) { benchTx100(b, e) })
	b.Run("PutMany10000", func(b *testing.B) { benchPutMany(b, e, bulkItems, true) })
}

// BenchmarkLocalBulkAPIs writes the same 5,000 new items with the raw SDK
// through DynamoDB's two batch write APIs, 25 items per request and 4
// requests in flight: BatchExecuteStatement with an INSERT per item (what
// PutMany sends with RepositoryOptions.KeepUnknownAttributes or a version
// attribute) and BatchWriteItem with a PutRequest per item (what PutMany
// sends by default). The second reports the first's time as a multiple
// of its own (x_batchwriteitem). Every write is verified by counting.
//
//	go test -run '^$' -bench 'LocalBulkAPIs' -count 6 .
func BenchmarkLocalBulkAPIs(b *testing.B) {
	const n = 5000
	e := newBenchEnv(b, dynamotest.MustEndpoint(b), dynamotest.SimpleTable(b, "benchbulk", "pk", "sk"), true)
	loadItems(b, e.raw, e.table, "warm-statements", 1000)
	var set bulkSet
	e.fill(&set, 1000)
	sdkPutMany(context.Background(), b, e, set.items, &brokenCounter{})
	var statements float64
	b.Run("BatchExecuteStatement", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			pk := "stmt" + e.key()
			b.StartTimer()
			loadItems(b, e.raw, e.table, pk, n)
			b.StopTimer()
			e.verify(b, pk, n)
			b.StartTimer()
		}
		statements = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("BatchWriteItem", func(b *testing.B) {
		var lost brokenCounter
		for b.Loop() {
			b.StopTimer()
			e.fill(&set, n)
			b.StartTimer()
			sdkPutMany(context.Background(), b, e, set.items, &lost)
			b.StopTimer()
			e.verify(b, set.pk, n)
			b.StartTimer()
		}
		lost.report(b)
		if statements > 0 {
			b.ReportMetric(statements/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "x_batchwriteitem")
		}
	})
}
