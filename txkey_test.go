package dynamosql

import (
	"context"
	"database/sql/driver"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

func tkS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func tkN(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func tkKey(t *testing.T, key indexhint.KeySchema, query string, params ...types.AttributeValue) string {
	t.Helper()
	s, err := partiql.Parse(query)
	require.NoError(t, err, query)
	b, ok := keyPartsOf(s).appendKey(nil, params, key)
	if !ok {
		return ""
	}
	return string(b)
}

func TestKeyParts(t *testing.T) {
	pk := indexhint.KeySchema{PartitionKey: "id"}
	both := indexhint.KeySchema{PartitionKey: "pk", SortKey: "sk"}

	for _, group := range []struct {
		key   indexhint.KeySchema
		stmts []string
		args  [][]types.AttributeValue
	}{
		{pk, []string{
			`INSERT INTO "t" VALUE {'id': 'a', 'v': 1}`,
			`INSERT INTO "t" VALUE {'v': ?, 'id': ?}`,
			`UPDATE "t" SET v = 1 WHERE id = 'a'`,
			`UPDATE "t" SET v = 1 WHERE v = 3 AND "id" = ?`,
			`DELETE FROM "t" WHERE ? = id`,
			`EXISTS(SELECT * FROM "t" WHERE id = 'a' AND v > 1)`,
			`SELECT * FROM "t" WHERE id = ?`,
		}, [][]types.AttributeValue{
			nil, {tkN("1"), tkS("a")}, nil, {tkS("a")}, {tkS("a")}, nil, {tkS("a")},
		}},
		{pk, []string{
			`INSERT INTO "t" VALUE {'id': 10}`,
			`DELETE FROM "t" WHERE id = 1E1`,
			`DELETE FROM "t" WHERE id = 10.000`,
			`DELETE FROM "t" WHERE id = ?`,
		}, [][]types.AttributeValue{nil, nil, nil, {tkN("0.1e2")}}},
		{both, []string{
			`INSERT INTO "t" VALUE {'pk': 'p', 'sk': 'ab:c'}`,
			`UPDATE "t" SET x = 1 WHERE sk = ? AND pk = ?`,
		}, [][]types.AttributeValue{nil, {tkS("ab:c"), tkS("p")}}},
	} {
		want := tkKey(t, group.key, group.stmts[0], group.args[0]...)
		require.NotEmpty(t, want)
		for i := 1; i < len(group.stmts); i++ {
			assert.Equal(t, want, tkKey(t, group.key, group.stmts[i], group.args[i]...), group.stmts[i])
		}
	}

	// Different items.
	assert.NotEqual(t,
		tkKey(t, both, `INSERT INTO "t" VALUE {'pk': 'ab', 'sk': 'c'}`),
		tkKey(t, both, `INSERT INTO "t" VALUE {'pk': 'a', 'sk': 'bc'}`))
	assert.NotEqual(t,
		tkKey(t, pk, `INSERT INTO "t" VALUE {'id': '10'}`),
		tkKey(t, pk, `INSERT INTO "t" VALUE {'id': 10}`), "a string is not a number")
	assert.NotEqual(t,
		tkKey(t, pk, `DELETE FROM "t" WHERE id = ?`, &types.AttributeValueMemberB{Value: []byte("a")}),
		tkKey(t, pk, `DELETE FROM "t" WHERE id = ?`, tkS("a")), "binary is not a string")
	assert.Equal(t,
		tkKey(t, pk, `DELETE FROM "t" WHERE id = ?`, &types.AttributeValueMemberB{Value: []byte{0, 1}}),
		tkKey(t, pk, `UPDATE "t" SET v = 1 WHERE id = ?`, &types.AttributeValueMemberB{Value: []byte{0, 1}}))

	// Keys the statement does not show.
	for _, tc := range []struct {
		key   indexhint.KeySchema
		query string
		args  []types.AttributeValue
	}{
		{both, `INSERT INTO "t" VALUE {'pk': 'p'}`, nil},
		{both, `UPDATE "t" SET x = 1 WHERE pk = 'p'`, nil},
		{pk, `UPDATE "t" SET x = 1 WHERE id = 'a' OR id = 'b'`, nil},
		{pk, `UPDATE "t" SET x = 1 WHERE id IN ['a']`, nil},
		{pk, `DELETE FROM "t" WHERE id.x = 'a'`, nil},
		{pk, `DELETE FROM "t" WHERE id = other`, nil},
		{pk, `DELETE FROM "t" WHERE id = ?`, nil},
		{pk, `DELETE FROM "t" WHERE id = ?`, []types.AttributeValue{&types.AttributeValueMemberBOOL{Value: true}}},
		// The text of INSERT ... VALUE ? shows no key: the rewrite expands
		// the item (itemparam.go) and keys the expanded VALUE map.
		{pk, `INSERT INTO "t" VALUE ?`, []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"id": tkS("a")}}}},
		{pk, `EXISTS(SELECT * FROM "t"."byName" WHERE id = 'a')`, nil},
		{pk, `SELECT * FROM "t"."byName" WHERE id = 'a'`, nil},
	} {
		assert.Empty(t, tkKey(t, tc.key, tc.query, tc.args...), tc.query)
	}
	_, ok := keyPartsOf(nil).appendKey(nil, nil, pk)
	assert.False(t, ok)
}

// txExec adds an INSERT with args to the transaction open on c.
func txExec(t *testing.T, c *conn, query string, args ...any) error {
	t.Helper()
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		require.NoError(t, c.CheckNamedValue(&nv[i]))
	}
	_, err := c.ExecContext(context.Background(), query, nv)
	return err
}

func TestTxKeysIndexedByHash(t *testing.T) {
	for _, collide := range []bool{false, true} {
		t.Run(fmt.Sprintf("collide=%v", collide), func(t *testing.T) {
			c, f := translateConn()
			_, err := c.BeginTx(context.Background(), driver.TxOptions{})
			require.NoError(t, err)
			c.tx.keys.collide = collide // every key hashes alike
			ins := `INSERT INTO "events" VALUE {'pk': ?, 'sk': ?}`
			require.NoError(t, txExec(t, c, ins, "p", "1"))
			assert.Zero(t, f.calls, "one statement on a table: not described")
			require.NoError(t, txExec(t, c, ins, "p", "2"))
			require.NoError(t, txExec(t, c, ins, "p", "3"))
			assert.Equal(t, 1, f.calls)
			require.NoError(t, txExec(t, c, `UPDATE "users" SET n = 1 WHERE id = ?`, "p"))

			err = txExec(t, c, ins, "p", "2")
			require.ErrorIs(t, err, ErrTxDuplicateKey)
			assert.Contains(t, err.Error(), "statement 4 targets the same item")
			assert.Contains(t, err.Error(), "as statement 1")
			err = txExec(t, c, `DELETE FROM "events" WHERE sk = ? AND pk = ?`, "3", "p")
			require.ErrorIs(t, err, ErrTxDuplicateKey)
			assert.Contains(t, err.Error(), "as statement 2")

			// A multi-row INSERT refused for its second row leaves nothing
			// of itself behind.
			err = txExec(t, c, `INSERT INTO events (pk, sk) VALUES (?, ?), (?, ?)`, "p", "4", "p", "1")
			require.ErrorIs(t, err, ErrTxDuplicateKey)
			require.NoError(t, txExec(t, c, ins, "p", "4"))
			require.Len(t, c.tx.stmts, 5)
		})
	}
}
