package dynamosql_test

import (
	"context"
	"database/sql"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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

const pointReadBody = `{"Items":[{"id":{"S":"u1"},"age":{"N":"42"},"name":{"S":"Ada Lovelace"}}]}`

// BenchmarkPointRead compares a point read through the driver (Query, Next,
// Scan) with the raw SDK (ExecuteStatement + attributevalue.UnmarshalMap).
func BenchmarkPointRead(b *testing.B) {
	srv := cannedServer(b, map[string]string{"ExecuteStatement": pointReadBody})
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
	srv := cannedServer(b, map[string]string{"ExecuteStatement": `{}`})
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
