package dynamosql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/partiql"
	"github.com/dynamosql/dynamosql/internal/planner"
)

// fakeTables answers DescribeTable from table name -> partition key, sort
// key, and counts the calls.
type fakeTables struct {
	keys  map[string][2]string
	calls int
}

func (f *fakeTables) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	f.calls++
	k, ok := f.keys[*in.TableName]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Cannot do operations on a non-existent table")}
	}
	d := &types.TableDescription{
		TableName: in.TableName,
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(k[0]), KeyType: types.KeyTypeHash}},
	}
	if k[1] != "" {
		d.KeySchema = append(d.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k[1]), KeyType: types.KeyTypeRange})
	}
	return &dynamodb.DescribeTableOutput{Table: d}, nil
}

// translateConn returns a connection whose catalog knows the tables
// "users" (id) and "events" (pk, sk), and the fake behind it.
func translateConn() (*conn, *fakeTables) {
	f := &fakeTables{keys: map[string][2]string{"users": {"id", ""}, "events": {"pk", "sk"}}}
	cat := indexhint.NewCatalog(f)
	return &conn{c: &Connector{cfg: NewConfig(), catalog: cat, planner: planner.New(cat), stmts: newStatementCache(0), logger: slog.Default()}}, f
}

// translated analyses query and applies its rewrite to args, as the
// pipeline does before plan; options are applied first. A text refused by
// its analysis returns the analysis's error.
func translated(t *testing.T, c *conn, query string, args ...any) (*prepared, error) {
	t.Helper()
	a := c.analysisOf(query)
	if a.err != nil {
		return nil, a.err
	}
	var opts stmtOptions
	var params []types.AttributeValue
	for _, a := range args {
		if o, ok := a.(Option); ok {
			require.NoError(t, o.apply(&opts))
			continue
		}
		av, err := convertValue(a)
		require.NoError(t, err)
		params = append(params, av)
	}
	require.Equal(t, a.params, len(params), "test statement and arguments disagree")
	p := &prepared{a: a, query: a.text, params: params, opts: opts}
	return p, c.rewrite(context.Background(), p)
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func TestTranslateStandardInsert(t *testing.T) {
	c, _ := translateConn()
	tests := []struct {
		name   string
		query  string
		args   []any
		want   string
		params []types.AttributeValue
	}{
		{"positional", `INSERT INTO users (id, name) VALUES (?, ?)`, []any{"u1", "Ada"},
			`INSERT INTO "users" VALUE {'id': ?, 'name': ?}`, []types.AttributeValue{s("u1"), s("Ada")}},
		{"quoted names are escaped", `insert into "my-table.v2" ("it's", "a b", age) values ('l''it', 2, ?);`, []any{7},
			`INSERT INTO "my-table.v2" VALUE {'it''s': 'l''it', 'a b': 2, 'age': ?}`, []types.AttributeValue{n("7")}},
		{"literals of every kind", `INSERT INTO users (id, ok, no, tags, m, bag, neg) VALUES ('x', TRUE, NULL, [1, ?], {'k': ?}, <<'a'>>, -1.5)`, []any{"p1", "p2"},
			`INSERT INTO "users" VALUE {'id': 'x', 'ok': TRUE, 'no': NULL, 'tags': [1, ?], 'm': {'k': ?}, 'bag': <<'a'>>, 'neg': -1.5}`,
			[]types.AttributeValue{s("p1"), s("p2")}},
		{"what sqlx binds for :id, :name", "INSERT INTO users (id, name)\n\tVALUES (?, ?)", []any{"u2", "Bob"},
			`INSERT INTO "users" VALUE {'id': ?, 'name': ?}`, []types.AttributeValue{s("u2"), s("Bob")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := translated(t, c, tt.query, tt.args...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.query)
			assert.Equal(t, tt.params, p.params)
			assert.Nil(t, p.multi)
			assert.Len(t, p.params, len(tt.params))
			_, err = partiql.Parse(p.query)
			assert.NoError(t, err, "the translation is PartiQL the parser reads back")
		})
	}
}

func TestTranslateMultiRowInsert(t *testing.T) {
	c, _ := translateConn()
	p, err := translated(t, c, `INSERT INTO events (pk, sk, v) VALUES (?, ?, 'lit'),(?, 'b', ?), ('c', ?, ?)`,
		"p1", "a", "p2", 2, "s3", 3)
	require.NoError(t, err)
	require.Len(t, p.multi, 3)
	want := []struct {
		text   string
		params []types.AttributeValue
	}{
		{`INSERT INTO "events" VALUE {'pk': ?, 'sk': ?, 'v': 'lit'}`, []types.AttributeValue{s("p1"), s("a")}},
		{`INSERT INTO "events" VALUE {'pk': ?, 'sk': 'b', 'v': ?}`, []types.AttributeValue{s("p2"), n("2")}},
		{`INSERT INTO "events" VALUE {'pk': 'c', 'sk': ?, 'v': ?}`, []types.AttributeValue{s("s3"), n("3")}},
	}
	for i, w := range want {
		assert.Equal(t, w.text, *p.multi[i].Statement, "row %d", i+1)
		assert.Equal(t, w.params, p.multi[i].Parameters, "row %d", i+1)
	}

	// 100 rows are one transaction; 101 are refused before anything is sent.
	rows := func(k int) (string, []any) {
		var b strings.Builder
		b.WriteString(`INSERT INTO users (id, v) VALUES `)
		var args []any
		for i := 0; i < k; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?)")
			args = append(args, fmt.Sprintf("u%03d", i), i)
		}
		return b.String(), args
	}
	q, args := rows(100)
	p, err = translated(t, c, q, args...)
	require.NoError(t, err)
	require.Len(t, p.multi, 100)
	assert.Equal(t, []types.AttributeValue{s("u099"), n("99")}, p.multi[99].Parameters)
	q, args = rows(101)
	_, err = translated(t, c, q, args...)
	require.ErrorIs(t, err, ErrTxTooLarge)
	assert.Contains(t, err.Error(), "101 rows")
	assert.Contains(t, err.Error(), "mapper.Repository.PutMany")
	assert.Contains(t, err.Error(), "not atomic")
}

func TestTranslateMultiRowInsertDuplicateKeys(t *testing.T) {
	c, _ := translateConn()
	tests := []struct {
		name  string
		query string
		args  []any
		dup   string // "" when the rows are distinct
	}{
		{"same argument", `INSERT INTO users (id, v) VALUES (?, 1), (?, 2), (?, 3)`, []any{"a", "b", "a"}, "rows 1 and 3"},
		{"literal and argument", `INSERT INTO users (v, id) VALUES (1, 'a'), (2, ?)`, []any{"a"}, "rows 1 and 2"},
		{"equal numbers written differently", `INSERT INTO users (id) VALUES (1), (?), (1.0)`, []any{2}, "rows 1 and 3"},
		{"number argument and literal", `INSERT INTO users (id) VALUES (?), (10)`, []any{1e1}, "rows 1 and 2"},
		{"same partition key, other sort key", `INSERT INTO events (pk, sk) VALUES ('p', 'a'), ('p', 'b')`, nil, ""},
		{"same composite key", `INSERT INTO events (sk, pk) VALUES ('a', 'p'), ('b', 'p'), (?, ?)`, []any{"b", "p"}, "rows 2 and 3"},
		{"string and number differ", `INSERT INTO users (id) VALUES ('1'), (1)`, nil, ""},
		{"non-literal keys are left to DynamoDB", `INSERT INTO users (id) VALUES (1 + 1), (1 + 1)`, nil, ""},
		{"unknown table is left to DynamoDB", `INSERT INTO nosuch (id) VALUES ('a'), ('a')`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := translated(t, c, tt.query, tt.args...)
			if tt.dup == "" {
				require.NoError(t, err)
				assert.NotEmpty(t, p.multi)
				return
			}
			require.ErrorIs(t, err, ErrTxDuplicateKey)
			assert.Contains(t, err.Error(), tt.dup)
			assert.Contains(t, err.Error(), "one operation per item")
		})
	}
}

func TestTranslateLimitOffset(t *testing.T) {
	c, _ := translateConn()
	tests := []struct {
		name    string
		query   string
		args    []any
		want    string
		params  []types.AttributeValue
		maxRows int
		offset  int
		none    bool
	}{
		{"literal", `SELECT * FROM events WHERE pk = ? LIMIT 10`, []any{"p"},
			`SELECT * FROM events WHERE pk = ?`, []types.AttributeValue{s("p")}, 10, 0, false},
		{"literal with offset", `select a, "b" from "events"."idx" where pk = ? and x > ? order by sk desc limit 5 offset 20;`, []any{"p", 3},
			`SELECT a, "b" FROM "events"."idx" WHERE pk = ? AND x > ? ORDER BY sk DESC`, []types.AttributeValue{s("p"), n("3")}, 25, 20, false},
		{"parameters are removed", `SELECT * FROM events WHERE pk = ? LIMIT ? OFFSET ?`, []any{"p", 7, 3},
			`SELECT * FROM events WHERE pk = ?`, []types.AttributeValue{s("p")}, 10, 3, false},
		{"MaxRows caps the rows after the offset", `SELECT * FROM events WHERE pk = ? LIMIT 50 OFFSET 4`, []any{"p", MaxRows(6)},
			`SELECT * FROM events WHERE pk = ?`, []types.AttributeValue{s("p")}, 10, 4, false},
		{"a smaller LIMIT wins over MaxRows", `SELECT * FROM events LIMIT 2`, []any{MaxRows(6)},
			`SELECT * FROM events`, nil, 2, 0, false},
		{"offset 0", `SELECT * FROM events LIMIT 3 OFFSET 0`, nil,
			`SELECT * FROM events`, nil, 3, 0, false},
		{"LIMIT 0 sends nothing", `SELECT * FROM events WHERE pk = ? LIMIT ?`, []any{"p", 0},
			`SELECT * FROM events WHERE pk = ?`, []types.AttributeValue{s("p")}, 0, 0, true},
		{"float argument holding an integer", `SELECT * FROM events LIMIT ?`, []any{4.0},
			`SELECT * FROM events`, nil, 4, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := translated(t, c, tt.query, tt.args...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.query)
			assert.Equal(t, tt.params, p.params)
			assert.Len(t, p.params, len(tt.params))
			assert.Equal(t, tt.maxRows, p.opts.maxRows)
			assert.Equal(t, tt.offset, p.offset)
			assert.Equal(t, tt.none, p.none)
			assert.False(t, p.count)
		})
	}
}

func TestTranslateLimitRefused(t *testing.T) {
	c, _ := translateConn()
	tests := []struct {
		name  string
		query string
		args  []any
		is    error
		msg   string
	}{
		{"string argument", `SELECT * FROM events LIMIT ?`, []any{"5"}, ErrInvalidLimit, "LIMIT ? (argument 1) is a S"},
		{"negative argument", `SELECT * FROM events WHERE pk = ? LIMIT 5 OFFSET ?`, []any{"p", -1}, ErrInvalidLimit, "OFFSET ? (argument 2)"},
		{"fraction", `SELECT * FROM events LIMIT ?`, []any{1.5}, ErrInvalidLimit, `"1.5" is not a whole number`},
		{"too large", `SELECT * FROM events LIMIT 3000000000`, nil, ErrInvalidLimit, "from 0 to 2147483647"},
		{"sum too large", `SELECT * FROM events LIMIT 2000000000 OFFSET 2000000000`, nil, ErrInvalidLimit, "at most 2147483647"},
		{"null argument", `SELECT * FROM events LIMIT ?`, []any{nil}, ErrInvalidLimit, "is a NULL"},
		{"negative literal", `SELECT * FROM events LIMIT -1`, nil, nil, "LIMIT"},
		{"MySQL's LIMIT m, n", `SELECT * FROM events LIMIT 5, 10`, nil, nil, "LIMIT n OFFSET m"},
		{"OFFSET without LIMIT", `SELECT * FROM events OFFSET 5`, nil, nil, "OFFSET needs a LIMIT"},
		{"COUNT(*) with LIMIT", `SELECT COUNT(*) FROM events LIMIT 10`, nil, ErrUnsupportedSQL, "COUNT(*) with LIMIT"},
		{"LIMIT in EXISTS", `EXISTS(SELECT * FROM events WHERE pk = 'p' LIMIT 1)`, nil, nil, "EXISTS takes a plain SELECT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := translated(t, c, tt.query, tt.args...)
			require.Error(t, err)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Contains(t, err.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "dynamosql: "), err.Error())
		})
	}
}

func TestTranslateCount(t *testing.T) {
	c, f := translateConn()
	tests := []struct {
		name   string
		query  string
		args   []any
		want   string
		params []types.AttributeValue
	}{
		{"whole table", `SELECT COUNT(*) FROM users`, nil, `SELECT "id" FROM users`, nil},
		{"key condition", `select count(*) from "events" where pk = ? and v > ? order by sk desc`, []any{"p", 3},
			`SELECT "pk", "sk" FROM "events" WHERE pk = ? AND v > ?`, []types.AttributeValue{s("p"), n("3")}},
		{"index", `SELECT COUNT ( * ) FROM "events"."byV" WHERE v = ?`, []any{1},
			`SELECT "pk", "sk" FROM "events"."byV" WHERE v = ?`, []types.AttributeValue{n("1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := translated(t, c, tt.query, tt.args...)
			require.NoError(t, err)
			assert.True(t, p.count)
			assert.Equal(t, tt.want, p.query)
			assert.Equal(t, tt.params, p.params)
		})
	}
	assert.Equal(t, 2, f.calls, "the catalog describes each table once")

	_, err := translated(t, c, `SELECT COUNT(*) FROM nosuch`)
	require.ErrorIs(t, err, indexhint.ErrTableNotFound)
	assert.Contains(t, err.Error(), `COUNT(*) needs the key attributes of table "nosuch"`)
}

func TestTranslateRefusesUntranslatableSQL(t *testing.T) {
	c, _ := translateConn()
	tests := []struct {
		query   string
		feature string
	}{
		{`SELECT * FROM users JOIN events ON users.id = events.pk`, "JOIN"},
		{`SELECT * FROM users u LEFT JOIN events e ON u.id = e.pk`, "table aliases"},
		{`SELECT * FROM users LEFT OUTER JOIN events ON id = pk`, "JOIN"},
		{`SELECT * FROM users, events WHERE id = pk`, "several tables"},
		{`SELECT * FROM "users", "events"`, "several tables"},
		{`SELECT v FROM events WHERE pk = 'p' GROUP BY v`, "GROUP BY"},
		{`SELECT v FROM events HAVING v > 1`, "HAVING"},
		{`SELECT DISTINCT v FROM events`, "DISTINCT"},
		{`SELECT * FROM users UNION SELECT * FROM events`, "UNION"},
		{`SELECT * FROM users WHERE id IN (SELECT pk FROM events)`, "subqueries"},
		{`SELECT * FROM (SELECT * FROM users)`, "subquery in FROM"},
		{`DELETE FROM users WHERE id IN (SELECT pk FROM events)`, "subqueries"},
		{`SELECT SUM(v) FROM events`, "aggregate SUM"},
		{`SELECT avg(v) FROM events`, "aggregate AVG"},
		{`SELECT MIN(v) FROM events`, "aggregate MIN"},
		{`SELECT MAX(v) FROM events`, "aggregate MAX"},
		{`SELECT COUNT(v) FROM events`, "aggregate COUNT"},
		{`SELECT COUNT(*), v FROM events`, ""},
		{`INSERT INTO users (id) SELECT pk FROM events`, "INSERT ... SELECT"},
		{`SELECT * FROM users WHERE name LIKE 'A%'`, "LIKE"},
		{`(SELECT * FROM users)`, "parenthesised SELECT"},
		{`CREATE TABLE xyz (id string)`, "column definitions in CREATE TABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, err := translated(t, c, tt.query)
			require.Error(t, err)
			assert.Nil(t, p, "refused by the analysis of the text")
			if tt.feature == "" {
				assert.Contains(t, err.Error(), "COUNT(*) must be the only item")
				return
			}
			require.ErrorIs(t, err, ErrUnsupportedSQL)
			msg := err.Error()
			assert.Contains(t, msg, "DynamoDB's PartiQL has no "+tt.feature)
			assert.Contains(t, msg, "; ", "a hint follows: "+msg)
			assert.NotContains(t, msg, "partiql: ")
		})
	}
}

func TestTranslateLeavesPartiQLAlone(t *testing.T) {
	c, f := translateConn()
	for _, q := range []string{
		`SELECT * FROM "users" WHERE id = ?`,
		`SELECT a, b.c[1] FROM "events"."idx" WHERE pk = ? AND sk BETWEEN ? AND ? ORDER BY sk DESC`,
		`SELECT * FROM users WHERE id IN [?, ?] AND v IN (1, 2)`,
		`INSERT INTO "users" VALUE {'id': ?, 'limit': 'values, count(*)'}`,
		`UPDATE users SET v = v + 1 WHERE id = ? RETURNING ALL NEW *`,
		`DELETE FROM users WHERE id = ?`,
		`EXISTS(SELECT * FROM users WHERE id = ?)`,
		`SELECT "count", "limit" FROM users WHERE id = ? -- LIMIT 5
/* OFFSET 3 */`,
		// Parsed (a trigger word, quoted: unquoted, DynamoDB refuses it and
		// so does the driver) but plain PartiQL: unchanged.
		`SELECT "count", "max" FROM users WHERE id = ?`,
		`UPDATE users SET "count" = "count" + 1 WHERE id = ?`,
		// Not read by the parser and no extension: sent as written, DynamoDB decides.
		`SELECT "min" FROM users WHERE id = ? AND x = 1 +`,
	} {
		t.Run(q, func(t *testing.T) {
			args := make([]any, strings.Count(q, "?"))
			for i := range args {
				args[i] = "x"
			}
			p, err := translated(t, c, q, args...)
			require.NoError(t, err)
			assert.Equal(t, q, p.query)
			assert.Equal(t, len(args), len(p.params))
			assert.Zero(t, p.offset)
			assert.Zero(t, p.opts.maxRows)
			assert.False(t, p.count)
			assert.False(t, p.none)
			assert.Nil(t, p.multi)
		})
	}
	assert.Zero(t, f.calls, "no table was described")
}

func TestTranslateSyntaxErrors(t *testing.T) {
	c, _ := translateConn()
	// An extension the parser cannot read: DynamoDB would reject the SQL
	// form anyway, so the driver says where the text is wrong.
	_, err := translated(t, c, `SELECT * FROM users WHERE LIMIT 5`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dynamosql: cannot translate the statement's LIMIT")
	assert.Contains(t, err.Error(), "line 1, column")
	var se *partiql.SyntaxError
	assert.True(t, errors.As(err, &se))

	_, err = translated(t, c, `INSERT INTO users (id, v) VALUES (?, ?), (?)`, "a", 1, "b")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "VALUES")
	assert.Contains(t, err.Error(), "row 2 has 1 values for 2 columns")
}

func TestRowsSkip(t *testing.T) {
	// skipRows consumes the current page, counts skipped rows towards
	// maxRows and stops at the end of a result that has no more pages.
	page := func(k int) []map[string]types.AttributeValue {
		items := make([]map[string]types.AttributeValue, k)
		for i := range items {
			items[i] = map[string]types.AttributeValue{"i": n(fmt.Sprint(i))}
		}
		return items
	}
	// DynamoDB's Limit (maxRows - returned) keeps a page within maxRows.
	r := &rows{items: page(4), skip: 3, maxRows: 4, fetch: true, cols: []column{{name: "i", key: "i"}}}
	dest := make([]driver.Value, 1)
	require.NoError(t, r.Next(dest))
	assert.Equal(t, int64(3), dest[0])
	assert.Equal(t, 4, r.returned)
	assert.Equal(t, 0, r.skip)
	assert.Equal(t, io.EOF, r.Next(dest), "maxRows (offset + limit) reached")

	r = &rows{items: page(2), done: true, skip: 3, cols: []column{{name: "i", key: "i"}}}
	assert.Equal(t, io.EOF, r.Next(dest), "the offset is past the end")
	assert.Nil(t, r.items[0], "skipped items are released")
}

// BenchmarkRewrite measures the stages before plan for a text already
// analysed: a plain statement costs a lookup; a translated one also picks
// its parameters (the printing happened once, in the analysis).
func BenchmarkRewrite(b *testing.B) {
	c, _ := translateConn()
	for _, bm := range []struct {
		name  string
		query string
		args  []types.AttributeValue
	}{
		{"PlainSelect", `SELECT * FROM "events" WHERE pk = ? AND sk BETWEEN ? AND ? ORDER BY sk DESC`, []types.AttributeValue{s("p"), s("a"), s("z")}},
		{"PlainInsert", `INSERT INTO "users" VALUE {'id': ?, 'name': ?, 'age': ?, 'tags': ?}`, []types.AttributeValue{s("u"), s("n"), n("1"), s("t")}},
		{"Limit", `SELECT * FROM "events" WHERE pk = ? LIMIT 10 OFFSET 5`, []types.AttributeValue{s("p")}},
		{"InsertValues", `INSERT INTO users (id, name, age) VALUES (?, ?, ?)`, []types.AttributeValue{s("u"), s("n"), n("1")}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a := c.analysisOf(bm.query)
				p := prepared{a: a, query: a.text, params: bm.args}
				if err := c.rewrite(context.Background(), &p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzTranslate checks that translate never panics and that whatever it
// produces is PartiQL the parser reads, with as many arguments as ?.
func FuzzTranslate(f *testing.F) {
	for _, q := range []string{
		`SELECT * FROM events WHERE pk = ? LIMIT ? OFFSET ?`,
		`SELECT COUNT(*) FROM "events" WHERE pk = ? AND v IN [?, ?]`,
		`INSERT INTO users (id, v) VALUES (?, ?), (?, 'x'), ('y', ?)`,
		`INSERT INTO "users" ("a""b", id) VALUES ({'k': [?, <<1>>]}, ?)`,
		`SELECT a.b[1] FROM events WHERE pk = ? ORDER BY sk LIMIT 3`,
	} {
		f.Add(q)
	}
	c, _ := translateConn()
	f.Fuzz(func(t *testing.T, q string) {
		a := analyse(q)
		if a.err != nil || len(q) > MaxStatementLength {
			return
		}
		params := make([]types.AttributeValue, a.params)
		for i := range params {
			params[i] = n(fmt.Sprint(i % 3))
		}
		p := &prepared{a: a, query: a.text, params: params}
		if err := c.rewrite(context.Background(), p); err != nil {
			return
		}
		check := func(text string, ps []types.AttributeValue) {
			if text == q {
				return
			}
			if _, err := partiql.Parse(text); err != nil {
				t.Fatalf("translate(%q) wrote %q, which does not parse: %v", q, text, err)
			}
			if a2 := analyse(text); a2.params != len(ps) {
				t.Fatalf("translate(%q) wrote %q with %d ? and %d arguments", q, text, a2.params, len(ps))
			}
		}
		check(p.query, p.params)
		for _, st := range p.multi {
			check(*st.Statement, st.Parameters)
		}
	})
}

func TestMultiRowInsertErrorNamesRows(t *testing.T) {
	c, _ := translateConn()
	p, err := translated(t, c, `INSERT INTO users (id) VALUES ('a'), ('b'), ('c')`)
	require.NoError(t, err)
	cancelled := &types.TransactionCanceledException{
		Message: aws.String("Transaction cancelled"),
		CancellationReasons: []types.CancellationReason{
			{Code: aws.String("None")},
			{Code: aws.String("DuplicateItem"), Message: aws.String("Duplicate primary key exists in table")},
			{Code: aws.String("ConditionalCheckFailed")},
		},
	}
	err = rowsError(len(p.multi), txError(fmt.Errorf("operation error: %w", cancelled), []string{*p.multi[0].Statement, *p.multi[1].Statement, *p.multi[2].Statement}, false, "tok", ""))
	assert.Equal(t, "dynamosql: INSERT of 3 rows cancelled, no row was written: row 2 failed with DuplicateItem: Duplicate primary key exists in table; row 3 failed with ConditionalCheckFailed", err.Error())
	assert.ErrorIs(t, err, ErrDuplicateItem)
	assert.ErrorIs(t, err, ErrConditionFailed)
	var te *TxError
	require.True(t, errors.As(err, &te))
	require.Len(t, te.Failures, 2)
	assert.Equal(t, 1, te.Failures[0].Index)
	assert.Equal(t, `INSERT INTO "users" VALUE {'id': 'b'}`, te.Failures[0].Statement)
	var tce *types.TransactionCanceledException
	assert.True(t, errors.As(err, &tce), "the SDK's error stays reachable")
}
