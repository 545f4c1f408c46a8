package dynamosql

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/decimal"
)

// Helper types for the DynamoDB types that have no natural Go counterpart.
// Each one is a driver.Valuer (pass it as a query argument) and, through a
// pointer, a sql.Scanner (scan a column into it). They also implement the
// SDK's attributevalue.Marshaler and Unmarshaler, so they can be fields of
// structs marshalled by attributevalue (and by Document).
var (
	_ driver.Valuer = Number("")
	_ sql.Scanner   = (*Number)(nil)
	_ driver.Valuer = StringSet(nil)
	_ sql.Scanner   = (*StringSet)(nil)
	_ driver.Valuer = NumberSet(nil)
	_ sql.Scanner   = (*NumberSet)(nil)
	_ driver.Valuer = BinarySet(nil)
	_ sql.Scanner   = (*BinarySet)(nil)
	_ driver.Valuer = List(nil)
	_ sql.Scanner   = (*List)(nil)
	_ driver.Valuer = Map(nil)
	_ sql.Scanner   = (*Map)(nil)
	_ driver.Valuer = JSON(nil)
	_ sql.Scanner   = (*JSON)(nil)
	_ driver.Valuer = Raw{}
	_ sql.Scanner   = (*Raw)(nil)

	_ attributevalue.Marshaler   = Number("")
	_ attributevalue.Unmarshaler = (*Number)(nil)
	_ attributevalue.Marshaler   = StringSet(nil)
	_ attributevalue.Unmarshaler = (*StringSet)(nil)
	_ attributevalue.Marshaler   = NumberSet(nil)
	_ attributevalue.Unmarshaler = (*NumberSet)(nil)
	_ attributevalue.Marshaler   = BinarySet(nil)
	_ attributevalue.Unmarshaler = (*BinarySet)(nil)
	_ attributevalue.Marshaler   = List(nil)
	_ attributevalue.Unmarshaler = (*List)(nil)
	_ attributevalue.Marshaler   = Map(nil)
	_ attributevalue.Unmarshaler = (*Map)(nil)
	_ attributevalue.Marshaler   = JSON(nil)
	_ attributevalue.Unmarshaler = (*JSON)(nil)
	_ attributevalue.Marshaler   = Raw{}
	_ attributevalue.Unmarshaler = (*Raw)(nil)
)

func errScan(src any, dest string) error {
	if src == nil {
		return fmt.Errorf("%w NULL into %s", ErrScan, dest)
	}
	return fmt.Errorf("%w %T into %s", ErrScan, src, dest)
}

// attrForScan turns a value returned by Rows.Next back into the attribute
// value it was decoded from. A []byte holding a JSON object or array (what
// the documents=json setting returns for M and L) is read as that JSON;
// any other []byte is a B.
func attrForScan(src any) (types.AttributeValue, error) {
	if b, ok := src.([]byte); ok && isJSONDocument(b) {
		return jsonToAV(b)
	}
	return convertValue(src)
}

// ---- Number ----

// Number is a DynamoDB number (N) kept as its exact decimal text, so that
// all of DynamoDB's 38 significant digits survive; float64 keeps about 16.
//
// Rows return an N as int64 when it is an integer that fits, as float64
// when its text is exactly how Go formats that float64, and as Number
// otherwise; scanning into *Number accepts all three. As an argument a
// Number is validated and sent as an N. The empty Number stands for NULL:
// it is what a NULL scans into and what it is sent as.
//
// database/sql also converts a Number column into *string (the exact
// text), *int64, *float64 and *[]byte, and into decimal types that
// implement the Compose method database/sql knows (see Decompose).
type Number string

// ParseNumber validates s as a DynamoDB number: an optional sign, digits
// with an optional decimal point, an optional exponent (1.5, -0.25, 1E-130,
// 12e+3), at most 38 significant digits (leading and trailing zeros do not
// count) and a magnitude of 0 or from 1E-130 to
// 9.9999999999999999999999999999999999999E+125. The text is kept exactly
// as given. Errors wrap ErrInvalidValue.
func ParseNumber(s string) (Number, error) {
	if err := decimal.Check(s); err != nil {
		return "", numberError("number", s, err)
	}
	return Number(s), nil
}

// NewNumber returns the Number of any Go value convertValue sends as an N:
// integers of every size, finite floats (shortest text that reads back as
// the same float), json.Number, *big.Int, *big.Float, *big.Rat with a
// finite decimal form, Number, driver.Valuers returning those, and
// numeric strings (validated with ParseNumber).
func NewNumber(v any) (Number, error) {
	if s, ok := v.(string); ok {
		return ParseNumber(s)
	}
	av, err := convertValue(v)
	if err != nil {
		return "", err
	}
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		return "", fmt.Errorf("%w: %T is not a number (it converts to a DynamoDB %s)", ErrUnsupportedType, v, typeName(av))
	}
	return ParseNumber(n.Value)
}

// String returns the exact decimal text.
func (n Number) String() string { return string(n) }

func (n Number) parts() (decimal.Parts, error) {
	p, ok := decimal.Split(string(n))
	if !ok {
		return p, numberError("number", string(n), decimal.ErrNotNumber)
	}
	if err := p.Check(); err != nil {
		return p, numberError("number", string(n), err)
	}
	return p, nil
}

// Int64 returns n as an int64, or an error when n is not an integer or
// does not fit (the error wraps strconv.ErrRange).
func (n Number) Int64() (int64, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	b, err := n.BigInt()
	if err != nil {
		return 0, err
	}
	if !b.IsInt64() {
		return 0, fmt.Errorf("dynamosql: number %s does not fit in an int64: %w", shorten(string(n), 60), strconv.ErrRange)
	}
	return b.Int64(), nil
}

// Float64 returns the float64 nearest to n. Every DynamoDB number is in
// float64's range, but digits beyond about 16 are lost.
func (n Number) Float64() (float64, error) {
	if _, err := n.parts(); err != nil {
		return 0, err
	}
	return strconv.ParseFloat(string(n), 64)
}

// BigInt returns n as a *big.Int, or an error when n is not an integer.
func (n Number) BigInt() (*big.Int, error) {
	p, err := n.parts()
	if err != nil {
		return nil, err
	}
	d, lastPow, zero := p.Digits()
	if zero {
		return new(big.Int), nil
	}
	if lastPow < 0 {
		return nil, fmt.Errorf("dynamosql: number %s is not an integer", shorten(string(n), 60))
	}
	b, _ := new(big.Int).SetString(d, 10)
	if lastPow > 0 {
		b.Mul(b, pow10(lastPow))
	}
	if p.Neg {
		b.Neg(b)
	}
	return b, nil
}

// Rat returns the exact value of n as a *big.Rat.
func (n Number) Rat() (*big.Rat, error) {
	p, err := n.parts()
	if err != nil {
		return nil, err
	}
	d, lastPow, zero := p.Digits()
	if zero {
		return new(big.Rat), nil
	}
	b, _ := new(big.Int).SetString(d, 10)
	if p.Neg {
		b.Neg(b)
	}
	if lastPow >= 0 {
		return new(big.Rat).SetInt(b.Mul(b, pow10(lastPow))), nil
	}
	return new(big.Rat).SetFrac(b, pow10(-lastPow)), nil
}

func pow10(k int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
}

// Decompose returns n as coefficient × 10^exponent, the form database/sql
// hands to a scan destination with a Compose method (decimal types such as
// github.com/cockroachdb/apd's Decimal). The coefficient is big-endian and
// appended to buf[:0]. Text that is not a valid number decomposes as NaN
// (form 2).
func (n Number) Decompose(buf []byte) (form byte, negative bool, coefficient []byte, exponent int32) {
	p, err := n.parts()
	if err != nil {
		return 2, false, nil, 0
	}
	d, lastPow, zero := p.Digits()
	if zero {
		return 0, p.Neg, buf[:0], 0
	}
	b, _ := new(big.Int).SetString(d, 10)
	return 0, p.Neg, append(buf[:0], b.Bytes()...), int32(lastPow)
}

func (n Number) attr() (types.AttributeValue, error) {
	if n == "" {
		return avNull(), nil
	}
	return avNumber(string(n), "dynamosql.Number")
}

// Value implements driver.Valuer: an N (NULL for the empty Number).
func (n Number) Value() (driver.Value, error) { return n.attr() }

// MarshalDynamoDBAttributeValue implements attributevalue.Marshaler.
func (n Number) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return n.attr() }

// Scan implements sql.Scanner. It accepts what an N decodes to (int64,
// float64, Number), numeric text (string, []byte) and NULL (the empty
// Number).
func (n *Number) Scan(src any) error {
	var v Number
	var err error
	switch s := src.(type) {
	case nil:
	case Number:
		v = s
	case []byte:
		v, err = ParseNumber(string(s))
	default:
		v, err = NewNumber(src)
	}
	if err != nil {
		return fmt.Errorf("%w %T into Number: %w", ErrScan, src, err)
	}
	*n = v
	return nil
}

// UnmarshalDynamoDBAttributeValue implements attributevalue.Unmarshaler: an
// N (its text, exactly), an S holding a number, or NULL (the empty Number).
func (n *Number) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	switch v := av.(type) {
	case *types.AttributeValueMemberN:
		*n = Number(v.Value)
		return nil
	case *types.AttributeValueMemberS:
		p, err := ParseNumber(v.Value)
		if err != nil {
			return err
		}
		*n = p
		return nil
	}
	if avIsNil(av) || typeName(av) == "NULL" {
		*n = ""
		return nil
	}
	return fmt.Errorf("%w: cannot unmarshal a DynamoDB %s into Number", ErrScan, typeName(av))
}

// MarshalJSON writes n as a JSON number (null for the empty Number).
func (n Number) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	if _, err := n.parts(); err != nil {
		return nil, err
	}
	return appendJSONNumber(nil, string(n)), nil
}

// UnmarshalJSON reads a JSON number, a JSON string holding a number, or
// null (the empty Number).
func (n *Number) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*n = ""
		return nil
	}
	if len(s) > 0 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := ParseNumber(s)
	if err != nil {
		return err
	}
	*n = v
	return nil
}

// ---- sets ----

// StringSet is a DynamoDB string set (SS). As an argument it is sent as an
// SS; a nil StringSet is NULL, and an empty one or one with duplicates is
// refused (DynamoDB forbids both). An SS column decodes to StringSet;
// database/sql also assigns it to *[]string and *any. Scan accepts an SS,
// a list of strings (what a Go []string argument is stored as) and NULL.
// DynamoDB does not keep the order of a set's elements.
type StringSet []string

func (s StringSet) attr() (types.AttributeValue, error) {
	if s == nil {
		return avNull(), nil
	}
	if len(s) == 0 {
		return nil, errEmptySet("StringSet")
	}
	for i, e := range s {
		if !utf8.ValidString(e) {
			return nil, atPath(errInvalidUTF8("StringSet element"), "["+strconv.Itoa(i)+"]")
		}
	}
	if i, j, dup := findDuplicate(s); dup {
		return nil, errDuplicate("StringSet", s[j], i, j)
	}
	return &types.AttributeValueMemberSS{Value: slices.Clone([]string(s))}, nil
}

// Value implements driver.Valuer: an SS (NULL for a nil set).
func (s StringSet) Value() (driver.Value, error) { return s.attr() }

// MarshalDynamoDBAttributeValue implements attributevalue.Marshaler.
func (s StringSet) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return s.attr() }

// Scan implements sql.Scanner.
func (s *StringSet) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s = nil
		return nil
	case StringSet:
		*s = slices.Clone(v)
		return nil
	case []string:
		*s = StringSet(slices.Clone(v))
		return nil
	case List:
		out := make(StringSet, len(v))
		for i, e := range v {
			str, ok := e.(string)
			if !ok {
				return fmt.Errorf("%w a list holding %T into StringSet", ErrScan, e)
			}
			out[i] = str
		}
		*s = out
		return nil
	}
	return errScan(src, "StringSet")
}

// UnmarshalDynamoDBAttributeValue implements attributevalue.Unmarshaler.
func (s *StringSet) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	return s.Scan(decodeValue(av, decodeOptions{}))
}

// NumberSet is a DynamoDB number set (NS) with each number's exact text.
// As an argument it is sent as an NS; a nil NumberSet is NULL, and an
// empty one, an invalid number or two numerically equal elements are
// refused. An NS column decodes to NumberSet. Scan accepts an NS, a list
// of numbers and NULL.
type NumberSet []Number

func (s NumberSet) attr() (types.AttributeValue, error) {
	if s == nil {
		return avNull(), nil
	}
	strs := make([]string, len(s))
	for i, n := range s {
		strs[i] = string(n)
	}
	return numberSetAttr(strs, "NumberSet")
}

// Value implements driver.Valuer: an NS (NULL for a nil set).
func (s NumberSet) Value() (driver.Value, error) { return s.attr() }

// MarshalDynamoDBAttributeValue implements attributevalue.Marshaler.
func (s NumberSet) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return s.attr() }

// Scan implements sql.Scanner.
func (s *NumberSet) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s = nil
		return nil
	case NumberSet:
		*s = slices.Clone(v)
		return nil
	case []Number:
		*s = NumberSet(slices.Clone(v))
		return nil
	case List:
		out := make(NumberSet, len(v))
		for i, e := range v {
			n, err := NewNumber(e)
			if err != nil {
				return fmt.Errorf("%w a list holding %T into NumberSet: %w", ErrScan, e, err)
			}
			out[i] = n
		}
		*s = out
		return nil
	}
	return errScan(src, "NumberSet")
}

// UnmarshalDynamoDBAttributeValue implements attributevalue.Unmarshaler.
func (s *NumberSet) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	return s.Scan(decodeValue(av, decodeOptions{}))
}

// BinarySet is a DynamoDB binary set (BS). As an argument it is sent as a
// BS (the bytes are copied); a nil BinarySet is NULL, and an empty one or
// one with duplicates is refused. A BS column decodes to BinarySet;
// database/sql also assigns it to *[][]byte. Scan accepts a BS, a list of
// binary values and NULL.
type BinarySet [][]byte

func (s BinarySet) attr() (types.AttributeValue, error) {
	if s == nil {
		return avNull(), nil
	}
	if len(s) == 0 {
		return nil, errEmptySet("BinarySet")
	}
	keys := make([]string, len(s))
	out := make([][]byte, len(s))
	for i, b := range s {
		keys[i] = string(b)
		out[i] = append([]byte{}, b...)
	}
	if i, j, dup := findDuplicate(keys); dup {
		return nil, fmt.Errorf("%w: BinarySet has the same element at %d and %d: DynamoDB sets cannot hold duplicates",
			ErrInvalidValue, i, j)
	}
	return &types.AttributeValueMemberBS{Value: out}, nil
}

// Value implements driver.Valuer: a BS (NULL for a nil set).
func (s BinarySet) Value() (driver.Value, error) { return s.attr() }

// MarshalDynamoDBAttributeValue implements attributevalue.Marshaler.
func (s BinarySet) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return s.attr() }

// Scan implements sql.Scanner.
func (s *BinarySet) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s = nil
		return nil
	case BinarySet:
		*s = slices.Clone(v)
		return nil
	case [][]byte:
		*s = BinarySet(slices.Clone(v))
		return nil
	case List:
		out := make(BinarySet, len(v))
		for i, e := range v {
			b, ok := e.([]byte)
			if !ok {
				return fmt.Errorf("%w a list holding %T into BinarySet", ErrScan, e)
			}
			out[i] = b
		}
		*s = out
		return nil
	}
	return errScan(src, "BinarySet")
}

// UnmarshalDynamoDBAttributeValue implements attributevalue.Unmarshaler.
func (s *BinarySet) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	return s.Scan(decodeValue(av, decodeOptions{}))
}

// ---- documents ----

// List is a DynamoDB list (L) of decoded values: string, int64, float64,
// Number, bool, nil, []byte, the set types, List and Map (a nested set
// stays a set, so writing a List back gives the same attribute). As an
// argument each element is converted like a query argument; a nil List is
// NULL. database/sql assigns a List to *[]any and *any. Scan also accepts
// the JSON array that documents=json returns.
//
// An L does not scan into *[]string or another typed slice: database/sql
// refuses to store a List there ("unsupported Scan, storing driver.Value
// type dynamosql.List into type *[]string") and gives the driver no hook
// to convert it. Scan an L of strings into *StringList (a []string with a
// Scan method, also as a struct field for sqlx), any L into *List or
// *[]any, or into Document(&v) with v of any slice type attributevalue
// can fill.
type List []any

// Value implements driver.Valuer: an L (NULL for a nil List).
func (l List) Value() (driver.Value, error) { return avList(l, 0) }

// MarshalDynamoDBAttributeValue implements attributevalue.Marshaler.
func (l List) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return avList(l, 0) }

// Scan implements sql.Scanner.
func (l *List) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*l = nil
		return nil
	case List:
		*l = slices.Clone(v)
		return nil
	case []any:
		*l = List(slices.Clone(v))
		return nil
	case []byte:
		if isJSONDocument(v) {
			av, err := jsonToAV(v)
			if err != nil {
				return fmt.Errorf("%w JSON into List: %w", ErrScan, err)
			}
			if d, ok := decodeValue(av, decodeOptions{}).(List); ok {
				*l = d
				return nil
			}
			return fmt.Errorf("%w a JSON object into List; use Map", ErrScan)
		}
	}
	return errScan(src, "List")
}

// UnmarshalDynamoDBAttributeValue implements attributevalue.Unmarshaler.
func (l *List) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	return l.Scan(decodeValue(av, decodeOptions{}))
}

// Map is a DynamoDB map (M) of decoded values (see List). As an argument
// each element is converted like a query argument; a nil Map is NULL.
// database/sql assigns a Map to *map[string]any and *any. Scan also
// accepts the JSON object that documents=json returns.
type Map map[string]any

// Value implements driver.Valuer: an M (NULL for a nil Map).
func (m Map) Value() (driver.Value, error) { return avMap(m, 0) }

// MarshalDynamoDBAttributeValue implements attributevalue.Marshaler.
func (m Map) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return avMap(m, 0) }

// Scan implements sql.Scanner.
func (m *Map) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*m = nil
		return nil
	case Map:
		*m = maps.Clone(v)
		return nil
	case map[string]any:
		*m = Map(maps.Clone(v))
		return nil
	case []byte:
		if isJSONDocument(v) {
			av, err := jsonToAV(v)
			if err != nil {
				return fmt.Errorf("%w JSON into Map: %w", ErrScan, err)
			}
			if d, ok := decodeValue(av, decodeOptions{}).(Map); ok {
				*m = d
				return nil
			}
			return fmt.Errorf("%w a JSON array into Map; use List", ErrScan)
		}
	}
	return errScan(src, "Map")
}

// UnmarshalDynamoDBAttributeValue implements attributevalue.Unmarshaler.
func (m *Map) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	return m.Scan(decodeValue(av, decodeOptions{}))
}

// JSON is JSON text (like json.RawMessage) exchanged with DynamoDB as a
// document.
//
// Scanning any column into *JSON gives its JSON: an M as an object (keys
// sorted), an L or a set as an array, an S as a string, an N as a number
// with the same digits, a B as a base64 string, BOOL as true/false and
// NULL as a nil JSON. A B whose bytes are themselves a JSON object or
// array (which is how documents=json returns L and M) is taken as that
// JSON.
//
// As an argument, JSON is parsed: objects become M, arrays L, numbers N
// with their exact text, strings S, true/false BOOL and null NULL; an
// empty JSON is NULL. Binary values and sets do not survive the trip
// through JSON (they come back as strings and lists): use List, Map or
// Raw for those.
type JSON []byte

func (j JSON) attr() (types.AttributeValue, error) {
	if len(j) == 0 {
		return avNull(), nil
	}
	return jsonToAV(j)
}

// Value implements driver.Valuer.
func (j JSON) Value() (driver.Value, error) { return j.attr() }

// MarshalDynamoDBAttributeValue implements attributevalue.Marshaler.
func (j JSON) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return j.attr() }

// Scan implements sql.Scanner.
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
		return nil
	case JSON:
		*j = append(JSON(nil), v...)
		return nil
	case []byte:
		if isJSONDocument(v) {
			*j = append(JSON(nil), v...)
			return nil
		}
	}
	av, err := convertValue(src)
	if err != nil {
		return fmt.Errorf("%w %T into JSON: %w", ErrScan, src, err)
	}
	*j = appendJSON(nil, av)
	return nil
}

// UnmarshalDynamoDBAttributeValue implements attributevalue.Unmarshaler.
func (j *JSON) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	if avIsNil(av) || typeName(av) == "NULL" {
		*j = nil
		return nil
	}
	*j = appendJSON(nil, av)
	return nil
}

// MarshalJSON returns j (null when j is empty).
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// UnmarshalJSON stores a copy of b.
func (j *JSON) UnmarshalJSON(b []byte) error {
	*j = append((*j)[:0], b...)
	return nil
}

// Raw is an attribute value exactly as the AWS SDK represents it. As an
// argument AV is sent unchanged (nil is NULL). Scanning into *Raw gives the
// attribute value the column was decoded from, rebuilt exactly (a NULL or
// missing attribute gives a NULL). Under documents=json, an L or M arrives
// as JSON text and scans into Raw as a B: leave that setting off to read
// documents into Raw.
type Raw struct {
	// AV is the attribute value, for example
	// &types.AttributeValueMemberSS{Value: []string{"a"}}.
	AV types.AttributeValue
}

func (r Raw) attr() types.AttributeValue {
	if avIsNil(r.AV) {
		return avNull()
	}
	return r.AV
}

// Value implements driver.Valuer.
func (r Raw) Value() (driver.Value, error) { return r.attr(), nil }

// MarshalDynamoDBAttributeValue implements attributevalue.Marshaler.
func (r Raw) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return r.attr(), nil }

// Scan implements sql.Scanner.
func (r *Raw) Scan(src any) error {
	av, err := convertValue(src)
	if err != nil {
		return fmt.Errorf("%w %T into Raw: %w", ErrScan, src, err)
	}
	r.AV = av
	return nil
}

// UnmarshalDynamoDBAttributeValue implements attributevalue.Unmarshaler.
func (r *Raw) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	r.AV = av
	if avIsNil(av) {
		r.AV = avNull()
	}
	return nil
}

// Document adapts ptr, a pointer to any Go value the AWS SDK's
// attributevalue package can marshal (typically a struct with dynamodbav
// tags), for use as a query argument or a scan destination.
//
// Scanning into Document(&v) rebuilds the column's attribute value exactly
// and unmarshals it into v with attributevalue (numbers in interface
// fields become attributevalue.Number, keeping their digits): an M into a
// struct or map, an L into a slice (a list of strings into a []string),
// and so on. The JSON that documents=json returns for L and M works too.
// As an argument, Document(&v) is v marshalled with attributevalue (a
// struct becomes an M), times in RFC 3339 UTC like other arguments; a nil
// pointer is NULL.
func Document(ptr any) interface {
	sql.Scanner
	driver.Valuer
} {
	return &document{ptr: ptr}
}

type document struct{ ptr any }

func (d *document) Scan(src any) error {
	av, err := attrForScan(src)
	if err != nil {
		return fmt.Errorf("dynamosql: Document: cannot scan %T: %w", src, err)
	}
	err = attributevalue.UnmarshalWithOptions(av, d.ptr, func(o *attributevalue.DecoderOptions) {
		o.UseNumber = true
	})
	if err != nil {
		return fmt.Errorf("dynamosql: Document: scanning a DynamoDB %s into %T: %w", typeName(av), d.ptr, err)
	}
	return nil
}

func (d *document) Value() (driver.Value, error) {
	return convertValue(d.ptr)
}
