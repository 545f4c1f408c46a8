package dynamosql_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

type address struct {
	Street string `dynamodbav:"street"`
	Zip    int    `dynamodbav:"zip"`
}

// TestValuesRoundTripThroughDynamoDB writes every kind of value through the
// driver to DynamoDB Local, reads it back through the driver and through
// the raw SDK, and checks nothing was lost on the way.
func TestValuesRoundTripThroughDynamoDB(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "values", "id", "")
	big38, _ := new(big.Int).SetString("12345678901234567890123456789012345678", 10)
	when := time.Date(2024, 2, 29, 23, 59, 58, 123456789, time.FixedZone("X", 3600))

	_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'all', 'n38': ?, 'bigneg': ?, 'dec': ?, 'f': ?, 'u64': ?, 'i8': ?,
		'b': ?, 'ss': ?, 'ns': ?, 'bs': ?, 'l': ?, 'm': ?, 't': ?, 'yes': ?, 'nothing': ?, 'nilptr': ?, 'ns2': ?, 'doc': ?, 'js': ?, 'jn': ?}`, table),
		dynamosql.Number("12345678901234567890123456789012345678"),
		new(big.Int).Neg(big38),
		dynamosql.Number("3.14159265358979323846264338327950288"),
		0.1,
		uint64(math.MaxUint64),
		int8(-128),
		[]byte{0, 1, 2, 255},
		dynamosql.StringSet{"x", "y"},
		dynamosql.NumberSet{"1", "2.5", "-3"},
		dynamosql.BinarySet{{1}, {2, 3}},
		[]any{"s", 1, true, nil, []byte{9}, map[string]any{"k": "v"}},
		map[string]any{"nested": map[string]any{"deep": []int{1, 2}}, "n": 7},
		when,
		true,
		nil,
		(*string)(nil),
		sql.NullInt64{Int64: 5, Valid: true},
		dynamosql.Document(&address{Street: "Main", Zip: 12345}),
		json.Number("1e3"),
		dynamosql.JSON(`{"a":[1,"two",null,{"b":true}]}`),
	)
	require.NoError(t, err)

	// Through the raw SDK: the stored types are the DynamoDB types we promise.
	out, err := dynamotest.Client(t).GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &table, Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "all"}}, ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	item := out.Item
	assert.Equal(t, "12345678901234567890123456789012345678", item["n38"].(*types.AttributeValueMemberN).Value)
	assert.Equal(t, "-12345678901234567890123456789012345678", item["bigneg"].(*types.AttributeValueMemberN).Value)
	assert.Equal(t, "3.14159265358979323846264338327950288", item["dec"].(*types.AttributeValueMemberN).Value)
	assert.Equal(t, "18446744073709551615", item["u64"].(*types.AttributeValueMemberN).Value)
	assert.IsType(t, &types.AttributeValueMemberB{}, item["b"])
	assert.ElementsMatch(t, []string{"x", "y"}, item["ss"].(*types.AttributeValueMemberSS).Value)
	assert.ElementsMatch(t, []string{"1", "2.5", "-3"}, item["ns"].(*types.AttributeValueMemberNS).Value)
	assert.Len(t, item["bs"].(*types.AttributeValueMemberBS).Value, 2)
	assert.IsType(t, &types.AttributeValueMemberL{}, item["l"])
	assert.IsType(t, &types.AttributeValueMemberM{}, item["m"])
	assert.Equal(t, "2024-02-29T22:59:58.123456789Z", item["t"].(*types.AttributeValueMemberS).Value)
	assert.IsType(t, &types.AttributeValueMemberNULL{}, item["nothing"])
	assert.IsType(t, &types.AttributeValueMemberNULL{}, item["nilptr"])
	assert.Equal(t, "5", item["ns2"].(*types.AttributeValueMemberN).Value)
	assert.IsType(t, &types.AttributeValueMemberM{}, item["doc"])
	assert.Equal(t, "1000", item["js"].(*types.AttributeValueMemberN).Value)
	assert.IsType(t, &types.AttributeValueMemberM{}, item["jn"])

	// Back through the driver.
	row := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT "n38", "bigneg", "dec", "f", "u64", "i8", "b", "ss", "ns", "bs", "l", "m", "t", "yes", "nothing", "doc", "jn" FROM %q WHERE id = 'all'`, table))
	var (
		n38Text string
		bigneg  dynamosql.Number
		dec     dynamosql.Number
		f       float64
		u64     string
		i8      int8
		b       []byte
		ss      dynamosql.StringSet
		ns      dynamosql.NumberSet
		bs      dynamosql.BinarySet
		l       dynamosql.List
		m       map[string]any
		tm      string
		yes     bool
		nothing any
		doc     address
		jn      dynamosql.JSON
	)
	require.NoError(t, row.Scan(&n38Text, &bigneg, &dec, &f, &u64, &i8, &b, &ss, &ns, &bs, &l, &m, &tm, &yes, &nothing, dynamosql.Document(&doc), &jn))
	assert.Equal(t, "12345678901234567890123456789012345678", n38Text, "an N scanned into *string is the exact text")
	bi, err := bigneg.BigInt()
	require.NoError(t, err)
	assert.Zero(t, bi.Cmp(new(big.Int).Neg(big38)))
	assert.Equal(t, dynamosql.Number("3.14159265358979323846264338327950288"), dec)
	assert.Equal(t, 0.1, f)
	assert.Equal(t, "18446744073709551615", u64)
	assert.EqualValues(t, -128, i8)
	assert.Equal(t, []byte{0, 1, 2, 255}, b)
	assert.ElementsMatch(t, dynamosql.StringSet{"x", "y"}, ss)
	assert.ElementsMatch(t, dynamosql.NumberSet{"1", "2.5", "-3"}, ns)
	assert.ElementsMatch(t, dynamosql.BinarySet{{1}, {2, 3}}, bs)
	require.Len(t, l, 6)
	assert.Equal(t, "s", l[0])
	assert.EqualValues(t, 1, l[1])
	assert.Equal(t, true, l[2])
	assert.Nil(t, l[3])
	assert.Equal(t, []byte{9}, l[4])
	assert.Equal(t, "2024-02-29T22:59:58.123456789Z", tm)
	assert.True(t, yes)
	assert.Nil(t, nothing)
	assert.Equal(t, address{Street: "Main", Zip: 12345}, doc)
	assert.JSONEq(t, `{"a":[1,"two",null,{"b":true}]}`, string(jn))
	nested, ok := m["nested"].(dynamosql.Map)
	require.True(t, ok, "%T", m["nested"])
	assert.Len(t, nested["deep"], 2)
}

func TestParseTimeAndJSONDocuments(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "ptime", "id", "")
	when := time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)
	_, err := dynamotest.OpenDB(t).ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'a', 't': ?, 'doc': ?, 'l': ?}`, table),
		when, map[string]any{"k": []any{1, "x"}}, []string{"p", "q"})
	require.NoError(t, err)
	q := fmt.Sprintf(`SELECT t, doc, l FROM %q WHERE id = 'a'`, table)

	var got time.Time
	var docAny, lAny any
	require.NoError(t, dynamotest.OpenDB(t, "parse_time=true").QueryRowContext(ctx, q).Scan(&got, &docAny, &lAny))
	assert.True(t, when.Equal(got), "%v != %v", when, got)
	assert.IsType(t, dynamosql.Map{}, docAny)
	assert.Equal(t, dynamosql.List{"p", "q"}, lAny)

	var ts string
	var doc string
	var l json.RawMessage
	require.NoError(t, dynamotest.OpenDB(t, "documents=json").QueryRowContext(ctx, q).Scan(&ts, &doc, &l))
	assert.Equal(t, "2030-01-02T03:04:05.0000006Z", ts)
	assert.JSONEq(t, `{"k":[1,"x"]}`, doc)
	assert.JSONEq(t, `["p","q"]`, string(l))
}

// TestConnectorFromAWSConfigAndClient checks that a user's own aws.Config
// or *dynamodb.Client can back the driver, and that without akid/secret_key
// the standard credential chain (here: the environment) is used.
func TestConnectorFromAWSConfigAndClient(t *testing.T) {
	ctx := dynamotest.Context(t)
	endpoint := dynamotest.MustEndpoint(t)

	cfg := dynamosql.NewConfig()
	cfg.Client = dynamotest.Client(t)
	conn, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	assert.Same(t, cfg.Client, conn.Client())
	db := sql.OpenDB(conn)
	defer db.Close()
	require.NoError(t, db.PingContext(ctx))
	got, err := dynamosql.Client(ctx, db)
	require.NoError(t, err)
	assert.Same(t, cfg.Client, got, "one connector owns one shared client")

	t.Setenv("AWS_ACCESS_KEY_ID", "fromenv")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fromenv")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	awsCfg, err := config.LoadDefaultConfig(ctx)
	require.NoError(t, err)
	cfg = dynamosql.NewConfig()
	cfg.AWSConfig = &awsCfg
	cfg.Endpoint = endpoint
	conn, err = dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db2 := sql.OpenDB(conn)
	defer db2.Close()
	require.NoError(t, db2.PingContext(ctx))

	db3, err := sql.Open("dynamodb", "endpoint="+endpoint) // region and credentials from the environment
	require.NoError(t, err)
	defer db3.Close()
	require.NoError(t, db3.PingContext(ctx))
	creds, err := conn.Client().Options().Credentials.Retrieve(ctx)
	require.NoError(t, err)
	assert.Equal(t, "fromenv", creds.AccessKeyID)
}

func TestNewConnectorErrors(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	_, err := dynamosql.NewConnector(&dynamosql.Config{Endpoint: "http://127.0.0.1:8000"})
	require.ErrorIs(t, err, dynamosql.ErrInvalidDSN)
	assert.Contains(t, err.Error(), "region")

	_, err = dynamosql.NewConnector(&dynamosql.Config{Region: "us-east-1", AccessKeyID: "a"})
	require.ErrorIs(t, err, dynamosql.ErrInvalidDSN)
	assert.Contains(t, err.Error(), "together")

	_, err = sql.Open("dynamodb", "region=us-east-1;bogus=1")
	require.ErrorIs(t, err, dynamosql.ErrInvalidDSN)
}

func TestOptionsAreValidated(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "opts", "id", "")
	q := fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, table)
	for _, o := range []dynamosql.Option{dynamosql.MaxRows(0), dynamosql.PageSize(0), dynamosql.PageSize(10001), dynamosql.StartToken(""), dynamosql.Track(nil)} {
		_, err := db.QueryContext(ctx, q, "a", o)
		require.ErrorIs(t, err, dynamosql.ErrBadOption)
	}
	// A refused option does not leak into the next statement.
	rows, err := db.QueryContext(ctx, q, "a")
	require.NoError(t, err)
	require.NoError(t, rows.Close())

	// An option in the middle of the arguments is removed before counting.
	_, err = db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'v': ?}`, table), "a", dynamosql.ConsistentRead(), 1)
	require.NoError(t, err)
}
