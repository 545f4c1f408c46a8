package indexhint

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Composite columns
//
// A composite column holds several attributes ("components") of an item in
// one string attribute, so that an index can sort by all of them: the
// composite of lastname and firstname is stored in the attribute
// "lastname#firstname" with values such as "Smith#John". Its value is
// encoded so that comparing two values byte by byte (as DynamoDB compares
// strings) gives the order of their component tuples, component by
// component, each in its natural order:
//
//   - Components are joined with '#'.
//   - A string is written as it is, except that every byte from 0x00 to
//     0x24 (control characters, space, '!', '"', '#' and '$') is written as
//     '$' followed by the byte plus 0x40 (caret notation: "$@" for 0x00,
//     "$`" for a space, "$c" for '#', "$d" for '$'). No encoded string
//     contains a bare '#', so the first '#' always ends the component, and
//     every byte of an encoded string is above '#', so "Smith" sorts before
//     "Smith Jones" and "Smithson" even with more components after it.
//     The string must be valid UTF-8; it may be empty.
//   - An integer (any Go integer type up to the int64 range) is 'P'
//     followed by 19 decimal digits when it is zero or positive, and 'N'
//     followed by the 19 digits of 10^19 + i when it is negative: -5 is
//     "N9999999999999999995", 3 is "P0000000000000000003", so -5 < 3 < 10.
//   - A time.Time is its UTC instant as 2006-01-02T15:04:05.000000000Z,
//     always 30 bytes; years 0 to 9999.
//   - A []byte is its lowercase hex digits.
//
// Why the order is right: the encodings of components compare like the
// components (strings byte by byte, escaped bytes keeping their order among
// themselves and staying below every byte left as it is), no encoding
// contains '#', and every byte that can follow the end of one string's
// encoding inside a longer string's encoding is above '#'. So two composite
// values first differ inside the first component that differs, or, when one
// string component is a prefix of the other, where the shorter one meets
// its '#' separator and the longer one a byte above it. Integers and times
// have a fixed width. The property tests in composite_test.go check it on
// random tuples.
//
// A prefix "Smith#" (EncodeCompositePrefix) matches, with begins_with, the
// values whose first component is exactly "Smith", never "Smithson".

// CompositeSeparator separates the components of a composite attribute's
// name and value.
const CompositeSeparator = "#"

const (
	sep       = '#'
	escape    = '$'
	escapeMax = 0x24 // bytes up to and including '$' are escaped
	escapeOff = 0x40 // escaped byte b is written as '$', b+0x40
	timeWidth = len("2006-01-02T15:04:05.000000000Z")
	intDigits = 19
	// timeLayout is the fixed-width UTC layout of time components.
	timeLayout = "2006-01-02T15:04:05.000000000Z"
)

// ErrComposite reports a value that cannot be a component of a composite
// column, or a composite value that cannot be decoded.
var ErrComposite = errors.New("indexhint: invalid composite value")

// CompositeName returns the name of the attribute that holds the composite
// of components: the names joined with "#" ("lastname#firstname").
func CompositeName(components ...string) string {
	return strings.Join(components, CompositeSeparator)
}

// ComponentKind is the kind of a component of a composite column, which
// decides how it is encoded.
type ComponentKind int

// The component kinds.
const (
	// KindString is a string (Go string types; a DynamoDB S).
	KindString ComponentKind = iota + 1
	// KindInt is an integer in the int64 range (Go integer types; a
	// DynamoDB N holding an integer).
	KindInt
	// KindTime is a time.Time (a DynamoDB S holding an RFC 3339 time).
	KindTime
	// KindBytes is a []byte (a DynamoDB B).
	KindBytes
)

// String returns "string", "int", "time" or "bytes".
func (k ComponentKind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInt:
		return "int"
	case KindTime:
		return "time"
	case KindBytes:
		return "bytes"
	}
	return "ComponentKind(" + strconv.Itoa(int(k)) + ")"
}

var timeType = reflect.TypeFor[time.Time]()

// KindOfType returns the component kind of values of Go type t: strings,
// integers, time.Time and []byte (and pointers to them) have one; any
// other type reports false.
func KindOfType(t reflect.Type) (ComponentKind, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType || t.ConvertibleTo(timeType) && t.Kind() == reflect.Struct:
		return KindTime, true
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return KindBytes, true
	}
	switch t.Kind() {
	case reflect.String:
		return KindString, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return KindInt, true
	}
	return 0, false
}

// kindOf infers the kind of a value: from its Go type, or from a DynamoDB
// attribute value's type (S is a string, N an integer, B bytes).
func kindOf(v any) (ComponentKind, error) {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return KindString, nil
	case *types.AttributeValueMemberN:
		return KindInt, nil
	case *types.AttributeValueMemberB:
		return KindBytes, nil
	case nil:
		return 0, fmt.Errorf("%w: a component is nil (missing)", ErrComposite)
	default:
		if k, ok := KindOfType(reflect.TypeOf(x)); ok {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%w: a %T cannot be a component: use a string, an integer, a time.Time or a []byte", ErrComposite, v)
}

// EncodeComponent encodes one component value, its kind inferred from its
// type (see KindOfType; a DynamoDB S is a string, an N an integer, a B
// bytes).
func EncodeComponent(v any) (string, error) {
	k, err := kindOf(v)
	if err != nil {
		return "", err
	}
	return EncodeComponentKind(k, v)
}

// EncodeComponentKind encodes v as a component of kind k. Besides the Go
// types of the kind, it accepts for KindInt an N or a numeric string, for
// KindTime an S or a string holding an RFC 3339 time, for KindString an S
// and for KindBytes a B. Pointers are followed; a nil one is an error (a
// missing component).
func EncodeComponentKind(k ComponentKind, v any) (string, error) {
	var b strings.Builder
	if err := appendComponent(&b, k, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// EncodeComposite encodes a composite value: the components' encodings
// joined with "#", each kind inferred from its value's type (see
// EncodeComponent).
func EncodeComposite(values ...any) (string, error) {
	return encode(nil, values, false)
}

// EncodeCompositePrefix encodes the leading components of a composite
// value followed by "#": begins_with(attribute, prefix) then matches
// exactly the values whose first len(values) components equal values
// ("Smith#" matches "Smith#John", never "Smithson#John"). With no values it
// returns "" (which every value begins with).
func EncodeCompositePrefix(values ...any) (string, error) {
	return encode(nil, values, true)
}

func encode(kinds []ComponentKind, values []any, prefix bool) (string, error) {
	var b strings.Builder
	for i, v := range values {
		k := ComponentKind(0)
		if kinds != nil {
			k = kinds[i]
		} else {
			var err error
			if k, err = kindOf(v); err != nil {
				return "", fmt.Errorf("component %d: %w", i+1, err)
			}
		}
		if i > 0 {
			b.WriteByte(sep)
		}
		if err := appendComponent(&b, k, v); err != nil {
			return "", fmt.Errorf("component %d: %w", i+1, err)
		}
	}
	if prefix && len(values) > 0 {
		b.WriteByte(sep)
	}
	return b.String(), nil
}

// deref follows pointers; it reports false for a nil pointer.
func deref(v any) (any, bool) {
	for {
		if v == nil {
			return nil, false
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Pointer {
			return v, true
		}
		if _, isAV := v.(types.AttributeValue); isAV {
			return v, true
		}
		if rv.IsNil() {
			return nil, false
		}
		v = rv.Elem().Interface()
	}
}

func appendComponent(b *strings.Builder, k ComponentKind, v any) error {
	v, ok := deref(v)
	if !ok {
		return fmt.Errorf("%w: a %s component is nil (missing)", ErrComposite, k)
	}
	if _, isNull := v.(*types.AttributeValueMemberNULL); isNull {
		return fmt.Errorf("%w: a %s component is NULL (missing)", ErrComposite, k)
	}
	switch k {
	case KindString:
		s, err := stringValue(v)
		if err != nil {
			return err
		}
		appendString(b, s)
	case KindInt:
		i, err := intValue(v)
		if err != nil {
			return err
		}
		appendInt(b, i)
	case KindTime:
		t, err := timeValue(v)
		if err != nil {
			return err
		}
		return appendTime(b, t)
	case KindBytes:
		p, err := bytesValue(v)
		if err != nil {
			return err
		}
		b.WriteString(hex.EncodeToString(p))
	default:
		return fmt.Errorf("%w: unknown component kind %d", ErrComposite, int(k))
	}
	return nil
}

func stringValue(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case *types.AttributeValueMemberS:
		s = x.Value
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.String {
			return "", fmt.Errorf("%w: a string component cannot be a %T", ErrComposite, v)
		}
		s = rv.String()
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: a string component is not valid UTF-8", ErrComposite)
	}
	return s, nil
}

func intValue(v any) (int64, error) {
	var text string
	switch x := v.(type) {
	case *types.AttributeValueMemberN:
		text = x.Value
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return rv.Int(), nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			u := rv.Uint()
			if u > math.MaxInt64 {
				return 0, fmt.Errorf("%w: integer component %d is above the int64 range", ErrComposite, u)
			}
			return int64(u), nil
		case reflect.String:
			// json.Number, attributevalue.Number, dynamosql.Number...
			text = rv.String()
		default:
			return 0, fmt.Errorf("%w: an integer component cannot be a %T", ErrComposite, v)
		}
	}
	i, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: integer component %q is not an integer in the int64 range", ErrComposite, text)
	}
	return i, nil
}

func timeValue(v any) (time.Time, error) {
	var text string
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case *types.AttributeValueMemberS:
		text = x.Value
	case string:
		text = x
	default:
		rv := reflect.ValueOf(v)
		if rv.Type().ConvertibleTo(timeType) && rv.Kind() == reflect.Struct {
			return rv.Convert(timeType).Interface().(time.Time), nil
		}
		return time.Time{}, fmt.Errorf("%w: a time component cannot be a %T", ErrComposite, v)
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: time component %q is not an RFC 3339 time", ErrComposite, text)
	}
	return t, nil
}

func bytesValue(v any) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case *types.AttributeValueMemberB:
		return x.Value, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
		return rv.Bytes(), nil
	}
	return nil, fmt.Errorf("%w: a bytes component cannot be a %T", ErrComposite, v)
}

func appendString(b *strings.Builder, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > escapeMax {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteByte(escape)
		b.WriteByte(c + escapeOff)
		start = i + 1
	}
	b.WriteString(s[start:])
}

// tenTo19 is 10^19, the offset of negative integers.
const tenTo19 uint64 = 10_000_000_000_000_000_000

func appendInt(b *strings.Builder, i int64) {
	var u uint64
	if i >= 0 {
		b.WriteByte('P')
		u = uint64(i)
	} else {
		b.WriteByte('N')
		// 10^19 - |i|, computed without overflowing on math.MinInt64.
		u = tenTo19 - (uint64(-(i + 1)) + 1)
	}
	var buf [intDigits]byte
	for j := intDigits - 1; j >= 0; j-- {
		buf[j] = byte('0' + u%10)
		u /= 10
	}
	b.Write(buf[:])
}

func appendTime(b *strings.Builder, t time.Time) error {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return fmt.Errorf("%w: time component %s is outside the years 0 to 9999", ErrComposite, t.Format(time.RFC3339Nano))
	}
	b.WriteString(t.Format(timeLayout))
	return nil
}

// DecodeComposite splits an encoded composite value into its components,
// decoding component i as kinds[i]: a string, an int64, a time.Time (in
// UTC) or a []byte. The number of components must equal len(kinds).
func DecodeComposite(s string, kinds ...ComponentKind) ([]any, error) {
	parts := strings.Split(s, CompositeSeparator)
	if len(parts) != len(kinds) {
		return nil, fmt.Errorf("%w: %q has %d components, want %d", ErrComposite, s, len(parts), len(kinds))
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		v, err := decodeComponent(kinds[i], p)
		if err != nil {
			return nil, fmt.Errorf("component %d: %w", i+1, err)
		}
		out[i] = v
	}
	return out, nil
}

func decodeComponent(k ComponentKind, p string) (any, error) {
	switch k {
	case KindString:
		if strings.IndexByte(p, escape) < 0 {
			return p, nil
		}
		var b strings.Builder
		for i := 0; i < len(p); i++ {
			c := p[i]
			if c != escape {
				b.WriteByte(c)
				continue
			}
			if i+1 >= len(p) || p[i+1] < escapeOff || p[i+1] > escapeOff+escapeMax {
				return nil, fmt.Errorf("%w: bad escape in %q", ErrComposite, p)
			}
			b.WriteByte(p[i+1] - escapeOff)
			i++
		}
		return b.String(), nil
	case KindInt:
		if len(p) != 1+intDigits || (p[0] != 'P' && p[0] != 'N') {
			return nil, fmt.Errorf("%w: %q is not an encoded integer", ErrComposite, p)
		}
		u, err := strconv.ParseUint(p[1:], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not an encoded integer", ErrComposite, p)
		}
		if p[0] == 'P' {
			if u > math.MaxInt64 {
				return nil, fmt.Errorf("%w: %q is out of range", ErrComposite, p)
			}
			return int64(u), nil
		}
		mag := tenTo19 - u // |i|, 1 to 2^63
		if u == 0 || mag > 1<<63 || mag == 0 {
			return nil, fmt.Errorf("%w: %q is out of range", ErrComposite, p)
		}
		return -int64(mag-1) - 1, nil
	case KindTime:
		if len(p) != timeWidth {
			return nil, fmt.Errorf("%w: %q is not an encoded time", ErrComposite, p)
		}
		t, err := time.Parse(timeLayout, p)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not an encoded time", ErrComposite, p)
		}
		return t, nil
	case KindBytes:
		b, err := hex.DecodeString(p)
		if err != nil || strings.ToLower(p) != p {
			return nil, fmt.Errorf("%w: %q is not encoded bytes", ErrComposite, p)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: unknown component kind %d", ErrComposite, int(k))
}

// Composite describes a composite column of a table: the attribute that
// holds it and the attributes it is made of, in order, with their kinds.
// The mapper registers the composites of its entities in the connector's
// catalog (RegisterComposites); the index hints read them back
// (Composites) to rewrite conditions on the components into conditions on
// the composite attribute.
type Composite struct {
	// Attribute is the name of the attribute holding the encoded value,
	// normally CompositeName(Components...).
	Attribute string
	// Components are the component attributes, most significant first.
	Components []string
	// Kinds are the components' kinds, one per component.
	Kinds []ComponentKind
}

// Validate checks that c has an attribute, at least two components, one
// valid kind per component and no component twice.
func (c Composite) Validate() error {
	switch {
	case c.Attribute == "":
		return fmt.Errorf("indexhint: composite of %v has no attribute name", c.Components)
	case len(c.Components) < 2:
		return fmt.Errorf("indexhint: composite %q needs at least two components, has %d", c.Attribute, len(c.Components))
	case len(c.Kinds) != len(c.Components):
		return fmt.Errorf("indexhint: composite %q has %d components but %d kinds", c.Attribute, len(c.Components), len(c.Kinds))
	}
	seen := make(map[string]bool, len(c.Components))
	for i, name := range c.Components {
		if name == "" {
			return fmt.Errorf("indexhint: composite %q: component %d has no name", c.Attribute, i+1)
		}
		if seen[name] {
			return fmt.Errorf("indexhint: composite %q lists component %q twice", c.Attribute, name)
		}
		seen[name] = true
		if k := c.Kinds[i]; k < KindString || k > KindBytes {
			return fmt.Errorf("indexhint: composite %q: component %q has an invalid kind %d", c.Attribute, name, int(k))
		}
	}
	return nil
}

// Index returns the position of component name in c, or -1.
func (c Composite) Index(name string) int {
	for i, n := range c.Components {
		if n == name {
			return i
		}
	}
	return -1
}

// Encode encodes the value of the composite from one value per component,
// each converted to the component's kind (see EncodeComponentKind).
func (c Composite) Encode(values ...any) (string, error) {
	if len(values) != len(c.Components) {
		return "", fmt.Errorf("%w: composite %q has %d components, got %d values", ErrComposite, c.Attribute, len(c.Components), len(values))
	}
	s, err := encode(c.Kinds, values, false)
	if err != nil {
		return "", fmt.Errorf("composite %q: %w", c.Attribute, err)
	}
	return s, nil
}

// EncodePrefix encodes the values of the first len(values) components
// followed by "#" (see EncodeCompositePrefix). With no values it returns
// "".
func (c Composite) EncodePrefix(values ...any) (string, error) {
	if len(values) > len(c.Components) {
		return "", fmt.Errorf("%w: composite %q has %d components, got %d values", ErrComposite, c.Attribute, len(c.Components), len(values))
	}
	s, err := encode(c.Kinds[:len(values)], values, true)
	if err != nil {
		return "", fmt.Errorf("composite %q: %w", c.Attribute, err)
	}
	return s, nil
}

// Decode decodes a value of the composite into one value per component
// (see DecodeComposite).
func (c Composite) Decode(s string) ([]any, error) {
	return DecodeComposite(s, c.Kinds...)
}

// Comparison operators of Condition and KeyCondition.
const (
	OpEq         = "="
	OpLt         = "<"
	OpLe         = "<="
	OpGt         = ">"
	OpGe         = ">="
	OpBetween    = "BETWEEN"
	OpBeginsWith = "begins_with"
)

// KeyCondition is a condition on a composite attribute, in the forms
// DynamoDB accepts on a sort key: attribute Op Values[0], attribute
// BETWEEN Values[0] AND Values[1], or begins_with(attribute, Values[0]).
type KeyCondition struct {
	// Op is OpEq, OpLt, OpLe, OpGt, OpGe, OpBetween or OpBeginsWith.
	Op string
	// Values are the encoded operands: two for OpBetween, one otherwise.
	Values []string
	// Exact is true when the condition selects exactly the values whose
	// components satisfy the conditions it was built from. When false it
	// selects a superset (it also lets through values whose component
	// equals the bound): keep the component's own condition as a filter.
	Exact bool
}

// Condition returns the condition on the composite attribute that selects
// the values whose first len(eq) components equal eq and whose next
// component c satisfies "c op args" (args: one value, two for OpBetween;
// OpBeginsWith only for string and bytes components). With op "" it
// constrains only the first len(eq) components (eq must not be empty):
// all of them give OpEq, fewer give OpBeginsWith with the encoded prefix.
//
// The bounds rely on the encoding's properties: no encoding contains a
// bare '$' at its end, a '"', or a '#' inside a component, so for a
// prefix P (the encoded equal components and their '#'), a component value
// v encoded as e and a component that is not the last:
//
//	c = v   <=> begins_with(x, P+e+"#")
//	c > v   <=> x >= P+e+"$"
//	c >= v  <=> x >= P+e+"#"
//	c < v   <=> x <  P+e+"#"   <=> P <= x <= P+e+"\""
//	c <= v  <=> x <  P+e+"$"   <=> P <= x <= P+e+"$"
//
// and for the last component: c >= v <=> x >= P+e, c <= v <=> x <= P+e,
// c > v <=> x >= P+e+"$"; c < v <=> x < P+e, which needs an exclusive
// bound: with a prefix (two bounds) it is returned as the inclusive
// BETWEEN P AND P+e with Exact false. Bounds above a prefix P use P with
// its final '#' replaced by '$' (greater than every value starting with P).
func (c Composite) Condition(eq []any, op string, args ...any) (KeyCondition, error) {
	n := len(c.Components)
	k := len(eq)
	if k > n {
		return KeyCondition{}, fmt.Errorf("%w: composite %q has %d components, got %d equalities", ErrComposite, c.Attribute, n, k)
	}
	if op == "" || op == OpEq {
		if op == OpEq {
			if len(args) != 1 {
				return KeyCondition{}, fmt.Errorf("%w: %s takes one value, got %d", ErrComposite, op, len(args))
			}
			eq = append(eq[:k:k], args[0])
			k++
			if k > n {
				return KeyCondition{}, fmt.Errorf("%w: composite %q has %d components, got %d equalities", ErrComposite, c.Attribute, n, k)
			}
		}
		if k == 0 {
			return KeyCondition{}, fmt.Errorf("%w: composite %q: no condition on its first component", ErrComposite, c.Attribute)
		}
		if k == n {
			v, err := c.Encode(eq...)
			if err != nil {
				return KeyCondition{}, err
			}
			return KeyCondition{Op: OpEq, Values: []string{v}, Exact: true}, nil
		}
		p, err := c.EncodePrefix(eq...)
		if err != nil {
			return KeyCondition{}, err
		}
		return KeyCondition{Op: OpBeginsWith, Values: []string{p}, Exact: true}, nil
	}
	if k >= n {
		return KeyCondition{}, fmt.Errorf("%w: composite %q has %d components: no component left for %s after %d equalities", ErrComposite, c.Attribute, n, op, k)
	}
	want := 1
	if op == OpBetween {
		want = 2
	}
	if len(args) != want {
		return KeyCondition{}, fmt.Errorf("%w: %s takes %d value(s), got %d", ErrComposite, op, want, len(args))
	}
	p, err := c.EncodePrefix(eq...)
	if err != nil {
		return KeyCondition{}, err
	}
	kind := c.Kinds[k]
	enc := make([]string, len(args))
	for i, a := range args {
		if enc[i], err = EncodeComponentKind(kind, a); err != nil {
			return KeyCondition{}, fmt.Errorf("composite %q: component %q: %w", c.Attribute, c.Components[k], err)
		}
	}
	last := k == n-1
	upper := "" // above every value starting with p; "" when p is empty
	if p != "" {
		upper = p[:len(p)-1] + string(escape)
	}
	// bounded turns "x >= lo" into a condition that also keeps x within p.
	lowerOnly := func(lo string) KeyCondition {
		if upper == "" {
			return KeyCondition{Op: OpGe, Values: []string{lo}, Exact: true}
		}
		return KeyCondition{Op: OpBetween, Values: []string{lo, upper}, Exact: true}
	}
	// upperIncl turns "x <= hi" into a condition that keeps x within p.
	upperIncl := func(hi string, exact bool) KeyCondition {
		if p == "" {
			return KeyCondition{Op: OpLe, Values: []string{hi}, Exact: exact}
		}
		return KeyCondition{Op: OpBetween, Values: []string{p, hi}, Exact: exact}
	}
	e := p + enc[0]
	switch op {
	case OpBeginsWith:
		if kind != KindString && kind != KindBytes {
			return KeyCondition{}, fmt.Errorf("%w: composite %q: begins_with needs a string or bytes component; %q is a %s", ErrComposite, c.Attribute, c.Components[k], kind)
		}
		return KeyCondition{Op: OpBeginsWith, Values: []string{e}, Exact: true}, nil
	case OpGt:
		return lowerOnly(e + string(escape)), nil
	case OpGe:
		if last {
			return lowerOnly(e), nil
		}
		return lowerOnly(e + string(sep)), nil
	case OpLt:
		if p == "" {
			if last {
				return KeyCondition{Op: OpLt, Values: []string{e}, Exact: true}, nil
			}
			return KeyCondition{Op: OpLt, Values: []string{e + string(sep)}, Exact: true}, nil
		}
		if last {
			return upperIncl(e, false), nil
		}
		return upperIncl(e+`"`, true), nil
	case OpLe:
		if last {
			return upperIncl(e, true), nil
		}
		return upperIncl(e+string(escape), true), nil
	case OpBetween:
		lo, hi := e, p+enc[1]
		if !last {
			lo += string(sep)
			hi += string(escape)
		}
		return KeyCondition{Op: OpBetween, Values: []string{lo, hi}, Exact: true}, nil
	}
	return KeyCondition{}, fmt.Errorf("%w: unknown operator %q", ErrComposite, op)
}

// Matches reports whether the encoded value x satisfies the condition, by
// DynamoDB's byte-wise string comparison. It documents the semantics and
// serves tests.
func (kc KeyCondition) Matches(x string) bool {
	switch kc.Op {
	case OpEq:
		return x == kc.Values[0]
	case OpLt:
		return x < kc.Values[0]
	case OpLe:
		return x <= kc.Values[0]
	case OpGt:
		return x > kc.Values[0]
	case OpGe:
		return x >= kc.Values[0]
	case OpBetween:
		return kc.Values[0] <= x && x <= kc.Values[1]
	case OpBeginsWith:
		return strings.HasPrefix(x, kc.Values[0])
	}
	return false
}

// RegisterComposites records the composite columns of table (replacing any
// registered before under the same attribute). Invalid composites are
// refused, and then none of cs is recorded.
func (c *Catalog) RegisterComposites(table string, cs ...Composite) error {
	for _, x := range cs {
		if err := x.Validate(); err != nil {
			return fmt.Errorf("%w (table %q)", err, table)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.composites == nil {
		c.composites = make(map[string][]Composite)
	}
	list := c.composites[table]
	for _, x := range cs {
		x = Composite{
			Attribute:  x.Attribute,
			Components: append([]string(nil), x.Components...),
			Kinds:      append([]ComponentKind(nil), x.Kinds...),
		}
		replaced := false
		for i := range list {
			if list[i].Attribute == x.Attribute {
				list[i], replaced = x, true
				break
			}
		}
		if !replaced {
			list = append(list, x)
		}
	}
	c.composites[table] = list
	c.gen.Add(1)
	return nil
}

// Composites returns the composite columns registered for table, in
// registration order (a copy).
func (c *Catalog) Composites(table string) []Composite {
	c.mu.RLock()
	defer c.mu.RUnlock()
	list := c.composites[table]
	out := make([]Composite, len(list))
	for i, x := range list {
		out[i] = Composite{
			Attribute:  x.Attribute,
			Components: append([]string(nil), x.Components...),
			Kinds:      append([]ComponentKind(nil), x.Kinds...),
		}
	}
	return out
}

// Composite returns the composite column of table stored in attribute.
func (c *Catalog) Composite(table, attribute string) (Composite, bool) {
	for _, x := range c.Composites(table) {
		if x.Attribute == attribute {
			return x, true
		}
	}
	return Composite{}, false
}
