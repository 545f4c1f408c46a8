package schema

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// TestLifecycleOnLocal creates a table with both kinds of index on
// DynamoDB Local, adds and drops a global index and deletes the table,
// waiting for each change, and reads the declaration back.
func TestLifecycleOnLocal(t *testing.T) {
	c := dynamotest.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name := dynamotest.UniqueName("schema")
	t.Cleanup(func() {
		_, _ = c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	tbl := &Table{
		Name: name, PartitionKey: Attr{"pk", "S"}, SortKey: Attr{"sk", "N"},
		Indexes: []Index{
			{Name: "byX", PartitionKey: Attr{"pk", "S"}, SortKey: Attr{"x", "S"}, Projection: types.ProjectionTypeInclude, NonKeyAttributes: []string{"a"}},
			{Name: "byY", Global: true, PartitionKey: Attr{"y", "N"}, Projection: types.ProjectionTypeAll},
		},
	}
	in, err := tbl.CreateInput()
	require.NoError(t, err)
	out, err := c.CreateTable(ctx, in)
	require.NoError(t, err)
	var polls int
	w := Waiter{Progress: func(Progress) { polls++ }}
	d, err := w.Wait(ctx, c, Target{Table: name}, out.TableDescription)
	require.NoError(t, err)
	assert.Zero(t, polls, "DynamoDB Local answers CreateTable with an ACTIVE table")
	assert.Equal(t, tbl, FromDescription(d))

	add, err := AddIndex(name, Index{Name: "byZ", Global: true, PartitionKey: Attr{"z", "B"}, Projection: types.ProjectionTypeKeysOnly})
	require.NoError(t, err)
	uo, err := c.UpdateTable(ctx, add)
	require.NoError(t, err)
	start := time.Now()
	d, err = w.Wait(ctx, c, Target{Table: name, Index: "byZ"}, uo.TableDescription)
	require.NoError(t, err)
	t.Logf("index ACTIVE after %v and %d polls", time.Since(start), polls)
	assert.Positive(t, polls, "DynamoDB Local builds an index in about a second")
	assert.Len(t, d.GlobalSecondaryIndexes, 2)
	for _, g := range d.GlobalSecondaryIndexes {
		assert.Equal(t, types.IndexStatusActive, g.IndexStatus)
	}

	uo, err = c.UpdateTable(ctx, DropIndex(name, "byZ"))
	require.NoError(t, err)
	d, err = w.Wait(ctx, c, Target{Table: name, Index: "byZ", Gone: true}, uo.TableDescription)
	require.NoError(t, err)
	assert.Equal(t, tbl, FromDescription(d))

	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	require.NoError(t, err)
	d, err = w.Wait(ctx, c, Target{Table: name, Gone: true}, nil)
	require.NoError(t, err)
	assert.Nil(t, d)
	d, err = Describe(ctx, c, name)
	require.NoError(t, err)
	assert.Nil(t, d)
}
