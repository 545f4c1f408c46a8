package mapper_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/mapper"
)

// TestPutManyUnknownAttributes: by default PutMany writes whole items
// (BatchWriteItem), so an attribute the entity does not know is removed
// from an existing item; with KeepUnknownAttributes it is kept, as Put
// keeps it.
func TestPutManyUnknownAttributes(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	table := tableName(t, "unknown")
	whole := syncRepo(t, db, userEntity(t, table))
	keep, err := mapper.NewRepository(ctx, db, userEntity(t, table), mapper.RepositoryOptions{KeepUnknownAttributes: true})
	require.NoError(t, err)

	users := []User{{ID: "a", Firstname: "A", Lastname: "L"}, {ID: "b", Firstname: "B", Lastname: "L"}}
	require.NoError(t, whole.PutMany(ctx, users))
	for _, id := range []string{"a", "b"} {
		_, err := db.ExecContext(ctx, `UPDATE "`+table+`" SET extra = ? WHERE id = ?`, "other code's", id)
		require.NoError(t, err)
	}

	users[0].Age = 41
	require.NoError(t, keep.PutMany(ctx, users[:1]))
	a := rawItem(t, table, sKey("id", "a"))
	assert.Equal(t, "other code's", attrS(a, "extra"), "KeepUnknownAttributes keeps it")
	assert.Equal(t, &types.AttributeValueMemberN{Value: "41"}, a["age"])

	users[1].Age = 42
	require.NoError(t, whole.PutMany(ctx, users[1:]))
	b := rawItem(t, table, sKey("id", "b"))
	assert.NotContains(t, b, "extra", "a whole-item put removes it")
	assert.Equal(t, &types.AttributeValueMemberN{Value: "42"}, b["age"])
	assert.Equal(t, "L#B", attrS(b, "lastname#firstname"), "the composite is written")
}

// TestPutManyInvalidItem: DynamoDB rejects a BatchWriteItem as a whole
// when one item is invalid (here larger than 400 KB). PutMany resends
// that batch one item per request: only the invalid item fails, with
// DynamoDB's message, and every other item is written.
func TestPutManyInvalidItem(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	table := tableName(t, "invalid")
	repo := syncRepo(t, db, userEntity(t, table))
	users := make([]User, 40)
	for i := range users {
		users[i] = User{ID: fmt.Sprintf("u%02d", i), Firstname: "F", Lastname: "L"}
	}
	users[7].Firstname = strings.Repeat("x", 410*1024)

	err := repo.PutMany(ctx, users)
	var be *mapper.BatchError
	require.True(t, errors.As(err, &be), "a *BatchError: %v", err)
	require.Len(t, be.Failures, 1, "only the invalid item fails: %v", err)
	assert.Equal(t, 7, be.Failures[0].Index)
	assert.Equal(t, mapper.ID{"u07"}, be.Failures[0].ID)
	assert.Equal(t, "ValidationException", be.Failures[0].Code)
	assert.Contains(t, be.Failures[0].Err.Error(), "size")
	items := scanAll(t, table)
	assert.Len(t, items, 39)
	for _, it := range items {
		assert.NotEqual(t, "u07", attrS(it, "id"))
	}
}
