package dynamosql_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// TestSqlxStringSetAndStringList round-trips a struct with a string set
// (StringSet, an SS) and a list of strings (StringList, an L) through
// sqlx on DynamoDB Local, checks the stored attribute types with the SDK,
// and shows that a plain []string field cannot receive an L.
func TestSqlxStringSetAndStringList(t *testing.T) {
	ctx := dynamotest.Context(t)
	db, err := sqlx.ConnectContext(ctx, dynamosql.DriverName, dynamotest.DSN(t))
	require.NoError(t, err)
	defer db.Close()
	table := dynamotest.SimpleTable(t, "sqlxlist", "id", "")

	type person struct {
		ID    string               `db:"id"`
		Roles dynamosql.StringSet  `db:"roles"`
		Tags  dynamosql.StringList `db:"tags"`
	}
	in := person{ID: "p1", Roles: dynamosql.StringSet{"admin", "dev"}, Tags: dynamosql.StringList{"b", "a", "b"}}
	_, err = db.NamedExecContext(ctx, fmt.Sprintf(`INSERT INTO %q (id, roles, tags) VALUES (:id, :roles, :tags)`, table), in)
	require.NoError(t, err)

	var out person
	require.NoError(t, db.GetContext(ctx, &out, fmt.Sprintf(`SELECT id, roles, tags FROM %q WHERE id = ?`, table), "p1"))
	assert.Equal(t, in.ID, out.ID)
	assert.ElementsMatch(t, in.Roles, out.Roles, "a set keeps no order")
	assert.Equal(t, in.Tags, out.Tags, "a list keeps order and duplicates")

	item, err := dynamotest.Client(t).GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "p1"}},
		ConsistentRead: aws.Bool(true),
	})
	require.NoError(t, err)
	assert.IsType(t, &types.AttributeValueMemberSS{}, item.Item["roles"])
	assert.Equal(t, &types.AttributeValueMemberL{Value: []types.AttributeValue{
		&types.AttributeValueMemberS{Value: "b"}, &types.AttributeValueMemberS{Value: "a"}, &types.AttributeValueMemberS{Value: "b"},
	}}, item.Item["tags"])

	// A plain []string receives an SS (database/sql assigns a StringSet
	// to it) but not an L: database/sql refuses the List.
	var plain struct {
		Roles []string `db:"roles"`
		Tags  []string `db:"tags"`
	}
	err = db.GetContext(ctx, &plain, fmt.Sprintf(`SELECT roles, tags FROM %q WHERE id = ?`, table), "p1")
	require.ErrorContains(t, err, "unsupported Scan, storing driver.Value type dynamosql.List into type *[]string")
	var roles []string
	require.NoError(t, db.GetContext(ctx, &roles, fmt.Sprintf(`SELECT roles FROM %q WHERE id = ?`, table), "p1"))
	assert.ElementsMatch(t, []string{"admin", "dev"}, roles)
}
