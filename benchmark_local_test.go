package dynamosql_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jmoiron/sqlx"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// localItem is an item of the end-to-end benchmarks' table (pk, sk).
type localItem struct {
	PK   string `dynamodbav:"pk" db:"pk"`
	SK   string `dynamodbav:"sk" db:"sk"`
	Age  int64  `dynamodbav:"age" db:"age"`
	Name string `dynamodbav:"name" db:"name"`
}

// loadItems writes n items into partition pk with BatchExecuteStatement,
// 25 per batch, 4 batches at a time.
func loadItems(tb testing.TB, client *dynamodb.Client, table, pk string, n int) {
	tb.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	var failed atomic.Int64
	sem := make(chan struct{}, 4)
	for start := 0; start < n; start += 25 {
		var reqs []types.BatchStatementRequest
		for i := start; i < min(start+25, n); i++ {
			reqs = append(reqs, types.BatchStatementRequest{
				Statement: aws.String(fmt.Sprintf(`INSERT INTO %q VALUE {'pk': ?, 'sk': ?, 'age': ?, 'name': ?}`, table)),
				Parameters: []types.AttributeValue{
					&types.AttributeValueMemberS{Value: pk},
					&types.AttributeValueMemberS{Value: fmt.Sprintf("%07d", i)},
					&types.AttributeValueMemberN{Value: fmt.Sprint(20 + i%50)},
					&types.AttributeValueMemberS{Value: fmt.Sprintf("Name %d", i)},
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

// BenchmarkLocal runs the same operations as the canned benchmarks end to
// end against DynamoDB Local: driver and raw SDK, same table, same run.
func BenchmarkLocal(b *testing.B) {
	client := dynamotest.Client(b)
	table := dynamotest.SimpleTable(b, "benchlocal", "pk", "sk")
	loadItems(b, client, table, "p1000", 1000)
	db := openDB(b, "scan=allow")
	xdb := sqlx.NewDb(db, "dynamodb")
	ctx := context.Background()
	pointQ := fmt.Sprintf(`SELECT pk, sk, age, name FROM %q WHERE pk = ? AND sk = ?`, table)
	queryQ := fmt.Sprintf(`SELECT pk, sk, age, name FROM %q WHERE pk = ?`, table)
	insertQ := fmt.Sprintf(`INSERT INTO %q VALUE {'pk': ?, 'sk': ?, 'age': ?, 'name': ?}`, table)

	b.Run("PointRead/driver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var it localItem
			if err := db.QueryRowContext(ctx, pointQ, "p1000", "0000500").Scan(&it.PK, &it.SK, &it.Age, &it.Name); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PointRead/sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var it localItem
			out, err := client.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(pointQ),
				Parameters: []types.AttributeValue{&types.AttributeValueMemberS{Value: "p1000"}, &types.AttributeValueMemberS{Value: "0000500"}}})
			if err != nil || len(out.Items) != 1 {
				b.Fatal(err)
			}
			if err := attributevalue.UnmarshalMap(out.Items[0], &it); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Query1000/driver-sqlx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var items []localItem
			if err := xdb.SelectContext(ctx, &items, queryQ, "p1000"); err != nil || len(items) != 1000 {
				b.Fatal(err, len(items))
			}
		}
	})
	b.Run("Query1000/sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var items []localItem
			in := &dynamodb.ExecuteStatementInput{Statement: aws.String(queryQ),
				Parameters: []types.AttributeValue{&types.AttributeValueMemberS{Value: "p1000"}}}
			for {
				out, err := client.ExecuteStatement(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				var page []localItem
				if err := attributevalue.UnmarshalListOfMaps(out.Items, &page); err != nil {
					b.Fatal(err)
				}
				items = append(items, page...)
				if out.NextToken == nil {
					break
				}
				in.NextToken = out.NextToken
			}
			if len(items) != 1000 {
				b.Fatal(len(items))
			}
		}
	})
	var seq atomic.Int64
	b.Run("Insert/driver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.ExecContext(ctx, insertQ, "ins", fmt.Sprint(seq.Add(1)), 42, "Ada"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Insert/sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			params := make([]types.AttributeValue, 0, 4)
			for _, v := range []any{"ins", fmt.Sprint(seq.Add(1)), 42, "Ada"} {
				av, err := attributevalue.Marshal(v)
				if err != nil {
					b.Fatal(err)
				}
				params = append(params, av)
			}
			if _, err := client.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(insertQ), Parameters: params}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
