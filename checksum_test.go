package dynamosql_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// sdkLog records what the AWS SDK logs.
type sdkLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *sdkLog) Logf(c logging.Classification, format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, string(c)+" "+fmt.Sprintf(format, v...))
}

func (l *sdkLog) checksumWarnings() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, "did not match expected checksum") {
			n++
		}
	}
	return n
}

// headerRewriter changes the X-Amz-Crc32 header of DynamoDB Local's
// answers: set replaces it (as a corrupted answer of the service would
// look), or nothing is changed.
type headerRewriter struct {
	set string
}

func (h headerRewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && h.set != "" {
		resp.Header.Set("X-Amz-Crc32", h.set)
	}
	return resp, err
}

// TestNoChecksumWarningForLocalErrors: DynamoDB Local answers errors
// without X-Amz-Crc32, and the AWS SDK then logs a checksum warning for
// each one (shown first with the SDK's own client). The driver's client
// does not, through the user's own SDK logger, which is kept; and the
// SDK's check still catches an answer whose checksum is wrong.
func TestNoChecksumWarningForLocalErrors(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "crc", "id", "")
	dup := fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, table)

	// Today's SDK on its own: one warning per error answer.
	raw := &sdkLog{}
	client := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: dynamotest.Client(t).Options().Credentials},
		func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(dynamotest.MustEndpoint(t))
			o.Logger = raw
		})
	for range 2 {
		_, _ = client.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: &dup})
	}
	require.Equal(t, 1, raw.checksumWarnings(), "the SDK warns for the duplicate (the first INSERT succeeded)")

	open := func(rt http.RoundTripper, log *sdkLog) *sql.DB {
		cfg, err := dynamosql.ParseDSN(dynamotest.DSN(t))
		require.NoError(t, err)
		cfg.ClientOptions = append(cfg.ClientOptions, func(o *dynamodb.Options) {
			o.Logger = log
			if rt != nil {
				o.HTTPClient = &http.Client{Transport: rt}
			}
		})
		c, err := dynamosql.NewConnector(cfg)
		require.NoError(t, err)
		db := sql.OpenDB(c)
		t.Cleanup(func() { db.Close() })
		return db
	}
	mine := &sdkLog{}
	db := open(nil, mine)
	for range 3 {
		_, err := db.ExecContext(ctx, dup)
		require.ErrorIs(t, err, dynamosql.ErrDuplicateItem, "the error is reported as before")
	}
	_, err := db.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET n = 1 WHERE id = 'zz'`, table))
	require.NoError(t, err)
	assert.Zero(t, mine.checksumWarnings(), "no warning through the user's logger: %v", mine.msgs)

	// A wrong checksum is still caught, on success and error answers.
	bad := &sdkLog{}
	db = open(headerRewriter{set: "12345"}, bad)
	var id string
	require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf(`SELECT id FROM %q WHERE id = 'a'`, table)).Scan(&id))
	_, _ = db.ExecContext(ctx, dup)
	assert.GreaterOrEqual(t, bad.checksumWarnings(), 2, "the SDK's check stays on for the SELECT (and its DescribeTable) and the error: %v", bad.msgs)
}
