package dynamosql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
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
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// ddlDB opens a *sql.DB on DynamoDB Local whose requests go through a
// counting transport, which records the bodies of the control-plane
// requests.
func ddlDB(t *testing.T) (*sql.DB, *faultinject.Transport, *bodies) {
	t.Helper()
	ft := faultinject.New(nil)
	b := &bodies{}
	ft.Observe(b.add)
	return faultDB(t, ft), ft, b
}

// bodies records request bodies by operation.
type bodies struct {
	mu sync.Mutex
	m  map[string][]string
}

func (b *bodies) add(op string, body []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string][]string{}
	}
	b.m[op] = append(b.m[op], string(body))
}

func (b *bodies) last(op string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l := b.m[op]; len(l) > 0 {
		return l[len(l)-1]
	}
	return ""
}

// ddlName returns a unique table name and deletes the table, if it
// exists, when the test ends.
func ddlName(t *testing.T, prefix string) string {
	t.Helper()
	name := dynamotest.UniqueName(prefix)
	c := dynamotest.Client(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

func describeRaw(t *testing.T, table string) *types.TableDescription {
	t.Helper()
	out, err := dynamotest.Client(t).DescribeTable(dynamotest.Context(t), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	return out.Table
}

func tableExists(t *testing.T, table string) bool {
	t.Helper()
	_, err := dynamotest.Client(t).DescribeTable(dynamotest.Context(t), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return false
	}
	require.NoError(t, err)
	return true
}

func execN(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	res, err := db.ExecContext(dynamotest.Context(t), q)
	require.NoError(t, err, q)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	return n
}

// queryAll runs q and returns its columns, their database types and its
// rows.
func queryAll(t *testing.T, db *sql.DB, q string) (cols, dbTypes []string, out [][]any) {
	t.Helper()
	rows, err := db.QueryContext(dynamotest.Context(t), q)
	require.NoError(t, err, q)
	defer rows.Close()
	cols, err = rows.Columns()
	require.NoError(t, err)
	cts, err := rows.ColumnTypes()
	require.NoError(t, err)
	for _, ct := range cts {
		dbTypes = append(dbTypes, ct.DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		out = append(out, vals)
	}
	require.NoError(t, rows.Err())
	return cols, dbTypes, out
}

// column returns the value of column name of the only row.
func column(t *testing.T, cols []string, rows [][]any, name string) any {
	t.Helper()
	require.Len(t, rows, 1)
	i := slices.Index(cols, name)
	require.GreaterOrEqual(t, i, 0, "no column %s in %v", name, cols)
	return rows[0][i]
}

func keys(ks []types.KeySchemaElement) []string {
	var out []string
	for _, e := range ks {
		out = append(out, string(e.KeyType)+":"+aws.ToString(e.AttributeName))
	}
	return out
}

// indexLine sums an index up: its key schema and projection.
func indexLine(ks []types.KeySchemaElement, p *types.Projection) string {
	return strings.Join(keys(ks), " ") + " " + projectionOf(p)
}

func projectionOf(p *types.Projection) string {
	if p == nil {
		return ""
	}
	attrs := slices.Clone(p.NonKeyAttributes)
	sort.Strings(attrs)
	return string(p.ProjectionType) + strings.Join(attrs, ",")
}

// TestDDLTableStatements runs every table statement on DynamoDB Local, in
// the spellings godynamo and SQL users write, and checks what DynamoDB
// made of each and that none went through ExecuteStatement.
func TestDDLTableStatements(t *testing.T) {
	db, ft, _ := ddlDB(t)
	ctx := dynamotest.Context(t)
	table := ddlName(t, "ddl_tbl")

	n := execN(t, db, fmt.Sprintf(`CREATE TABLE %s WITH PK=id:string WITH SK=ts:number,
		WITH LSI=byAll:a:string:*, WITH LSI=byKeys:k:number WITH LSI=byIncl:i:binary:x,y;`, table))
	assert.EqualValues(t, 1, n)
	d := describeRaw(t, table)
	assert.Equal(t, types.TableStatusActive, d.TableStatus)
	assert.Equal(t, []string{"HASH:id", "RANGE:ts"}, keys(d.KeySchema))
	defs := map[string]types.ScalarAttributeType{}
	for _, a := range d.AttributeDefinitions {
		defs[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	assert.Equal(t, map[string]types.ScalarAttributeType{"id": "S", "ts": "N", "a": "S", "k": "N", "i": "B"}, defs)
	assert.Equal(t, types.BillingModePayPerRequest, d.BillingModeSummary.BillingMode)
	lsis := map[string]string{}
	for _, l := range d.LocalSecondaryIndexes {
		lsis[aws.ToString(l.IndexName)] = indexLine(l.KeySchema, l.Projection)
	}
	assert.Equal(t, map[string]string{
		"byAll":  "HASH:id RANGE:a ALL",
		"byKeys": "HASH:id RANGE:k KEYS_ONLY",
		"byIncl": "HASH:id RANGE:i INCLUDEx,y",
	}, lsis)

	// IF NOT EXISTS both ways.
	assert.EqualValues(t, 0, execN(t, db, fmt.Sprintf(`create table if not exists "%s" with pk=other:number`, table)))
	other := ddlName(t, "ddl_tbl2")
	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s WITH PK=id:STRING`, other)))
	assert.True(t, tableExists(t, other))
	_, err := db.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %s WITH PK=id:STRING`, table))
	var inUse *types.ResourceInUseException
	require.ErrorAs(t, err, &inUse, "without IF NOT EXISTS an existing table is an error")
	var de *dynamosql.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "CreateTable", de.Op)

	// LIST TABLES and SHOW TABLES: one column, $1, as godynamo names it.
	for _, q := range []string{"LIST TABLES", "list table;", "SHOW TABLES"} {
		cols, typs, rows := queryAll(t, db, q)
		assert.Equal(t, []string{"$1"}, cols, q)
		assert.Equal(t, []string{"S"}, typs, q)
		var names []string
		for _, r := range rows {
			names = append(names, r[0].(string))
		}
		assert.Contains(t, names, table, q)
		assert.Contains(t, names, other, q)
		assert.True(t, sort.StringsAreSorted(names), q)
	}

	// DESCRIBE: one row, the description's fields as sorted columns.
	for _, q := range []string{"DESCRIBE TABLE " + table, "describe " + table, fmt.Sprintf(`DESC "%s";`, table)} {
		cols, typs, rows := queryAll(t, db, q)
		require.Len(t, rows, 1, q)
		assert.True(t, sort.StringsAreSorted(cols), "columns sorted like godynamo's: %v", cols)
		for _, c := range []string{"AttributeDefinitions", "BillingModeSummary", "CreationDateTime", "ItemCount", "KeySchema",
			"LocalSecondaryIndexes", "ProvisionedThroughput", "TableArn", "TableName", "TableSizeBytes", "TableStatus"} {
			assert.Contains(t, cols, c, q)
		}
		assert.Equal(t, table, column(t, cols, rows, "TableName"))
		assert.Equal(t, "ACTIVE", column(t, cols, rows, "TableStatus"))
		assert.Equal(t, int64(0), column(t, cols, rows, "ItemCount"))
		assert.IsType(t, time.Time{}, column(t, cols, rows, "CreationDateTime"))
		assert.Nil(t, column(t, cols, rows, "GlobalSecondaryIndexes"), "absent: NULL")
		var ks []map[string]string
		require.NoError(t, json.Unmarshal([]byte(column(t, cols, rows, "KeySchema").(string)), &ks))
		assert.Equal(t, []map[string]string{{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}}, ks)
		typeOf := map[string]string{}
		for i, c := range cols {
			typeOf[c] = typs[i]
		}
		assert.Equal(t, "S", typeOf["TableName"])
		assert.Equal(t, "N", typeOf["ItemCount"])
		assert.Equal(t, "TIMESTAMP", typeOf["CreationDateTime"])
		assert.Equal(t, "JSON", typeOf["KeySchema"])
		assert.Equal(t, "BOOL", typeOf["DeletionProtectionEnabled"])
	}

	// DESCRIBE LSI: the index's description, or no row.
	cols, _, rows := queryAll(t, db, fmt.Sprintf("DESCRIBE LSI byIncl ON %s", table))
	assert.Equal(t, []string{"IndexArn", "IndexName", "IndexSizeBytes", "ItemCount", "KeySchema", "Projection"}, cols)
	assert.Equal(t, "byIncl", column(t, cols, rows, "IndexName"))
	assert.JSONEq(t, `{"NonKeyAttributes":["x","y"],"ProjectionType":"INCLUDE"}`, column(t, cols, rows, "Projection").(string))
	cols, _, rows = queryAll(t, db, fmt.Sprintf("DESCRIBE LSI nosuch ON %s", table))
	assert.Contains(t, cols, "IndexName")
	assert.Empty(t, rows)
	_, err = db.QueryContext(ctx, "DESCRIBE TABLE nosuch_"+table)
	var nf *types.ResourceNotFoundException
	require.ErrorAs(t, err, &nf, "DESCRIBE of a missing table is an error")

	// ALTER TABLE: capacity, back to on-demand; 0 when nothing changes.
	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf("ALTER TABLE %s WITH wcu=3, WITH rcu=4", table)))
	d = describeRaw(t, table)
	assert.EqualValues(t, 4, aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits))
	assert.EqualValues(t, 3, aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits))
	assert.False(t, d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode == types.BillingModePayPerRequest)
	assert.EqualValues(t, 0, execN(t, db, fmt.Sprintf("ALTER TABLE %s WITH rcu=4 WITH wcu=3", table)), "nothing to change")
	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf("ALTER TABLE %s WITH wcu=0 WITH rcu=0", table)))
	assert.Equal(t, types.BillingModePayPerRequest, describeRaw(t, table).BillingModeSummary.BillingMode)
	assert.EqualValues(t, 0, execN(t, db, fmt.Sprintf("ALTER TABLE %s WITH CLASS=STANDARD", table)),
		"DynamoDB Local reports no class: STANDARD, the default")

	// DROP TABLE, its alias and IF EXISTS both ways.
	assert.EqualValues(t, 1, execN(t, db, "DROP TABLE "+table))
	assert.False(t, tableExists(t, table))
	assert.EqualValues(t, 0, execN(t, db, "DROP TABLE IF EXISTS "+table))
	_, err = db.ExecContext(ctx, "DROP TABLE "+table)
	require.ErrorAs(t, err, &nf)
	assert.EqualValues(t, 1, execN(t, db, "delete table if exists "+other))
	assert.False(t, tableExists(t, other))

	assert.Zero(t, ft.Requests("ExecuteStatement"), "no table statement goes to ExecuteStatement")
}

// TestDDLTableClass checks what CREATE TABLE and ALTER TABLE send for a
// table class. DynamoDB Local accepts the class and ignores it (its
// descriptions have no TableClassSummary), so the requests are checked.
func TestDDLTableClass(t *testing.T) {
	db, _, b := ddlDB(t)
	table := ddlName(t, "ddl_class")
	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf("CREATE TABLE %s WITH PK=id:STRING WITH CLASS=standard_ia", table)))
	assert.Contains(t, b.last("CreateTable"), `"TableClass":"STANDARD_INFREQUENT_ACCESS"`)
	assert.Nil(t, describeRaw(t, table).TableClassSummary, "DynamoDB Local ignores table classes")

	_, err := db.ExecContext(dynamotest.Context(t), fmt.Sprintf("ALTER TABLE %s WITH CLASS=STANDARD_IA", table))
	assert.Contains(t, b.last("UpdateTable"), `"TableClass":"STANDARD_INFREQUENT_ACCESS"`)
	var de *dynamosql.Error
	require.ErrorAs(t, err, &de, "DynamoDB Local refuses a class change: Nothing to update")
	assert.Equal(t, "UpdateTable", de.Op)
	assert.Equal(t, "ValidationException", de.Code())
}

// TestDDLGlobalIndexUsedByNextSelect creates a global index on a table
// with data, checks that the next hinted SELECT is routed to it (the
// catalog forgot the table's cached description), then drops it.
func TestDDLGlobalIndexUsedByNextSelect(t *testing.T) {
	t.Parallel() // DynamoDB Local takes about a second per index change
	db, ft, _ := ddlDB(t)
	ctx := dynamotest.Context(t)
	table := ddlName(t, "ddl_gsi")
	execN(t, db, fmt.Sprintf("CREATE TABLE %s WITH PK=id:STRING", table))
	for i := range 6 {
		_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'color': ?, 'size': ?}`, table),
			fmt.Sprint(i), []string{"red", "blue"}[i%2], i)
		require.NoError(t, err)
	}
	q := fmt.Sprintf(`SELECT id FROM %q WHERE color = ?`, table)
	plan, err := dynamosql.Explain(ctx, db, q, "red")
	require.NoError(t, err)
	assert.Equal(t, dynamosql.AccessScan, plan.Access, "no index yet (and the table's description is now cached)")

	n := execN(t, db, fmt.Sprintf("CREATE GSI byColor ON %s WITH PK=color:STRING WITH SK=size:NUMBER WITH projection=*", table))
	assert.EqualValues(t, 1, n)
	d := describeRaw(t, table)
	require.Len(t, d.GlobalSecondaryIndexes, 1)
	assert.Equal(t, types.IndexStatusActive, d.GlobalSecondaryIndexes[0].IndexStatus, "CREATE GSI returns once the index is ACTIVE")
	assert.Equal(t, "ALL", projectionOf(d.GlobalSecondaryIndexes[0].Projection))

	plan, err = dynamosql.Explain(ctx, db, q, "red")
	require.NoError(t, err)
	assert.Equal(t, "byColor", plan.Index, "the next SELECT sees the new index: %s", plan)
	assert.Equal(t, dynamosql.AccessQuery, plan.Access)
	got := hintQuery(t, db, q, "red")
	assert.Len(t, got, 3, "the index holds the items written before it")

	assert.EqualValues(t, 0, execN(t, db, fmt.Sprintf("CREATE GSI IF NOT EXISTS byColor ON %s WITH PK=color:STRING", table)))
	_, err = db.ExecContext(ctx, fmt.Sprintf("CREATE GSI byColor ON %s WITH PK=color:STRING", table))
	var de *dynamosql.Error
	require.ErrorAs(t, err, &de, "without IF NOT EXISTS an existing index is DynamoDB's error")
	assert.Equal(t, "UpdateTable", de.Op)

	// Other projections: keys only (godynamo: no projection) and INCLUDE.
	execN(t, db, fmt.Sprintf("CREATE GSI bySize ON %s WITH PK=size:NUMBER", table))
	execN(t, db, fmt.Sprintf("CREATE GSI IF NOT EXISTS bySizeIncl ON %s WITH PK=size:NUMBER WITH SK=id:STRING WITH projection=color,extra", table))
	got2 := map[string]string{}
	for _, g := range describeRaw(t, table).GlobalSecondaryIndexes {
		got2[aws.ToString(g.IndexName)] = indexLine(g.KeySchema, g.Projection) + " " + string(g.IndexStatus)
	}
	assert.Equal(t, map[string]string{
		"byColor":    "HASH:color RANGE:size ALL ACTIVE",
		"bySize":     "HASH:size KEYS_ONLY ACTIVE",
		"bySizeIncl": "HASH:size RANGE:id INCLUDEcolor,extra ACTIVE",
	}, got2)

	cols, typs, rows := queryAll(t, db, fmt.Sprintf("DESCRIBE GSI byColor ON %s", table))
	for _, c := range []string{"Backfilling", "IndexArn", "IndexName", "IndexSizeBytes", "IndexStatus", "ItemCount", "KeySchema", "Projection", "ProvisionedThroughput"} {
		assert.Contains(t, cols, c)
	}
	assert.True(t, sort.StringsAreSorted(cols))
	assert.Equal(t, "byColor", column(t, cols, rows, "IndexName"))
	assert.Equal(t, "ACTIVE", column(t, cols, rows, "IndexStatus"))
	assert.Equal(t, "S", typs[slices.Index(cols, "IndexStatus")])
	_, _, rows = queryAll(t, db, fmt.Sprintf("DESCRIBE GSI nosuch ON %s", table))
	assert.Empty(t, rows)

	_, err = db.ExecContext(ctx, fmt.Sprintf("ALTER GSI byColor ON %s WITH wcu=1 WITH rcu=1", table))
	require.ErrorIs(t, err, dynamosql.ErrInvalidDDL, "an on-demand table's indexes have no capacity")
	assert.Contains(t, err.Error(), "on-demand")
	_, err = db.ExecContext(ctx, fmt.Sprintf("CREATE GSI byId ON %s WITH PK=id:STRING WITH wcu=1 WITH rcu=1", table))
	require.ErrorIs(t, err, dynamosql.ErrInvalidDDL)

	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf("DROP GSI byColor ON %s", table)))
	for _, g := range describeRaw(t, table).GlobalSecondaryIndexes {
		assert.NotEqual(t, "byColor", aws.ToString(g.IndexName), "DROP GSI returns once the index is gone")
	}
	plan, err = dynamosql.Explain(ctx, db, q, "red")
	require.NoError(t, err)
	assert.Equal(t, dynamosql.AccessScan, plan.Access, "the dropped index is no longer used: %s", plan)
	assert.EqualValues(t, 0, execN(t, db, fmt.Sprintf("DROP GSI IF EXISTS byColor ON %s", table)))
	assert.EqualValues(t, 0, execN(t, db, fmt.Sprintf("DROP GSI IF EXISTS byColor ON nosuch_%s", table)))
	_, err = db.ExecContext(ctx, fmt.Sprintf("DROP GSI byColor ON %s", table))
	var nf *types.ResourceNotFoundException
	require.ErrorAs(t, err, &nf)
	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf("delete gsi bySize on %s;", table)))

	assert.Equal(t, 7, ft.Requests("ExecuteStatement"), "only the six INSERTs and the SELECT went to ExecuteStatement")
}

// TestDDLProvisioned covers capacities: a provisioned table, its global
// indexes' own capacity, ALTER GSI, and switching billing modes with
// global indexes.
func TestDDLProvisioned(t *testing.T) {
	t.Parallel() // DynamoDB Local takes about a second per index change
	db, _, b := ddlDB(t)
	ctx := dynamotest.Context(t)
	table := ddlName(t, "ddl_prov")
	execN(t, db, fmt.Sprintf("CREATE TABLE %s WITH PK=id:STRING WITH rcu=3 WITH wcu=5", table))
	d := describeRaw(t, table)
	assert.EqualValues(t, 3, aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits))
	assert.EqualValues(t, 5, aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits))

	_, err := db.ExecContext(ctx, fmt.Sprintf("CREATE GSI byX ON %s WITH PK=x:STRING", table))
	require.ErrorIs(t, err, dynamosql.ErrInvalidDDL, "refused before DynamoDB Local answers it with an InternalFailure")
	assert.Contains(t, err.Error(), "add WITH wcu=n, WITH rcu=n")

	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf("CREATE GSI byX ON %s WITH PK=x:STRING WITH wcu=2 WITH rcu=1 WITH projection=*", table)))
	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf("ALTER GSI byX ON %s WITH wcu=4, WITH rcu=6", table)))
	g := describeRaw(t, table).GlobalSecondaryIndexes[0]
	assert.EqualValues(t, 6, aws.ToInt64(g.ProvisionedThroughput.ReadCapacityUnits))
	assert.EqualValues(t, 4, aws.ToInt64(g.ProvisionedThroughput.WriteCapacityUnits))
	assert.Equal(t, types.IndexStatusActive, g.IndexStatus)
	assert.EqualValues(t, 0, execN(t, db, fmt.Sprintf("ALTER GSI byX ON %s WITH wcu=4, WITH rcu=6", table)), "nothing to change")
	_, err = db.ExecContext(ctx, fmt.Sprintf("ALTER GSI nosuch ON %s WITH wcu=4, WITH rcu=6", table))
	require.ErrorIs(t, err, dynamosql.ErrInvalidDDL)
	assert.Contains(t, err.Error(), `has no global index "nosuch"`)

	// On-demand and back: switching to provisioned gives the global index
	// the table's capacity, as DynamoDB requires.
	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf("ALTER TABLE %s WITH wcu=0 WITH rcu=0", table)))
	assert.True(t, strings.Contains(b.last("UpdateTable"), `"BillingMode":"PAY_PER_REQUEST"`))
	assert.Equal(t, types.BillingModePayPerRequest, describeRaw(t, table).BillingModeSummary.BillingMode)
	assert.EqualValues(t, 1, execN(t, db, fmt.Sprintf("ALTER TABLE %s WITH wcu=7 WITH rcu=8", table)))
	body := b.last("UpdateTable")
	assert.Contains(t, body, `"BillingMode":"PROVISIONED"`)
	assert.Contains(t, body, `"GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"byX","ProvisionedThroughput":{"ReadCapacityUnits":8,"WriteCapacityUnits":7}}}]`)
	d = describeRaw(t, table)
	assert.EqualValues(t, 8, aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits))
	assert.EqualValues(t, 8, aws.ToInt64(d.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits))
}

// TestDDLShowCreateTableRoundTrip creates tables with the AWS SDK (every
// key type, local indexes with each projection, global indexes, both
// billing modes), runs SHOW CREATE TABLE, executes its statements on a
// fresh name and compares the two tables' descriptions.
func TestDDLShowCreateTableRoundTrip(t *testing.T) {
	t.Parallel() // DynamoDB Local takes about a second per index change
	db, ft, _ := ddlDB(t)
	for _, provisioned := range []bool{false, true} {
		t.Run(fmt.Sprintf("provisioned=%v", provisioned), func(t *testing.T) {
			t.Parallel()
			gsi := func(name string, ks []types.KeySchemaElement, p *types.Projection, r, w int64) types.GlobalSecondaryIndex {
				g := types.GlobalSecondaryIndex{IndexName: aws.String(name), KeySchema: ks, Projection: p}
				if provisioned {
					g.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(r), WriteCapacityUnits: aws.Int64(w)}
				}
				return g
			}
			key := func(names ...string) []types.KeySchemaElement {
				ks := []types.KeySchemaElement{{AttributeName: aws.String(names[0]), KeyType: types.KeyTypeHash}}
				if len(names) > 1 {
					ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(names[1]), KeyType: types.KeyTypeRange})
				}
				return ks
			}
			def := func(name string, typ types.ScalarAttributeType) types.AttributeDefinition {
				return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ}
			}
			in := &dynamodb.CreateTableInput{
				TableName: aws.String("ddl-show.src"),
				AttributeDefinitions: []types.AttributeDefinition{
					def("pk", "S"), def("sk", "N"), def("l1", "S"), def("l2", "N"), def("l3", "B"), def("g-1", "S"), def("g2", "N"),
				},
				KeySchema: key("pk", "sk"),
				LocalSecondaryIndexes: []types.LocalSecondaryIndex{
					{IndexName: aws.String("lsiAll"), KeySchema: key("pk", "l1"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
					{IndexName: aws.String("lsiKeys"), KeySchema: key("pk", "l2"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
					{IndexName: aws.String("lsi.incl"), KeySchema: key("pk", "l3"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"x", "with", "a b"}}},
				},
				GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
					gsi("gsi-all", key("g-1"), &types.Projection{ProjectionType: types.ProjectionTypeAll}, 2, 3),
					gsi("gsiKeys", key("g2", "sk"), &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}, 4, 5),
					gsi("gsiIncl", key("g-1", "g2"), &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"y"}}, 6, 7),
				},
			}
			if provisioned {
				in.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(9), WriteCapacityUnits: aws.Int64(8)}
			}
			src := dynamotest.CreateTable(t, in)

			cols, typs, rows := queryAll(t, db, fmt.Sprintf(`SHOW CREATE TABLE "%s"`, src))
			assert.Equal(t, []string{"Table", "Create Table"}, cols)
			assert.Equal(t, []string{"S", "S"}, typs)
			require.Len(t, rows, 1)
			assert.Equal(t, src, rows[0][0])
			text := rows[0][1].(string)
			t.Logf("SHOW CREATE TABLE:\n%s", text)
			stmts := strings.Split(text, ";\n")
			assert.Len(t, stmts, 4, "CREATE TABLE and three CREATE GSI")
			assert.True(t, strings.HasPrefix(stmts[0], "CREATE TABLE "+src+" WITH PK=pk:STRING WITH SK=sk:NUMBER"), stmts[0])

			dst := ddlName(t, "ddl-show.dst")
			for _, s := range stmts {
				s = strings.TrimSuffix(s, ";")
				execN(t, db, strings.ReplaceAll(s, src, dst))
			}
			assert.Equal(t, reproduced(describeRaw(t, src)), reproduced(describeRaw(t, dst)))
		})
	}
	t.Cleanup(func() { assert.Zero(t, ft.Requests("ExecuteStatement")) })
}

// reproduced is what SHOW CREATE TABLE reproduces of a table: keys,
// attribute definitions, indexes with their keys, projections and
// capacities, billing mode and class.
func reproduced(d *types.TableDescription) map[string]any {
	defs := map[string]types.ScalarAttributeType{}
	for _, a := range d.AttributeDefinitions {
		defs[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	billing := types.BillingModeProvisioned
	if d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode != "" {
		billing = d.BillingModeSummary.BillingMode
	}
	capacity := func(p *types.ProvisionedThroughputDescription) string {
		if p == nil || billing == types.BillingModePayPerRequest {
			return ""
		}
		return fmt.Sprintf("r%d w%d", aws.ToInt64(p.ReadCapacityUnits), aws.ToInt64(p.WriteCapacityUnits))
	}
	indexes := map[string]string{}
	for _, l := range d.LocalSecondaryIndexes {
		indexes["L "+aws.ToString(l.IndexName)] = indexLine(l.KeySchema, l.Projection)
	}
	for _, g := range d.GlobalSecondaryIndexes {
		indexes["G "+aws.ToString(g.IndexName)] = indexLine(g.KeySchema, g.Projection) + " " + capacity(g.ProvisionedThroughput)
	}
	class := ""
	if d.TableClassSummary != nil {
		class = string(d.TableClassSummary.TableClass)
	}
	return map[string]any{
		"key": keys(d.KeySchema), "definitions": defs, "indexes": indexes,
		"billing": billing, "capacity": capacity(d.ProvisionedThroughput), "class": class,
	}
}

// TestDDLRefusals checks the statements refused before any call: DDL in a
// transaction, Query of a change, Exec of a read, unknown forms, bad
// syntax, arguments.
func TestDDLRefusals(t *testing.T) {
	db, ft, _ := ddlDB(t)
	ctx := dynamotest.Context(t)
	table := ddlName(t, "ddl_refused")
	create := fmt.Sprintf("CREATE TABLE %s WITH PK=id:STRING", table)

	// In a transaction: refused, and the transaction stays usable.
	items := dynamotest.SimpleTable(t, "ddl_tx", "id", "")
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, create)
	require.ErrorIs(t, err, dynamosql.ErrDDLInTx)
	assert.Contains(t, err.Error(), "DynamoDB transactions hold only item writes")
	_, err = tx.ExecContext(ctx, "DROP GSI x_idx ON "+items)
	require.ErrorIs(t, err, dynamosql.ErrDDLInTx)
	r, err := tx.QueryContext(ctx, "DESCRIBE "+items)
	require.NoError(t, err, "reading a description in a transaction runs at once, like a SELECT")
	cols, err := r.Columns()
	require.NoError(t, err)
	assert.Contains(t, cols, "TableName")
	require.NoError(t, r.Close())
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a'}`, items))
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	var n int
	require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %q`, items)).Scan(&n))
	assert.Equal(t, 1, n)
	ft.ResetCounts()

	_, err = db.QueryContext(ctx, create)
	require.ErrorIs(t, err, dynamosql.ErrNotExec)
	assert.Contains(t, err.Error(), "use Exec")
	for _, q := range []string{"LIST TABLES", "SHOW TABLES", "DESCRIBE " + table, "SHOW CREATE TABLE " + table, "DESCRIBE GSI idx ON " + table} {
		_, err = db.ExecContext(ctx, q)
		require.ErrorIs(t, err, dynamosql.ErrNotQuery, q)
		assert.Contains(t, err.Error(), "use Query", q)
	}
	for _, q := range []string{"CREATE INDEX idx ON " + table + " (a)", "TRUNCATE TABLE " + table, "DROP DATABASE db1", "SHOW INDEXES FROM " + table} {
		_, err = db.ExecContext(ctx, q)
		require.ErrorIs(t, err, dynamosql.ErrUnsupportedSQL, q)
		assert.Contains(t, err.Error(), "CREATE TABLE, CREATE GSI, ALTER TABLE", "names the supported forms: %v", err)
	}
	for q, msg := range map[string]string{
		"CREATE TABLE " + table:                                                  "needs a partition key",
		"CREATE TABLE " + table + " WITH PK=id:int":                              `invalid type "int" for PK: use STRING, NUMBER or BINARY`,
		"CREATE TABLE " + table + " WITH PK=id:STRING WITH PK=x:STRING":          "WITH PK is given twice",
		"CREATE TABLE " + table + " WITH PK=id:STRING WITH ttl=expires":          `unknown option "ttl" for CREATE TABLE`,
		"CREATE TABLE " + table + " WITH PK=id:STRING WITH wcu=5":                "needs WITH rcu=n too",
		"CREATE TABLE orders-2nd WITH PK=id:STRING":                              `in double quotes, as in "orders-2nd"`,
		"CREATE GSI idx ON " + table + " WITH projection=*":                      "needs the index's partition key",
		"ALTER TABLE " + table + " ADD COLUMN x INT":                             "no fixed columns",
		"DROP TABLE " + table + " CASCADE":                                       `unexpected "CASCADE"`,
		"ALTER GSI idx ON " + table + " WITH rcu=1":                              "needs the index's new capacity",
		"CREATE TABLE " + table + " WITH PK=id:STRING WITH LSI=idx:x:STRING":     "needs a sort key",
		"CREATE TABLE " + table + " WITH PK=id:STRING WITH wcu=1 WITH rcu=-1":    "RCU must be 0 or more",
		"CREATE TABLE x WITH PK=id:STRING":                                       "table names are 3 to 255 characters",
		"CREATE TABLE " + table + " WITH PK=id:STRING WITH CLASS=GLACIER":        "use STANDARD or STANDARD_IA",
		"CREATE TABLE " + table + " WITH PK=id:STRING; DROP TABLE " + table:      "only one statement is allowed",
		"CREATE TABLE " + table + " WITH PK=id:STRING WITH projection=a,b,c":     "unknown option",
		"CREATE TABLE " + table + " WITH SK=sk:STRING WITH LSI=i1x:x:S WITH LSI": "expected = after LSI",
	} {
		_, err = db.ExecContext(ctx, q)
		require.Error(t, err, q)
		assert.Contains(t, err.Error(), msg, q)
		if !errors.Is(err, dynamosql.ErrUnsupportedSQL) {
			assert.ErrorIs(t, err, dynamosql.ErrSyntax, q)
		}
	}
	_, err = db.ExecContext(ctx, create, "an argument")
	require.ErrorIs(t, err, dynamosql.ErrArgCount)

	assert.False(t, tableExists(t, table), "nothing was created")
	for _, op := range []string{"ExecuteStatement", "CreateTable", "UpdateTable", "DeleteTable"} {
		assert.Zero(t, ft.Requests(op), "%s requests", op)
	}
}

// TestDDLWaitBoundedByContext cancels the statement's context while the
// driver waits for a global index that DynamoDB Local builds in about a
// second (at the first poll after UpdateTable): the error matches the
// context's, says the operation continues, and the index does become
// ACTIVE.
func TestDDLWaitBoundedByContext(t *testing.T) {
	ft := faultinject.New(nil)
	ctx, cancel := context.WithCancel(dynamotest.Context(t))
	defer cancel()
	var mu sync.Mutex
	describes := 0
	ft.Observe(func(op string, _ []byte) {
		mu.Lock()
		defer mu.Unlock()
		if op == "DescribeTable" {
			if describes++; describes == 2 { // CREATE GSI's own, then the first poll
				cancel()
			}
		}
	})
	db := faultDB(t, ft)
	table := ddlName(t, "ddl_wait")
	execN(t, db, fmt.Sprintf("CREATE TABLE %s WITH PK=id:STRING", table))

	_, err := db.ExecContext(ctx, fmt.Sprintf("CREATE GSI byColor ON %s WITH PK=color:STRING", table))
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "the operation continues on the server")
	assert.Contains(t, err.Error(), `CREATE GSI: index "byColor" of table`)
	assert.Equal(t, 1, ft.Requests("UpdateTable"))
	waitIndex(t, table, "byColor", false)

	// A context that ends during the request itself: the outcome is not
	// known, and the error says so.
	ft.Inject(faultinject.Rule{Op: "DeleteTable", Times: 1, Fault: faultinject.Latency(5 * time.Second)})
	short, cancelShort := context.WithTimeout(dynamotest.Context(t), 50*time.Millisecond)
	defer cancelShort()
	_, err = db.ExecContext(short, fmt.Sprintf("DROP TABLE %s", table))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var de *dynamosql.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "DeleteTable", de.Op)
	assert.Contains(t, err.Error(), "DROP TABLE: the context ended during DeleteTable")
	assert.Contains(t, err.Error(), "DynamoDB may have received the request, and then the operation continues on the server")

	// A context cancelled before: nothing is sent.
	ft.ResetCounts()
	ctx, cancel = context.WithCancel(dynamotest.Context(t))
	cancel()
	_, err = db.ExecContext(ctx, fmt.Sprintf("DROP TABLE %s", table))
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, tableExists(t, table))
	assert.Zero(t, ft.Requests("DeleteTable"))
}

// TestDDLPreparedAndTimeout runs table statements through a prepared
// statement and with the DSN's per-call timeout.
func TestDDLPreparedAndTimeout(t *testing.T) {
	db := dynamotest.OpenDB(t, "timeout=5s")
	ctx := dynamotest.Context(t)
	table := ddlName(t, "ddl_prep")
	st, err := db.PrepareContext(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s WITH PK=id:NUMBER", table))
	require.NoError(t, err)
	defer st.Close()
	for _, want := range []int64{1, 0} { // created, then found
		res, err := st.ExecContext(ctx)
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		assert.Equal(t, want, n)
	}
	var name, text string
	require.NoError(t, db.QueryRowContext(ctx, "SHOW CREATE TABLE "+table).Scan(&name, &text))
	assert.Equal(t, fmt.Sprintf("CREATE TABLE %s WITH PK=id:NUMBER;", table), text)
}

// TestExplainDDL checks that Explain names the control-plane calls of a
// table or index statement, sending nothing.
func TestExplainDDL(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	for q, want := range map[string][]string{
		"CREATE TABLE tbl WITH PK=id:STRING":         {"CreateTable", "DescribeTable until the table is ACTIVE"},
		"CREATE GSI idx ON tbl WITH PK=a:STRING":     {"DescribeTable", "UpdateTable (create the index)", "DescribeTable until the index is ACTIVE"},
		"ALTER TABLE tbl WITH wcu=1 WITH rcu=1":      {"DescribeTable", "UpdateTable, unless nothing changes", "DescribeTable until the table is ACTIVE"},
		"ALTER GSI idx ON tbl WITH wcu=1 WITH rcu=1": {"DescribeTable", "UpdateTable, unless nothing changes", "DescribeTable until the index is ACTIVE"},
		"DROP TABLE tbl":                             {"DeleteTable", "DescribeTable until the table is gone"},
		"DROP GSI IF EXISTS idx ON tbl":              {"DescribeTable", "UpdateTable (delete the index)", "DescribeTable until the index is gone"},
		"LIST TABLES":                                {"ListTables"},
		"DESCRIBE LSI idx ON tbl":                    {"DescribeTable"},
		"SHOW CREATE TABLE tbl":                      {"DescribeTable"},
	} {
		plan, err := dynamosql.Explain(ctx, db, q)
		require.NoError(t, err, q)
		require.Len(t, plan.Calls, len(want), q)
		for i, w := range want {
			assert.True(t, strings.HasPrefix(plan.Calls[i], w), "%s: call %d is %q, want %q", q, i, plan.Calls[i], w)
		}
		assert.Equal(t, q, plan.Statement)
		assert.Zero(t, plan.Params)
		assert.Contains(t, plan.Reason, "is not PartiQL")
		assert.Contains(t, plan.String(), "calls:")
		if q != "LIST TABLES" {
			assert.Equal(t, "tbl", plan.Table, q)
		}
	}
	plan, err := dynamosql.Explain(ctx, db, "DESCRIBE GSI idx ON tbl")
	require.NoError(t, err)
	assert.Equal(t, "idx", plan.Index)
	_, err = dynamosql.Explain(ctx, db, "CREATE TABLE tbl")
	require.ErrorIs(t, err, dynamosql.ErrSyntax)
	_, err = dynamosql.Explain(ctx, db, "LIST TABLES", 1)
	require.ErrorIs(t, err, dynamosql.ErrArgCount)
	assert.Zero(t, ft.Requests(""), "Explain sends nothing")
}

// TestDDLGodynamoExamples runs the examples of godynamo's documentation of
// table and index statements (its SQL_TABLE and SQL_INDEX pages) as written
// there (with unique table names), checking the
// RowsAffected and result columns godynamo documents.
func TestDDLGodynamoExamples(t *testing.T) {
	t.Parallel() // DynamoDB Local takes about a second per index change
	db, ft, _ := ddlDB(t)
	ctx := dynamotest.Context(t)
	demo, session, tablename := ddlName(t, "demo"), ddlName(t, "session"), ddlName(t, "tablename")
	name := strings.NewReplacer("demo", demo, "session", session, "tablename", tablename).Replace

	for _, tt := range []struct {
		q    string
		want int64
	}{
		{`CREATE TABLE demo WITH PK=id:string WITH rcu=3 WITH wcu=5`, 1},
		{`ALTER TABLE demo WITH rcu=5 WITH wcu=7`, 1},
		{`CREATE TABLE session WITH PK=app:string WITH SK=user:string WITH LSI=idxos:os:string:os_name,os_version WITH LSI=idxbrowser:browser:string:* WITH LSI=idxtime:timestamp:number`, 1},
		{`CREATE TABLE IF NOT EXISTS tablename WITH PK=id:string WITH rcu=3 WITH wcu=5`, 1},
		{`CREATE GSI idxname ON tablename WITH pk=grade:number, WITH rcu=1 WITH wcu=2`, 1},
		{`ALTER GSI idxname ON tablename WITH rcu=1 WITH wcu=3`, 1},
	} {
		assert.Equal(t, tt.want, execN(t, db, name(tt.q)), tt.q)
	}
	cols, _, rows := queryAll(t, db, `LIST TABLES`)
	assert.Equal(t, []string{"$1"}, cols)
	assert.NotEmpty(t, rows)
	cols, _, rows = queryAll(t, db, name(`DESCRIBE TABLE demo`))
	assert.Equal(t, demo, column(t, cols, rows, "TableName"))
	cols, _, rows = queryAll(t, db, name(`DESCRIBE LSI idxos ON session`))
	assert.Equal(t, []string{"IndexArn", "IndexName", "IndexSizeBytes", "ItemCount", "KeySchema", "Projection"}, cols, "godynamo's sample columns")
	assert.JSONEq(t, `{"NonKeyAttributes":["os_name","os_version"],"ProjectionType":"INCLUDE"}`, column(t, cols, rows, "Projection").(string))
	cols, _, rows = queryAll(t, db, name(`DESCRIBE GSI idxname ON tablename`))
	assert.Equal(t, "idxname", column(t, cols, rows, "IndexName"))
	assert.JSONEq(t, `[{"AttributeName":"grade","KeyType":"HASH"}]`, column(t, cols, rows, "KeySchema").(string))

	// godynamo's index page writes wru for wcu; godynamo ignores the
	// unknown option and sends a nil capacity, which DynamoDB refuses.
	_, err := db.ExecContext(ctx, name(`ALTER GSI idxname ON tablename WITH rcu=1 WITH wru=2`))
	require.ErrorIs(t, err, dynamosql.ErrSyntax)
	assert.Contains(t, err.Error(), "(write capacity is WCU)")

	for _, q := range []string{`DROP GSI IF EXISTS idxname ON tablename`, `DROP TABLE IF EXISTS demo`, `DELETE TABLE session`, `DROP TABLE tablename`} {
		assert.EqualValues(t, 1, execN(t, db, name(q)), q)
	}
	assert.Zero(t, ft.Requests("ExecuteStatement"))
}
