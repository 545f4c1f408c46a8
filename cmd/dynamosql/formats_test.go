package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

const n38 = "12345678901234567890123456789012345678"

// typesTable creates a table holding an item "all" with every DynamoDB
// type (written with the SDK, so that binary values are real B and BS),
// and an item "sparse" with only id, s and a binary bjson.
func typesTable(t *testing.T) string {
	t.Helper()
	name := dynamotest.SimpleTable(t, "shell_types", "id", "")
	c := dynamotest.Client(t)
	for _, item := range []map[string]types.AttributeValue{{
		"id":       &types.AttributeValueMemberS{Value: "all"},
		"s":        &types.AttributeValueMemberS{Value: `say "hi", then; bye`},
		"empty":    &types.AttributeValueMemberS{Value: ""},
		"nulltext": &types.AttributeValueMemberS{Value: "NULL"},
		"n38":      &types.AttributeValueMemberN{Value: n38},
		"neg":      &types.AttributeValueMemberN{Value: "-3.14159265358979323846264338327950288"},
		"yes":      &types.AttributeValueMemberBOOL{Value: true},
		"nul":      &types.AttributeValueMemberNULL{Value: true},
		"b":        &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 254, 255}},
		"ss":       &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":       &types.AttributeValueMemberNS{Value: []string{"1", n38}},
		"bs":       &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberS{Value: "x"},
			&types.AttributeValueMemberN{Value: "1"},
			&types.AttributeValueMemberNULL{Value: true},
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": &types.AttributeValueMemberN{Value: "99999999999999999999999999999999999999"}}},
			&types.AttributeValueMemberB{Value: []byte{9}},
		}},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"name": &types.AttributeValueMemberS{Value: "n"},
			"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"list": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberBOOL{Value: false}}},
				"half": &types.AttributeValueMemberN{Value: "0.5"},
			}},
		}},
	}, {
		"id":    &types.AttributeValueMemberS{Value: "sparse"},
		"s":     &types.AttributeValueMemberS{Value: "only s"},
		"bjson": &types.AttributeValueMemberB{Value: []byte(`{"a":1}`)}, // binary that looks like JSON
	}} {
		_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(name), Item: item})
		require.NoError(t, err)
	}
	return name
}

// TestTableFormatEveryType checks the aligned display of every DynamoDB
// type: all digits of numbers, NULL, "" and "NULL" apart, binary as
// base64 (hex with --binary hex), sets as <<...>>, documents as JSON, and
// a missing attribute as an empty cell.
func TestTableFormatEveryType(t *testing.T) {
	table := typesTable(t)
	r := runShell(t, "", dsnArg(t), "--format=table", "-c", `SELECT * FROM `+q(table)+` WHERE id = 'all'`)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, ` id  | b        | bs                | empty | l                                                                   | m                                                 | n38                                    | neg                                    | ns                                           | nul  | nulltext | s                   | ss          | yes
-----+----------+-------------------+-------+---------------------------------------------------------------------+---------------------------------------------------+----------------------------------------+----------------------------------------+----------------------------------------------+------+----------+---------------------+-------------+------
 all | AAEC/v8= | <<"AQ==","AgM=">> | ""    | ["x",1,null,{"deep":99999999999999999999999999999999999999},"CQ=="] | {"name":"n","nested":{"half":0.5,"list":[false]}} | 12345678901234567890123456789012345678 | -3.14159265358979323846264338327950288 | <<1,12345678901234567890123456789012345678>> | NULL | "NULL"   | say "hi", then; bye | <<"a","b">> | true
(1 row, 1 page)
`, r.stdout)
	require.Empty(t, r.stderr, "a query on the key: no warning")

	r = runShell(t, "", dsnArg(t), "--format=table", "--binary=hex", "-c", `SELECT id, b, bs, s, nul FROM `+q(table)+` WHERE id IN ['all', 'sparse']`)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, " all    | 000102feff | <<\"01\",\"0203\">> | say \"hi\", then; bye | NULL\n")
	require.Contains(t, r.stdout, " sparse |            |                 | only s              |\n", "missing attributes are empty cells, unlike NULL")

	r = runShell(t, "", dsnArg(t), "--format=table", "-x", "-c", `SELECT id, nul, empty, absent FROM `+q(table)+` WHERE id = 'all'`)
	require.Equal(t, "-[ RECORD 1 ]-\nid     | all\nnul    | NULL\nempty  | \"\"\nabsent |\n(1 row, 1 page)\n", r.stdout)
}

// jsonObjects decodes NDJSON lines, keeping each object's keys in order and
// numbers as json.Number.
func jsonObjects(t *testing.T, out string) (keys [][]string, objs []map[string]any) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		var m map[string]any
		require.NoError(t, d.Decode(&m), line)
		objs = append(objs, m)
		var order []string
		td := json.NewDecoder(strings.NewReader(line))
		tok, err := td.Token()
		require.NoError(t, err)
		require.Equal(t, json.Delim('{'), tok)
		for td.More() {
			k, err := td.Token()
			require.NoError(t, err)
			order = append(order, k.(string))
			var skip json.RawMessage
			require.NoError(t, td.Decode(&skip))
		}
		keys = append(keys, order)
	}
	return keys, objs
}

// TestJSONFormatEveryType checks NDJSON: keys in column order, numbers as
// JSON numbers with all their digits, binary as base64, sets and lists as
// arrays, maps as objects, NULL as null and a missing attribute left out.
func TestJSONFormatEveryType(t *testing.T) {
	table := typesTable(t)
	r := runShell(t, "", dsnArg(t), "--format=json", "-c", `SELECT id, n38, neg, b, bs, ss, ns, l, m, nul, empty, yes, s FROM `+q(table)+` WHERE id = 'all'`,
		"-c", `SELECT id, nul, s FROM `+q(table)+` WHERE id = 'sparse'`)
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stderr)
	keys, objs := jsonObjects(t, r.stdout)
	require.Len(t, objs, 2, "only results on stdout: %q", r.stdout)
	require.Equal(t, []string{"id", "n38", "neg", "b", "bs", "ss", "ns", "l", "m", "nul", "empty", "yes", "s"}, keys[0])
	all := objs[0]
	require.Equal(t, json.Number(n38), all["n38"])
	require.Equal(t, json.Number("-3.14159265358979323846264338327950288"), all["neg"])
	require.Equal(t, "AAEC/v8=", all["b"])
	require.Equal(t, []any{"AQ==", "AgM="}, all["bs"])
	require.Equal(t, []any{"a", "b"}, all["ss"])
	require.Equal(t, []any{json.Number("1"), json.Number(n38)}, all["ns"])
	require.Equal(t, []any{"x", json.Number("1"), nil, map[string]any{"deep": json.Number("99999999999999999999999999999999999999")}, "CQ=="}, all["l"])
	require.Equal(t, map[string]any{"name": "n", "nested": map[string]any{"half": json.Number("0.5"), "list": []any{false}}}, all["m"])
	require.Contains(t, all, "nul")
	require.Nil(t, all["nul"])
	require.Equal(t, "", all["empty"])
	require.Equal(t, true, all["yes"])
	require.Equal(t, `say "hi", then; bye`, all["s"])
	require.Equal(t, []string{"id", "s"}, keys[1], "the missing attribute nul is left out, not null")
	require.Contains(t, r.stdout, `"n38":`+n38+`,`, "the number's digits as written, not a float")

	r = runShell(t, "", dsnArg(t), "--format=json", "--binary=hex", "-c", `SELECT b FROM `+q(table)+` WHERE id = 'all'`,
		"-c", `SELECT bjson FROM `+q(table)+` WHERE id = 'sparse'`)
	require.Equal(t, "{\"b\":\"AAEC/v8=\"}\n{\"bjson\":\"eyJhIjoxfQ==\"}\n", r.stdout,
		"JSON binary is base64 (--binary is for table and csv), even when its bytes look like JSON")
}

// TestCSVFormatEveryType checks RFC 4180 output: a header, CRLF line ends,
// quoting, and NULL, missing, "" and the text NULL kept apart.
func TestCSVFormatEveryType(t *testing.T) {
	table := typesTable(t)
	r := runShell(t, "", dsnArg(t), "--format=csv", "-c", `SELECT id, n38, b, ss, m, nul, empty, nulltext, s FROM `+q(table)+` WHERE id = 'all'`,
		"-c", `SELECT id, n38, b, ss, m, nul, empty, nulltext, s FROM `+q(table)+` WHERE id = 'sparse'`)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "id,n38,b,ss,m,nul,empty,nulltext,s\r\n"+
		`all,`+n38+`,AAEC/v8=,"[""a"",""b""]","{""name"":""n"",""nested"":{""half"":0.5,""list"":[false]}}",NULL,"","NULL","say ""hi"", then; bye"`+"\r\n"+
		"id,n38,b,ss,m,nul,empty,nulltext,s\r\n"+
		"sparse,,,,,,,,only s\r\n", r.stdout)
	recs, err := csv.NewReader(bytes.NewReader([]byte(strings.SplitAfter(r.stdout, "\r\n")[0] + strings.SplitAfter(r.stdout, "\r\n")[1]))).ReadAll()
	require.NoError(t, err, "encoding/csv reads it")
	require.Equal(t, []string{"all", n38, "AAEC/v8=", `["a","b"]`, `{"name":"n","nested":{"half":0.5,"list":[false]}}`, "NULL", "", "NULL", `say "hi", then; bye`}, recs[1])
}
