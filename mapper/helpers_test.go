package mapper_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	_ "github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/mapper"
)

// User is the seed's user, with a few more attributes.
type User struct {
	ID        string    `dynamodbav:"id" dynamo:"pk"`
	Age       int       `dynamodbav:"age"`
	Firstname string    `dynamodbav:"firstname"`
	Lastname  string    `dynamodbav:"lastname"`
	Nick      *string   `dynamodbav:"nick,omitempty"`
	Visits    int       `dynamodbav:"visits"`
	Tags      []string  `dynamodbav:"tags,omitempty,stringset"`
	Joined    time.Time `dynamodbav:"joined"`
}

func userEntity(t *testing.T, table string) *mapper.Entity[User] {
	t.Helper()
	e, err := mapper.Register[User](
		mapper.Table(table),
		mapper.GSI("ageIndex", mapper.Key("age"), mapper.Key("lastname", "firstname")),
	)
	require.NoError(t, err)
	return e
}

// quiet is a Sync logger that drops everything.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// tableName returns a unique table name that is deleted when the test
// ends.
func tableName(t *testing.T, prefix string) string {
	t.Helper()
	name := dynamotest.UniqueName("mapper_" + prefix)
	c := dynamotest.Client(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

// syncRepo syncs e's table and returns its repository.
func syncRepo[T any](t *testing.T, db *sql.DB, e *mapper.Entity[T], opts ...mapper.RepositoryOptions) *mapper.Repository[T] {
	t.Helper()
	ctx := dynamotest.Context(t)
	_, err := mapper.Sync(ctx, db, mapper.SyncOptions{Logger: quiet, PollInterval: 50 * time.Millisecond}, e)
	require.NoError(t, err)
	r, err := mapper.NewRepository(ctx, db, e, opts...)
	require.NoError(t, err)
	return r
}

// rawItem reads an item with the SDK, bypassing the mapper.
func rawItem(t *testing.T, table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	out, err := dynamotest.Client(t).GetItem(dynamotest.Context(t), &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true),
	})
	require.NoError(t, err)
	return out.Item
}

func sKey(name, v string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{name: &types.AttributeValueMemberS{Value: v}}
}

// attrS returns the S value of attribute name, or "<missing>".
func attrS(it map[string]types.AttributeValue, name string) string {
	v, ok := it[name].(*types.AttributeValueMemberS)
	if !ok {
		return "<missing>"
	}
	return v.Value
}

// scanAll reads every item of a table with the SDK.
func scanAll(t *testing.T, table string) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(dynamotest.Client(t), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(dynamotest.Context(t))
		require.NoError(t, err)
		items = append(items, out.Items...)
	}
	return items
}

func ptr[T any](v T) *T { return &v }

// lockedWriter serialises writes to w.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newTextLogger(w io.Writer, mu *sync.Mutex) *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{w, mu}, nil))
}
