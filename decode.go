package dynamosql

import (
	"database/sql/driver"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Values out: the attribute values of a result row become the
// driver.Values that Rows.Next returns (and the column types the rows
// report). Values in (query arguments) are value.go's.

// decodeOptions are the connection settings that change how attribute
// values are returned from Rows.Next.
type decodeOptions struct {
	// parseTime returns an S holding an RFC 3339 time as time.Time.
	parseTime bool
	// jsonDocuments returns L and M as JSON text ([]byte).
	jsonDocuments bool
}

// decodeValue turns a DynamoDB value into the driver.Value returned by
// Rows.Next. A missing attribute (nil) is NULL.
func decodeValue(av types.AttributeValue, o decodeOptions) driver.Value {
	if avIsNil(av) {
		return nil
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		if o.parseTime {
			if t, ok := parseTimeText(v.Value); ok {
				return t
			}
		}
		return v.Value
	case *types.AttributeValueMemberN:
		return decodeNumber(v.Value)
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberB:
		if v.Value == nil {
			return []byte{}
		}
		return v.Value
	case *types.AttributeValueMemberSS:
		return StringSet(v.Value)
	case *types.AttributeValueMemberNS:
		ns := make(NumberSet, len(v.Value))
		for i, s := range v.Value {
			ns[i] = Number(s)
		}
		return ns
	case *types.AttributeValueMemberBS:
		return BinarySet(v.Value)
	case *types.AttributeValueMemberL:
		if o.jsonDocuments {
			return appendJSON(nil, av)
		}
		l := make(List, len(v.Value))
		for i, e := range v.Value {
			l[i] = decodeValue(e, o)
		}
		return l
	case *types.AttributeValueMemberM:
		if o.jsonDocuments {
			return appendJSON(nil, av)
		}
		m := make(Map, len(v.Value))
		for k, e := range v.Value {
			m[k] = decodeValue(e, o)
		}
		return m
	}
	return nil
}

// decodeNumber returns int64 when s is exactly what strconv.FormatInt
// writes, float64 when s is exactly what strconv.FormatFloat(f, 'g', -1,
// 64) writes (the way database/sql formats a float64 into a string), and
// the exact text as Number otherwise. Scanning the result into *string
// therefore always gives s back.
//
// The text is classified before any parse: only a plain integer of at most
// 19 digits is given to strconv.ParseInt, so that the common non-integer
// does not pay for (and allocate) a parse error.
func decodeNumber(s string) driver.Value {
	if plainInteger(s) {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			var buf [24]byte
			if string(strconv.AppendInt(buf[:0], i, 10)) == s {
				return i
			}
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		var buf [32]byte
		if string(strconv.AppendFloat(buf[:0], f, 'g', -1, 64)) == s {
			return f
		}
	}
	return Number(s)
}

// plainInteger reports text of an optional minus sign and 1 to 19 digits:
// the only texts strconv.FormatInt writes.
func plainInteger(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return false
		}
	}
	return true
}

// parseTimeText parses an RFC 3339 time whose UTC year convertValue can
// write back.
func parseTimeText(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// typeName returns S N B BOOL NULL SS NS BS L M for an attribute value;
// NULL for a missing one (nil) and "" for a type this SDK does not know.
func typeName(av types.AttributeValue) string {
	switch av.(type) {
	case nil:
		return "NULL"
	case *types.AttributeValueMemberS:
		return "S"
	case *types.AttributeValueMemberN:
		return "N"
	case *types.AttributeValueMemberB:
		return "B"
	case *types.AttributeValueMemberBOOL:
		return "BOOL"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberSS:
		return "SS"
	case *types.AttributeValueMemberNS:
		return "NS"
	case *types.AttributeValueMemberBS:
		return "BS"
	case *types.AttributeValueMemberL:
		return "L"
	case *types.AttributeValueMemberM:
		return "M"
	}
	return ""
}

var (
	scanTypeAny    = reflect.TypeFor[any]()
	scanTypeByName = map[string]reflect.Type{
		"S":    reflect.TypeFor[string](),
		"N":    reflect.TypeFor[Number](),
		"B":    reflect.TypeFor[[]byte](),
		"BOOL": reflect.TypeFor[bool](),
		"NULL": scanTypeAny,
		"SS":   reflect.TypeFor[StringSet](),
		"NS":   reflect.TypeFor[NumberSet](),
		"BS":   reflect.TypeFor[BinarySet](),
		"L":    reflect.TypeFor[List](),
		"M":    reflect.TypeFor[Map](),
	}
)

// scanType returns a Go type every value of the named DynamoDB type scans
// into (for ColumnTypeScanType): string, Number (an N arrives as int64,
// float64 or Number and Number scans all three), []byte, bool, the set
// types, List and Map (which also scan the JSON of documents=json), and
// any for NULL or an unknown type.
func scanType(name string) reflect.Type {
	if t, ok := scanTypeByName[name]; ok {
		return t
	}
	return scanTypeAny
}
