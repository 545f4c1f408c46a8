package mapper

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"
)

type carried struct {
	ID     string            `dynamodbav:"id" dynamo:"pk"`
	Last   string            `dynamodbav:"last"`
	First  string            `dynamodbav:"first"`
	N      string            `dynamodbav:"n"`
	Bin    []byte            `dynamodbav:"bin"`
	OK     bool              `dynamodbav:"ok"`
	Tags   []string          `dynamodbav:"tags,stringset"`
	Nums   []int             `dynamodbav:"nums,numberset"`
	Blobs  [][]byte          `dynamodbav:"blobs"`
	List   []any             `dynamodbav:"list"`
	Nested map[string]any    `dynamodbav:"nested"`
	Extra  map[string]string `dynamodbav:"extra,omitempty"`
}

// The codec of FindPage's cursors round-trips every DynamoDB type exactly,
// drops the composite attributes (they only repeat the entity's), and
// refuses malformed bytes without panicking.
func TestRowCodecRoundTrip(t *testing.T) {
	e, err := Register[carried](Table("carried"), GSI("byName", Key("id"), Key("last", "first")))
	require.NoError(t, err)
	it := map[string]types.AttributeValue{
		"id":         &types.AttributeValueMemberS{Value: "a\x00é"},
		"last":       &types.AttributeValueMemberS{Value: ""},
		"first":      &types.AttributeValueMemberS{Value: strings.Repeat("x", 300)},
		"n":          &types.AttributeValueMemberS{Value: "12345678901234567890123456789012345678"},
		"bin":        &types.AttributeValueMemberB{Value: []byte{0, 1, 255}},
		"ok":         &types.AttributeValueMemberBOOL{Value: true},
		"tags":       &types.AttributeValueMemberSS{Value: []string{"b", "a"}},
		"nums":       &types.AttributeValueMemberNS{Value: []string{"1", "-2"}},
		"blobs":      &types.AttributeValueMemberBS{Value: [][]byte{{1}, {}}},
		"list":       &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberN{Value: "1.5"}, &types.AttributeValueMemberNULL{Value: true}, &types.AttributeValueMemberBOOL{}}},
		"nested":     &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"z": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}, "a": &types.AttributeValueMemberL{Value: []types.AttributeValue{}}}},
		"last#first": &types.AttributeValueMemberS{Value: "#x"},
		"unknown":    &types.AttributeValueMemberS{Value: "not in the entity"},
	}
	var want carried
	require.NoError(t, e.m.unmarshal(it, &want))
	c := newRowCodec[carried](e.m)
	b, err := c.AppendItem([]byte("prefix"), pageRow[carried]{v: want, it: it})
	require.NoError(t, err)
	b = b[len("prefix"):]
	row, err := c.DecodeItem(b)
	require.NoError(t, err)
	require.Equal(t, want, row.v)
	kept := map[string]types.AttributeValue{}
	for k, v := range it {
		if k != "last#first" && k != "unknown" {
			kept[k] = v
		}
	}
	require.Equal(t, kept, row.it)
	again, err := c.AppendItem(nil, row)
	require.NoError(t, err)
	require.Equal(t, b, again, "the encoding is deterministic")

	for i := range len(b) {
		_, err := c.DecodeItem(b[:i])
		require.Error(t, err, "truncated at %d", i)
	}
	for _, bad := range [][]byte{{1, 1, 'x', 99}, {1, 1, 'x', tagL, 0xff, 0xff, 0xff, 0xff, 0x0f}, append(b, 0)} {
		_, err := c.DecodeItem(bad)
		require.Error(t, err)
	}
	deep := []byte{1, 1, 'x'}
	for range 40 {
		deep = append(deep, tagL, 1)
	}
	deep = append(deep, tagNull)
	_, err = c.DecodeItem(deep)
	require.Error(t, err, "nesting deeper than DynamoDB allows")
}
