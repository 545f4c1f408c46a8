//go:build go1.27

package dynamosql

import (
	"database/sql"
	"database/sql/driver"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScanColumnStoresStraightIntoTheDestination: with Go 1.27's
// RowsColumnScanner, a string attribute scanned into a *string costs no
// allocation (Next would box it into a driver.Value), and every other
// value scans as it does through Next.
func TestScanColumnStoresStraightIntoTheDestination(t *testing.T) {
	item := func(name string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"id":   &types.AttributeValueMemberS{Value: name},
			"n":    &types.AttributeValueMemberN{Value: "42"},
			"big":  &types.AttributeValueMemberN{Value: "12345678901234567890123456789"},
			"flag": &types.AttributeValueMemberBOOL{Value: true},
		}
	}
	cols := []column{{name: "id", key: "id"}, {name: "n", key: "n"}, {name: "big", key: "big"}, {name: "flag", key: "flag"}, {name: "gone", key: "gone"}}
	r := &rows{items: []map[string]types.AttributeValue{item("a"), item("b")}, done: true, cols: cols}

	require.NoError(t, r.NextRow())
	var (
		id   string
		ns   sql.NullString
		n    int64
		big  Number
		flag bool
		gone sql.NullString
		anyv any
	)
	var sc driver.ScanContext
	require.NoError(t, r.ScanColumn(sc, 0, &id))
	require.NoError(t, r.ScanColumn(sc, 0, &ns))
	require.NoError(t, r.ScanColumn(sc, 0, &anyv))
	require.NoError(t, r.ScanColumn(sc, 1, &n))
	require.NoError(t, r.ScanColumn(sc, 2, &big))
	require.NoError(t, r.ScanColumn(sc, 3, &flag))
	require.NoError(t, r.ScanColumn(sc, 4, &gone))
	assert.Equal(t, "a", id)
	assert.Equal(t, sql.NullString{String: "a", Valid: true}, ns)
	assert.Equal(t, "a", anyv)
	assert.EqualValues(t, 42, n)
	assert.Equal(t, Number("12345678901234567890123456789"), big)
	assert.True(t, flag)
	assert.False(t, gone.Valid, "a missing attribute is NULL")
	assert.Error(t, r.ScanColumn(sc, 0, &n), "a string is no integer, as through Next")

	allocs := testing.AllocsPerRun(100, func() {
		if err := r.ScanColumn(sc, 0, &id); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "a string into a *string is assigned, not boxed")

	require.NoError(t, r.NextRow())
	require.NoError(t, r.ScanColumn(sc, 0, &id))
	assert.Equal(t, "b", id)
	assert.Equal(t, io.EOF, r.NextRow())
	assert.Equal(t, 2, r.returned)
}
