package indexhint

import (
	"bytes"
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ---- random tuples ----

// pieces are string fragments chosen to collide: separators, escapes,
// bytes on both sides of them, prefixes of each other, multi-byte UTF-8.
var pieces = []string{
	"", "a", "b", "ab", "#", "$", "%", " ", "!", "\"", "\x00", "\x01", "\x1f",
	"\x23\x24", "a#", "a$b", "$c", "$d", "#a", "\x7f", "é", "é#", "日本",
	"\U0010FFFF", "Smith", "Smithson", "Smith Jones", "Smith!", "z",
}

var ints = []int64{
	math.MinInt64, math.MinInt64 + 1, -1_000_000_000_000, -10, -5, -2, -1, 0, 1, 2, 3, 9, 10, 11,
	999, 1000, math.MaxInt64 - 1, math.MaxInt64,
}

var zones = []*time.Location{time.UTC, time.FixedZone("UTC+5:30", 5*3600+1800), time.FixedZone("UTC-8", -8*3600)}

func randString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(4) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randInt(r *rand.Rand) int64 {
	if r.IntN(3) == 0 {
		return int64(r.Uint64())
	}
	return ints[r.IntN(len(ints))]
}

func randTime(r *rand.Rand) time.Time {
	base := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 1, 12, 0, 0, 1, time.UTC),
		time.Date(2024, 5, 1, 12, 0, 0, 500000000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	t := base[r.IntN(len(base))]
	if r.IntN(2) == 0 {
		t = t.Add(time.Duration(r.Int64N(int64(48 * time.Hour))))
		if t.Year() > 9999 {
			t = base[len(base)-1]
		}
	}
	return t.In(zones[r.IntN(len(zones))])
}

func randBytes(r *rand.Rand) []byte {
	b := make([]byte, r.IntN(4))
	for i := range b {
		b[i] = []byte{0, 1, 0x23, 0x24, 0x7f, 0x80, 0xff}[r.IntN(7)]
	}
	return b
}

// cut returns a random prefix of s that ends on a rune boundary.
func cut(r *rand.Rand, s string) string {
	n := r.IntN(len(s) + 1)
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func randValue(r *rand.Rand, k ComponentKind) any {
	switch k {
	case KindString:
		return randString(r)
	case KindInt:
		return randInt(r)
	case KindTime:
		return randTime(r)
	default:
		return randBytes(r)
	}
}

func randKinds(r *rand.Rand) []ComponentKind {
	kinds := make([]ComponentKind, 1+r.IntN(4))
	for i := range kinds {
		kinds[i] = ComponentKind(1 + r.IntN(4))
	}
	return kinds
}

func randTuple(r *rand.Rand, kinds []ComponentKind) []any {
	t := make([]any, len(kinds))
	for i, k := range kinds {
		t[i] = randValue(r, k)
	}
	return t
}

// compareValue is the natural order of one component.
func compareValue(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case int64:
		return cmp.Compare(x, b.(int64))
	case time.Time:
		return x.Compare(b.(time.Time))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	}
	panic("unknown value")
}

// compareTuple is the order of tuples: component by component.
func compareTuple(a, b []any) int {
	for i := range a {
		if c := compareValue(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

func mustEncode(t *testing.T, values ...any) string {
	t.Helper()
	s, err := EncodeComposite(values...)
	if err != nil {
		t.Fatalf("EncodeComposite(%q): %v", values, err)
	}
	return s
}

// ---- properties ----

// TestCompositeOrderProperty: for random tuples of random kinds, the byte
// order of the encodings is the order of the tuples.
func TestCompositeOrderProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		kinds := randKinds(r)
		tuples := make([][]any, 40)
		for i := range tuples {
			tuples[i] = randTuple(r, kinds)
		}
		// Share leading components, so that later ones decide.
		for i := 1; i < len(tuples); i += 2 {
			copy(tuples[i], tuples[i-1][:r.IntN(len(kinds)+1)])
		}
		enc := make([]string, len(tuples))
		for i, tu := range tuples {
			enc[i] = mustEncode(t, tu...)
			if !utf8.ValidString(enc[i]) {
				t.Fatalf("encoding of %q is not valid UTF-8: %q", tu, enc[i])
			}
		}
		for i := range tuples {
			for j := range tuples {
				want := compareTuple(tuples[i], tuples[j])
				got := strings.Compare(enc[i], enc[j])
				if want != got {
					t.Fatalf("kinds %v:\n a=%q -> %q\n b=%q -> %q\n tuple order %d, byte order %d",
						kinds, tuples[i], enc[i], tuples[j], enc[j], want, got)
				}
			}
		}
	}
}

// TestCompositePrefixProperty: begins_with(encode(t), prefix(p)) holds
// exactly when t starts with the components p.
func TestCompositePrefixProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		kinds := randKinds(r)
		if len(kinds) < 2 {
			kinds = append(kinds, KindString)
		}
		a := randTuple(r, kinds)
		// A prefix of leading components: fewer than all of them (the
		// prefix ends with '#', which a whole value does not).
		k := 1 + r.IntN(len(kinds)-1)
		p := randTuple(r, kinds)[:k]
		if r.IntN(2) == 0 {
			copy(p, a[:k])
			if r.IntN(2) == 0 && kinds[k-1] == KindString {
				p[k-1] = cut(r, p[k-1].(string))
			}
		}
		prefix, err := EncodeCompositePrefix(p...)
		if err != nil {
			t.Fatal(err)
		}
		want := compareTuple(a[:k], p) == 0
		got := strings.HasPrefix(mustEncode(t, a...), prefix)
		if want != got {
			t.Fatalf("a=%q p=%q: prefix %q matches %v, want %v", a, p, prefix, got, want)
		}
	}
}

// TestCompositeDecodeRoundTrip decodes what was encoded.
func TestCompositeDecodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		kinds := randKinds(r)
		tu := randTuple(r, kinds)
		s := mustEncode(t, tu...)
		got, err := DecodeComposite(s, kinds...)
		if err != nil {
			t.Fatalf("DecodeComposite(%q): %v", s, err)
		}
		for i := range tu {
			if compareValue(tu[i], got[i]) != 0 {
				t.Fatalf("round trip of %q: got %q", tu, got)
			}
		}
	}
}

// TestCompositeConditionProperty checks every operator of Condition on
// random composites: an Exact condition selects exactly the matching
// values; an inexact one a superset.
func TestCompositeConditionProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ops := []string{"", OpEq, OpLt, OpLe, OpGt, OpGe, OpBetween, OpBeginsWith}
	checked := 0
	for range 1500 {
		kinds := randKinds(r)
		if len(kinds) < 2 {
			kinds = append(kinds, KindString)
		}
		c := Composite{Attribute: "c", Components: make([]string, len(kinds)), Kinds: kinds}
		for i := range kinds {
			c.Components[i] = string(rune('a' + i))
		}
		pool := make([][]any, 60)
		for i := range pool {
			pool[i] = randTuple(r, kinds)
		}
		for i := 1; i < len(pool); i++ {
			copy(pool[i], pool[r.IntN(i)][:r.IntN(len(kinds))])
		}
		base := pool[r.IntN(len(pool))]
		op := ops[r.IntN(len(ops))]
		k := r.IntN(len(kinds) + 1)
		if op == "" && k == 0 {
			k = 1
		}
		if op != "" && k == len(kinds) {
			k--
		}
		eq := base[:k]
		var args []any
		switch op {
		case "":
		case OpBetween:
			args = []any{randValue(r, kinds[k]), pool[r.IntN(len(pool))][k]}
		case OpBeginsWith:
			if kinds[k] != KindString && kinds[k] != KindBytes {
				if _, err := c.Condition(eq, op, randValue(r, kinds[k])); err == nil {
					t.Fatalf("begins_with on a %s component accepted", kinds[k])
				}
				continue
			}
			v := pool[r.IntN(len(pool))][k]
			switch x := v.(type) {
			case string:
				v = cut(r, x)
			case []byte:
				v = x[:r.IntN(len(x)+1)]
			}
			args = []any{v}
		default:
			if r.IntN(2) == 0 {
				args = []any{pool[r.IntN(len(pool))][k]}
			} else {
				args = []any{randValue(r, kinds[k])}
			}
		}
		kc, err := c.Condition(eq, op, args...)
		if err != nil {
			t.Fatalf("Condition(%q, %q, %q): %v", eq, op, args, err)
		}
		for _, tu := range pool {
			want := matches(tu, eq, op, args)
			got := kc.Matches(mustEncode(t, tu...))
			if got != want && (kc.Exact || !got) {
				t.Fatalf("kinds %v eq=%q %s %q -> %+v\n tuple %q (%q): matches %v, want %v",
					kinds, eq, op, args, kc, tu, mustEncode(t, tu...), got, want)
			}
			checked++
		}
	}
	if checked < 10000 {
		t.Fatalf("only %d checks ran", checked)
	}
}

// matches evaluates the component conditions directly.
func matches(tu, eq []any, op string, args []any) bool {
	k := len(eq)
	if compareTuple(tu[:k], eq) != 0 {
		return false
	}
	if op == "" {
		return true
	}
	c := compareValue(tu[k], args[0])
	switch op {
	case OpEq:
		return c == 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	case OpBetween:
		return c >= 0 && compareValue(tu[k], args[1]) <= 0
	case OpBeginsWith:
		switch x := tu[k].(type) {
		case string:
			return strings.HasPrefix(x, args[0].(string))
		case []byte:
			return bytes.HasPrefix(x, args[0].([]byte))
		}
	}
	panic("unknown op " + op)
}

// ---- examples ----

func TestCompositeName(t *testing.T) {
	if got := CompositeName("lastname", "firstname"); got != "lastname#firstname" {
		t.Fatalf("CompositeName = %q", got)
	}
}

func TestEncodeCompositeExamples(t *testing.T) {
	ts := time.Date(2024, 5, 1, 14, 0, 0, 5, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		values []any
		want   string
	}{
		{[]any{"Smith", "John"}, "Smith#John"},
		{[]any{"a#b", "c$d"}, "a$cb#c$dd"},
		{[]any{"Mc Donald", "O'Neil!"}, "Mc$`Donald#O'Neil$a"},
		{[]any{"", ""}, "#"},
		{[]any{"\x00\x1f\"", "é"}, "$@$_$b#é"},
		{[]any{int64(-5), 3, uint8(10)}, "N9999999999999999995#P0000000000000000003#P0000000000000000010"},
		{[]any{int64(math.MinInt64), int64(math.MaxInt64)}, "N0776627963145224192#P9223372036854775807"},
		{[]any{ts, "x"}, "2024-05-01T12:00:00.000000005Z#x"},
		{[]any{[]byte{0x00, 0xff}, "x"}, "00ff#x"},
		{[]any{&types.AttributeValueMemberS{Value: "a b"}, &types.AttributeValueMemberN{Value: "-1"}}, "a$`b#N9999999999999999999"},
	}
	for _, tt := range tests {
		got, err := EncodeComposite(tt.values...)
		if err != nil || got != tt.want {
			t.Errorf("EncodeComposite(%q) = %q, %v; want %q", tt.values, got, err, tt.want)
		}
	}
	if got, _ := EncodeCompositePrefix("Smith"); got != "Smith#" {
		t.Errorf("EncodeCompositePrefix(Smith) = %q", got)
	}
	if got, _ := EncodeCompositePrefix(); got != "" {
		t.Errorf("EncodeCompositePrefix() = %q", got)
	}
	if got, _ := EncodeComponent("a#"); got != "a$c" {
		t.Errorf("EncodeComponent(a#) = %q", got)
	}
}

func TestEncodeIntOrder(t *testing.T) {
	vals := []int64{math.MinInt64, -1 << 62, -1000, -10, -5, -1, 0, 1, 3, 10, 1000, 1 << 62, math.MaxInt64}
	var prev string
	for i, v := range vals {
		s := mustEncode(t, v)
		if len(s) != 20 {
			t.Fatalf("encoding of %d is %q, want 20 bytes", v, s)
		}
		if i > 0 && prev >= s {
			t.Fatalf("%d encodes to %q, not above %d's %q", v, s, vals[i-1], prev)
		}
		prev = s
		got, err := DecodeComposite(s, KindInt)
		if err != nil || got[0].(int64) != v {
			t.Fatalf("decode %q = %v, %v; want %d", s, got, err, v)
		}
	}
}

func TestEncodeTimeZonesAndNanos(t *testing.T) {
	a := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	b := a.In(time.FixedZone("x", -5*3600))
	if mustEncode(t, a) != mustEncode(t, b) {
		t.Fatalf("the same instant in two zones encodes differently: %q %q", mustEncode(t, a), mustEncode(t, b))
	}
	// Go's RFC3339Nano trims trailing zeros and sorts .5 before .0Z;
	// the fixed width does not.
	whole, half := mustEncode(t, a), mustEncode(t, a.Add(500*time.Millisecond))
	if !(whole < half) || len(whole) != 30 || len(half) != 30 {
		t.Fatalf("%q < %q expected, both 30 bytes", whole, half)
	}
	if _, err := EncodeComposite(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrComposite) {
		t.Fatalf("year 10000: %v", err)
	}
	if _, err := EncodeComposite(time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrComposite) {
		t.Fatalf("year -1: %v", err)
	}
	// A time from an S (what the driver sends for time.Time arguments).
	c := Composite{Attribute: "a#t", Components: []string{"a", "t"}, Kinds: []ComponentKind{KindString, KindTime}}
	got, err := c.Encode(&types.AttributeValueMemberS{Value: "x"}, &types.AttributeValueMemberS{Value: "2024-01-01T01:00:00+01:00"})
	if err != nil || got != "x#2024-01-01T00:00:00.000000000Z" {
		t.Fatalf("Encode from S = %q, %v", got, err)
	}
}

func TestEncodeCompositeErrors(t *testing.T) {
	var nilp *string
	type myInt int16
	type myString string
	tests := []struct {
		name   string
		values []any
	}{
		{"nil", []any{"a", nil}},
		{"nil pointer", []any{"a", nilp}},
		{"float", []any{1.5}},
		{"bool", []any{true}},
		{"uint64 overflow", []any{uint64(math.MaxUint64)}},
		{"invalid utf8", []any{"\xff"}},
		{"NULL", []any{"a", &types.AttributeValueMemberNULL{Value: true}}},
		{"N not integer", []any{&types.AttributeValueMemberN{Value: "1.5"}}},
		{"map", []any{map[string]any{}}},
	}
	for _, tt := range tests {
		if _, err := EncodeComposite(tt.values...); !errors.Is(err, ErrComposite) {
			t.Errorf("%s: err = %v, want ErrComposite", tt.name, err)
		}
	}
	s := "x"
	if got, err := EncodeComposite(&s, myInt(-2), myString("y")); err != nil || got != "x#N9999999999999999998#y" {
		t.Errorf("pointer and named types: %q, %v", got, err)
	}
	c := Composite{Attribute: "a#n", Components: []string{"a", "n"}, Kinds: []ComponentKind{KindString, KindInt}}
	if _, err := c.Encode("a"); !errors.Is(err, ErrComposite) {
		t.Errorf("too few values: %v", err)
	}
	if _, err := c.Encode("a", "nope"); !errors.Is(err, ErrComposite) {
		t.Errorf("non-numeric int: %v", err)
	}
	if got, err := c.Encode("a", "42"); err != nil || got != "a#P0000000000000000042" {
		t.Errorf("numeric string for an int: %q, %v", got, err)
	}
	if _, err := c.EncodePrefix("a", 1, 2); !errors.Is(err, ErrComposite) {
		t.Errorf("too many prefix values: %v", err)
	}
}

func TestDecodeCompositeErrors(t *testing.T) {
	tests := []struct {
		s     string
		kinds []ComponentKind
	}{
		{"a#b", []ComponentKind{KindString}},
		{"a$", []ComponentKind{KindString}},
		{"a$z", []ComponentKind{KindString}},
		{"X0000000000000000001", []ComponentKind{KindInt}},
		{"P123", []ComponentKind{KindInt}},
		{"P9999999999999999999", []ComponentKind{KindInt}},
		{"N0000000000000000000", []ComponentKind{KindInt}},
		{"2024-01-01", []ComponentKind{KindTime}},
		{"0g", []ComponentKind{KindBytes}},
		{"0A", []ComponentKind{KindBytes}},
	}
	for _, tt := range tests {
		if _, err := DecodeComposite(tt.s, tt.kinds...); !errors.Is(err, ErrComposite) {
			t.Errorf("DecodeComposite(%q, %v) err = %v, want ErrComposite", tt.s, tt.kinds, err)
		}
	}
}

func TestCompositeConditionExamples(t *testing.T) {
	c := Composite{Attribute: "lastname#firstname", Components: []string{"lastname", "firstname"}, Kinds: []ComponentKind{KindString, KindString}}
	tests := []struct {
		eq   []any
		op   string
		args []any
		want KeyCondition
	}{
		{[]any{"Smith", "John"}, "", nil, KeyCondition{OpEq, []string{"Smith#John"}, true}},
		{[]any{"Smith"}, "", nil, KeyCondition{OpBeginsWith, []string{"Smith#"}, true}},
		{[]any{"Smith"}, OpEq, []any{"John"}, KeyCondition{OpEq, []string{"Smith#John"}, true}},
		{nil, OpEq, []any{"Smith"}, KeyCondition{OpBeginsWith, []string{"Smith#"}, true}},
		{nil, OpBeginsWith, []any{"Smi"}, KeyCondition{OpBeginsWith, []string{"Smi"}, true}},
		{[]any{"Smith"}, OpBeginsWith, []any{"J"}, KeyCondition{OpBeginsWith, []string{"Smith#J"}, true}},
		{nil, OpGt, []any{"Smith"}, KeyCondition{OpGe, []string{"Smith$"}, true}},
		{nil, OpGe, []any{"Smith"}, KeyCondition{OpGe, []string{"Smith#"}, true}},
		{nil, OpLt, []any{"Smith"}, KeyCondition{OpLt, []string{"Smith#"}, true}},
		{nil, OpLe, []any{"Smith"}, KeyCondition{OpLe, []string{"Smith$"}, true}},
		{nil, OpBetween, []any{"A", "B"}, KeyCondition{OpBetween, []string{"A#", "B$"}, true}},
		{[]any{"Smith"}, OpGt, []any{"J"}, KeyCondition{OpBetween, []string{"Smith#J$", "Smith$"}, true}},
		{[]any{"Smith"}, OpGe, []any{"J"}, KeyCondition{OpBetween, []string{"Smith#J", "Smith$"}, true}},
		{[]any{"Smith"}, OpLe, []any{"J"}, KeyCondition{OpBetween, []string{"Smith#", "Smith#J"}, true}},
		{[]any{"Smith"}, OpLt, []any{"J"}, KeyCondition{OpBetween, []string{"Smith#", "Smith#J"}, false}},
		{[]any{"Smith"}, OpBetween, []any{"A", "K"}, KeyCondition{OpBetween, []string{"Smith#A", "Smith#K"}, true}},
	}
	for _, tt := range tests {
		got, err := c.Condition(tt.eq, tt.op, tt.args...)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Condition(%q, %q, %q) = %+v, %v; want %+v", tt.eq, tt.op, tt.args, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		eq   []any
		op   string
		args []any
	}{
		{nil, "", nil},
		{[]any{"a", "b"}, OpGt, []any{"c"}},
		{[]any{"a", "b", "c"}, "", nil},
		{nil, OpBetween, []any{"a"}},
		{nil, "LIKE", []any{"a"}},
		{nil, OpGt, []any{1.5}},
	} {
		if _, err := c.Condition(bad.eq, bad.op, bad.args...); !errors.Is(err, ErrComposite) {
			t.Errorf("Condition(%q, %q, %q) err = %v, want ErrComposite", bad.eq, bad.op, bad.args, err)
		}
	}
}

func TestCatalogComposites(t *testing.T) {
	cat := NewCatalog(nil)
	if got := cat.Composites("user"); len(got) != 0 {
		t.Fatalf("empty catalog has %v", got)
	}
	a := Composite{Attribute: "lastname#firstname", Components: []string{"lastname", "firstname"}, Kinds: []ComponentKind{KindString, KindString}}
	b := Composite{Attribute: "age#created", Components: []string{"age", "created"}, Kinds: []ComponentKind{KindInt, KindTime}}
	if err := cat.RegisterComposites("user", a, b); err != nil {
		t.Fatal(err)
	}
	a2 := a
	a2.Kinds = []ComponentKind{KindString, KindInt}
	if err := cat.RegisterComposites("user", a2); err != nil {
		t.Fatal(err)
	}
	got := cat.Composites("user")
	if want := []Composite{a2, b}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Composites = %+v, want %+v", got, want)
	}
	got[0].Components[0] = "changed"
	if x, ok := cat.Composite("user", "lastname#firstname"); !ok || x.Components[0] != "lastname" {
		t.Fatalf("Composites returned shared slices: %+v", x)
	}
	if _, ok := cat.Composite("other", "lastname#firstname"); ok {
		t.Fatal("composite found in another table")
	}
	for _, bad := range []Composite{
		{Attribute: "", Components: []string{"a", "b"}, Kinds: []ComponentKind{KindString, KindString}},
		{Attribute: "a", Components: []string{"a"}, Kinds: []ComponentKind{KindString}},
		{Attribute: "a#b", Components: []string{"a", "b"}, Kinds: []ComponentKind{KindString}},
		{Attribute: "a#a", Components: []string{"a", "a"}, Kinds: []ComponentKind{KindString, KindString}},
		{Attribute: "a#b", Components: []string{"a", "b"}, Kinds: []ComponentKind{KindString, 9}},
	} {
		if err := cat.RegisterComposites("t", a, bad); err == nil {
			t.Errorf("RegisterComposites accepted %+v", bad)
		}
	}
	if got := cat.Composites("t"); len(got) != 0 {
		t.Fatalf("a refused registration recorded %v", got)
	}
}

func TestCatalogCompositesConcurrent(t *testing.T) {
	cat := NewCatalog(nil)
	c := Composite{Attribute: "a#b", Components: []string{"a", "b"}, Kinds: []ComponentKind{KindString, KindInt}}
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				_ = cat.RegisterComposites("t", c)
				_ = cat.Composites("t")
			}
		}()
	}
	for range 4 {
		<-done
	}
	if got := cat.Composites("t"); len(got) != 1 {
		t.Fatalf("Composites = %v", got)
	}
}

func TestKindOfType(t *testing.T) {
	tests := []struct {
		v    any
		want ComponentKind
		ok   bool
	}{
		{"", KindString, true},
		{int8(0), KindInt, true},
		{uint(0), KindInt, true},
		{time.Time{}, KindTime, true},
		{&time.Time{}, KindTime, true},
		{[]byte(nil), KindBytes, true},
		{1.5, 0, false},
		{false, 0, false},
		{[]string{}, 0, false},
	}
	for _, tt := range tests {
		got, ok := KindOfType(reflect.TypeOf(tt.v))
		if got != tt.want || ok != tt.ok {
			t.Errorf("KindOfType(%T) = %v, %v", tt.v, got, ok)
		}
	}
	names := []string{KindString.String(), KindInt.String(), KindTime.String(), KindBytes.String(), ComponentKind(0).String()}
	if !slices.Equal(names, []string{"string", "int", "time", "bytes", "ComponentKind(0)"}) {
		t.Errorf("kind names %v", names)
	}
}
