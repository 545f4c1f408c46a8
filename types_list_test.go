package dynamosql

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListOfStringsIntoStringSlice shows the problem StringList solves: an
// L of strings decodes to List, which database/sql refuses to store into
// *[]string (it gives the driver no hook there), while *StringList takes it.
func TestListOfStringsIntoStringSlice(t *testing.T) {
	l := vtL(vtS("a"), vtS("b"))
	var plain []string
	err := scanAV(l, decodeOptions{}, &plain)
	require.ErrorContains(t, err, "unsupported Scan, storing driver.Value type dynamosql.List into type *[]string")

	var sl StringList
	require.NoError(t, scanAV(l, decodeOptions{}, &sl))
	assert.Equal(t, StringList{"a", "b"}, sl)
}

func TestStringListScan(t *testing.T) {
	def, jsonDocs := decodeOptions{}, decodeOptions{jsonDocuments: true}
	for _, tt := range []struct {
		name string
		av   types.AttributeValue
		o    decodeOptions
		want StringList
	}{
		{"L of strings", vtL(vtS("b"), vtS("a"), vtS("b")), def, StringList{"b", "a", "b"}},
		{"empty L", vtL(), def, StringList{}},
		{"NULL", vtNULL(), def, nil},
		{"missing", nil, def, nil},
		{"SS", vtSS("x", "y"), def, StringList{"x", "y"}},
		{"documents=json L", vtL(vtS("a"), vtS("é")), jsonDocs, StringList{"a", "é"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := StringList{"stale"}
			require.NoError(t, scanAV(tt.av, tt.o, &got))
			assert.Equal(t, tt.want, got)
		})
	}

	var s StringList
	require.NoError(t, s.Scan([]string{"p"}))
	assert.Equal(t, StringList{"p"}, s)
	require.NoError(t, s.Scan(StringList{"q"}))
	assert.Equal(t, StringList{"q"}, s)

	for _, tt := range []struct {
		name string
		av   types.AttributeValue
		o    decodeOptions
		want string
	}{
		{"L with a number", vtL(vtS("a"), vtN("1")), decodeOptions{}, "cannot scan a list holding int64 (element 1) into StringList; scan it into List"},
		{"L with a NULL", vtL(vtNULL()), decodeOptions{}, "cannot scan a list holding <nil> (element 0) into StringList"},
		{"S", vtS("a"), decodeOptions{}, "cannot scan string into StringList"},
		{"M", vtM(map[string]types.AttributeValue{"a": vtS("b")}), decodeOptions{}, "cannot scan dynamosql.Map into StringList"},
		{"documents=json M", vtM(map[string]types.AttributeValue{"a": vtS("b")}), jsonDocs, "cannot scan []uint8 into StringList"},
	} {
		t.Run("refused/"+tt.name, func(t *testing.T) {
			var got StringList
			require.ErrorContains(t, scanAV(tt.av, tt.o, &got), tt.want)
		})
	}
}

func TestStringListValue(t *testing.T) {
	v, err := StringList{"b", "a", "b"}.Value()
	require.NoError(t, err)
	assert.Equal(t, vtL(vtS("b"), vtS("a"), vtS("b")), v)
	v, err = StringList{}.Value()
	require.NoError(t, err)
	assert.Equal(t, vtL(), v)
	v, err = StringList(nil).Value()
	require.NoError(t, err)
	assert.Equal(t, vtNULL(), v)

	_, err = StringList{"ok", "bad\xff"}.Value()
	require.ErrorIs(t, err, ErrInvalidValue)
	assert.ErrorContains(t, err, "StringList element is not valid UTF-8")
	assert.ErrorContains(t, err, "[1]")

	// As a query argument it is converted like any Valuer.
	av, err := convertValue(StringList{"x"})
	require.NoError(t, err)
	assert.Equal(t, vtL(vtS("x")), av)
}

// TestStringListWithAttributeValue: a StringList field of a struct
// marshalled by the SDK's attributevalue is an L of strings both ways.
func TestStringListWithAttributeValue(t *testing.T) {
	type item struct {
		Tags StringList `dynamodbav:"tags"`
	}
	av, err := attributevalue.Marshal(item{Tags: StringList{"a", "b"}})
	require.NoError(t, err)
	assert.Equal(t, vtM(map[string]types.AttributeValue{"tags": vtL(vtS("a"), vtS("b"))}), av)

	var back item
	require.NoError(t, attributevalue.Unmarshal(av, &back))
	assert.Equal(t, StringList{"a", "b"}, back.Tags)
	require.Error(t, attributevalue.Unmarshal(vtM(map[string]types.AttributeValue{"tags": vtL(vtN("1"))}), &back))
}
