package dynamosql

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---- attribute value shorthands ----

func vtS(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func vtN(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }
func vtB(b ...byte) types.AttributeValue {
	return &types.AttributeValueMemberB{Value: append([]byte{}, b...)}
}
func vtBOOL(b bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: b} }
func vtNULL() types.AttributeValue       { return &types.AttributeValueMemberNULL{Value: true} }
func vtSS(s ...string) types.AttributeValue {
	return &types.AttributeValueMemberSS{Value: s}
}
func vtNS(s ...string) types.AttributeValue {
	return &types.AttributeValueMemberNS{Value: s}
}
func vtBS(b ...[]byte) types.AttributeValue {
	return &types.AttributeValueMemberBS{Value: b}
}
func vtL(v ...types.AttributeValue) types.AttributeValue {
	if v == nil {
		v = []types.AttributeValue{}
	}
	return &types.AttributeValueMemberL{Value: v}
}
func vtM(m map[string]types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: m}
}

// ---- a fake driver, to scan through database/sql's real conversions ----

// vtDriver serves one row with one column whose value is whatever was
// stored under the query text.
type vtDriver struct{}

type vtConn struct{}

type vtStmt string

type vtRows struct {
	v    driver.Value
	done bool
}

var (
	vtValues sync.Map // query text -> driver.Value
	vtSeq    atomic.Int64
	vtDB     = sync.OnceValue(func() *sql.DB {
		sql.Register("dynamosql-value-test", vtDriver{})
		db, err := sql.Open("dynamosql-value-test", "")
		if err != nil {
			panic(err)
		}
		return db
	})
)

func (vtDriver) Open(string) (driver.Conn, error)         { return vtConn{}, nil }
func (vtConn) Prepare(q string) (driver.Stmt, error)      { return vtStmt(q), nil }
func (vtConn) Close() error                               { return nil }
func (vtConn) Begin() (driver.Tx, error)                  { return nil, errors.New("no transactions") }
func (vtStmt) Close() error                               { return nil }
func (vtStmt) NumInput() int                              { return 0 }
func (vtStmt) Exec([]driver.Value) (driver.Result, error) { return nil, errors.New("no exec") }
func (s vtStmt) Query([]driver.Value) (driver.Rows, error) {
	v, _ := vtValues.Load(string(s))
	return &vtRows{v: v}, nil
}
func (*vtRows) Columns() []string { return []string{"v"} }
func (*vtRows) Close() error      { return nil }
func (r *vtRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = r.v
	return nil
}

// scanVia returns v from a database/sql row and scans it into dest with
// database/sql's own conversion rules.
func scanVia(v driver.Value, dest any) error {
	key := "q" + strconv.FormatInt(vtSeq.Add(1), 10)
	vtValues.Store(key, v)
	defer vtValues.Delete(key)
	return vtDB().QueryRow(key).Scan(dest)
}

// scanAV decodes av with o and scans the result into dest through
// database/sql.
func scanAV(av types.AttributeValue, o decodeOptions, dest any) error {
	return scanVia(decodeValue(av, o), dest)
}

// ---- test types ----

type vtValuer struct{ v driver.Value }

func (v vtValuer) Value() (driver.Value, error) { return v.v, nil }

type vtPtrValuer struct{}

func (p *vtPtrValuer) Value() (driver.Value, error) {
	if p == nil {
		return "nil receiver", nil
	}
	return "set", nil
}

type vtErrValuer struct{}

func (vtErrValuer) Value() (driver.Value, error) { return nil, errors.New("boom") }

type vtSelfValuer struct{}

func (s vtSelfValuer) Value() (driver.Value, error) { return s, nil }

type vtStatus string
type vtLevel int8
type vtRatio float32
type vtFlag bool
type vtBlob []byte

type vtItem struct {
	ID    string    `dynamodbav:"id"`
	Age   int       `dynamodbav:"age"`
	Skip  string    `dynamodbav:"-"`
	Tags  []string  `dynamodbav:"tags,stringset"`
	List  []string  `dynamodbav:"list"`
	When  time.Time `dynamodbav:"when"`
	Score Number    `dynamodbav:"score"`
	Set   NumberSet `dynamodbav:"set"`
}

type vtFloatItem struct {
	F float64 `dynamodbav:"f"`
}

// vtDecimal implements the Compose method database/sql hands decimals to.
type vtDecimal struct {
	form byte
	neg  bool
	coef *big.Int
	exp  int32
}

func (d *vtDecimal) Compose(form byte, negative bool, coefficient []byte, exponent int32) error {
	d.form, d.neg, d.coef, d.exp = form, negative, new(big.Int).SetBytes(coefficient), exponent
	return nil
}

var vtTime = time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.FixedZone("CET", 3600))

// ---- values in ----

func TestConvertValue(t *testing.T) {
	s := "hi"
	i := 7
	pi := &i
	var nilStr *string
	var nilValuer *vtValuer
	var nilPtrValuer *vtPtrValuer
	var nilAV *types.AttributeValueMemberS
	var nilBigInt *big.Int
	ss := &types.AttributeValueMemberSS{Value: []string{"p"}}

	tests := []struct {
		name string
		in   any
		want types.AttributeValue
	}{
		{"nil", nil, vtNULL()},
		{"bool", true, vtBOOL(true)},
		{"string", "héllo", vtS("héllo")},
		{"empty string", "", vtS("")},
		{"int", int(-42), vtN("-42")},
		{"int8 min", int8(math.MinInt8), vtN("-128")},
		{"int16 min", int16(math.MinInt16), vtN("-32768")},
		{"int32 min", int32(math.MinInt32), vtN("-2147483648")},
		{"int64 min", int64(math.MinInt64), vtN("-9223372036854775808")},
		{"int64 max", int64(math.MaxInt64), vtN("9223372036854775807")},
		{"uint", uint(42), vtN("42")},
		{"uint8 max", uint8(math.MaxUint8), vtN("255")},
		{"uint16 max", uint16(math.MaxUint16), vtN("65535")},
		{"uint32 max", uint32(math.MaxUint32), vtN("4294967295")},
		{"uint64 max", uint64(math.MaxUint64), vtN("18446744073709551615")},
		{"float64 0.1", 0.1, vtN("0.1")},
		{"float64 1.5", 1.5, vtN("1.5")},
		{"float64 integral", 42.0, vtN("42")},
		{"float64 1e20", 1e20, vtN("1e+20")},
		{"float64 -0", math.Copysign(0, -1), vtN("-0")},
		{"float64 smallest in range", 1e-130, vtN("1e-130")},
		{"float64 large in range", 9.99e125, vtN("9.99e+125")},
		{"float64 shortest", 0.30000000000000004, vtN("0.30000000000000004")},
		{"float32 0.1 shortest for 32 bits", float32(0.1), vtN("0.1")},
		{"float32 1/3", float32(1) / 3, vtN("0.33333334")},
		{"json.Number", json.Number("12.50"), vtN("12.50")},
		{"json.Number exponent", json.Number("-1E-130"), vtN("-1E-130")},
		{"attributevalue.Number", attributevalue.Number("3.0"), vtN("3.0")},
		{"Number 38 digits", Number("12345678901234567890123456789012345678"), vtN("12345678901234567890123456789012345678")},
		{"Number empty is NULL", Number(""), vtNULL()},
		{"*big.Int", new(big.Int).Exp(big.NewInt(10), big.NewInt(37), nil), vtN("1" + strings.Repeat("0", 37))},
		{"*big.Int negative", big.NewInt(-5), vtN("-5")},
		{"*big.Int nil", nilBigInt, vtNULL()},
		{"*big.Float exact", big.NewFloat(2.5), vtN("2.5")},
		{"*big.Float from text", mustBigFloat("0.1"), vtN("0.1")},
		{"*big.Float inexact binary keeps shortest", big.NewFloat(0.1), vtN("0.1")},
		{"*big.Float exact 31 digits", new(big.Float).SetMantExp(big.NewFloat(1), 100), vtN("1267650600228229401496703205376")},
		{"*big.Float zero", new(big.Float), vtN("0")},
		{"*big.Rat exact decimal", big.NewRat(1, 8), vtN("0.125")},
		{"*big.Rat integer", big.NewRat(6, 2), vtN("3")},
		{"time.Time in UTC with nanoseconds", vtTime, vtS("2024-01-02T02:04:05.123456789Z")},
		{"time.Time whole seconds", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), vtS("2024-01-02T03:04:05Z")},
		{"[]byte", []byte{1, 2}, vtB(1, 2)},
		{"[]byte empty", []byte{}, vtB()},
		{"[]byte nil", []byte(nil), vtNULL()},
		{"named []byte", vtBlob{9}, vtB(9)},
		{"json.RawMessage is binary", json.RawMessage(`{}`), vtB('{', '}')},
		{"named string", vtStatus("on"), vtS("on")},
		{"named int", vtLevel(-3), vtN("-3")},
		{"named float32", vtRatio(0.1), vtN("0.1")},
		{"named bool", vtFlag(true), vtBOOL(true)},
		{"pointer", &s, vtS("hi")},
		{"pointer to pointer", &pi, vtN("7")},
		{"nil pointer", nilStr, vtNULL()},
		{"sql.NullString valid", sql.NullString{String: "x", Valid: true}, vtS("x")},
		{"sql.NullString invalid", sql.NullString{}, vtNULL()},
		{"sql.NullInt64 valid", sql.NullInt64{Int64: 5, Valid: true}, vtN("5")},
		{"sql.NullFloat64 invalid", sql.NullFloat64{}, vtNULL()},
		{"sql.NullTime", sql.NullTime{Time: vtTime, Valid: true}, vtS("2024-01-02T02:04:05.123456789Z")},
		{"sql.Null[int]", sql.Null[int]{V: 3, Valid: true}, vtN("3")},
		{"Valuer", vtValuer{v: int64(9)}, vtN("9")},
		{"nil *T whose T is a Valuer", nilValuer, vtNULL()},
		{"nil *T with a pointer-receiver Valuer is called", nilPtrValuer, vtS("nil receiver")},
		{"*T with a pointer-receiver Valuer", &vtPtrValuer{}, vtS("set")},
		{"nil typed attribute value", nilAV, vtNULL()},
		{"[]string is a list", []string{"a", "b"}, vtL(vtS("a"), vtS("b"))},
		{"empty []string is an empty list", []string{}, vtL()},
		{"nil []string", []string(nil), vtNULL()},
		{"[]int", []int{1, 2}, vtL(vtN("1"), vtN("2"))},
		{"array", [2]string{"x", "y"}, vtL(vtS("x"), vtS("y"))},
		{"[]any", []any{"a", 1, nil, []byte{1}, StringSet{"x"}, 1.5, true},
			vtL(vtS("a"), vtN("1"), vtNULL(), vtB(1), vtSS("x"), vtN("1.5"), vtBOOL(true))},
		{"map[string]int", map[string]int{"a": 1}, vtM(map[string]types.AttributeValue{"a": vtN("1")})},
		{"map[string]any", map[string]any{"n": json.Number("1.50"), "t": vtTime, "l": []any{}},
			vtM(map[string]types.AttributeValue{"n": vtN("1.50"), "t": vtS("2024-01-02T02:04:05.123456789Z"), "l": vtL()})},
		{"empty map", map[string]any{}, vtM(map[string]types.AttributeValue{})},
		{"nil map", map[string]any(nil), vtNULL()},
		{"struct with dynamodbav tags", vtItem{ID: "u1", Age: 3, Skip: "x", Tags: []string{"a"}, List: []string{"b"}, When: vtTime, Score: "1.50", Set: NumberSet{"1", "2"}},
			vtM(map[string]types.AttributeValue{
				"id": vtS("u1"), "age": vtN("3"), "tags": vtSS("a"), "list": vtL(vtS("b")),
				"when": vtS("2024-01-02T02:04:05.123456789Z"), "score": vtN("1.50"), "set": vtNS("1", "2"),
			})},
		{"pointer to struct", &vtItem{ID: "u2"},
			vtM(map[string]types.AttributeValue{
				"id": vtS("u2"), "age": vtN("0"), "tags": vtNULL(), "list": vtNULL(),
				"when": vtS("0001-01-01T00:00:00Z"), "score": vtNULL(), "set": vtNULL(),
			})},
		{"StringSet", StringSet{"a", "b"}, vtSS("a", "b")},
		{"nil StringSet", StringSet(nil), vtNULL()},
		{"NumberSet", NumberSet{"1", "2.50"}, vtNS("1", "2.50")},
		{"BinarySet", BinarySet{{1}, {}}, vtBS([]byte{1}, []byte{})},
		{"List", List{"a", Map{"b": int64(1)}}, vtL(vtS("a"), vtM(map[string]types.AttributeValue{"b": vtN("1")}))},
		{"Map", Map{"k": List{}}, vtM(map[string]types.AttributeValue{"k": vtL()})},
		{"JSON", JSON(`{"a":[1.50,"x",true,null],"o":{}}`),
			vtM(map[string]types.AttributeValue{"a": vtL(vtN("1.50"), vtS("x"), vtBOOL(true), vtNULL()), "o": vtM(map[string]types.AttributeValue{})})},
		{"empty JSON", JSON(nil), vtNULL()},
		{"Raw", Raw{AV: vtSS("z")}, vtSS("z")},
		{"empty Raw", Raw{}, vtNULL()},
		{"Document", Document(&vtItem{ID: "d", Age: 1, When: vtTime, Score: "2"}),
			vtM(map[string]types.AttributeValue{
				"id": vtS("d"), "age": vtN("1"), "tags": vtNULL(), "list": vtNULL(),
				"when": vtS("2024-01-02T02:04:05.123456789Z"), "score": vtN("2"), "set": vtNULL(),
			})},
		{"Document of nil pointer", Document((*vtItem)(nil)), vtNULL()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := convertValue(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}

	t.Run("attribute value passes through unchanged", func(t *testing.T) {
		got, err := convertValue(ss)
		require.NoError(t, err)
		require.Same(t, ss, got)
	})
	t.Run("[]byte is copied", func(t *testing.T) {
		b := []byte{1}
		got, err := convertValue(b)
		require.NoError(t, err)
		b[0] = 2
		require.Equal(t, vtB(1), got)
	})
}

func mustBigFloat(s string) *big.Float {
	f, _, err := big.ParseFloat(s, 10, 64, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return f
}

func TestConvertValueErrors(t *testing.T) {
	cycle := []any{nil}
	cycle[0] = cycle
	tests := []struct {
		name string
		in   any
		is   error
		msg  string // must appear in the message
	}{
		{"channel", make(chan int), ErrUnsupportedType, "chan int"},
		{"func", func() {}, ErrUnsupportedType, "func()"},
		{"complex", complex(1, 2), ErrUnsupportedType, "complex128: DynamoDB has no complex numbers"},
		{"unsafe pointer", unsafe.Pointer(new(int)), ErrUnsupportedType, "unsafe.Pointer"},
		{"uintptr", uintptr(1), ErrUnsupportedType, "uintptr"},
		{"NaN", math.NaN(), ErrInvalidValue, "float64 NaN: DynamoDB numbers must be finite"},
		{"+Inf", math.Inf(1), ErrInvalidValue, "float64 +Inf"},
		{"float32 -Inf", float32(math.Inf(-1)), ErrInvalidValue, "float32 -Inf"},
		{"float too small", 1e-200, ErrInvalidValue, "1E-130"},
		{"float too large", 1e200, ErrInvalidValue, "float64 \"1e+200\""},
		{"json.Number not a number", json.Number("abc"), ErrInvalidValue, "json.Number \"abc\": not a decimal number"},
		{"json.Number empty", json.Number(""), ErrInvalidValue, "json.Number"},
		{"json.Number out of range", json.Number("1e999"), ErrInvalidValue, "1E-130"},
		{"Number with 39 digits", Number("1234567890123456789012345678901234567.89"), ErrInvalidValue, "more than 38 significant digits"},
		{"*big.Int with 41 digits", new(big.Int).Add(new(big.Int).Exp(big.NewInt(10), big.NewInt(40), nil), big.NewInt(1)), ErrInvalidValue, "*big.Int"},
		{"*big.Int 1E+126", new(big.Int).Exp(big.NewInt(10), big.NewInt(126), nil), ErrInvalidValue, "9.9999999999999999999999999999999999999E+125"},
		{"*big.Float Inf", new(big.Float).SetInf(false), ErrInvalidValue, "*big.Float +Inf"},
		{"*big.Rat 1/3", big.NewRat(1, 3), ErrInvalidValue, "*big.Rat 1/3 has no exact decimal form"},
		{"empty StringSet", StringSet{}, ErrInvalidValue, "empty StringSet: DynamoDB does not allow empty sets"},
		{"StringSet duplicate", StringSet{"a", "b", "a"}, ErrInvalidValue, `same element "a" at 0 and 2`},
		{"NumberSet numeric duplicate", NumberSet{"1", "1.0"}, ErrInvalidValue, "NumberSet has the same element"},
		{"NumberSet invalid element", NumberSet{"x"}, ErrInvalidValue, "NumberSet element"},
		{"empty NumberSet", NumberSet{}, ErrInvalidValue, "empty NumberSet"},
		{"empty BinarySet", BinarySet{}, ErrInvalidValue, "empty BinarySet"},
		{"BinarySet duplicate", BinarySet{{1}, {1}}, ErrInvalidValue, "BinarySet has the same element at 0 and 1"},
		{"invalid UTF-8", "a\xffb", ErrInvalidValue, "string is not valid UTF-8"},
		{"invalid UTF-8 map key", map[string]any{"\xff": 1}, ErrInvalidValue, "map key is not valid UTF-8"},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), ErrInvalidValue, "year 10000"},
		{"channel inside a map names the path", Map{"a": List{1, make(chan int)}}, ErrUnsupportedType, `chan int: a chan cannot be stored in DynamoDB; pass a string, number, bool, []byte, time.Time, slice, map or struct (at ["a"][1])`},
		{"slice containing itself", cycle, ErrInvalidValue, "nested more than"},
		{"Valuer error", vtErrValuer{}, nil, "dynamosql.vtErrValuer.Value: boom"},
		{"Valuer returning itself", vtSelfValuer{}, ErrInvalidValue, "indirections"},
		{"NaN inside a struct", vtFloatItem{F: math.NaN()}, ErrInvalidValue, `number "NaN": not a decimal number (in dynamosql.vtFloatItem at ["f"])`},
		{"invalid JSON", JSON(`{"a":`), ErrInvalidValue, "invalid JSON"},
		{"JSON with trailing data", JSON(`1 2`), ErrInvalidValue, "data after the first value"},
		{"JSON number out of range", JSON(`[1e400]`), ErrInvalidValue, "json.Number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := convertValue(tt.in)
			require.Error(t, err)
			require.Nil(t, got)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
			require.Contains(t, err.Error(), tt.msg)
			require.True(t, strings.HasPrefix(err.Error(), "dynamosql: "), err.Error())
		})
	}
}

func TestConvertValueFastPathAllocations(t *testing.T) {
	for _, tt := range []struct {
		in  any
		max float64
	}{
		{"hello", 1},
		{int64(42), 1},
		{int64(123456), 2},
		{true, 1},
		{1.5, 2},
		{[]byte("abc"), 2},
		{vtTime, 2},
		{nil, 1},
	} {
		got := testing.AllocsPerRun(100, func() {
			if _, err := convertValue(tt.in); err != nil {
				t.Fatal(err)
			}
		})
		assert.LessOrEqual(t, got, tt.max, "%T %v", tt.in, tt.in)
	}
}

// ---- values out ----

func TestDecodeValue(t *testing.T) {
	digits38 := "12345678901234567890123456789012345678"
	tests := []struct {
		name string
		in   types.AttributeValue
		want driver.Value
	}{
		{"missing attribute", nil, nil},
		{"nil member", (*types.AttributeValueMemberN)(nil), nil},
		{"unknown member", &types.UnknownUnionMember{Tag: "X"}, nil},
		{"S", vtS("x"), "x"},
		{"S time text stays a string without parseTime", vtS("2024-01-02T03:04:05Z"), "2024-01-02T03:04:05Z"},
		{"N integer", vtN("42"), int64(42)},
		{"N zero", vtN("0"), int64(0)},
		{"N int64 min", vtN("-9223372036854775808"), int64(math.MinInt64)},
		{"N int64 max", vtN("9223372036854775807"), int64(math.MaxInt64)},
		{"N beyond int64", vtN("9223372036854775808"), Number("9223372036854775808")},
		{"N 38 digits", vtN(digits38), Number(digits38)},
		{"N 38 digits with point", vtN("1234567890123456789.0123456789012345678"), Number("1234567890123456789.0123456789012345678")},
		{"N 0.1", vtN("0.1"), 0.1},
		{"N 1.5", vtN("1.5"), 1.5},
		{"N shortest float text", vtN("0.30000000000000004"), 0.30000000000000004},
		{"N 1e+20 as Go writes it", vtN("1e+20"), 1e20},
		{"N 1e20", vtN("1e20"), Number("1e20")},
		{"N 1E+20", vtN("1E+20"), Number("1E+20")},
		{"N 100000000000000000000", vtN("100000000000000000000"), Number("100000000000000000000")},
		{"N 1E-130", vtN("1E-130"), Number("1E-130")},
		{"N 1e-130", vtN("1e-130"), 1e-130},
		{"N trailing zero", vtN("1.50"), Number("1.50")},
		{"N leading zeros", vtN("007"), Number("007")},
		{"N plus sign", vtN("+1"), Number("+1")},
		{"N 17 digits beyond float64", vtN("0.12345678901234567"), Number("0.12345678901234567")},
		{"BOOL", vtBOOL(true), true},
		{"NULL", vtNULL(), nil},
		{"B", vtB(1, 2), []byte{1, 2}},
		{"B nil is empty, not NULL", &types.AttributeValueMemberB{}, []byte{}},
		{"SS", vtSS("a", "b"), StringSet{"a", "b"}},
		{"NS", vtNS("1", "2.50"), NumberSet{"1", "2.50"}},
		{"BS", vtBS([]byte{1}, []byte{2}), BinarySet{{1}, {2}}},
		{"L", vtL(vtS("a"), vtN("1"), vtNULL(), vtSS("x"), vtL()), List{"a", int64(1), nil, StringSet{"x"}, List{}}},
		{"M", vtM(map[string]types.AttributeValue{"a": vtM(map[string]types.AttributeValue{"b": vtN("1.50")}), "t": vtS("2024-01-02T03:04:05Z")}),
			Map{"a": Map{"b": Number("1.50")}, "t": "2024-01-02T03:04:05Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeValue(tt.in, decodeOptions{})
			require.Equal(t, tt.want, got)
			// The same value with the other options.
			if _, isDoc := tt.in.(*types.AttributeValueMemberL); !isDoc {
				if _, isM := tt.in.(*types.AttributeValueMemberM); !isM {
					require.Equal(t, tt.want, decodeValue(tt.in, decodeOptions{jsonDocuments: true}))
				}
			}
		})
	}
	t.Run("-0", func(t *testing.T) {
		got := decodeValue(vtN("-0"), decodeOptions{})
		f, ok := got.(float64)
		require.True(t, ok, "%T", got)
		require.True(t, f == 0 && math.Signbit(f))
	})
}

func TestDecodeValueParseTime(t *testing.T) {
	on := decodeOptions{parseTime: true}
	got := decodeValue(vtS("2024-01-02T03:04:05.123456789Z"), on)
	require.Equal(t, time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC), got)

	got = decodeValue(vtS("2024-01-02T03:04:05.5+01:00"), on)
	tm, ok := got.(time.Time)
	require.True(t, ok, "%T", got)
	require.True(t, tm.Equal(time.Date(2024, 1, 2, 2, 4, 5, 5e8, time.UTC)))
	_, offset := tm.Zone()
	require.Equal(t, 3600, offset)

	for _, s := range []string{"hello", "2024-01-02", "2024-01-02 03:04:05", "2024-13-02T03:04:05Z", "0000-01-01T00:00:00+01:00"} {
		require.Equal(t, s, decodeValue(vtS(s), on), s)
	}
	// Nested values too.
	got = decodeValue(vtL(vtS("2024-01-02T03:04:05Z")), on)
	require.Equal(t, List{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}, got)

	// A time written by convertValue comes back equal.
	av, err := convertValue(vtTime)
	require.NoError(t, err)
	back, ok := decodeValue(av, on).(time.Time)
	require.True(t, ok)
	require.True(t, back.Equal(vtTime))
}

func TestDecodeValueJSONDocuments(t *testing.T) {
	o := decodeOptions{jsonDocuments: true}
	m := vtM(map[string]types.AttributeValue{
		"s":  vtS("a\"b\\c\n\t\x01<é>\u2028"),
		"n":  vtN("1.50"),
		"e":  vtN("1E-130"),
		"i":  vtN("-7"),
		"b":  vtB(1, 2, 3),
		"t":  vtBOOL(true),
		"z":  vtNULL(),
		"ss": vtSS("x", "y"),
		"ns": vtNS("1", "2.5"),
		"bs": vtBS([]byte{255}),
		"l":  vtL(vtN("1"), vtL(), vtM(map[string]types.AttributeValue{})),
		"":   vtS("empty key"),
	})
	want := `{"":"empty key","b":"AQID","bs":["/w=="],"e":1E-130,"i":-7,"l":[1,[],{}],"n":1.50,"ns":[1,2.5],` +
		`"s":"a\"b\\c\n\t\u0001<é>\u2028","ss":["x","y"],"t":true,"z":null}`
	got := decodeValue(m, o)
	require.Equal(t, []byte(want), got)
	require.True(t, json.Valid(got.([]byte)))

	// encoding/json reads the string back unchanged.
	var back map[string]any
	require.NoError(t, json.Unmarshal(got.([]byte), &back))
	require.Equal(t, "a\"b\\c\n\t\x01<é>\u2028", back["s"])

	require.Equal(t, []byte(`["a",{"k":null}]`), decodeValue(vtL(vtS("a"), vtM(map[string]types.AttributeValue{"k": vtNULL()})), o))
	// Scalars and sets are not documents.
	require.Equal(t, "x", decodeValue(vtS("x"), o))
	require.Equal(t, StringSet{"x"}, decodeValue(vtSS("x"), o))
}

func TestJSONNumberText(t *testing.T) {
	for in, want := range map[string]string{
		"1.50":   "1.50",
		"-0":     "-0",
		"1E-130": "1E-130",
		"1e+20":  "1e+20",
		"+1":     "1",
		".5":     "5E-1",
		"5.":     "5",
		"007":    "7",
		"-00.10": "-1E-1",
		"+0.0":   "0",
		"120.":   "1.2E2",
		"abc":    `"abc"`,
	} {
		got := string(appendJSONNumber(nil, in))
		require.Equal(t, want, got, in)
		require.True(t, json.Valid([]byte(got)), got)
	}
}

func TestTypeNameAndScanType(t *testing.T) {
	tests := []struct {
		av   types.AttributeValue
		name string
	}{
		{vtS("x"), "S"},
		{vtS("2024-01-02T03:04:05Z"), "S"},
		{vtN("1"), "N"},
		{vtN("1.5"), "N"},
		{vtN("1.50"), "N"},
		{vtB(1), "B"},
		{vtBOOL(false), "BOOL"},
		{vtNULL(), "NULL"},
		{nil, "NULL"},
		{vtSS("a"), "SS"},
		{vtNS("1"), "NS"},
		{vtBS([]byte{1}), "BS"},
		{vtL(vtS("a")), "L"},
		{vtM(map[string]types.AttributeValue{"a": vtN("1")}), "M"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.name, typeName(tt.av))
		// Every value of the type scans into a new value of scanType, in
		// every decoding mode.
		for _, o := range []decodeOptions{{}, {parseTime: true}, {jsonDocuments: true}} {
			dest := reflect.New(scanType(tt.name))
			require.NoError(t, scanAV(tt.av, o, dest.Interface()), "%s %+v", tt.name, o)
		}
	}
	require.Equal(t, "", typeName(&types.UnknownUnionMember{}))
	require.Equal(t, reflect.TypeFor[any](), scanType(""))
	require.Equal(t, reflect.TypeFor[Number](), scanType("N"))
	require.Equal(t, reflect.TypeFor[List](), scanType("L"))
	require.Equal(t, reflect.TypeFor[Map](), scanType("M"))
}

// ---- scanning through database/sql ----

func TestScanThroughDatabaseSQL(t *testing.T) {
	def := decodeOptions{}
	digits38 := "12345678901234567890123456789012345678"
	ptr := func(v any) any { return reflect.New(reflect.TypeOf(v)).Interface() }
	deref := func(p any) any { return reflect.ValueOf(p).Elem().Interface() }

	tests := []struct {
		name string
		av   types.AttributeValue
		o    decodeOptions
		want any // scanned into a new *T where T is want's type
	}{
		{"S into string", vtS("hello"), def, "hello"},
		{"S into []byte", vtS("hello"), def, []byte("hello")},
		{"S into NullString", vtS("x"), def, sql.NullString{String: "x", Valid: true}},
		{"S with parseTime into time.Time", vtS("2024-01-02T03:04:05.5Z"), decodeOptions{parseTime: true}, time.Date(2024, 1, 2, 3, 4, 5, 5e8, time.UTC)},
		{"S with parseTime into string", vtS("2024-01-02T03:04:05.5Z"), decodeOptions{parseTime: true}, "2024-01-02T03:04:05.5Z"},
		{"S with parseTime into NullTime", vtS("2024-01-02T03:04:05Z"), decodeOptions{parseTime: true}, sql.NullTime{Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Valid: true}},
		{"N int into int64", vtN("42"), def, int64(42)},
		{"N int into int32", vtN("-42"), def, int32(-42)},
		{"N int into string", vtN("42"), def, "42"},
		{"N int into float64", vtN("42"), def, float64(42)},
		{"N int into Number", vtN("42"), def, Number("42")},
		{"N int into NullInt64", vtN("42"), def, sql.NullInt64{Int64: 42, Valid: true}},
		{"N 0.1 into float64", vtN("0.1"), def, 0.1},
		{"N 0.1 into string", vtN("0.1"), def, "0.1"},
		{"N 0.1 into Number", vtN("0.1"), def, Number("0.1")},
		{"N 1e+20 into string", vtN("1e+20"), def, "1e+20"},
		{"N -0 into string", vtN("-0"), def, "-0"},
		{"N 38 digits into string", vtN(digits38), def, digits38},
		{"N 38 digits into Number", vtN(digits38), def, Number(digits38)},
		{"N 38 digits into []byte", vtN(digits38), def, []byte(digits38)},
		{"N 38 digits into float64", vtN(digits38), def, 1.2345678901234568e37},
		{"N 1E-130 into string", vtN("1E-130"), def, "1E-130"},
		{"N 1E-130 into float64", vtN("1E-130"), def, 1e-130},
		{"N 1.50 into string", vtN("1.50"), def, "1.50"},
		{"N 1.50 into float64", vtN("1.50"), def, 1.5},
		{"N 100000000000000000000 into string", vtN("100000000000000000000"), def, "100000000000000000000"},
		{"N beyond int64 into uint64", vtN("9223372036854775808"), def, uint64(1 << 63)},
		{"N into NullFloat64", vtN("2.5"), def, sql.NullFloat64{Float64: 2.5, Valid: true}},
		{"BOOL into bool", vtBOOL(true), def, true},
		{"BOOL into string", vtBOOL(true), def, "true"},
		{"NULL into NullString", vtNULL(), def, sql.NullString{}},
		{"NULL into *string", vtNULL(), def, (*string)(nil)},
		{"NULL into Number", vtNULL(), def, Number("")},
		{"NULL into StringSet", vtNULL(), def, StringSet(nil)},
		{"NULL into []byte", vtNULL(), def, []byte(nil)},
		{"NULL into JSON", vtNULL(), def, JSON(nil)},
		{"missing into NullInt64", nil, def, sql.NullInt64{}},
		{"B into []byte", vtB(1, 2), def, []byte{1, 2}},
		{"SS into []string", vtSS("a", "b"), def, []string{"a", "b"}},
		{"SS into StringSet", vtSS("a", "b"), def, StringSet{"a", "b"}},
		{"SS into JSON", vtSS("a", "b"), def, JSON(`["a","b"]`)},
		{"NS into []Number", vtNS("1", "2.50"), def, []Number{"1", "2.50"}},
		{"NS into NumberSet", vtNS("1", "2.50"), def, NumberSet{"1", "2.50"}},
		{"NS into JSON", vtNS("1", "2.50"), def, JSON(`[1,2.50]`)},
		{"BS into [][]byte", vtBS([]byte{1}), def, [][]byte{{1}}},
		{"BS into BinarySet", vtBS([]byte{1}), def, BinarySet{{1}}},
		{"BS into JSON", vtBS([]byte{1}), def, JSON(`["AQ=="]`)},
		{"L into []any", vtL(vtS("a"), vtN("1")), def, []any{"a", int64(1)}},
		{"L into List", vtL(vtS("a"), vtN("1")), def, List{"a", int64(1)}},
		{"L into JSON", vtL(vtS("a"), vtN("1.50")), def, JSON(`["a",1.50]`)},
		{"L of strings into StringSet", vtL(vtS("a"), vtS("b")), def, StringSet{"a", "b"}},
		{"L of numbers into NumberSet", vtL(vtN("1"), vtN("0.5"), vtN("1.50")), def, NumberSet{"1", "0.5", "1.50"}},
		{"L of binaries into BinarySet", vtL(vtB(1)), def, BinarySet{{1}}},
		{"M into map[string]any", vtM(map[string]types.AttributeValue{"a": vtN("1")}), def, map[string]any{"a": int64(1)}},
		{"M into Map", vtM(map[string]types.AttributeValue{"a": vtSS("x")}), def, Map{"a": StringSet{"x"}}},
		{"M into JSON", vtM(map[string]types.AttributeValue{"b": vtB(1), "a": vtN("1E-130")}), def, JSON(`{"a":1E-130,"b":"AQ=="}`)},
		{"documents=json M into json.RawMessage", vtM(map[string]types.AttributeValue{"a": vtN("1.50")}), decodeOptions{jsonDocuments: true}, json.RawMessage(`{"a":1.50}`)},
		{"documents=json M into string", vtM(map[string]types.AttributeValue{"a": vtS("x")}), decodeOptions{jsonDocuments: true}, `{"a":"x"}`},
		{"documents=json M into []byte", vtM(map[string]types.AttributeValue{"a": vtBOOL(false)}), decodeOptions{jsonDocuments: true}, []byte(`{"a":false}`)},
		{"documents=json M into JSON", vtM(map[string]types.AttributeValue{"a": vtNULL()}), decodeOptions{jsonDocuments: true}, JSON(`{"a":null}`)},
		{"documents=json M into Map", vtM(map[string]types.AttributeValue{"a": vtN("1.50")}), decodeOptions{jsonDocuments: true}, Map{"a": Number("1.50")}},
		{"documents=json L into json.RawMessage", vtL(vtN("1")), decodeOptions{jsonDocuments: true}, json.RawMessage(`[1]`)},
		{"documents=json L into List", vtL(vtN("1"), vtS("x")), decodeOptions{jsonDocuments: true}, List{int64(1), "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := ptr(tt.want)
			require.NoError(t, scanAV(tt.av, tt.o, dest))
			require.Equal(t, tt.want, deref(dest))
		})
	}

	t.Run("into *any", func(t *testing.T) {
		for _, tt := range []struct {
			av   types.AttributeValue
			want any
		}{
			{vtS("x"), "x"},
			{vtN("42"), int64(42)},
			{vtN("0.1"), 0.1},
			{vtN(digits38), Number(digits38)},
			{vtBOOL(true), true},
			{vtNULL(), nil},
			{vtB(1), []byte{1}},
			{vtSS("a"), StringSet{"a"}},
			{vtNS("1"), NumberSet{"1"}},
			{vtBS([]byte{1}), BinarySet{{1}}},
			{vtL(vtS("a")), List{"a"}},
			{vtM(map[string]types.AttributeValue{"a": vtS("b")}), Map{"a": "b"}},
		} {
			var got any
			require.NoError(t, scanAV(tt.av, def, &got))
			require.Equal(t, tt.want, got)
		}
	})

	t.Run("refused conversions", func(t *testing.T) {
		var i int64
		require.Error(t, scanAV(vtN("1.5"), def, &i))
		require.Error(t, scanAV(vtN("9223372036854775808"), def, &i))
		var s string
		require.Error(t, scanAV(vtM(map[string]types.AttributeValue{}), def, &s), "documents need documents=json to scan into *string")
		require.Error(t, scanAV(vtNULL(), def, &s))
		var ss StringSet
		require.ErrorContains(t, scanAV(vtL(vtN("1")), def, &ss), "cannot scan a list holding int64 into StringSet")
		require.ErrorContains(t, scanAV(vtS("x"), def, &ss), "cannot scan string into StringSet")
		var n Number
		require.ErrorContains(t, scanAV(vtS("abc"), def, &n), "cannot scan string into Number")
		var l List
		require.ErrorContains(t, scanAV(vtM(map[string]types.AttributeValue{}), decodeOptions{jsonDocuments: true}, &l), "use Map")
		var m Map
		require.ErrorContains(t, scanAV(vtL(), decodeOptions{jsonDocuments: true}, &m), "use List")
	})

	t.Run("N into a decimal type with Compose", func(t *testing.T) {
		var d vtDecimal
		require.NoError(t, scanAV(vtN("-12.50"), def, &d))
		require.Equal(t, vtDecimal{form: 0, neg: true, coef: big.NewInt(125), exp: -1}, d)
		require.NoError(t, scanAV(vtN(digits38+"E+50"), def, &d))
		c, _ := new(big.Int).SetString(digits38, 10)
		require.Equal(t, vtDecimal{coef: c, exp: 50}, d)
	})

	t.Run("Raw rebuilds every attribute value exactly", func(t *testing.T) {
		for _, av := range []types.AttributeValue{
			vtS("x"), vtN("42"), vtN("0.1"), vtN("-0"), vtN("1.50"), vtN(digits38), vtN("1E-130"), vtB(1), vtB(),
			vtBOOL(false), vtNULL(), vtSS("a", "b"), vtNS("1", "1E+2"), vtBS([]byte{1}, []byte{}),
			vtL(vtSS("a"), vtL(vtNS("2")), vtNULL()),
			vtM(map[string]types.AttributeValue{"a": vtBS([]byte{1}), "b": vtM(map[string]types.AttributeValue{"c": vtN("1.0")})}),
		} {
			for _, o := range []decodeOptions{{}, {parseTime: true}} {
				var r Raw
				require.NoError(t, scanAV(av, o, &r))
				require.Equal(t, av, r.AV)
			}
		}
		var r Raw
		require.NoError(t, scanAV(nil, def, &r))
		require.Equal(t, vtNULL(), r.AV)
	})

	t.Run("Document into a struct", func(t *testing.T) {
		type address struct {
			City string `dynamodbav:"city"`
		}
		type user struct {
			ID    string         `dynamodbav:"id"`
			Age   int            `dynamodbav:"age"`
			Score Number         `dynamodbav:"score"`
			Big   Number         `dynamodbav:"big"`
			Tags  StringSet      `dynamodbav:"tags"`
			Names []string       `dynamodbav:"names"`
			Addr  address        `dynamodbav:"addr"`
			When  time.Time      `dynamodbav:"when"`
			Data  []byte         `dynamodbav:"data"`
			Extra map[string]any `dynamodbav:"extra"`
			Opt   *string        `dynamodbav:"opt"`
			Skip  string         `dynamodbav:"-"`
		}
		item := vtM(map[string]types.AttributeValue{
			"id":    vtS("u1"),
			"age":   vtN("42"),
			"score": vtN("1.50"),
			"big":   vtN(digits38),
			"tags":  vtSS("a", "b"),
			"names": vtL(vtS("x"), vtS("y")),
			"addr":  vtM(map[string]types.AttributeValue{"city": vtS("Oslo")}),
			"when":  vtS("2024-01-02T03:04:05.5Z"),
			"data":  vtB(7),
			"extra": vtM(map[string]types.AttributeValue{"n": vtN(digits38), "s": vtS("v")}),
			"opt":   vtNULL(),
			"Skip":  vtS("ignored"),
		})
		want := user{
			ID: "u1", Age: 42, Score: "1.50", Big: Number(digits38), Tags: StringSet{"a", "b"},
			Names: []string{"x", "y"}, Addr: address{City: "Oslo"}, When: time.Date(2024, 1, 2, 3, 4, 5, 5e8, time.UTC),
			Data: []byte{7}, Extra: map[string]any{"n": attributevalue.Number(digits38), "s": "v"},
		}
		for _, o := range []decodeOptions{{}, {parseTime: true}} {
			var u user
			require.NoError(t, scanAV(item, o, Document(&u)))
			require.Equal(t, want, u)
		}

		// The JSON of documents=json too (no binary there: JSON has none).
		jsonItem := vtM(map[string]types.AttributeValue{
			"id": vtS("u2"), "score": vtN("1.50"), "tags": vtSS("a"), "names": vtL(vtS("x")),
			"addr": vtM(map[string]types.AttributeValue{"city": vtS("Rome")}), "when": vtS("2024-01-02T03:04:05Z"),
		})
		var u user
		require.NoError(t, scanAV(jsonItem, decodeOptions{jsonDocuments: true}, Document(&u)))
		require.Equal(t, user{ID: "u2", Score: "1.50", Tags: StringSet{"a"}, Names: []string{"x"},
			Addr: address{City: "Rome"}, When: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}, u)

		// A list of strings into a []string, NULL into a pointer.
		var names []string
		require.NoError(t, scanAV(vtL(vtS("p"), vtS("q")), def, Document(&names)))
		require.Equal(t, []string{"p", "q"}, names)
		p := &u
		require.NoError(t, scanAV(vtNULL(), def, Document(&p)))
		require.Nil(t, p)

		// And back: Document as an argument writes the same item.
		u = want
		u.Skip = "x"
		av, err := convertValue(Document(&u))
		require.NoError(t, err)
		item.(*types.AttributeValueMemberM).Value["extra"] = vtM(map[string]types.AttributeValue{"n": vtN(digits38), "s": vtS("v")})
		delete(item.(*types.AttributeValueMemberM).Value, "Skip")
		item.(*types.AttributeValueMemberM).Value["when"] = vtS("2024-01-02T03:04:05.5Z")
		require.Equal(t, item, av)

		require.ErrorContains(t, scanAV(vtS("x"), def, Document(&u)), "dynamosql: Document: scanning a DynamoDB S")
	})
}

// ---- helper types ----

func TestParseNumber(t *testing.T) {
	valid := []string{
		"0", "-0", "+0", "1", "-1", "+1", ".5", "5.", "1.50", "1e5", "1E+125", "-1e-130", "1E-130",
		"9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125",
		"12345678901234567890123456789012345678", "0.00000000000000000000000000000000000000000000001",
		"100000000000000000000000000000000000000000000000", "0e999999", "000.000",
		"0.12345678901234567890123456789012345678000", "1000e-3",
	}
	for _, s := range valid {
		n, err := ParseNumber(s)
		require.NoError(t, err, s)
		require.Equal(t, Number(s), n)
	}
	invalid := map[string]string{
		"":          "not a decimal number",
		"-":         "not a decimal number",
		".":         "not a decimal number",
		"e5":        "not a decimal number",
		"1e":        "not a decimal number",
		"1e+":       "not a decimal number",
		"abc":       "not a decimal number",
		" 1":        "not a decimal number",
		"1 ":        "not a decimal number",
		"NaN":       "not a decimal number",
		"Inf":       "not a decimal number",
		"0x10":      "not a decimal number",
		"1_000":     "not a decimal number",
		"--1":       "not a decimal number",
		"1.2.3":     "not a decimal number",
		"1e9999999": "not a decimal number",
		"1e-131":    "1E-130",
		"0.99e-130": "1E-130",
		"1E+126":    "9.9999999999999999999999999999999999999E+125",
		"10E+125":   "9.9999999999999999999999999999999999999E+125",
		"123456789012345678901234567890123456789":  "more than 38 significant digits",
		"1.00000000000000000000000000000000000001": "more than 38 significant digits",
	}
	for s, msg := range invalid {
		_, err := ParseNumber(s)
		require.ErrorIs(t, err, ErrInvalidValue, s)
		require.ErrorContains(t, err, msg, s)
	}
}

func TestNumberMethods(t *testing.T) {
	i, err := Number("42").Int64()
	require.NoError(t, err)
	require.Equal(t, int64(42), i)
	i, err = Number("1E+2").Int64()
	require.NoError(t, err)
	require.Equal(t, int64(100), i)
	i, err = Number("-1.000").Int64()
	require.NoError(t, err)
	require.Equal(t, int64(-1), i)
	_, err = Number("1.5").Int64()
	require.ErrorContains(t, err, "not an integer")
	_, err = Number("9223372036854775808").Int64()
	require.ErrorIs(t, err, strconv.ErrRange)
	_, err = Number("x").Int64()
	require.ErrorIs(t, err, ErrInvalidValue)

	f, err := Number("0.1").Float64()
	require.NoError(t, err)
	require.Equal(t, 0.1, f)
	f, err = Number("1E-130").Float64()
	require.NoError(t, err)
	require.Equal(t, 1e-130, f)
	for in, want := range map[string]float64{".5": 0.5, "5.": 5, "+1": 1, "0e999999": 0, "-1.50E+2": -150} {
		f, err = Number(in).Float64()
		require.NoError(t, err, in)
		require.Equal(t, want, f, in)
	}
	_, err = Number("Inf").Float64()
	require.ErrorIs(t, err, ErrInvalidValue)

	b, err := Number("-12.3E+39").BigInt()
	require.NoError(t, err)
	want, _ := new(big.Int).SetString("-123"+strings.Repeat("0", 38), 10)
	require.Equal(t, want, b)
	b, err = Number("0.000").BigInt()
	require.NoError(t, err)
	require.Equal(t, 0, b.Sign())
	_, err = Number("0.5").BigInt()
	require.Error(t, err)

	r, err := Number("1.25").Rat()
	require.NoError(t, err)
	require.Equal(t, big.NewRat(5, 4), r)
	r, err = Number("-1E-130").Rat()
	require.NoError(t, err)
	require.Equal(t, new(big.Rat).SetFrac(big.NewInt(-1), pow10(130)), r)
	r, err = Number("2E+3").Rat()
	require.NoError(t, err)
	require.Equal(t, big.NewRat(2000, 1), r)

	form, neg, coef, exp := Number("-12.50").Decompose(nil)
	require.Equal(t, byte(0), form)
	require.True(t, neg)
	require.Equal(t, []byte{125}, coef)
	require.Equal(t, int32(-1), exp)
	form, _, coef, _ = Number("0").Decompose(nil)
	require.Equal(t, byte(0), form)
	require.Empty(t, coef)
	form, _, _, _ = Number("x").Decompose(nil)
	require.Equal(t, byte(2), form)

	require.Equal(t, "1.50", Number("1.50").String())
	require.Equal(t, "1.50", fmt.Sprint(Number("1.50")))
}

func TestNewNumber(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want Number
	}{
		{int8(-3), "-3"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{float32(0.1), "0.1"},
		{1e20, "1e+20"},
		{json.Number("1.50"), "1.50"},
		{big.NewInt(7), "7"},
		{sql.NullInt64{Int64: 5, Valid: true}, "5"},
		{"12.0", "12.0"},
		{Number("3"), "3"},
		{vtN("4"), "4"},
	} {
		got, err := NewNumber(tt.in)
		require.NoError(t, err, "%T", tt.in)
		require.Equal(t, tt.want, got)
	}
	_, err := NewNumber(true)
	require.ErrorIs(t, err, ErrUnsupportedType)
	require.ErrorContains(t, err, "bool is not a number (it converts to a DynamoDB BOOL)")
	_, err = NewNumber(math.NaN())
	require.ErrorIs(t, err, ErrInvalidValue)
	_, err = NewNumber("1,5")
	require.ErrorIs(t, err, ErrInvalidValue)
	_, err = NewNumber(vtN("x"))
	require.ErrorIs(t, err, ErrInvalidValue)
}

func TestNumberScanValueJSON(t *testing.T) {
	var n Number
	for _, tt := range []struct {
		src  any
		want Number
	}{
		{int64(5), "5"},
		{0.5, "0.5"},
		{Number("1.50"), "1.50"},
		{"2", "2"},
		{[]byte("3e5"), "3e5"},
		{nil, ""},
	} {
		require.NoError(t, n.Scan(tt.src), "%T", tt.src)
		require.Equal(t, tt.want, n)
	}
	require.Error(t, n.Scan("x"))
	require.Error(t, n.Scan(time.Now()))
	require.Error(t, n.Scan(math.Inf(1)))

	v, err := Number("1.50").Value()
	require.NoError(t, err)
	require.Equal(t, vtN("1.50"), v)
	v, err = Number("").Value()
	require.NoError(t, err)
	require.Equal(t, vtNULL(), v)
	_, err = Number("1,5").Value()
	require.ErrorIs(t, err, ErrInvalidValue)

	out, err := json.Marshal(map[string]Number{"a": "1.50", "b": "", "c": ".5"})
	require.NoError(t, err)
	require.JSONEq(t, `{"a":1.50,"b":null,"c":0.5}`, string(out))
	require.Contains(t, string(out), `"a":1.50`)
	_, err = json.Marshal(Number("x"))
	require.Error(t, err)

	var s struct{ A, B, C Number }
	require.NoError(t, json.Unmarshal([]byte(`{"A":12.50,"B":"1E-130","C":null}`), &s))
	require.Equal(t, Number("12.50"), s.A)
	require.Equal(t, Number("1E-130"), s.B)
	require.Equal(t, Number(""), s.C)
	require.Error(t, json.Unmarshal([]byte(`{"A":"abc"}`), &s))
}

func TestSetsScanAndValue(t *testing.T) {
	v, err := StringSet{"a"}.Value()
	require.NoError(t, err)
	require.Equal(t, vtSS("a"), v)
	v, err = NumberSet{"1", "-0.5"}.Value()
	require.NoError(t, err)
	require.Equal(t, vtNS("1", "-0.5"), v)
	v, err = BinarySet{{1}, nil}.Value()
	require.NoError(t, err)
	require.Equal(t, vtBS([]byte{1}, []byte{}), v)
	v, err = StringSet(nil).Value()
	require.NoError(t, err)
	require.Equal(t, vtNULL(), v)

	// Large sets use a map to find duplicates.
	big := make(StringSet, 100)
	for i := range big {
		big[i] = strconv.Itoa(i)
	}
	_, err = big.Value()
	require.NoError(t, err)
	big[99] = "3"
	_, err = big.Value()
	require.ErrorContains(t, err, `same element "3" at 3 and 99`)
	_, err = NumberSet{"0", "-0"}.Value()
	require.ErrorContains(t, err, "same element")
	_, err = NumberSet{"1E+2", "100.00"}.Value()
	require.ErrorContains(t, err, "same element")

	var ss StringSet
	require.NoError(t, ss.Scan([]string{"x"}))
	require.Equal(t, StringSet{"x"}, ss)
	var ns NumberSet
	require.NoError(t, ns.Scan([]Number{"1"}))
	require.Equal(t, NumberSet{"1"}, ns)
	require.NoError(t, ns.Scan(nil))
	require.Nil(t, ns)
	require.Error(t, ns.Scan("x"))
	require.ErrorContains(t, ns.Scan(List{"x"}), "NumberSet")
	var bs BinarySet
	require.NoError(t, bs.Scan([][]byte{{1}}))
	require.Equal(t, BinarySet{{1}}, bs)
	require.NoError(t, bs.Scan(nil))
	require.Nil(t, bs)
	require.ErrorContains(t, bs.Scan(List{"x"}), "BinarySet")
	require.ErrorContains(t, bs.Scan(1.5), "cannot scan float64 into BinarySet")
}

func TestListMapJSONRawValues(t *testing.T) {
	var l List
	require.NoError(t, l.Scan([]any{"a"}))
	require.Equal(t, List{"a"}, l)
	require.NoError(t, l.Scan(nil))
	require.Nil(t, l)
	require.Error(t, l.Scan("x"))
	var m Map
	require.NoError(t, m.Scan(map[string]any{"a": 1}))
	require.Equal(t, Map{"a": 1}, m)
	require.NoError(t, m.Scan(nil))
	require.Nil(t, m)
	require.Error(t, m.Scan([]byte("not json")))

	v, err := List(nil).Value()
	require.NoError(t, err)
	require.Equal(t, vtNULL(), v)
	v, err = Map{"a": nil}.Value()
	require.NoError(t, err)
	require.Equal(t, vtM(map[string]types.AttributeValue{"a": vtNULL()}), v)

	// JSON of every scalar.
	var j JSON
	for _, tt := range []struct {
		src  any
		want string
	}{
		{"x\"", `"x\""`},
		{int64(-3), `-3`},
		{0.1, `0.1`},
		{Number("1E-130"), `1E-130`},
		{true, `true`},
		{[]byte{1, 2}, `"AQI="`},
		{[]byte(`{"a":1}`), `{"a":1}`},
		{[]byte(` [1]`), ` [1]`},
		{[]byte(`{"a":`), `"eyJhIjo="`},
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), `"2024-01-02T03:04:05Z"`},
		{JSON(`[true]`), `[true]`},
	} {
		require.NoError(t, j.Scan(tt.src), "%T", tt.src)
		require.Equal(t, tt.want, string(j))
	}
	require.NoError(t, j.Scan(nil))
	require.Nil(t, j)
	require.Error(t, j.Scan(make(chan int)))

	out, err := json.Marshal(struct{ J, K JSON }{J: JSON(`{"a":[1]}`)})
	require.NoError(t, err)
	require.Equal(t, `{"J":{"a":[1]},"K":null}`, string(out))
	var back struct{ J JSON }
	require.NoError(t, json.Unmarshal([]byte(`{"J": [1, {"b":2}]}`), &back))
	require.Equal(t, `[1, {"b":2}]`, string(back.J))

	v, err = Raw{AV: vtNS("1")}.Value()
	require.NoError(t, err)
	require.Equal(t, vtNS("1"), v)
	var r Raw
	require.Error(t, r.Scan(make(chan int)))
}

func TestHelperTypesWithAttributeValue(t *testing.T) {
	type rec struct {
		N  Number    `dynamodbav:"n"`
		SS StringSet `dynamodbav:"ss"`
		NS NumberSet `dynamodbav:"ns"`
		BS BinarySet `dynamodbav:"bs"`
		L  List      `dynamodbav:"l"`
		M  Map       `dynamodbav:"m"`
		J  JSON      `dynamodbav:"j"`
		R  Raw       `dynamodbav:"r"`
		E  Number    `dynamodbav:"e"`
	}
	in := rec{
		N: "1.50", SS: StringSet{"a"}, NS: NumberSet{"2"}, BS: BinarySet{{3}},
		L: List{"x", StringSet{"y"}}, M: Map{"k": int64(1)}, J: JSON(`{"z":[1]}`), R: Raw{AV: vtBOOL(true)},
	}
	av, err := attributevalue.Marshal(in)
	require.NoError(t, err)
	want := vtM(map[string]types.AttributeValue{
		"n": vtN("1.50"), "ss": vtSS("a"), "ns": vtNS("2"), "bs": vtBS([]byte{3}),
		"l": vtL(vtS("x"), vtSS("y")), "m": vtM(map[string]types.AttributeValue{"k": vtN("1")}),
		"j": vtM(map[string]types.AttributeValue{"z": vtL(vtN("1"))}), "r": vtBOOL(true), "e": vtNULL(),
	})
	require.Equal(t, want, av)

	var out rec
	require.NoError(t, attributevalue.Unmarshal(av, &out))
	in.J = JSON(`{"z":[1]}`)
	require.Equal(t, in.N, out.N)
	require.Equal(t, in.SS, out.SS)
	require.Equal(t, in.NS, out.NS)
	require.Equal(t, in.BS, out.BS)
	require.Equal(t, in.L, out.L)
	require.Equal(t, in.M, out.M)
	require.Equal(t, string(in.J), string(out.J))
	require.Equal(t, in.R, out.R)
	require.Equal(t, Number(""), out.E)

	var n Number
	require.NoError(t, n.UnmarshalDynamoDBAttributeValue(vtS("12")))
	require.Equal(t, Number("12"), n)
	require.Error(t, n.UnmarshalDynamoDBAttributeValue(vtBOOL(true)))
	var j JSON
	require.NoError(t, j.UnmarshalDynamoDBAttributeValue(vtNULL()))
	require.Nil(t, j)
	var r Raw
	require.NoError(t, r.UnmarshalDynamoDBAttributeValue(nil))
	require.Equal(t, vtNULL(), r.AV)
}
