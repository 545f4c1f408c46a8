package mapper_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/mapper"
)

// Event has a sort key, an LSI with a composite sort key and GSIs with
// a composite partition key and typed sort keys.
type Event struct {
	Tenant string    `dynamodbav:"tenant" dynamo:"pk"`
	Seq    int64     `dynamodbav:"seq" dynamo:"sk"`
	Kind   string    `dynamodbav:"kind"`
	At     time.Time `dynamodbav:"at"`
	Size   int       `dynamodbav:"size"`
	Blob   []byte    `dynamodbav:"blob"`
}

func describe(t *testing.T, table string) *types.TableDescription {
	t.Helper()
	out, err := dynamotest.Client(t).DescribeTable(dynamotest.Context(t), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	return out.Table
}

func keyOf(ks []types.KeySchemaElement) []string {
	var out []string
	for _, e := range ks {
		out = append(out, string(e.KeyType)+":"+aws.ToString(e.AttributeName))
	}
	return out
}

// recorder collects Sync's progress events.
type recorder struct {
	mu     sync.Mutex
	events []mapper.SyncEvent
}

func (r *recorder) add(e mapper.SyncEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) steps() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for _, e := range r.events {
		s = append(s, e.Step+":"+e.Index)
	}
	return s
}

func TestSyncFreshAndExisting(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	table := tableName(t, "sync")
	v1 := mapper.MustRegister[Event](mapper.Table(table),
		mapper.LSI("byKindAt", mapper.Key("kind", "at")),
		mapper.GSI("byKind", mapper.Key("kind"), mapper.Key("at")),
	)
	rec := &recorder{}
	opts := mapper.SyncOptions{Progress: rec.add, PollInterval: 20 * time.Millisecond}

	rep, err := mapper.Sync(ctx, db, opts, v1)
	require.NoError(t, err)
	require.Len(t, rep.Tables, 1)
	assert.True(t, rep.Tables[0].Created)
	assert.Empty(t, rep.Tables[0].Drift)
	assert.Contains(t, rec.steps(), "create-table:")
	assert.Contains(t, rec.steps(), "ready:")

	d := describe(t, table)
	assert.Equal(t, types.TableStatusActive, d.TableStatus)
	assert.Equal(t, types.BillingModePayPerRequest, d.BillingModeSummary.BillingMode)
	assert.Equal(t, []string{"HASH:tenant", "RANGE:seq"}, keyOf(d.KeySchema))
	defs := map[string]types.ScalarAttributeType{}
	for _, a := range d.AttributeDefinitions {
		defs[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	assert.Equal(t, map[string]types.ScalarAttributeType{
		"tenant": "S", "seq": "N", "kind": "S", "at": "S", "kind#at": "S",
	}, defs)
	require.Len(t, d.LocalSecondaryIndexes, 1)
	assert.Equal(t, []string{"HASH:tenant", "RANGE:kind#at"}, keyOf(d.LocalSecondaryIndexes[0].KeySchema))
	assert.Equal(t, types.ProjectionTypeAll, d.LocalSecondaryIndexes[0].Projection.ProjectionType)
	require.Len(t, d.GlobalSecondaryIndexes, 1)
	assert.Equal(t, []string{"HASH:kind", "RANGE:at"}, keyOf(d.GlobalSecondaryIndexes[0].KeySchema))

	// Again: nothing to do.
	rep, err = mapper.Sync(ctx, db, opts, v1)
	require.NoError(t, err)
	assert.False(t, rep.Tables[0].Created)
	assert.Empty(t, rep.Tables[0].AddedIndexes)
	assert.Empty(t, rep.Tables[0].Drift)

	// The repository works on the synced table, through the LSI's composite.
	repo, err := mapper.NewRepository(ctx, db, v1)
	require.NoError(t, err)
	at := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	require.NoError(t, repo.PutMany(ctx, []Event{
		{Tenant: "t", Seq: 1, Kind: "b", At: at, Size: 3, Blob: []byte{1}},
		{Tenant: "t", Seq: 2, Kind: "a", At: at.Add(time.Hour), Size: -3, Blob: []byte{2}},
		{Tenant: "t", Seq: 3, Kind: "a", At: at, Size: 10, Blob: []byte{3}},
	}))
	got, err := repo.FindAll(ctx, mapper.Query{Index: "byKindAt", Where: []mapper.Cond{mapper.Eq("tenant", "t"), mapper.Eq("kind", "a")}, Sort: mapper.Desc("kind", "at")})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []int64{2, 3}, []int64{got[0].Seq, got[1].Seq})

	// A newer declaration adds two GSIs (one with a composite partition
	// key), drops none, and reports the undeclared one.
	v2 := mapper.MustRegister[Event](mapper.Table(table),
		mapper.LSI("byKindAt", mapper.Key("kind", "at")),
		mapper.GSI("bySize", mapper.Key("kind"), mapper.Key("size")),
		mapper.GSI("byKindSize", mapper.Key("kind", "size"), mapper.Key("at")),
	)
	rec2 := &recorder{}
	opts.Progress = rec2.add
	rep, err = mapper.Sync(ctx, db, opts, v2)
	require.NoError(t, err)
	tr := rep.Tables[0]
	assert.False(t, tr.Created)
	assert.Equal(t, []string{"bySize", "byKindSize"}, tr.AddedIndexes)
	require.Len(t, tr.Drift, 1)
	assert.Contains(t, tr.Drift[0], "byKind ")
	assert.Contains(t, tr.Drift[0], "DropUnknownIndexes")
	steps := rec2.steps()
	assert.Less(t, slices.Index(steps, "add-index:bySize"), slices.Index(steps, "add-index:byKindSize"), "one at a time: %v", steps)
	d = describe(t, table)
	assert.Len(t, d.GlobalSecondaryIndexes, 3)
	for _, g := range d.GlobalSecondaryIndexes {
		assert.Equal(t, types.IndexStatusActive, g.IndexStatus)
	}

	// Items written after the index was added are found through it.
	require.NoError(t, repo.Put(ctx, &Event{Tenant: "t", Seq: 4, Kind: "z", At: at, Size: 7}))
	repo2, err := mapper.NewRepository(ctx, db, v2)
	require.NoError(t, err)
	require.NoError(t, repo2.Put(ctx, &Event{Tenant: "t", Seq: 5, Kind: "z", At: at, Size: 7}))
	got, err = repo2.FindAll(ctx, mapper.Query{Index: "byKindSize", Where: []mapper.Cond{mapper.Eq("kind", "z"), mapper.Eq("size", 7)}})
	require.NoError(t, err)
	require.Len(t, got, 1, "the composite index holds only the item written by the entity that knows it")
	assert.EqualValues(t, 5, got[0].Seq)

	// With the explicit option, the undeclared index goes.
	opts.DropUnknownIndexes = true
	rep, err = mapper.Sync(ctx, db, opts, v2)
	require.NoError(t, err)
	assert.Equal(t, []string{"byKind"}, rep.Tables[0].DroppedIndexes)
	assert.Empty(t, rep.Tables[0].Drift)
	assert.Len(t, describe(t, table).GlobalSecondaryIndexes, 2)

	// A declaration with another table key is drift, never "fixed".
	type Other struct {
		Tenant string `dynamodbav:"tenant" dynamo:"pk"`
	}
	rep, err = mapper.Sync(ctx, db, opts, mapper.MustRegister[Other](mapper.Table(table)))
	require.NoError(t, err)
	require.Len(t, rep.Tables[0].Drift, 1)
	assert.Contains(t, rep.Tables[0].Drift[0], "cannot change")

	// A changed index is rebuilt only when asked.
	v3 := mapper.MustRegister[Event](mapper.Table(table),
		mapper.LSI("byKindAt", mapper.Key("kind", "at")),
		mapper.GSI("bySize", mapper.Key("kind"), mapper.Key("at")),
		mapper.GSI("byKindSize", mapper.Key("kind", "size"), mapper.Key("at")),
	)
	rep, err = mapper.Sync(ctx, db, opts, v3)
	require.NoError(t, err)
	require.Len(t, rep.Tables[0].Drift, 1)
	assert.Contains(t, rep.Tables[0].Drift[0], "RecreateChangedIndexes")
	opts.RecreateChangedIndexes = true
	rep, err = mapper.Sync(ctx, db, opts, v3)
	require.NoError(t, err)
	assert.Equal(t, []string{"bySize"}, rep.Tables[0].DroppedIndexes)
	assert.Equal(t, []string{"bySize"}, rep.Tables[0].AddedIndexes)
	for _, g := range describe(t, table).GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == "bySize" {
			assert.Equal(t, []string{"HASH:kind", "RANGE:at"}, keyOf(g.KeySchema))
		}
	}
}

// TestSyncSharedTableAndLogger merges two entities on one table and logs
// through slog when no Progress callback is given.
func TestSyncSharedTableAndLogger(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	table := tableName(t, "shared")
	type A struct {
		PK   string `dynamodbav:"pk" dynamo:"pk"`
		SK   string `dynamodbav:"sk" dynamo:"sk"`
		Name string `dynamodbav:"name"`
	}
	type B struct {
		PK    string `dynamodbav:"pk" dynamo:"pk"`
		SK    string `dynamodbav:"sk" dynamo:"sk"`
		Email string `dynamodbav:"email"`
	}
	a := mapper.MustRegister[A](mapper.Table(table), mapper.GSI("byName", mapper.Key("name")))
	b := mapper.MustRegister[B](mapper.Table(table), mapper.GSI("byEmail", mapper.Key("email")))
	var log strings.Builder
	var mu sync.Mutex
	logger := newTextLogger(&log, &mu)
	rep, err := mapper.Sync(ctx, db, mapper.SyncOptions{Logger: logger, PollInterval: 20 * time.Millisecond}, a, b)
	require.NoError(t, err)
	require.Len(t, rep.Tables, 1)
	assert.Len(t, describe(t, table).GlobalSecondaryIndexes, 2)
	mu.Lock()
	assert.Contains(t, log.String(), "creating table "+table)
	mu.Unlock()

	type C struct {
		PK string `dynamodbav:"pk" dynamo:"pk"`
	}
	_, err = mapper.Sync(ctx, db, mapper.SyncOptions{Logger: quiet}, a, mapper.MustRegister[C](mapper.Table(table)))
	require.ErrorContains(t, err, "different keys")
}
