package dynamosql_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// itemUser is a whole Go value written with INSERT ... VALUE ?: its
// dynamodbav tags name the attributes.
type itemUser struct {
	ID       string   `dynamodbav:"id"`
	Name     string   `dynamodbav:"full_name"`
	Age      int      `dynamodbav:"age,omitempty"`
	Tags     []string `dynamodbav:"tags,stringset,omitempty"`
	Password string   `dynamodbav:"-"`
}

// TestInsertWholeItem: INSERT INTO t VALUE ? takes a map or a struct as
// the whole item, outside and inside transactions, and a slice of them as
// several items written atomically.
//
// Before: dynamosql: ExecuteStatement: operation error DynamoDB:
// ExecuteStatement, https response error StatusCode: 400, RequestID: …,
// api error ValidationException: Unsupported format in item expression.
// Please use struct format {...} to express item values for insert
// statement. at 1:39:1
func TestInsertWholeItem(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "wholeitem", "id", "")
	ins := fmt.Sprintf(`INSERT INTO %q VALUE ?`, table)

	// A map, a struct, a pointer to a struct.
	_, err := db.ExecContext(ctx, ins, map[string]any{"id": "m1", "n": 1, "it's": "quoted"})
	require.NoError(t, err)
	res, err := db.ExecContext(ctx, ins, itemUser{ID: "s1", Name: "Ada", Age: 36, Tags: []string{"x"}, Password: "secret"})
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	_, err = db.ExecContext(ctx, ins, &itemUser{ID: "s2", Name: "Grace"}) // omitempty: another set of names
	require.NoError(t, err)

	m1 := item(t, table, key("m1"))
	assert.Equal(t, &types.AttributeValueMemberS{Value: "quoted"}, m1["it's"])
	s1 := item(t, table, key("s1"))
	assert.Equal(t, []string{"age", "full_name", "id", "tags"}, sortedKeys(s1), "dynamodbav tags name the attributes")
	assert.Equal(t, &types.AttributeValueMemberSS{Value: []string{"x"}}, s1["tags"])
	assert.Equal(t, []string{"full_name", "id"}, sortedKeys(item(t, table, key("s2"))))

	// The key is seen: a duplicate is ErrDuplicateItem, and inside a
	// transaction a second operation on the item is refused at once.
	_, err = db.ExecContext(ctx, ins, itemUser{ID: "s1"})
	require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, ins, itemUser{ID: "t1", Name: "In a tx"})
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, ins, map[string]any{"id": "t2"})
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET n = 1 WHERE id = ?`, table), "t1")
	require.ErrorIs(t, err, dynamosql.ErrTxDuplicateKey)
	require.NoError(t, tx.Commit())
	assert.Equal(t, "In a tx", item(t, table, key("t1"))["full_name"].(*types.AttributeValueMemberS).Value)
	assert.NotNil(t, item(t, table, key("t2")))

	// A slice: one item per element, in one ExecuteTransaction.
	ft.ResetCounts()
	res, err = db.ExecContext(ctx, ins, []itemUser{{ID: "l1", Name: "A"}, {ID: "l2", Name: "B", Age: 3}, {ID: "l3", Name: "C"}})
	require.NoError(t, err)
	n, err = res.RowsAffected()
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)
	assert.Equal(t, 1, ft.Requests("ExecuteTransaction"))
	assert.Zero(t, ft.Requests("ExecuteStatement"))
	for _, id := range []string{"l1", "l2", "l3"} {
		assert.NotNil(t, item(t, table, key(id)), id)
	}
	// ... atomically: one existing key cancels all.
	_, err = db.ExecContext(ctx, ins, []map[string]any{{"id": "l4"}, {"id": "l1"}})
	require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)
	assert.Contains(t, err.Error(), "row 2 failed")
	assert.Nil(t, item(t, table, key("l4")), "nothing was written")
	// ... and inside a transaction, added as one statement per item.
	tx, err = db.BeginTx(ctx, nil)
	require.NoError(t, err)
	res, err = tx.ExecContext(ctx, ins, []any{map[string]any{"id": "l5"}, itemUser{ID: "l6"}})
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %q WHERE id = 'l6'`, table))
	require.ErrorIs(t, err, dynamosql.ErrTxDuplicateKey)
	require.NoError(t, tx.Commit())
	n, err = res.RowsAffected()
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	assert.NotNil(t, item(t, table, key("l6")))

	// Explain shows the statement sent.
	plan, err := dynamosql.Explain(ctx, db, ins, itemUser{ID: "x", Name: "X"})
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf(`INSERT INTO %q VALUE {'full_name': ?, 'id': ?}`, table), plan.Statement)
	assert.Equal(t, 2, plan.Params)
}

// TestInsertWholeItemRefusals: arguments that are no item, and UPDATE ...
// SET ?, are refused before anything is sent.
func TestInsertWholeItemRefusals(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "wholeref", "id", "")
	ins := fmt.Sprintf(`INSERT INTO %q VALUE ?`, table)
	dups := make([]map[string]any, 101)
	for i := range dups {
		dups[i] = map[string]any{"id": fmt.Sprint(i)}
	}
	for _, tc := range []struct {
		name  string
		query string
		arg   any
		is    error
		msg   string
	}{
		{"a string", ins, "u1", dynamosql.ErrUnsupportedType, "argument 1: INSERT ... VALUE ? takes the whole item, a map or a struct (or a slice of them, one item each), not a DynamoDB S"},
		{"an empty map", ins, map[string]any{}, dynamosql.ErrInvalidValue, "argument 1 has no attributes"},
		{"an empty list", ins, []itemUser{}, dynamosql.ErrInvalidValue, "empty list"},
		{"a list of strings", ins, []string{"a"}, dynamosql.ErrUnsupportedType, "argument 1, item 1: INSERT ... VALUE ? takes a list of items"},
		{"two items with one key", ins, []itemUser{{ID: "d"}, {ID: "e"}, {ID: "d"}}, dynamosql.ErrTxDuplicateKey, "items 1 and 3 of the INSERT have the same primary key"},
		{"101 items", ins, dups, dynamosql.ErrTxTooLarge, "101 items"},
		{"UPDATE SET ?", fmt.Sprintf(`UPDATE %q SET ? WHERE id = 'a'`, table), map[string]any{"n": 1}, dynamosql.ErrUnsupportedSQL, "SET each attribute (SET a = ?, b = ?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft.ResetCounts()
			_, err := db.ExecContext(ctx, tc.query, tc.arg)
			require.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Zero(t, writeRequests(ft), "nothing is sent")
		})
	}
	assert.Zero(t, count(t, table))
}

func sortedKeys(m map[string]types.AttributeValue) []string {
	return slices.Sorted(maps.Keys(m))
}

// BenchmarkInsertWholeItem inserts one item of four attributes on the
// canned endpoint (the client's own cost): as a struct through INSERT ...
// VALUE ? (the driver expands it), as four parameters of INSERT ... VALUE
// {...}, and with the SDK (attributevalue.MarshalMap, the map's values as
// the parameters of the same VALUE {...} text, ExecuteStatement).
//
//	go test -run '^$' -bench 'InsertWholeItem' -benchmem -count 6 .
func BenchmarkInsertWholeItem(b *testing.B) {
	e := newBenchEnv(b, cannedServer(b, map[string]string{"ExecuteStatement": `{}`, "DescribeTable": describeBody}).URL, "bench", false)
	ctx := context.Background()
	whole := fmt.Sprintf(`INSERT INTO %q VALUE ?`, e.table)
	byName := fmt.Sprintf(`INSERT INTO %q VALUE {'age': ?, 'name': ?, 'pk': ?, 'sk': ?}`, e.table)
	item := func() benchItem { return benchItem{PK: "ins", SK: e.key(), Age: 42, Name: "Ada Lovelace"} }
	runPair(b, []string{"driver-item", "driver", "sdk"},
		func() error {
			_, err := e.db.ExecContext(ctx, whole, item())
			return err
		},
		func() error {
			it := item()
			_, err := e.db.ExecContext(ctx, byName, it.Age, it.Name, it.PK, it.SK)
			return err
		},
		func() error {
			m, err := attributevalue.MarshalMap(item())
			if err != nil {
				return err
			}
			params := []types.AttributeValue{m["age"], m["name"], m["pk"], m["sk"]}
			_, err = e.raw.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: &byName, Parameters: params})
			return err
		})
}
