package dynamosql

import (
	"context"
	"database/sql/driver"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRowValueAgreesWithDecodeValue(t *testing.T) {
	for _, av := range []types.AttributeValue{
		&types.AttributeValueMemberS{Value: "Ada Lovelace"},
		&types.AttributeValueMemberS{Value: ""},
		&types.AttributeValueMemberS{Value: "2024-05-06T07:08:09Z"},
		&types.AttributeValueMemberN{Value: "42"},
		&types.AttributeValueMemberN{Value: "12345678901234567890123456789012345678"},
		&types.AttributeValueMemberBOOL{Value: true},
		&types.AttributeValueMemberNULL{Value: true},
		&types.AttributeValueMemberB{Value: []byte{1, 2}},
		&types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}}},
		(*types.AttributeValueMemberS)(nil),
		nil,
	} {
		for _, o := range []decodeOptions{{}, {parseTime: true}} {
			assert.Equal(t, decodeValue(av, o), rowValue(av, o), "%#v %+v", av, o)
		}
	}
	// parseTime still turns time text into a time.Time.
	v := rowValue(&types.AttributeValueMemberS{Value: "2024-05-06T07:08:09Z"}, decodeOptions{parseTime: true})
	assert.IsType(t, time.Time{}, v)
}

func TestRowValueStringIsAPlainString(t *testing.T) {
	av := &types.AttributeValueMemberS{Value: "héllo, wörld"}
	v := rowValue(av, decodeOptions{})
	s, ok := v.(string)
	require.True(t, ok, "%T", v)
	assert.Equal(t, "héllo, wörld", s)
	var d driver.Value = v
	assert.Equal(t, driver.Value("héllo, wörld"), d)
	assert.True(t, v == any("héllo, wörld"), "interface comparison")

	// The value outlives every other reference to the attribute value.
	av = nil
	runtime.GC()
	assert.Equal(t, "héllo, wörld", v.(string))
}

func TestRowValueStringDoesNotAllocate(t *testing.T) {
	av := types.AttributeValue(&types.AttributeValueMemberS{Value: "Ada Lovelace"})
	var sink driver.Value
	allocs := testing.AllocsPerRun(100, func() { sink = rowValue(av, decodeOptions{}) })
	assert.Zero(t, allocs)
	assert.Equal(t, "Ada Lovelace", sink)
}

func TestFactsOfAgreesWithSummarizeAndScanSQL(t *testing.T) {
	for _, q := range []string{
		`SELECT * FROM "users" WHERE id = ?`,
		`SELECT COUNT(*) FROM users WHERE id = ?`,
		`SELECT * FROM users LIMIT 3`,
		`INSERT INTO "events" VALUE {'pk': ?, 'sk': ?}`,
		`INSERT INTO events (pk, sk) VALUES (?, ?), (?, ?)`,
		`UPDATE users SET n = n + 1 WHERE id = 'a' RETURNING ALL NEW *`,
		`DELETE FROM users WHERE id = ?`,
		`SELECT * FROM 'unterminated`,
		`   `,
		strings.Repeat("x", MaxStatementLength+1),
	} {
		sum, err := summarize(q)
		f := factsOf(q)
		assert.Equal(t, sum, f.sum, q)
		assert.Equal(t, err, f.err, q)
		if err == nil {
			parse, ext := scanSQL(q, sum.Kind)
			assert.Equal(t, parse, f.parse, q)
			assert.Equal(t, ext, f.ext, q)
			assert.Same(t, f, factsOf(q), "the second lookup is a cache hit")
		}
	}
}

func TestFactsOfHitDoesNotAllocate(t *testing.T) {
	q := `SELECT pk, sk FROM "facts_alloc" WHERE pk = ?`
	factsOf(q)
	allocs := testing.AllocsPerRun(100, func() { factsOf(q) })
	assert.Zero(t, allocs)
}

func TestFactsCacheIsBounded(t *testing.T) {
	for i := range 2 * factShards * factShardCap {
		factsOf(fmt.Sprintf(`SELECT * FROM "bounded" WHERE pk = '%d'`, i))
	}
	n := 0
	for i := range factCache {
		if m := factCache[i].m.Load(); m != nil {
			require.LessOrEqual(t, len(*m), factShardCap)
			n += len(*m)
		}
	}
	assert.LessOrEqual(t, n, factShards*factShardCap)
}

func TestScanFactsFollowsTheText(t *testing.T) {
	orig := `SELECT * FROM users WHERE id = ? LIMIT 2`
	f := factsOf(orig)
	p := &prepared{query: orig, original: orig, sum: f.sum, facts: f}
	parse, ext := p.scanFacts()
	assert.True(t, parse)
	assert.Equal(t, "LIMIT", ext)
	// A text rewritten since prepare is scanned for what it says now.
	p.query = `SELECT * FROM users WHERE id = ?`
	parse, ext = p.scanFacts()
	wantParse, wantExt := scanSQL(p.query, p.sum.Kind)
	assert.Equal(t, wantParse, parse)
	assert.Equal(t, wantExt, ext)
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
			if collide {
				collideKeys = true // every key hashes alike
				t.Cleanup(func() { collideKeys = false })
			}
			c, f := translateConn()
			_, err := c.BeginTx(context.Background(), driver.TxOptions{})
			require.NoError(t, err)
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
