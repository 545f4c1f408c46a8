package dynamosql

import (
	"bytes"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrInvalidValue reports an argument whose Go type is supported but whose
// value DynamoDB cannot store: a NaN or infinite float, a number with more
// than 38 significant digits or outside DynamoDB's range, an empty set or a
// set with duplicates, a string that is not valid UTF-8, a time outside the
// years 0000-9999, or a value nested too deeply (a slice or map that
// contains itself).
var ErrInvalidValue = errors.New("dynamosql: invalid value")

// Limits of DynamoDB's number type (see "Data types" in the DynamoDB
// developer guide): up to 38 significant digits, magnitudes from 1E-130 to
// 9.9999999999999999999999999999999999999E+125, and zero.
const (
	maxNumberDigits = 38
	minNumberExp    = -130 // exponent of the leading digit
	maxNumberExp    = 125
	numberRangeText = "DynamoDB numbers are 0 or have a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125"
)

const (
	// maxValueDepth bounds the nesting of lists and maps this package
	// builds itself. DynamoDB allows 32 levels; the bound is only there to
	// turn a slice or map that contains itself into an error instead of a
	// stack overflow.
	maxValueDepth = 64
	// maxIndirections bounds pointer and driver.Valuer hops for one value.
	maxIndirections = 64
)

// decodeOptions are the connection settings that change how attribute
// values are returned from Rows.Next.
type decodeOptions struct {
	// parseTime returns an S holding an RFC 3339 time as time.Time.
	parseTime bool
	// jsonDocuments returns L and M as JSON text ([]byte).
	jsonDocuments bool
}

// convertValue converts one Go argument (from CheckNamedValue) to a
// DynamoDB attribute value. Errors wrap ErrUnsupportedType or
// ErrInvalidValue and name the Go type; the caller adds the argument
// position.
func convertValue(v any) (types.AttributeValue, error) {
	return convertAny(v, 0)
}

var avNullTrue = types.AttributeValueMemberNULL{Value: true}

// avNull returns a fresh NULL attribute value (fresh, so that nobody can
// change a shared one).
func avNull() types.AttributeValue {
	n := avNullTrue
	return &n
}

// convertAny is convertValue at a given nesting depth.
func convertAny(v any, depth int) (types.AttributeValue, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("%w: value nested more than %d levels deep (DynamoDB allows 32; does a slice or map contain itself?)",
			ErrInvalidValue, maxValueDepth)
	}
	for range maxIndirections {
		// The common cases first, without reflection.
		switch x := v.(type) {
		case nil:
			return avNull(), nil
		case string:
			return avString(x, "string")
		case int64:
			return &types.AttributeValueMemberN{Value: strconv.FormatInt(x, 10)}, nil
		case float64:
			return avFloat(x, 64, "float64")
		case bool:
			return &types.AttributeValueMemberBOOL{Value: x}, nil
		case []byte:
			if x == nil {
				return avNull(), nil
			}
			// Copied: a transaction keeps its statements until Commit and
			// the caller may reuse the slice in the meantime.
			return &types.AttributeValueMemberB{Value: bytes.Clone(x)}, nil
		case time.Time:
			return avTime(x)
		case int:
			return avInt(int64(x)), nil
		case int32:
			return avInt(int64(x)), nil
		case int16:
			return avInt(int64(x)), nil
		case int8:
			return avInt(int64(x)), nil
		case uint:
			return avUint(uint64(x)), nil
		case uint64:
			return avUint(x), nil
		case uint32:
			return avUint(uint64(x)), nil
		case uint16:
			return avUint(uint64(x)), nil
		case uint8:
			return avUint(uint64(x)), nil
		case float32:
			return avFloat(float64(x), 32, "float32")
		case Number:
			return x.attr()
		case json.Number:
			return avNumber(string(x), "json.Number")
		case attributevalue.Number:
			return avNumber(string(x), "attributevalue.Number")
		case *big.Int:
			if x == nil {
				return avNull(), nil
			}
			return avNumber(x.String(), "*big.Int")
		case *big.Float:
			if x == nil {
				return avNull(), nil
			}
			return avBigFloat(x)
		case *big.Rat:
			if x == nil {
				return avNull(), nil
			}
			return avBigRat(x)
		case StringSet:
			return x.attr()
		case NumberSet:
			return x.attr()
		case BinarySet:
			return x.attr()
		case List:
			return avList(x, depth)
		case []any:
			return avList(x, depth)
		case Map:
			return avMap(x, depth)
		case map[string]any:
			return avMap(x, depth)
		case JSON:
			return x.attr()
		case Raw:
			return x.attr(), nil
		case types.AttributeValue:
			if avIsNil(x) {
				return avNull(), nil
			}
			return x, nil
		case driver.Valuer:
			nv, err := callValuer(x)
			if err != nil {
				return nil, fmt.Errorf("dynamosql: %T.Value: %w", x, err)
			}
			v = nv
			continue
		case attributevalue.Marshaler:
			if isNilPointer(x) {
				return avNull(), nil
			}
			av, err := x.MarshalDynamoDBAttributeValue()
			if err != nil {
				return nil, fmt.Errorf("%w: %T.MarshalDynamoDBAttributeValue: %w", ErrUnsupportedType, x, err)
			}
			if av == nil || avIsNil(av) {
				return avNull(), nil
			}
			return av, nil
		}

		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return avNull(), nil
			}
			v = rv.Elem().Interface()
			continue
		}
		return convertReflect(rv, depth)
	}
	return nil, fmt.Errorf("%w: %T: more than %d pointer or driver.Valuer indirections (does a Value method return its own receiver?)",
		ErrInvalidValue, v, maxIndirections)
}

var valuerType = reflect.TypeFor[driver.Valuer]()

// callValuer calls vr.Value() the way database/sql does: a nil pointer whose
// type gets its Value method from the value type means NULL instead of a
// panic.
func callValuer(vr driver.Valuer) (driver.Value, error) {
	if rv := reflect.ValueOf(vr); rv.Kind() == reflect.Pointer && rv.IsNil() &&
		rv.Type().Elem().Implements(valuerType) {
		return nil, nil
	}
	return vr.Value()
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// convertReflect converts the kinds the type switch does not know: named
// scalar types, typed slices, maps, arrays and structs.
func convertReflect(rv reflect.Value, depth int) (types.AttributeValue, error) {
	t := rv.Type()
	switch rv.Kind() {
	case reflect.Bool:
		return &types.AttributeValueMemberBOOL{Value: rv.Bool()}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return avInt(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return avUint(rv.Uint()), nil
	case reflect.Float32:
		return avFloat(rv.Float(), 32, t.String())
	case reflect.Float64:
		return avFloat(rv.Float(), 64, t.String())
	case reflect.String:
		return avString(rv.String(), t.String())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if rv.IsNil() {
				return avNull(), nil
			}
			return &types.AttributeValueMemberB{Value: bytes.Clone(rv.Bytes())}, nil
		}
		if t.Elem().Kind() == reflect.Interface {
			if rv.IsNil() {
				return avNull(), nil
			}
			l := make([]types.AttributeValue, rv.Len())
			for i := range l {
				av, err := convertAny(rv.Index(i).Interface(), depth+1)
				if err != nil {
					return nil, atPath(err, "["+strconv.Itoa(i)+"]")
				}
				l[i] = av
			}
			return &types.AttributeValueMemberL{Value: l}, nil
		}
		return marshalReflect(rv, depth)
	case reflect.Map:
		if t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.Interface {
			if rv.IsNil() {
				return avNull(), nil
			}
			m := make(map[string]types.AttributeValue, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				k := it.Key().String()
				av, err := convertAny(it.Value().Interface(), depth+1)
				if err == nil && !utf8.ValidString(k) {
					err = fmt.Errorf("%w: map key is not valid UTF-8", ErrInvalidValue)
				}
				if err != nil {
					return nil, atPath(err, pathKey(k))
				}
				m[k] = av
			}
			return &types.AttributeValueMemberM{Value: m}, nil
		}
		return marshalReflect(rv, depth)
	case reflect.Array, reflect.Struct:
		return marshalReflect(rv, depth)
	case reflect.Complex64, reflect.Complex128:
		return nil, fmt.Errorf("%w: %s: DynamoDB has no complex numbers; store the real and imaginary parts as two numbers",
			ErrUnsupportedType, t)
	case reflect.Uintptr:
		return nil, fmt.Errorf("%w: %s: a uintptr holds a memory address; convert it to uint64 if you really mean to store it",
			ErrUnsupportedType, t)
	}
	return nil, fmt.Errorf("%w: %s: a %s cannot be stored in DynamoDB; pass a string, number, bool, []byte, time.Time, slice, map or struct",
		ErrUnsupportedType, t, rv.Kind())
}

// avEncoderOptions makes attributevalue write times like convertValue does:
// RFC 3339 in UTC with nanoseconds.
func avEncoderOptions(o *attributevalue.EncoderOptions) {
	o.EncodeTime = avTime
}

// marshalReflect converts slices, arrays, maps and structs with the SDK's
// attributevalue package (honouring dynamodbav tags) and then checks the
// result the way convertValue checks its own values.
func marshalReflect(rv reflect.Value, depth int) (types.AttributeValue, error) {
	t := rv.Type()
	av, err := attributevalue.MarshalWithOptions(rv.Interface(), avEncoderOptions)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnsupportedType, t, err)
	}
	if av == nil || avIsNil(av) {
		return avNull(), nil
	}
	if err := avCheck(av, depth); err != nil {
		return nil, inType(err, t)
	}
	return av, nil
}

// avCheck checks an attribute value built by attributevalue: numbers in
// DynamoDB's range, strings valid UTF-8, sets without duplicates, bounded
// nesting.
func avCheck(av types.AttributeValue, depth int) error {
	if depth > maxValueDepth {
		return fmt.Errorf("%w: value nested more than %d levels deep", ErrInvalidValue, maxValueDepth)
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		if !utf8.ValidString(v.Value) {
			return errInvalidUTF8("string")
		}
	case *types.AttributeValueMemberN:
		if err := checkNumber(v.Value); err != nil {
			return numberError("number", v.Value, err)
		}
	case *types.AttributeValueMemberSS:
		_, err := StringSet(v.Value).attr()
		return err
	case *types.AttributeValueMemberNS:
		_, err := numberSetAttr(v.Value, "NS")
		return err
	case *types.AttributeValueMemberBS:
		_, err := BinarySet(v.Value).attr()
		return err
	case *types.AttributeValueMemberL:
		for i, e := range v.Value {
			if err := avCheck(e, depth+1); err != nil {
				return atPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
	case *types.AttributeValueMemberM:
		for k, e := range v.Value {
			err := avCheck(e, depth+1)
			if err == nil && !utf8.ValidString(k) {
				err = fmt.Errorf("%w: map key is not valid UTF-8", ErrInvalidValue)
			}
			if err != nil {
				return atPath(err, pathKey(k))
			}
		}
	}
	return nil
}

// pathError locates an error inside a list, map or struct argument.
type pathError struct {
	typ  string // the Go type marshalled by attributevalue, if any
	path string // [0]["key"]...
	err  error
}

func (e *pathError) Error() string {
	switch {
	case e.typ == "":
		return e.err.Error() + " (at " + e.path + ")"
	case e.path == "":
		return e.err.Error() + " (in " + e.typ + ")"
	}
	return e.err.Error() + " (in " + e.typ + " at " + e.path + ")"
}

func (e *pathError) Unwrap() error { return e.err }

// atPath prefixes the location of err with seg.
func atPath(err error, seg string) error {
	if pe, ok := err.(*pathError); ok {
		return &pathError{typ: pe.typ, path: seg + pe.path, err: pe.err}
	}
	return &pathError{path: seg, err: err}
}

// inType records that err happened inside a value of Go type t.
func inType(err error, t reflect.Type) error {
	if pe, ok := err.(*pathError); ok {
		return &pathError{typ: t.String(), path: pe.path, err: pe.err}
	}
	return &pathError{typ: t.String(), err: err}
}

func pathKey(k string) string {
	return "[" + strconv.Quote(shorten(k, 40)) + "]"
}

// shorten cuts s to at most n bytes (on a rune boundary) for messages.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

func errInvalidUTF8(what string) error {
	return fmt.Errorf("%w: %s is not valid UTF-8: DynamoDB strings are UTF-8; use []byte for binary data", ErrInvalidValue, what)
}

func avString(s, typ string) (types.AttributeValue, error) {
	if !validText(s) {
		return nil, errInvalidUTF8(typ)
	}
	return &types.AttributeValueMemberS{Value: s}, nil
}

// validText reports whether s is valid UTF-8, as utf8.ValidString does;
// a short ASCII string, the usual argument, is checked a byte at a time,
// which costs less than utf8.ValidString's setup.
func validText(s string) bool {
	if len(s) >= 16 {
		return utf8.ValidString(s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.ValidString(s[i:]) // s[:i] is ASCII: whole runes
		}
	}
	return true
}

func avInt(i int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(i, 10)}
}

func avUint(u uint64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatUint(u, 10)}
}

// avFloat writes the shortest decimal text that reads back as the same
// float of that width.
func avFloat(f float64, bits int, typ string) (types.AttributeValue, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%w: %s %v: DynamoDB numbers must be finite; pass nil (or sql.NullFloat64) for NULL",
			ErrInvalidValue, typ, f)
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	if err := checkNumber(s); err != nil {
		return nil, numberError(typ, s, err)
	}
	return &types.AttributeValueMemberN{Value: s}, nil
}

// avNumber validates decimal text and returns it as an N.
func avNumber(s, typ string) (types.AttributeValue, error) {
	if err := checkNumber(s); err != nil {
		return nil, numberError(typ, s, err)
	}
	return &types.AttributeValueMemberN{Value: s}, nil
}

func numberError(typ, s string, err error) error {
	return fmt.Errorf("%w: %s %q: %w", ErrInvalidValue, typ, shorten(s, 60), err)
}

// avTime writes t as RFC 3339 in UTC with nanoseconds (trailing zeros of
// the fraction removed), the form that sorts and compares as text.
func avTime(t time.Time) (types.AttributeValue, error) {
	u := t.UTC()
	if y := u.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("%w: time.Time in year %d: RFC 3339 only has the years 0000-9999", ErrInvalidValue, y)
	}
	return &types.AttributeValueMemberS{Value: u.Format(time.RFC3339Nano)}, nil
}

// avBigFloat writes the exact value of f when it has at most 38
// significant digits, else the shortest decimal that reads back as f at
// its precision.
func avBigFloat(f *big.Float) (types.AttributeValue, error) {
	if f.IsInf() {
		return nil, fmt.Errorf("%w: *big.Float %v: DynamoDB numbers must be finite", ErrInvalidValue, f)
	}
	if f.Sign() == 0 {
		return &types.AttributeValueMemberN{Value: f.Text('g', -1)}, nil
	}
	// f = mant × 2^exp with 0.5 <= |mant| < 1.
	exp := f.MantExp(nil)
	if exp > 420 || exp < -440 { // beyond 1E+126 or below 1E-132
		return nil, numberError("*big.Float", f.Text('g', 10), errors.New(numberRangeText))
	}
	frac := int(f.MinPrec()) - exp // binary digits after the point
	var s string
	if frac <= 0 {
		s = f.Text('f', 0)
	} else {
		s = trimFraction(f.Text('f', frac))
	}
	if checkNumber(s) == nil {
		return &types.AttributeValueMemberN{Value: s}, nil
	}
	return avNumber(f.Text('g', -1), "*big.Float")
}

// avBigRat writes r exactly; a fraction with no finite decimal form is
// refused.
func avBigRat(r *big.Rat) (types.AttributeValue, error) {
	if r.IsInt() {
		return avNumber(r.Num().String(), "*big.Rat")
	}
	d := r.Denom()
	if d.BitLen() > 400 {
		return nil, numberError("*big.Rat", r.FloatString(10), errors.New("more digits than DynamoDB's 38, or out of range"))
	}
	// r has a finite decimal form iff its denominator is 2^a × 5^b; it then
	// needs max(a, b) digits after the point.
	rest := new(big.Int).Set(d)
	twos := rest.TrailingZeroBits()
	rest.Rsh(rest, twos)
	fives := uint(0)
	five, q, m := big.NewInt(5), new(big.Int), new(big.Int)
	for {
		q.QuoRem(rest, five, m)
		if m.Sign() != 0 {
			break
		}
		rest.Set(q)
		fives++
	}
	if rest.Cmp(big.NewInt(1)) != 0 {
		return nil, fmt.Errorf("%w: *big.Rat %s has no exact decimal form; round it first (for example with FloatString)",
			ErrInvalidValue, shorten(r.String(), 60))
	}
	return avNumber(trimFraction(r.FloatString(int(max(twos, fives)))), "*big.Rat")
}

// trimFraction removes trailing zeros after a decimal point, and the point.
func trimFraction(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func avList(l []any, depth int) (types.AttributeValue, error) {
	if l == nil {
		return avNull(), nil
	}
	out := make([]types.AttributeValue, len(l))
	for i, e := range l {
		av, err := convertAny(e, depth+1)
		if err != nil {
			return nil, atPath(err, "["+strconv.Itoa(i)+"]")
		}
		out[i] = av
	}
	return &types.AttributeValueMemberL{Value: out}, nil
}

func avMap(m map[string]any, depth int) (types.AttributeValue, error) {
	if m == nil {
		return avNull(), nil
	}
	out := make(map[string]types.AttributeValue, len(m))
	for k, e := range m {
		av, err := convertAny(e, depth+1)
		if err == nil && !utf8.ValidString(k) {
			err = fmt.Errorf("%w: map key is not valid UTF-8", ErrInvalidValue)
		}
		if err != nil {
			return nil, atPath(err, pathKey(k))
		}
		out[k] = av
	}
	return &types.AttributeValueMemberM{Value: out}, nil
}

// avIsNil reports whether av is nil or a nil pointer to one of the SDK's
// member types.
func avIsNil(av types.AttributeValue) bool {
	switch v := av.(type) {
	case nil:
		return true
	case *types.AttributeValueMemberS:
		return v == nil
	case *types.AttributeValueMemberN:
		return v == nil
	case *types.AttributeValueMemberB:
		return v == nil
	case *types.AttributeValueMemberBOOL:
		return v == nil
	case *types.AttributeValueMemberNULL:
		return v == nil
	case *types.AttributeValueMemberSS:
		return v == nil
	case *types.AttributeValueMemberNS:
		return v == nil
	case *types.AttributeValueMemberBS:
		return v == nil
	case *types.AttributeValueMemberL:
		return v == nil
	case *types.AttributeValueMemberM:
		return v == nil
	case *types.UnknownUnionMember:
		return v == nil
	}
	return false
}

// ---- values out ----

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
func decodeNumber(s string) driver.Value {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		var buf [24]byte
		if string(strconv.AppendInt(buf[:0], i, 10)) == s {
			return i
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

// ---- JSON ----

// appendJSON appends the JSON form of av: S as a string, N as a JSON
// number with the same digits, B as a base64 string, BOOL, NULL as null,
// sets and L as arrays, M as an object with sorted keys.
func appendJSON(b []byte, av types.AttributeValue) []byte {
	if avIsNil(av) {
		return append(b, "null"...)
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return appendJSONString(b, v.Value)
	case *types.AttributeValueMemberN:
		return appendJSONNumber(b, v.Value)
	case *types.AttributeValueMemberB:
		return appendJSONBase64(b, v.Value)
	case *types.AttributeValueMemberBOOL:
		return strconv.AppendBool(b, v.Value)
	case *types.AttributeValueMemberSS:
		return appendJSONArray(b, v.Value, appendJSONString)
	case *types.AttributeValueMemberNS:
		return appendJSONArray(b, v.Value, appendJSONNumber)
	case *types.AttributeValueMemberBS:
		return appendJSONArray(b, v.Value, appendJSONBase64)
	case *types.AttributeValueMemberL:
		return appendJSONArray(b, v.Value, appendJSON)
	case *types.AttributeValueMemberM:
		keys := make([]string, 0, len(v.Value))
		for k := range v.Value {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, v.Value[k])
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD, like encoding/json.
// appendJSONArray appends the JSON array of elems, each written by f.
func appendJSONArray[E any](b []byte, elems []E, f func([]byte, E) []byte) []byte {
	b = append(b, '[')
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = f(b, e)
	}
	return append(b, ']')
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript; escape
		// them like encoding/json.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendJSONBase64(b []byte, p []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, '"')
}

// appendJSONNumber appends the number text s as a JSON number: as is when
// it already is valid JSON (DynamoDB's own output always is), else in an
// equivalent canonical form; text that is no number at all becomes a
// JSON string.
func appendJSONNumber(b []byte, s string) []byte {
	if isJSONNumber(s) {
		return append(b, s...)
	}
	p, ok := splitNumber(s)
	if !ok {
		return appendJSONString(b, s)
	}
	return append(b, p.canonical()...)
}

// isJSONNumber reports whether s matches JSON's number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(s)
}

// jsonToAV converts JSON text to an attribute value: objects to M, arrays
// to L, numbers to N with their exact text, strings to S, true/false to
// BOOL and null to NULL.
func jsonToAV(b []byte) (types.AttributeValue, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: invalid JSON: %w", ErrInvalidValue, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: invalid JSON: data after the first value", ErrInvalidValue)
	}
	return convertAny(v, 0)
}

// isJSONDocument reports whether b is a JSON object or array: the form in
// which documents=json returns L and M.
func isJSONDocument(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t)
}

// ---- numbers ----

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// numberParts is decimal text split into its parts (substrings of the
// text, nothing copied): value = (intp.frac) × 10^exp.
type numberParts struct {
	neg  bool
	intp string // digits before the point
	frac string // digits after the point
	exp  int    // the exponent, |exp| <= maxExpText
}

// maxExpText bounds the exponent accepted in number text; anything larger
// is out of DynamoDB's range whatever the digits.
const maxExpText = 1_000_000

var (
	errNotNumber     = errors.New("not a decimal number")
	errTooManyDigits = fmt.Errorf("more than %d significant digits (DynamoDB's limit)", maxNumberDigits)
	errNumberRange   = errors.New(numberRangeText)
)

// splitNumber parses [+-]digits[.digits][(e|E)[+-]digits] (at least one
// digit before or after the point).
func splitNumber(s string) (numberParts, bool) {
	var p numberParts
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		p.neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	p.intp = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		p.frac = s[start:i]
	}
	if p.intp == "" && p.frac == "" {
		return p, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start = i
		e := 0
		for i < len(s) && isDigit(s[i]) {
			e = e*10 + int(s[i]-'0')
			if e > maxExpText {
				return p, false
			}
			i++
		}
		if i == start {
			return p, false
		}
		if eneg {
			e = -e
		}
		p.exp = e
	}
	return p, i == len(s)
}

// digit returns the k-th digit of intp+frac.
func (p numberParts) digit(k int) byte {
	if k < len(p.intp) {
		return p.intp[k]
	}
	return p.frac[k-len(p.intp)]
}

// significant returns the positions (in intp+frac) of the first and last
// non-zero digits; zero reports ok == false.
func (p numberParts) significant() (first, last int, ok bool) {
	n := len(p.intp) + len(p.frac)
	first = 0
	for first < n && p.digit(first) == '0' {
		first++
	}
	if first == n {
		return 0, 0, false
	}
	last = n - 1
	for p.digit(last) == '0' {
		last--
	}
	return first, last, true
}

// powerAt returns the power of ten of the digit at position k.
func (p numberParts) powerAt(k int) int {
	return len(p.intp) - 1 - k + p.exp
}

// digits returns the significant digits, the power of ten of the last one
// and whether the number is zero.
func (p numberParts) digits() (d string, lastPow int, zero bool) {
	first, last, ok := p.significant()
	if !ok {
		return "", 0, true
	}
	buf := make([]byte, 0, last-first+1)
	for k := first; k <= last; k++ {
		buf = append(buf, p.digit(k))
	}
	return string(buf), p.powerAt(last), false
}

// check enforces DynamoDB's limits on a parsed number.
func (p numberParts) check() error {
	first, last, ok := p.significant()
	if !ok {
		return nil // zero
	}
	if last-first+1 > maxNumberDigits {
		return errTooManyDigits
	}
	if e := p.powerAt(first); e < minNumberExp || e > maxNumberExp {
		return errNumberRange
	}
	return nil
}

// canonical returns the number as d[.ddd][E±x] (or 0, -0): valid JSON,
// and equal for numerically equal inputs.
func (p numberParts) canonical() string {
	d, lastPow, zero := p.digits()
	if zero {
		if p.neg {
			return "-0"
		}
		return "0"
	}
	var b []byte
	if p.neg {
		b = append(b, '-')
	}
	b = append(b, d[0])
	if len(d) > 1 {
		b = append(b, '.')
		b = append(b, d[1:]...)
	}
	if e := lastPow + len(d) - 1; e != 0 {
		b = append(b, 'E')
		b = strconv.AppendInt(b, int64(e), 10)
	}
	return string(b)
}

// checkNumber validates DynamoDB number text.
func checkNumber(s string) error {
	p, ok := splitNumber(s)
	if !ok {
		return errNotNumber
	}
	return p.check()
}

// numberKey returns a key equal for numerically equal number texts (0 and
// -0 included), for finding duplicates in a number set.
func numberKey(s string) string {
	p, ok := splitNumber(s)
	if !ok {
		return s
	}
	if _, _, nonZero := p.significant(); !nonZero {
		return "0"
	}
	return p.canonical()
}

// numberSetAttr validates the elements of a number set.
func numberSetAttr(ns []string, typ string) (types.AttributeValue, error) {
	if ns == nil {
		return avNull(), nil
	}
	if len(ns) == 0 {
		return nil, errEmptySet(typ)
	}
	keys := make([]string, len(ns))
	for i, s := range ns {
		if err := checkNumber(s); err != nil {
			return nil, atPath(numberError(typ+" element", s, err), "["+strconv.Itoa(i)+"]")
		}
		keys[i] = numberKey(s)
	}
	if i, j, dup := findDuplicate(keys); dup {
		return nil, errDuplicate(typ, ns[j], i, j)
	}
	return &types.AttributeValueMemberNS{Value: slices.Clone(ns)}, nil
}

func errEmptySet(typ string) error {
	return fmt.Errorf("%w: empty %s: DynamoDB does not allow empty sets; pass a nil set to store NULL, or leave the attribute out",
		ErrInvalidValue, typ)
}

func errDuplicate(typ, elem string, i, j int) error {
	return fmt.Errorf("%w: %s has the same element %q at %d and %d: DynamoDB sets cannot hold duplicates",
		ErrInvalidValue, typ, shorten(elem, 40), i, j)
}

// findDuplicate returns the positions of two equal keys.
func findDuplicate(keys []string) (int, int, bool) {
	if len(keys) <= 8 {
		for j := 1; j < len(keys); j++ {
			for i := 0; i < j; i++ {
				if keys[i] == keys[j] {
					return i, j, true
				}
			}
		}
		return 0, 0, false
	}
	seen := make(map[string]int, len(keys))
	for j, k := range keys {
		if i, ok := seen[k]; ok {
			return i, j, true
		}
		seen[k] = j
	}
	return 0, 0, false
}
