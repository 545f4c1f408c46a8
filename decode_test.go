package dynamosql

import (
	"database/sql/driver"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodedStringIsAPlainString(t *testing.T) {
	av := &types.AttributeValueMemberS{Value: "héllo, wörld"}
	v := decodeValue(av, decodeOptions{})
	s, ok := v.(string)
	require.True(t, ok, "%T", v)
	assert.Equal(t, "héllo, wörld", s)
	assert.True(t, v == any("héllo, wörld"), "interface comparison")
	// parseTime still turns time text into a time.Time.
	v = decodeValue(&types.AttributeValueMemberS{Value: "2024-05-06T07:08:09Z"}, decodeOptions{parseTime: true})
	assert.IsType(t, time.Time{}, v)
}

func TestDecodeNumberClassifiesBeforeParsing(t *testing.T) {
	for s, want := range map[string]driver.Value{
		"42":                                     int64(42),
		"-9223372036854775808":                   int64(-9223372036854775808),
		"9223372036854775808":                    Number("9223372036854775808"), // past int64, and not how Go spells the float
		"1.5":                                    1.5,
		"1e+21":                                  1e21,
		"1.50":                                   Number("1.50"),
		"0012":                                   Number("0012"),
		"12345678901234567890123456789012345678": Number("12345678901234567890123456789012345678"),
	} {
		assert.Equal(t, want, decodeNumber(s), s)
	}
	// A non-integer costs no parse error: one allocation (the float64 in
	// the interface) at most.
	allocs := testing.AllocsPerRun(100, func() { _ = decodeNumber("1.5") })
	assert.LessOrEqual(t, allocs, 1.0)
}
