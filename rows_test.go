package dynamosql

import (
	"database/sql/driver"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRowsReuseARepeatedStringValue(t *testing.T) {
	item := func(pk, sk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk},
			"sk": &types.AttributeValueMemberS{Value: sk},
		}
	}
	items := []map[string]types.AttributeValue{item("p", "1"), item("p", "2"), item("q", "2"), item("p", "22"), item("p", "")}
	r := &rows{items: items, done: true, cols: []column{{name: "pk", key: "pk"}, {name: "sk", key: "sk"}}}
	var got [][2]driver.Value
	dest := make([]driver.Value, 2)
	for r.Next(dest) == nil {
		got = append(got, [2]driver.Value{dest[0], dest[1]})
	}
	assert.Equal(t, [][2]driver.Value{{"p", "1"}, {"p", "2"}, {"q", "2"}, {"p", "22"}, {"p", ""}}, got)

	// A value equal to the last row's costs no allocation.
	same := make([]map[string]types.AttributeValue, 200)
	for i := range same {
		same[i] = item("p", "s")
	}
	r = &rows{items: same, done: true, cols: []column{{name: "pk", key: "pk"}, {name: "sk", key: "sk"}}}
	require.NoError(t, r.Next(dest))
	allocs := testing.AllocsPerRun(100, func() { require.NoError(t, r.Next(dest)) })
	assert.Zero(t, allocs)
	assert.Equal(t, "s", dest[1])
}
