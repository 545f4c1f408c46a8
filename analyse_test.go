package dynamosql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

func TestStatementCacheHitsAndBounds(t *testing.T) {
	c := newStatementCache(64)
	q := `SELECT pk, sk FROM "facts_alloc" WHERE pk = ?`
	a := c.get(q)
	require.NoError(t, a.err)
	assert.Same(t, a, c.get(strings.Clone(q)), "the second lookup is a cache hit")
	assert.EqualValues(t, 1, c.analysed.Load())
	allocs := testing.AllocsPerRun(100, func() { c.get(q) })
	assert.Zero(t, allocs, "a hit does not allocate")

	for i := range 1000 {
		c.get(fmt.Sprintf(`SELECT * FROM "bounded" WHERE pk = '%d'`, i))
	}
	n := 0
	for _, sh := range c.shards {
		n += sh.Len()
	}
	assert.LessOrEqual(t, n, 64)

	long := strings.Repeat("x", MaxStatementLength+1)
	assert.ErrorIs(t, c.get(long).err, ErrStatementTooLong)
	assert.NotSame(t, c.get(long), c.get(long), "a text over the limit is never cached")
}

func TestAnalysisHoldsWhatLaterStagesNeed(t *testing.T) {
	for _, tt := range []struct {
		q       string
		kind    string
		params  int
		table   string
		rewrite rewriteKind
		star    bool
		cols    int
		keys    bool
		err     error
	}{
		{q: `SELECT * FROM "users" WHERE id = ?`, kind: "SELECT", params: 1, table: "users", star: true, keys: true},
		{q: `SELECT a, b.c FROM users WHERE id = ?`, kind: "SELECT", params: 1, table: "users", cols: 2, keys: true},
		{q: `SELECT COUNT(*) FROM users WHERE id = ?`, kind: "SELECT", params: 1, table: "users", rewrite: rewriteCount, star: true, keys: true},
		{q: `SELECT * FROM users LIMIT ?`, kind: "SELECT", params: 1, table: "users", rewrite: rewriteLimit, star: true},
		{q: `INSERT INTO "events" VALUE {'pk': ?, 'sk': ?}`, kind: "INSERT", params: 2, table: "events", star: true, keys: true},
		{q: `INSERT INTO events (pk, sk) VALUES (?, ?), (?, ?)`, kind: "INSERT", params: 4, table: "events", rewrite: rewriteInsert, star: true},
		{q: `UPDATE users SET n = n + 1 WHERE id = 'a' RETURNING ALL NEW *`, kind: "UPDATE", table: "users", star: true, keys: true},
		{q: `SELECT * FROM 'unterminated`, err: ErrSyntax},
		{q: `   `, err: ErrEmptyStatement},
		{q: `-- nothing`, err: ErrEmptyStatement},
		{q: `SELECT * FROM a JOIN b`, err: ErrUnsupportedSQL},
		{q: `SELECT * FROM "a/b"`, err: ErrInvalidTableName},
		{q: `SELEKT * FROM t`, kind: "UNKNOWN", table: "", star: true},
	} {
		a := analyse(tt.q)
		if tt.err != nil {
			assert.ErrorIs(t, a.err, tt.err, tt.q)
			continue
		}
		require.NoError(t, a.err, tt.q)
		assert.Equal(t, tt.kind, a.kind.String(), tt.q)
		assert.Equal(t, tt.params, a.params, tt.q)
		assert.Equal(t, tt.table, a.table, tt.q)
		assert.Equal(t, tt.rewrite, a.rw.kind, tt.q)
		assert.Equal(t, tt.star, a.star, tt.q)
		assert.Len(t, a.cols, tt.cols, tt.q)
		assert.Equal(t, tt.keys, a.keys != nil, tt.q)
	}
}

// TestEachTextIsAnalysedOncePerConnector runs the same few texts through
// every path of the driver on DynamoDB Local (QueryRow, Exec, prepared
// statements, transactions, Explain, ReadItems, LIMIT and COUNT(*)
// translations, a multi-row INSERT) and checks that each text was lexed
// and parsed once: the parser ran once per distinct text, and the
// connector's cache analysed each once.
func TestEachTextIsAnalysedOncePerConnector(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	table := dynamotest.SimpleTable(t, "analysed", "pk", "sk")
	db, err := sql.Open("dynamodb", dynamotest.DSN(t))
	require.NoError(t, err)
	defer db.Close()
	cn, err := ConnectorOf(ctx, db)
	require.NoError(t, err)

	texts := []string{
		fmt.Sprintf(`INSERT INTO %q VALUE {'pk': ?, 'sk': ?, 'n': ?}`, table),
		fmt.Sprintf(`SELECT * FROM %q WHERE pk = ? AND sk = ?`, table),
		fmt.Sprintf(`UPDATE %q SET n = n + 1 WHERE pk = ? AND sk = ?`, table),
		fmt.Sprintf(`SELECT sk, n FROM %q WHERE pk = ? LIMIT 2`, table),
		fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE pk = ?`, table),
		fmt.Sprintf(`INSERT INTO %q (pk, sk) VALUES (?, ?), (?, ?)`, table),
		fmt.Sprintf(`DELETE FROM %q WHERE pk = ? AND sk = ?`, table),
		fmt.Sprintf(`INSERT INTO %q VALUE ?`, table),
	}
	ins, get, upd, limit, count, multi, del, whole := texts[0], texts[1], texts[2], texts[3], texts[4], texts[5], texts[6], texts[7]
	before := partiql.Analyses()
	for i := range 5 {
		p := fmt.Sprint("p", i)
		_, err := db.ExecContext(ctx, ins, p, "a", i)
		require.NoError(t, err)
		var pk, sk string
		var n int
		require.NoError(t, db.QueryRowContext(ctx, get, p, "a").Scan(&pk, &sk, &n))
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, upd, p, "a")
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, multi, p, "b", p, "c")
		require.NoError(t, err)
		// A whole item, then a list of them with other attribute names:
		// the INSERTs sent are printed, never parsed.
		_, err = tx.ExecContext(ctx, whole, map[string]any{"pk": p, "sk": "d", "n": i})
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, whole, []map[string]any{{"pk": p, "sk": "e"}, {"pk": p, "sk": "f", "m": i}})
		require.NoError(t, err)
		require.NoError(t, tx.Commit())
		st, err := db.PrepareContext(ctx, get)
		require.NoError(t, err)
		require.NoError(t, st.QueryRowContext(ctx, p, "b").Scan(&pk, &sk))
		require.NoError(t, st.Close())
		rows, err := db.QueryContext(ctx, limit, p)
		require.NoError(t, err)
		for rows.Next() {
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		var c int64
		require.NoError(t, db.QueryRowContext(ctx, count, p).Scan(&c))
		assert.EqualValues(t, 6, c)
		_, err = Explain(ctx, db, get, p, "a")
		require.NoError(t, err)
		items, err := ReadItems(ctx, db, Read(get, p, "a"), Read(get, p, "b"))
		require.NoError(t, err)
		require.Len(t, items, 2)
		_, err = db.ExecContext(ctx, del, p, "c")
		require.NoError(t, err)
	}
	assert.EqualValues(t, len(texts), partiql.Analyses()-before, "the parser ran once per distinct text")
	assert.EqualValues(t, len(texts), cn.stmts.analysed.Load(), "the connector analysed each text once")

	// Another connector has a cache of its own.
	db2, err := sql.Open("dynamodb", dynamotest.DSN(t))
	require.NoError(t, err)
	defer db2.Close()
	var pk, sk string
	require.NoError(t, db2.QueryRowContext(ctx, get, "p0", "a").Scan(&pk, &sk, new(any)))
	assert.EqualValues(t, len(texts)+1, partiql.Analyses()-before)
}
