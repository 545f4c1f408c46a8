package dynamosql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jmoiron/sqlx"

	"github.com/dynamosql/dynamosql"
)

// cannedServer is an in-process DynamoDB endpoint that answers every
// operation with a fixed body per X-Amz-Target operation name. It measures
// the client's own cost: no database work, loopback HTTP only.
func cannedServer(tb testing.TB, bodies map[string]string) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		body, ok := bodies[op]
		if !ok {
			body := fmt.Sprintf(`{"__type":"com.amazon.coral.validate#ValidationException","message":"canned server has no answer for %s"}`, op)
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
			w.WriteHeader(400)
			_, _ = io.WriteString(w, body)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		// DynamoDB sends the body's CRC32; the SDK checks it.
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
		_, _ = io.WriteString(w, body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// benchClients returns a *sql.DB and a raw SDK client on the same endpoint
// with the same settings.
func benchClients(tb testing.TB, endpoint string) (*sql.DB, *dynamodb.Client) {
	tb.Helper()
	cfg := dynamosql.NewConfig()
	cfg.Region = "us-east-1"
	cfg.Endpoint = endpoint
	cfg.AccessKeyID, cfg.SecretAccessKey = "bench", "bench"
	cfg.Scan = dynamosql.ScanAllow
	conn, err := dynamosql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	db := sql.OpenDB(conn)
	tb.Cleanup(func() { db.Close() })
	raw := dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("bench", "bench", "")),
		RetryMaxAttempts: dynamosql.DefaultMaxRetries + 1,
	})
	return db, raw
}

type benchUser struct {
	ID   string `dynamodbav:"id" db:"id"`
	Age  int64  `dynamodbav:"age" db:"age"`
	Name string `dynamodbav:"name" db:"name"`
}

// describeUserBody describes the table "user" with partition key id.
const describeUserBody = `{"Table":{"TableName":"user","TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}]}}`

const pointReadBody = `{"Items":[{"id":{"S":"u1"},"age":{"N":"42"},"name":{"S":"Ada Lovelace"}}]}`

// BenchmarkPointRead compares a point read through the driver (Query, Next,
// Scan) with the raw SDK (ExecuteStatement + attributevalue.UnmarshalMap).
func BenchmarkPointRead(b *testing.B) {
	srv := cannedServer(b, map[string]string{"ExecuteStatement": pointReadBody, "DescribeTable": describeUserBody})
	db, raw := benchClients(b, srv.URL)
	ctx := context.Background()
	const q = `SELECT id, age, name FROM "user" WHERE id = ?`

	b.Run("driver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u benchUser
			rows, err := db.QueryContext(ctx, q, "u1")
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				if err := rows.Scan(&u.ID, &u.Age, &u.Name); err != nil {
					b.Fatal(err)
				}
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
			if u.Age != 42 {
				b.Fatal("wrong value")
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u benchUser
			out, err := raw.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
				Statement:  aws.String(q),
				Parameters: []types.AttributeValue{&types.AttributeValueMemberS{Value: "u1"}},
			})
			if err != nil {
				b.Fatal(err)
			}
			for _, it := range out.Items {
				if err := attributevalue.UnmarshalMap(it, &u); err != nil {
					b.Fatal(err)
				}
			}
			if u.Age != 42 {
				b.Fatal("wrong value")
			}
		}
	})
}

// BenchmarkInsert compares an INSERT with three parameters through the
// driver (ExecContext) with the raw SDK (attributevalue.Marshal of each
// parameter + ExecuteStatement).
func BenchmarkInsert(b *testing.B) {
	srv := cannedServer(b, map[string]string{"ExecuteStatement": `{}`, "DescribeTable": describeUserBody})
	db, raw := benchClients(b, srv.URL)
	ctx := context.Background()
	const q = `INSERT INTO "user" VALUE {'id': ?, 'age': ?, 'name': ?}`

	b.Run("driver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.ExecContext(ctx, q, "u1", 42, "Ada Lovelace"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			params := make([]types.AttributeValue, 0, 3)
			for _, v := range []any{"u1", 42, "Ada Lovelace"} {
				av, err := attributevalue.Marshal(v)
				if err != nil {
					b.Fatal(err)
				}
				params = append(params, av)
			}
			if _, err := raw.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
				Statement: aws.String(q), Parameters: params,
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// pagedServer serves a SELECT of total items in pages of at most pageSize
// items (fewer when the request's Limit is smaller), with a NextToken until
// the end, like DynamoDB. Items are generated per request, so the server
// holds no result in memory.
func pagedServer(tb testing.TB, total, pageSize int) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".DescribeTable") {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(describeUserBody))), 10))
			_, _ = io.WriteString(w, describeUserBody)
			return
		}
		var req struct {
			NextToken string
			Limit     int
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		start := 0
		if req.NextToken != "" {
			start, _ = strconv.Atoi(strings.TrimPrefix(req.NextToken, "t"))
		}
		n := pageSize
		if req.Limit > 0 && req.Limit < n {
			n = req.Limit
		}
		end := min(start+n, total)
		var b strings.Builder
		b.WriteString(`{"Items":[`)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":{"S":"user-%07d"},"age":{"N":"%d"},"name":{"S":"Name %d with some text"}}`, i, 20+i%50, i)
		}
		b.WriteString("]")
		if end < total {
			fmt.Fprintf(&b, `,"NextToken":"t%d"`, end)
		}
		b.WriteString("}")
		body := b.String()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
		_, _ = io.WriteString(w, body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// BenchmarkQuery1000IntoStructs compares reading 1,000 items into structs:
// sqlx's Select through the driver against the raw SDK's ExecuteStatement +
// attributevalue.UnmarshalListOfMaps.
func BenchmarkQuery1000IntoStructs(b *testing.B) {
	srv := pagedServer(b, 1000, 1000)
	db, raw := benchClients(b, srv.URL)
	xdb := sqlx.NewDb(db, "dynamodb")
	ctx := context.Background()
	const q = `SELECT id, age, name FROM "user" WHERE age = ?`

	b.Run("driver-sqlx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var users []benchUser
			if err := xdb.SelectContext(ctx, &users, q, 20); err != nil {
				b.Fatal(err)
			}
			if len(users) != 1000 {
				b.Fatal(len(users))
			}
		}
	})
	b.Run("driver-scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			users := make([]benchUser, 0, 1000)
			rows, err := db.QueryContext(ctx, q, 20)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var u benchUser
				if err := rows.Scan(&u.ID, &u.Age, &u.Name); err != nil {
					b.Fatal(err)
				}
				users = append(users, u)
			}
			if err := rows.Close(); err != nil || len(users) != 1000 {
				b.Fatal(err, len(users))
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var users []benchUser
			out, err := raw.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
				Statement:  aws.String(q),
				Parameters: []types.AttributeValue{&types.AttributeValueMemberN{Value: "20"}},
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := attributevalue.UnmarshalListOfMaps(out.Items, &users); err != nil {
				b.Fatal(err)
			}
			if len(users) != 1000 {
				b.Fatal(len(users))
			}
		}
	})
}

// BenchmarkStreamingHeap streams 10,000 and 100,000 items in pages of 100
// and reports the largest live heap seen while streaming (after a GC, every
// 5,000 rows): it must not grow with the result size.
func BenchmarkStreamingHeap(b *testing.B) {
	for _, total := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("items=%d", total), func(b *testing.B) {
			srv := pagedServer(b, total, 100)
			db, _ := benchClients(b, srv.URL)
			ctx := context.Background()
			var peak uint64
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			base := ms.HeapAlloc
			for b.Loop() {
				rows, err := db.QueryContext(ctx, `SELECT id, age, name FROM "user" WHERE age = ?`, 20)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					var u benchUser
					if err := rows.Scan(&u.ID, &u.Age, &u.Name); err != nil {
						b.Fatal(err)
					}
					n++
					if n%5000 == 0 {
						runtime.GC()
						runtime.ReadMemStats(&ms)
						if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
							peak = ms.HeapAlloc - base
						}
					}
				}
				if err := rows.Close(); err != nil || n != total {
					b.Fatal(err, n)
				}
			}
			b.ReportMetric(float64(peak), "peak-live-heap-B")
		})
	}
}
