package dynamosql

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var (
	_ driver.Valuer              = StringList(nil)
	_ sql.Scanner                = (*StringList)(nil)
	_ attributevalue.Marshaler   = StringList(nil)
	_ attributevalue.Unmarshaler = (*StringList)(nil)
)

// StringList is a DynamoDB list (L) whose elements are all strings: the
// type to scan an L of strings into, for example as a struct field scanned
// by sqlx. A plain []string cannot be a scan destination for an L: an L
// decodes to List ([]any), and database/sql, which does the assignment,
// refuses to store a List into *[]string and gives the driver no way to
// help.
//
// As an argument a StringList is sent as an L of S elements, in order (a
// plain []string argument is sent the same way); a nil StringList is NULL
// and an empty one is an empty L. Elements must be valid UTF-8. Scan
// accepts an L of strings, an SS (DynamoDB does not keep the order of a
// set), the JSON array that documents=json returns, and NULL (a nil
// StringList); an L holding anything but strings is refused with an error
// naming the first other element.
//
// For a string set (SS) use StringSet, whose values DynamoDB keeps
// unordered and unique.
type StringList []string

func (s StringList) attr() (types.AttributeValue, error) {
	if s == nil {
		return avNull(), nil
	}
	out := make([]types.AttributeValue, len(s))
	for i, e := range s {
		av, err := avString(e, "StringList element")
		if err != nil {
			return nil, atPath(err, "["+strconv.Itoa(i)+"]")
		}
		out[i] = av
	}
	return &types.AttributeValueMemberL{Value: out}, nil
}

// Value implements driver.Valuer: an L of strings (NULL for a nil
// StringList).
func (s StringList) Value() (driver.Value, error) { return s.attr() }

// MarshalDynamoDBAttributeValue implements attributevalue.Marshaler.
func (s StringList) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return s.attr() }

// Scan implements sql.Scanner.
func (s *StringList) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s = nil
		return nil
	case StringList:
		*s = slices.Clone(v)
		return nil
	case StringSet:
		*s = StringList(slices.Clone(v))
		return nil
	case []string:
		*s = StringList(slices.Clone(v))
		return nil
	}
	var l List
	if err := l.Scan(src); err != nil {
		return errScan(src, "StringList")
	}
	out := make(StringList, len(l))
	for i, e := range l {
		str, ok := e.(string)
		if !ok {
			return fmt.Errorf("dynamosql: cannot scan a list holding %T (element %d) into StringList; scan it into List", e, i)
		}
		out[i] = str
	}
	*s = out
	return nil
}

// UnmarshalDynamoDBAttributeValue implements attributevalue.Unmarshaler.
func (s *StringList) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	return s.Scan(decodeValue(av, decodeOptions{}))
}
