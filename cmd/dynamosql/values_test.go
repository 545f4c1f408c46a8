package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
)

func TestCellShowsValuesHonestly(t *testing.T) {
	f := valueFormat{}
	for _, c := range []struct {
		v    any
		want string
	}{
		{nil, "NULL"},
		{dynamosql.Missing{}, ""},
		{"", `""`},
		{"NULL", `"NULL"`},
		{"null", `"null"`},
		{" padded", `" padded"`},
		{"two\nlines", `"two\nlines"`},
		{`"quoted"`, `"\"quoted\""`},
		{"plain text", "plain text"},
		{int64(-42), "-42"},
		{1.5, "1.5"},
		{dynamosql.Number("12345678901234567890123456789012345678"), "12345678901234567890123456789012345678"},
		{true, "true"},
		{[]byte{0, 1, 254, 255}, "AAH+/w=="},
		{dynamosql.StringSet{"a", "b"}, `<<"a","b">>`},
		{dynamosql.NumberSet{"1", "2.5"}, `<<1,2.5>>`},
		{dynamosql.BinarySet{{1}, {2}}, `<<"AQ==","Ag==">>`},
		{dynamosql.List{"x", int64(1), nil, dynamosql.Map{"b": true, "a": []byte{7}}}, `["x",1,null,{"a":"Bw==","b":true}]`},
	} {
		require.Equal(t, c.want, f.cell(c.v), "%#v", c.v)
	}
	require.Equal(t, "0001feff", valueFormat{hex: true}.cell([]byte{0, 1, 254, 255}))
}

func TestAppendJSONKeepsEveryDigit(t *testing.T) {
	f := valueFormat{}
	m := dynamosql.Map{
		"n":   dynamosql.Number("-1.2345678901234567890123456789012345678E-100"),
		"i":   int64(9007199254740993), // not a float64
		"s":   "<&>",
		"ns":  dynamosql.NumberSet{"99999999999999999999999999999999999999"},
		"nil": nil,
		"f":   1e21,
	}
	require.Equal(t, `{"f":1e+21,"i":9007199254740993,"n":-1.2345678901234567890123456789012345678E-100,"nil":null,"ns":[99999999999999999999999999999999999999],"s":"<&>"}`,
		string(f.appendJSON(nil, m)))
	require.Equal(t, `"\u0001\t<&>"`, jsonString("\x01\t<&>"), "no HTML escapes")
}

func TestCSVFieldKeepsNullMissingAndEmptyApart(t *testing.T) {
	f := valueFormat{}
	for _, c := range []struct {
		v     any
		text  string
		quote bool
	}{
		{dynamosql.Missing{}, "", false},
		{nil, "NULL", false},
		{"", "", true},
		{"NULL", "NULL", true},
		{"a,b", "a,b", true},
		{"plain", "plain", false},
		{dynamosql.Number("1E+5"), "1E+5", false},
		{dynamosql.Map{"k": "v"}, `{"k":"v"}`, true},
	} {
		text, quote := f.csvField(c.v)
		require.Equal(t, c.text, text, "%#v", c.v)
		require.Equal(t, c.quote, quote, "%#v", c.v)
	}
}
