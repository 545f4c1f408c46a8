package dynamosql_test

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// nameComposite is the composite sort column of the hint table's ageIndex.
var nameComposite = indexhint.Composite{
	Attribute:  indexhint.CompositeName("lastname", "firstname"),
	Components: []string{"lastname", "firstname"},
	Kinds:      []indexhint.ComponentKind{indexhint.KindString, indexhint.KindString},
}

// hintTable creates a table with key (id, sk) and the indexes the hint
// tests route to:
//
//	byAge     GSI  age, name                  ALL
//	ageIndex  GSI  age, "lastname#firstname"  ALL (a composite sort column)
//	byEmail   GSI  email                      KEYS_ONLY
//	byScore   LSI  id, score                  ALL
//	byCity    LSI  id, city                   KEYS_ONLY
func hintTable(t testing.TB) string {
	t.Helper()
	attr := func(name string, typ types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ}
	}
	key := func(pk, sk string) []types.KeySchemaElement {
		k := []types.KeySchemaElement{{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash}}
		if sk != "" {
			k = append(k, types.KeySchemaElement{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange})
		}
		return k
	}
	all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
	keysOnly := &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}
	return dynamotest.CreateTable(t, &dynamodb.CreateTableInput{
		TableName: aws.String("hint"),
		AttributeDefinitions: []types.AttributeDefinition{
			attr("id", types.ScalarAttributeTypeS), attr("sk", types.ScalarAttributeTypeS),
			attr("age", types.ScalarAttributeTypeN), attr("name", types.ScalarAttributeTypeS),
			attr(nameComposite.Attribute, types.ScalarAttributeTypeS), attr("email", types.ScalarAttributeTypeS),
			attr("score", types.ScalarAttributeTypeN), attr("city", types.ScalarAttributeTypeS),
		},
		KeySchema: key("id", "sk"),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("byAge"), KeySchema: key("age", "name"), Projection: all},
			{IndexName: aws.String("ageIndex"), KeySchema: key("age", nameComposite.Attribute), Projection: all},
			{IndexName: aws.String("byEmail"), KeySchema: key("email", ""), Projection: keysOnly},
		},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{
			{IndexName: aws.String("byScore"), KeySchema: key("id", "score"), Projection: all},
			{IndexName: aws.String("byCity"), KeySchema: key("id", "city"), Projection: keysOnly},
		},
	})
}

// hintLoad runs the statements 25 to a BatchExecuteStatement, workers
// batches at a time, and fails on any error.
func hintLoad(tb testing.TB, stmts []types.BatchStatementRequest, workers int) {
	tb.Helper()
	client := dynamotest.Client(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	batches := make(chan []types.BatchStatementRequest)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				for len(b) > 0 {
					out, err := client.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: b})
					if err != nil {
						errs <- err
						return
					}
					var retry []types.BatchStatementRequest
					for i, r := range out.Responses {
						if r.Error == nil {
							continue
						}
						if r.Error.Code != types.BatchStatementErrorCodeEnumThrottlingError {
							errs <- fmt.Errorf("statement %d: %s: %s", i, r.Error.Code, aws.ToString(r.Error.Message))
							return
						}
						retry = append(retry, b[i])
					}
					b = retry
				}
			}
		}()
	}
	for i := 0; i < len(stmts); i += 25 {
		select {
		case batches <- stmts[i:min(i+25, len(stmts))]:
		case err := <-errs:
			close(batches)
			wg.Wait()
			tb.Fatal(err)
		}
	}
	close(batches)
	wg.Wait()
	select {
	case err := <-errs:
		tb.Fatal(err)
	default:
	}
}

var (
	hintLastnames  = []string{"Smith", "Smithson", "Smith Jones", "Sm#th", "Doe", "Äpfel", "smith"}
	hintFirstnames = []string{"John", "Jo hn", "Ann", "Zoe", "ann", "J$"}
	hintCities     = []string{"Paris", "Lyon", "Nice", "Oslo"}
)

// fillHintTable writes n items with every attribute the indexes use.
func fillHintTable(t testing.TB, table string, n int) {
	t.Helper()
	var stmts []types.BatchStatementRequest
	for i := range n {
		last, first := hintLastnames[i%len(hintLastnames)], hintFirstnames[(i/3)%len(hintFirstnames)]
		comp, err := nameComposite.Encode(last, first)
		require.NoError(t, err)
		stmts = append(stmts, types.BatchStatementRequest{
			Statement: aws.String(fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'sk': ?, 'age': ?, 'name': ?, 'lastname': ?, 'firstname': ?, '%s': ?, 'email': ?, 'score': ?, 'city': ?, 'n': ?}`,
				table, nameComposite.Attribute)),
			Parameters: []types.AttributeValue{
				&types.AttributeValueMemberS{Value: fmt.Sprintf("u%d", i%4)},
				&types.AttributeValueMemberS{Value: fmt.Sprintf("s%03d", i)},
				&types.AttributeValueMemberN{Value: fmt.Sprint(30 + i%3)},
				&types.AttributeValueMemberS{Value: fmt.Sprintf("n%03d", (i*37)%n)},
				&types.AttributeValueMemberS{Value: last},
				&types.AttributeValueMemberS{Value: first},
				&types.AttributeValueMemberS{Value: comp},
				&types.AttributeValueMemberS{Value: fmt.Sprintf("e%02d@example.com", i%25)},
				&types.AttributeValueMemberN{Value: fmt.Sprint((i * 13) % 50)},
				&types.AttributeValueMemberS{Value: hintCities[i%len(hintCities)]},
				&types.AttributeValueMemberN{Value: fmt.Sprint(i)},
			},
		})
	}
	hintLoad(t, stmts, 4)
}

// hintDB opens a database with extra DSN settings on a filled hint table
// whose composite column is registered.
func hintDB(t *testing.T, extra ...string) (*sql.DB, string) {
	t.Helper()
	db := dynamotest.OpenDB(t, extra...)
	table := hintTable(t)
	fillHintTable(t, table, 90)
	cn, err := dynamosql.ConnectorOf(dynamotest.Context(t), db)
	require.NoError(t, err)
	require.NoError(t, cn.Catalog().RegisterComposites(table, nameComposite))
	return db, table
}

// hintResult is a query's rows, each as its columns' values by name.
type hintResult []map[string]any

func hintQuery(t *testing.T, db *sql.DB, q string, args ...any) hintResult {
	t.Helper()
	rows, err := db.QueryContext(dynamotest.Context(t), q, args...)
	require.NoError(t, err, q)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out hintResult
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	require.NoError(t, rows.Err(), q)
	return out
}

// multiset renders rows as sorted strings, to compare results as
// multisets.
func (r hintResult) multiset() []string {
	out := make([]string, len(r))
	for i, m := range r {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s=%v;", k, m[k])
		}
		out[i] = b.String()
	}
	slices.Sort(out)
	return out
}

// tuples returns the values of cols of each row, in order.
func (r hintResult) tuples(cols []string) [][]any {
	out := make([][]any, len(r))
	for i, m := range r {
		for _, c := range cols {
			out[i] = append(out[i], m[c])
		}
	}
	return out
}

// compareHintTuples orders tuples as DynamoDB orders key values: numbers by
// value, strings byte by byte, component by component.
func compareHintTuples(a, b []any) int {
	for i := range min(len(a), len(b)) {
		var c int
		switch x := a[i].(type) {
		case int64:
			c = cmp.Compare(x, b[i].(int64))
		case string:
			c = strings.Compare(x, b[i].(string))
		default:
			panic(fmt.Sprintf("compareHintTuples: %T", a[i]))
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// TestHintedSelectsReturnTheSameRows runs every kind of rewrite on DynamoDB
// Local under scan=deny (so each one is a query) and compares its rows with
// the statement as written, run as a scan with NoIndexHint and AllowScan:
// the same multiset, and for ORDER BY the order the clause asks for.
func TestHintedSelectsReturnTheSameRows(t *testing.T) {
	db, table := hintDB(t, "scan=deny")
	ctx := dynamotest.Context(t)
	T := fmt.Sprintf("%q", table)
	tests := []struct {
		name   string
		q      string // %s is the table
		args   []any
		index  string
		access dynamosql.Access
		// For ORDER BY: the statement without it (the scan cannot order),
		// and the columns and direction the hintResult must be sorted by.
		ref   string
		order []string
		desc  bool
	}{
		{name: "GSI with a range on its sort key", q: `SELECT * FROM %s WHERE age = ? AND name > ?`, args: []any{31, "n040"}, index: "byAge"},
		{name: "GSI with IN", q: `SELECT * FROM %s WHERE age IN [?, ?] AND name <= ?`, args: []any{30, 32, "n050"}, index: "byAge"},
		{name: "GSI ORDER BY its sort key", q: `SELECT * FROM %s WHERE age = ? ORDER BY name DESC`, args: []any{30}, index: "byAge",
			ref: `SELECT * FROM %s WHERE age = ?`, order: []string{"name"}, desc: true},
		{name: "composite equality", q: `SELECT * FROM %s WHERE age = ? AND lastname = ? AND firstname = ?`, args: []any{30, "Smith", "Ann"}, index: "ageIndex"},
		{name: "composite equality with escaped characters", q: `SELECT * FROM %s WHERE firstname = ? AND lastname = ? AND age = ?`, args: []any{"J$", "Sm#th", 30}, index: "ageIndex"},
		{name: "composite prefix", q: `SELECT * FROM %s WHERE age = ? AND lastname = ?`, args: []any{31, "Smith"}, index: "ageIndex"},
		{name: "composite prefix from a literal", q: `SELECT * FROM %s WHERE age = 32 AND lastname = 'Smith Jones'`, index: "ageIndex"},
		{name: "composite prefix and a range", q: `SELECT * FROM %s WHERE age = ? AND lastname = ? AND firstname > ?`, args: []any{30, "Smith", "Jo hn"}, index: "ageIndex"},
		{name: "composite prefix and begins_with", q: `SELECT * FROM %s WHERE age = ? AND lastname = ? AND begins_with(firstname, ?)`, args: []any{31, "Smithson", "J"}, index: "ageIndex"},
		{name: "range on the first component", q: `SELECT * FROM %s WHERE age = ? AND lastname < ?`, args: []any{32, "Smith"}, index: "ageIndex"},
		{name: "BETWEEN on the first component", q: `SELECT * FROM %s WHERE age = ? AND lastname BETWEEN ? AND ?`, args: []any{30, "Smith", "Smithson"}, index: "ageIndex"},
		{name: "composite ORDER BY", q: `SELECT * FROM %s WHERE age = ? ORDER BY lastname, firstname`, args: []any{31}, index: "ageIndex",
			ref: `SELECT * FROM %s WHERE age = ?`, order: []string{"lastname", "firstname"}},
		{name: "composite ORDER BY DESC with a prefix", q: `SELECT * FROM %s WHERE age = ? AND lastname = ? ORDER BY lastname DESC, firstname DESC`, args: []any{30, "Smith"}, index: "ageIndex",
			ref: `SELECT * FROM %s WHERE age = ? AND lastname = ?`, order: []string{"lastname", "firstname"}, desc: true},
		{name: "KEYS_ONLY GSI", q: `SELECT id, sk, email FROM %s WHERE email = ?`, args: []any{"e07@example.com"}, index: "byEmail"},
		{name: "LSI for its sort key", q: `SELECT * FROM %s WHERE id = ? AND score >= ?`, args: []any{"u1", 20}, index: "byScore"},
		{name: "LSI for ORDER BY", q: `SELECT * FROM %s WHERE id = ? ORDER BY score`, args: []any{"u2"}, index: "byScore",
			ref: `SELECT * FROM %s WHERE id = ?`, order: []string{"score"}},
		{name: "KEYS_ONLY LSI fetches the other attributes", q: `SELECT id, sk, city, name FROM %s WHERE id = ? AND city >= ?`, args: []any{"u3", "Oslo"}, index: "byCity"},
		{name: "table query", q: `SELECT * FROM %s WHERE id = ? AND sk > ?`, args: []any{"u0", "s050"}, access: dynamosql.AccessQuery},
		{name: "single item", q: `SELECT * FROM %s WHERE id = ? AND sk = ?`, args: []any{"u1", "s013"}, access: dynamosql.AccessItem},
		{name: "UseIndex", q: `SELECT * FROM %s WHERE age = ? AND lastname = ?`, args: []any{31, "Smith", dynamosql.UseIndex("byAge")}, index: "byAge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := fmt.Sprintf(tt.q, T)
			plan, err := dynamosql.Explain(ctx, db, q, tt.args...)
			require.NoError(t, err)
			want := tt.access
			if want == dynamosql.AccessUnknown {
				want = dynamosql.AccessQuery
			}
			assert.Equal(t, want, plan.Access, plan.String())
			assert.Equal(t, tt.index, plan.Index, plan.String())
			assert.NoError(t, plan.Refused)
			t.Log(plan)

			got := hintQuery(t, db, q, tt.args...)
			ref := q
			if tt.ref != "" {
				ref = fmt.Sprintf(tt.ref, T)
			}
			var refArgs []any
			for _, a := range tt.args {
				if _, ok := a.(dynamosql.Option); !ok {
					refArgs = append(refArgs, a)
				}
			}
			want2 := hintQuery(t, db, ref, append(refArgs, dynamosql.NoIndexHint(), dynamosql.AllowScan())...)
			require.NotEmpty(t, want2, "the test data must give the case rows")
			assert.Equal(t, want2.multiset(), got.multiset())
			if tt.order != nil {
				sorted := want2.tuples(tt.order)
				slices.SortStableFunc(sorted, func(a, b []any) int {
					if tt.desc {
						return compareHintTuples(b, a)
					}
					return compareHintTuples(a, b)
				})
				assert.Equal(t, sorted, got.tuples(tt.order), "order")
			}
		})
	}
}

func TestScanDenyRefusesScans(t *testing.T) {
	db, table := hintDB(t, "scan=deny")
	ctx := dynamotest.Context(t)
	T := fmt.Sprintf("%q", table)
	scans := []struct {
		name string
		q    string
		args []any
		want []string // in the message
	}{
		{"no key condition", `SELECT * FROM %s WHERE city = ?`, []any{"Paris"},
			[]string{`would read the whole table "` + table + `"`, `"id" (table) or "age" (index "byAge") or "age" (index "ageIndex") or "email" (index "byEmail")`,
				`the table's indexes: "byAge", "ageIndex", "byEmail", "byScore", "byCity"`, "AllowScan()"}},
		{"no WHERE", `SELECT id FROM %s`, nil, nil},
		{"range on a partition key", `SELECT * FROM %s WHERE age > ?`, []any{30}, nil},
		{"SELECT * on a KEYS_ONLY index", `SELECT * FROM %s WHERE email = ?`, []any{"e01@example.com"}, nil},
		{"FROM names an index without its key", `SELECT * FROM ` + T + `."byAge" WHERE name = ?`, []any{"n001"},
			[]string{`would read the whole index "byAge" of table "` + table + `"`, `"age" (index "byAge")`}},
		{"NoIndexHint", `SELECT * FROM %s WHERE age = ?`, []any{30, dynamosql.NoIndexHint()}, nil},
		{"consistent read cannot use a GSI", `SELECT * FROM %s WHERE age = ?`, []any{30, dynamosql.ConsistentRead()}, nil},
	}
	for _, tt := range scans {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			if strings.Contains(q, "%s") {
				q = fmt.Sprintf(q, T)
			}
			rows, err := db.QueryContext(ctx, q, tt.args...)
			require.ErrorIs(t, err, dynamosql.ErrFullScan)
			assert.Nil(t, rows)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			// AllowScan lets this one through, with the rows of the scan.
			got := hintQuery(t, db, q, append(tt.args, dynamosql.AllowScan())...)
			assert.NotEmpty(t, got)
		})
	}
	// Indexed queries, the table's key and single items go through.
	assert.NotEmpty(t, hintQuery(t, db, fmt.Sprintf(`SELECT * FROM %s WHERE age = ? AND lastname = ?`, T), 30, "Doe"))
	assert.NotEmpty(t, hintQuery(t, db, fmt.Sprintf(`SELECT * FROM %s."byAge" WHERE age = ?`, T), 30))
	assert.NotEmpty(t, hintQuery(t, db, fmt.Sprintf(`SELECT * FROM %s WHERE id IN [?, ?]`, T), "u0", "u1"))
	assert.NotEmpty(t, hintQuery(t, db, fmt.Sprintf(`SELECT * FROM %s WHERE id = ? AND score > ?`, T), "u0", 3, dynamosql.ConsistentRead()))
}

// hintLogs is a bytes.Buffer safe for the concurrent writes of a logger.
type hintLogs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *hintLogs) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *hintLogs) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.FieldsFunc(s.b.String(), func(r rune) bool { return r == '\n' })
}

func TestScanWarnLogsOncePerStatement(t *testing.T) {
	var logs hintLogs
	cfg, err := dynamosql.ParseDSN(dynamotest.DSN(t)) // scan=warn is the default
	require.NoError(t, err)
	require.Equal(t, dynamosql.ScanWarn, cfg.Scan)
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	cn, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(cn)
	t.Cleanup(func() { db.Close() })
	table := hintTable(t)
	fillHintTable(t, table, 12)
	ctx := dynamotest.Context(t)
	T := fmt.Sprintf("%q", table)

	scan1 := fmt.Sprintf(`SELECT * FROM %s WHERE city = ?`, T)
	scan2 := fmt.Sprintf(`SELECT id FROM %s`, T)
	for _, city := range []string{"Paris", "Lyon", "Paris"} {
		assert.NotEmpty(t, hintQuery(t, db, scan1, city), "warn runs the scan")
	}
	require.Len(t, logs.lines(), 1)
	for range 2 {
		hintQuery(t, db, scan2)
	}
	hintQuery(t, db, fmt.Sprintf(`SELECT * FROM %s WHERE age = ?`, T), 30)                        // a query
	hintQuery(t, db, fmt.Sprintf(`SELECT * FROM %s WHERE age > ?`, T), 30, dynamosql.AllowScan()) // allowed
	_, err = dynamosql.Explain(ctx, db, fmt.Sprintf(`SELECT n FROM %s`, T))                       // not run
	require.NoError(t, err)
	lines := logs.lines()
	require.Len(t, lines, 2, strings.Join(lines, "\n"))
	for i, q := range []string{scan1, scan2} {
		assert.Contains(t, lines[i], `"level":"WARN"`)
		assert.Contains(t, lines[i], "SELECT scans a whole table or index")
		assert.Contains(t, lines[i], fmt.Sprintf(`"table":%q`, table))
		assert.Contains(t, lines[i], fmt.Sprintf(`"statement":%q`, q))
	}

	// Another connector keeps its own memory.
	cn2, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db2 := sql.OpenDB(cn2)
	t.Cleanup(func() { db2.Close() })
	hintQuery(t, db2, scan1, "Nice")
	assert.Len(t, logs.lines(), 3)
}

// waitIndex waits until the table's index is ACTIVE (or, with gone, no
// longer there).
func waitIndex(t *testing.T, table, index string, gone bool) {
	t.Helper()
	client := dynamotest.Client(t)
	ctx := dynamotest.Context(t)
	for {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
		require.NoError(t, err)
		found, active := false, false
		for _, g := range out.Table.GlobalSecondaryIndexes {
			if aws.ToString(g.IndexName) == index {
				found, active = true, g.IndexStatus == types.IndexStatusActive
			}
		}
		if gone && !found || !gone && active {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("index %s of %s: gone=%v not reached", index, table, gone)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestIndexChangesRefreshTheCatalog adds and drops an index while the
// driver has the table's description cached.
func TestIndexChangesRefreshTheCatalog(t *testing.T) {
	db := dynamotest.OpenDB(t, "scan=deny")
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "refresh", "id", "")
	for i := range 6 {
		_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'color': ?}`, table), fmt.Sprint(i), []string{"red", "blue"}[i%2])
		require.NoError(t, err)
	}
	q := fmt.Sprintf(`SELECT id FROM %q WHERE color = ?`, table)
	_, err := db.QueryContext(ctx, q, "red")
	require.ErrorIs(t, err, dynamosql.ErrFullScan, "no index yet")

	client := dynamotest.Client(t)
	_, err = client.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:            &table,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("color"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:  aws.String("byColor"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("color"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}},
	})
	require.NoError(t, err)
	waitIndex(t, table, "byColor", false)

	// Naming the new index, in FROM or with UseIndex, describes the table
	// again; from then on the plain statement is routed to it.
	assert.Len(t, hintQuery(t, db, fmt.Sprintf(`SELECT id FROM %q."byColor" WHERE color = ?`, table), "red"), 3)
	assert.Len(t, hintQuery(t, db, q, "blue"), 3)
	plan, err := dynamosql.Explain(ctx, db, q, "red")
	require.NoError(t, err)
	assert.Equal(t, "byColor", plan.Index)

	_, err = client.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:                   &table,
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("byColor")}}},
	})
	require.NoError(t, err)
	waitIndex(t, table, "byColor", true)

	// The cached plan still names the index: DynamoDB refuses it once,
	// which makes the driver forget the table's description.
	_, err = db.QueryContext(ctx, q, "red")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "index")
	_, err = db.QueryContext(ctx, q, "red")
	require.ErrorIs(t, err, dynamosql.ErrFullScan, "planned again without the index")
}

// BenchmarkHintVsScan compares, on a table of 10,000 items, a SELECT the
// driver routes to a global index with the same SELECT run as written (a
// scan, with NoIndexHint and AllowScan), in the same run. The scan
// sub-benchmark reports its time as a multiple of the hinted one
// (x_hinted). The table is created and loaded here only, so plain
// `go test` never pays for it:
//
//	go test -run '^$' -bench HintVsScan .
func BenchmarkHintVsScan(b *testing.B) {
	const items, groups = 10000, 100
	db := dynamotest.OpenDB(b, "scan=deny")
	table := dynamotest.CreateTable(b, &dynamodb.CreateTableInput{
		TableName: aws.String("hintbench"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("grp"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("byGroup"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("grp"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	stmts := make([]types.BatchStatementRequest, items)
	for i := range stmts {
		stmts[i] = types.BatchStatementRequest{
			Statement: aws.String(fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'grp': ?, 'n': ?, 'payload': ?}`, table)),
			Parameters: []types.AttributeValue{
				&types.AttributeValueMemberS{Value: fmt.Sprintf("i%05d", i)},
				&types.AttributeValueMemberS{Value: fmt.Sprintf("g%03d", i%groups)},
				&types.AttributeValueMemberN{Value: fmt.Sprint(i)},
				&types.AttributeValueMemberS{Value: strings.Repeat("x", 40)},
			},
		}
	}
	start := time.Now()
	hintLoad(b, stmts, 8)
	b.Logf("loaded %d items in %v", items, time.Since(start).Round(time.Millisecond))

	ctx := context.Background()
	q := fmt.Sprintf(`SELECT id, n FROM %q WHERE grp = ?`, table)
	plan, err := dynamosql.Explain(ctx, db, q, "g007")
	if err != nil || plan.Index != "byGroup" || plan.Access != dynamosql.AccessQuery {
		b.Fatalf("the hinted statement is not a query on byGroup: %v\n%v", err, plan)
	}
	run := func(b *testing.B, args ...any) {
		i := 0
		for b.Loop() {
			rows, err := db.QueryContext(ctx, q, append([]any{fmt.Sprintf("g%03d", i%groups)}, args...)...)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
			rows.Close()
			if n != items/groups {
				b.Fatalf("%d rows, want %d", n, items/groups)
			}
			i++
		}
	}
	var hinted time.Duration
	b.Run("hinted", func(b *testing.B) {
		run(b)
		hinted = b.Elapsed() / time.Duration(b.N)
	})
	b.Run("scan", func(b *testing.B) {
		run(b, dynamosql.NoIndexHint(), dynamosql.AllowScan())
		if hinted > 0 {
			b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(hinted), "x_hinted")
		}
	})
}

// describeUser is DescribeTable's answer for table "user": key id, a GSI
// ageIndex (age, "lastname#firstname") and a KEYS_ONLY GSI byEmail.
const describeUser = `{"Table":{"TableName":"user","TableStatus":"ACTIVE",
"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"age","AttributeType":"N"},
 {"AttributeName":"lastname#firstname","AttributeType":"S"},{"AttributeName":"email","AttributeType":"S"}],
"GlobalSecondaryIndexes":[
 {"IndexName":"ageIndex","IndexStatus":"ACTIVE","Projection":{"ProjectionType":"ALL"},
  "KeySchema":[{"AttributeName":"age","KeyType":"HASH"},{"AttributeName":"lastname#firstname","KeyType":"RANGE"}]},
 {"IndexName":"byEmail","IndexStatus":"ACTIVE","Projection":{"ProjectionType":"KEYS_ONLY"},
  "KeySchema":[{"AttributeName":"email","KeyType":"HASH"}]}]}}`

// explainServer is an in-process endpoint that answers DescribeTable with
// describe (an AccessDenied error when it is ""), ExecuteStatement with no
// items, and counts the calls by operation.
type explainServer struct {
	mu       sync.Mutex
	calls    map[string]int
	describe string
}

func (f *explainServer) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func explainDB(t *testing.T, describe string, dsn string, logger *slog.Logger) (*sql.DB, *explainServer) {
	t.Helper()
	f := &explainServer{calls: make(map[string]int), describe: describe}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		f.mu.Lock()
		f.calls[op]++
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch {
		case op == "DescribeTable" && f.describe != "":
			_, _ = io.WriteString(w, f.describe)
		case op == "DescribeTable":
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"__type":"com.amazon.coral.service#AccessDeniedException","message":"not authorized to perform dynamodb:DescribeTable"}`)
		case op == "ExecuteStatement":
			_, _ = io.WriteString(w, `{"Items":[]}`)
		default:
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"__type":"com.amazon.coral.validate#ValidationException","message":"no answer for %s"}`, op)
		}
	}))
	t.Cleanup(srv.Close)
	cfg, err := dynamosql.ParseDSN("region=us-east-1;akid=x;secret_key=y;max_retries=0;endpoint=" + srv.URL + ";" + dsn)
	require.NoError(t, err)
	cfg.Logger = logger
	cn, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(cn)
	t.Cleanup(func() { db.Close() })
	return db, f
}

func TestExplain(t *testing.T) {
	db, f := explainDB(t, describeUser, "scan=deny", nil)
	ctx := context.Background()
	cn, err := dynamosql.ConnectorOf(ctx, db)
	require.NoError(t, err)
	require.NoError(t, cn.Catalog().RegisterComposites("user", indexhint.Composite{
		Attribute: "lastname#firstname", Components: []string{"lastname", "firstname"},
		Kinds: []indexhint.ComponentKind{indexhint.KindString, indexhint.KindString},
	}))

	p, err := dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ? AND lastname = ? AND firstname = ?`, 42, "Smith", "John")
	require.NoError(t, err)
	assert.Equal(t, `SELECT * FROM "user"."ageIndex" WHERE age = ? AND "lastname#firstname" = ?`, p.Statement)
	assert.Equal(t, 2, p.Params)
	assert.True(t, p.Rewritten)
	assert.Equal(t, "user", p.Table)
	assert.Equal(t, "ageIndex", p.Index)
	assert.Equal(t, dynamosql.AccessQuery, p.Access)
	assert.Contains(t, p.Reason, `the components of its sort key "lastname#firstname"`)
	assert.NoError(t, p.Refused)
	assert.Equal(t, `statement: SELECT * FROM "user"."ageIndex" WHERE age = ? AND "lastname#firstname" = ?
params:    2
access:    query on index "ageIndex" of table "user"
reason:    `+p.Reason, p.String())

	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ? ORDER BY lastname DESC, firstname DESC`, 42)
	require.NoError(t, err)
	assert.Equal(t, `SELECT * FROM "user"."ageIndex" WHERE age = ? ORDER BY "lastname#firstname" DESC`, p.Statement)
	assert.Equal(t, 1, p.Params)

	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE id = ?`, "u1")
	require.NoError(t, err)
	assert.False(t, p.Rewritten)
	assert.Equal(t, dynamosql.AccessItem, p.Access)
	assert.Contains(t, p.String(), `access:    single item on table "user"`)

	// A scan under scan=deny: Explain tells, it does not fail.
	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE email = ?`, "a@b.c")
	require.NoError(t, err)
	assert.Equal(t, dynamosql.AccessScan, p.Access)
	assert.Contains(t, p.Reason, `not global index "byEmail": SELECT * needs every attribute and it projects KEYS_ONLY`)
	require.ErrorIs(t, p.Refused, dynamosql.ErrFullScan)
	assert.Contains(t, p.String(), "refused:   dynamosql: full scan refused (scan=deny)")
	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE email = ?`, "a@b.c", dynamosql.AllowScan())
	require.NoError(t, err)
	assert.NoError(t, p.Refused)

	// Options.
	p, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ? AND lastname = ?`, 42, "Smith", dynamosql.NoIndexHint())
	require.NoError(t, err)
	assert.False(t, p.Rewritten)
	assert.Equal(t, dynamosql.AccessScan, p.Access)
	assert.Contains(t, p.Reason, "NoIndexHint")
	p, err = dynamosql.Explain(ctx, db, `SELECT id FROM "user" WHERE age = ? AND email = ?`, 42, "a@b.c", dynamosql.UseIndex("byEmail"))
	require.NoError(t, err)
	assert.Equal(t, `SELECT id FROM "user"."byEmail" WHERE age = ? AND email = ?`, p.Statement)
	assert.Contains(t, p.Reason, `UseIndex("byEmail")`)
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`, 42, dynamosql.UseIndex("byName"))
	require.ErrorIs(t, err, dynamosql.ErrBadOption)
	assert.Contains(t, err.Error(), `UseIndex("byName"): table "user" has indexes "ageIndex", "byEmail"`)
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`, 42, dynamosql.UseIndex("ageIndex"), dynamosql.NoIndexHint())
	require.ErrorIs(t, err, dynamosql.ErrBadOption)
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user"."byEmail" WHERE email = ?`, "x", dynamosql.UseIndex("ageIndex"))
	require.ErrorIs(t, err, dynamosql.ErrBadOption)
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`)
	require.ErrorIs(t, err, dynamosql.ErrArgCount)

	// A component of the wrong type cannot be encoded.
	_, err = dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ? AND lastname = ?`, 42, 7)
	require.ErrorIs(t, err, indexhint.ErrComposite)

	// Writes.
	p, err = dynamosql.Explain(ctx, db, `UPDATE "user" SET age = ? WHERE id = ?`, 43, "u1")
	require.NoError(t, err)
	assert.Equal(t, dynamosql.AccessItem, p.Access)
	assert.Equal(t, `UPDATE "user" SET age = ? WHERE id = ?`, p.Statement)
	assert.Contains(t, p.Reason, "UPDATE writes the one item")

	assert.Zero(t, f.count("ExecuteStatement"), "Explain sends no statement")
	assert.Equal(t, 2, f.count("DescribeTable"), "the description is cached, and described again once for UseIndex of an unknown index")
}

// TestNoMetadata covers a table the driver cannot describe (no
// dynamodb:DescribeTable permission): statements go as written; scan=warn
// says so once per table, scan=deny refuses SELECTs it cannot check.
func TestNoMetadata(t *testing.T) {
	var logs hintLogs
	db, f := explainDB(t, "", "", slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx := context.Background()
	// (SELECT * would describe the table for its column names.)
	for range 3 {
		rows, err := db.QueryContext(ctx, `SELECT id, age FROM "user" WHERE age = ?`, 42)
		require.NoError(t, err)
		require.NoError(t, rows.Close())
	}
	assert.Equal(t, 3, f.count("ExecuteStatement"))
	assert.Equal(t, 1, f.count("DescribeTable"), "the failure is remembered")
	lines := logs.lines()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "no index hints or scan check")
	assert.Contains(t, lines[0], "AccessDeniedException")
	p, err := dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`, 42)
	require.NoError(t, err)
	assert.Equal(t, dynamosql.AccessUnknown, p.Access)
	assert.Contains(t, p.Reason, "no metadata")

	db, f = explainDB(t, "", "scan=deny", slog.New(slog.NewJSONHandler(&logs, nil)))
	_, err = db.QueryContext(ctx, `SELECT id FROM "user" WHERE age = ?`, 42)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scan=deny cannot check")
	assert.Contains(t, err.Error(), "DescribeTable")
	rows, err := db.QueryContext(ctx, `SELECT id FROM "user" WHERE age = ?`, 42, dynamosql.AllowScan())
	require.NoError(t, err)
	require.NoError(t, rows.Close())
	assert.Equal(t, 1, f.count("ExecuteStatement"))
}
