package dynamosql

import (
	"context"
	"database/sql/driver"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodedStringIsAPlainString(t *testing.T) {
	av := &types.AttributeValueMemberS{Value: "héllo, wörld"}
	v := decodeValue(av, decodeOptions{})
	s, ok := v.(string)
	require.True(t, ok, "%T", v)
	assert.Equal(t, "héllo, wörld", s)
	assert.True(t, v == any("héllo, wörld"), "interface comparison")
	// parseTime still turns time text into a time.Time.
	v = decodeValue(&types.AttributeValueMemberS{Value: "2024-05-06T07:08:09Z"}, decodeOptions{parseTime: true})
	assert.IsType(t, time.Time{}, v)
}

func TestDecodeNumberClassifiesBeforeParsing(t *testing.T) {
	for s, want := range map[string]driver.Value{
		"42":                                     int64(42),
		"-9223372036854775808":                   int64(-9223372036854775808),
		"9223372036854775808":                    Number("9223372036854775808"), // past int64, and not how Go spells the float
		"1.5":                                    1.5,
		"1e+21":                                  1e21,
		"1.50":                                   Number("1.50"),
		"0012":                                   Number("0012"),
		"12345678901234567890123456789012345678": Number("12345678901234567890123456789012345678"),
	} {
		assert.Equal(t, want, decodeNumber(s), s)
	}
	// A non-integer costs no parse error: one allocation (the float64 in
	// the interface) at most.
	allocs := testing.AllocsPerRun(100, func() { _ = decodeNumber("1.5") })
	assert.LessOrEqual(t, allocs, 1.0)
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

func TestRowsReuseARepeatedStringValue(t *testing.T) {
	item := func(pk, sk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk},
			"sk": &types.AttributeValueMemberS{Value: sk},
		}
	}
	items := []map[string]types.AttributeValue{item("p", "1"), item("p", "2"), item("q", "2"), item("p", "22"), item("p", "")}
	r := &rows{items: items, done: true, cols: []column{{name: "pk", key: "pk"}, {name: "sk", key: "sk"}}}
	var got [][2]driver.Value
	dest := make([]driver.Value, 2)
	for r.Next(dest) == nil {
		got = append(got, [2]driver.Value{dest[0], dest[1]})
	}
	assert.Equal(t, [][2]driver.Value{{"p", "1"}, {"p", "2"}, {"q", "2"}, {"p", "22"}, {"p", ""}}, got)

	// A value equal to the last row's costs no allocation.
	same := make([]map[string]types.AttributeValue, 200)
	for i := range same {
		same[i] = item("p", "s")
	}
	r = &rows{items: same, done: true, cols: []column{{name: "pk", key: "pk"}, {name: "sk", key: "sk"}}}
	require.NoError(t, r.Next(dest))
	allocs := testing.AllocsPerRun(100, func() { require.NoError(t, r.Next(dest)) })
	assert.Zero(t, allocs)
	assert.Equal(t, "s", dest[1])
}
