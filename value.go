package dynamosql

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/dynamosql/dynamosql/internal/decimal"
)

// ErrInvalidValue reports an argument whose Go type is supported but whose
// value DynamoDB cannot store: a NaN or infinite float, a number with more
// than 38 significant digits or outside DynamoDB's range, an empty set or a
// set with duplicates, a string that is not valid UTF-8, a time outside the
// years 0000-9999, or a value nested too deeply (a slice or map that
// contains itself).
var ErrInvalidValue = errors.New("dynamosql: invalid value")

const (
	// maxValueDepth bounds the nesting of lists and maps this package
	// builds itself. DynamoDB allows 32 levels; the bound is only there to
	// turn a slice or map that contains itself into an error instead of a
	// stack overflow.
	maxValueDepth = 64
	// maxIndirections bounds pointer and driver.Valuer hops for one value.
	maxIndirections = 64
)

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
		if err := decimal.Check(v.Value); err != nil {
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
	if err := decimal.Check(s); err != nil {
		return nil, numberError(typ, s, err)
	}
	return &types.AttributeValueMemberN{Value: s}, nil
}

// avNumber validates decimal text and returns it as an N.
func avNumber(s, typ string) (types.AttributeValue, error) {
	if err := decimal.Check(s); err != nil {
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
		return nil, numberError("*big.Float", f.Text('g', 10), decimal.ErrRange)
	}
	frac := int(f.MinPrec()) - exp // binary digits after the point
	var s string
	if frac <= 0 {
		s = f.Text('f', 0)
	} else {
		s = trimFraction(f.Text('f', frac))
	}
	if decimal.Check(s) == nil {
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

// ---- numbers ----

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
		if err := decimal.Check(s); err != nil {
			return nil, atPath(numberError(typ+" element", s, err), "["+strconv.Itoa(i)+"]")
		}
		keys[i] = decimal.Key(s)
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

func isASCIIDigit(c byte) bool { return '0' <= c && c <= '9' }
