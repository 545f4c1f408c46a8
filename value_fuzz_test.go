package dynamosql

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/decimal"
)

type fuzzItem struct {
	S  string           `dynamodbav:"s"`
	I  int64            `dynamodbav:"i"`
	F  float64          `dynamodbav:"f"`
	B  []byte           `dynamodbav:"b"`
	OK bool             `dynamodbav:"ok"`
	L  []string         `dynamodbav:"l"`
	SS []string         `dynamodbav:"ss,stringset,omitempty"`
	M  map[string]int64 `dynamodbav:"m"`
	T  time.Time        `dynamodbav:"t"`
	N  Number           `dynamodbav:"n"`
}

// fuzzValues builds Go values of every kind convertValue accepts from the
// fuzzer's inputs.
func fuzzValues(s string, i int64, x float64, b []byte, ok bool) []any {
	vals := []any{
		s, i, x, b, ok, nil,
		int8(i), int16(i), int32(i), int(i), uint8(i), uint16(i), uint32(i), uint64(i), uint(i), float32(x),
		Number(s), json.Number(s), Number(strconv.FormatInt(i, 10) + "." + strconv.Itoa(len(b)) + "0"),
		big.NewInt(i), new(big.Int).SetBytes(b), new(big.Int).Mul(big.NewInt(i), big.NewInt(i)),
		new(big.Rat).SetFrac(big.NewInt(i), big.NewInt(int64(len(b))+1)),
		time.Unix(0, i), time.Unix(i%(1<<36), 0).In(time.FixedZone("X", int(i%50000))),
		&s, (*string)(nil), &x,
		StringSet{s}, StringSet{s, s + "x"}, StringSet{s, s},
		NumberSet{Number(strconv.FormatInt(i, 10)), Number(s)},
		BinarySet{b}, BinarySet{b, append(bytes.Clone(b), 0)},
		List{s, i, x, b, ok, nil, StringSet{s}, List{}, Map{}},
		Map{s: i, "x": List{Map{"y": b, "z": x}}, "n": Number(s)},
		[]any{s, x, []any{b}}, map[string]any{"k": s, "b": b, "t": ok},
		[]string{s, s}, []int64{i}, map[string]float64{s: x}, [2][]byte{b, nil},
		sql.NullString{String: s, Valid: ok}, sql.NullFloat64{Float64: x, Valid: ok}, sql.NullInt64{Int64: i, Valid: ok},
		fuzzItem{S: s, I: i, F: x, B: b, OK: ok, L: []string{s}, SS: []string{s}, M: map[string]int64{s: i},
			T: time.Unix(0, i), N: Number(s)},
		JSON(s), JSON(b), Document(&fuzzItem{S: s, F: x}),
	}
	if !math.IsNaN(x) {
		vals = append(vals, big.NewFloat(x), new(big.Float).SetPrec(200).Quo(big.NewFloat(x), big.NewFloat(3)))
	}
	if f, _, err := big.ParseFloat(s, 10, 100, big.ToNearestEven); err == nil {
		vals = append(vals, f)
	}
	if ok {
		vals = append(vals, Map{"all": List(vals[:len(vals)/2])})
	}
	return vals
}

func FuzzValueRoundTrip(f *testing.F) {
	f.Add("hello", int64(42), 1.5, []byte{1, 2}, true)
	f.Add("", int64(0), 0.0, []byte{}, false)
	f.Add("1.50", int64(-1), math.Copysign(0, -1), []byte(`{"a":[1,"x"]}`), true)
	f.Add("12345678901234567890123456789012345678", int64(math.MinInt64), 1e20, []byte("[]"), true)
	f.Add("1E-130", int64(math.MaxInt64), 1e-130, []byte(nil), false)
	f.Add("2024-01-02T03:04:05.123+01:00", int64(1e18), 0.1, []byte{0xff}, true)
	f.Add("\xff", int64(7), math.Inf(1), []byte("x"), true)
	f.Add(`{"k":[1.0,true,null,"s",{"n":-0}]}`, int64(-7), math.NaN(), []byte(`[1e400]`), true)
	f.Fuzz(func(t *testing.T, s string, i int64, x float64, b []byte, ok bool) {
		for _, v := range fuzzValues(s, i, x, b, ok) {
			checkRoundTrip(t, v)
		}
	})
}

// checkRoundTrip converts v, decodes the attribute value the way Rows.Next
// does, converts the decoded value again and requires the same attribute
// value; it also checks the JSON form and the scan type.
func checkRoundTrip(t *testing.T, v any) {
	t.Helper()
	av1, err := convertValue(v)
	if err != nil {
		if !errors.Is(err, ErrInvalidValue) && !errors.Is(err, ErrUnsupportedType) {
			t.Fatalf("convertValue(%#v): error matches no sentinel: %v", v, err)
		}
		if !strings.HasPrefix(err.Error(), "dynamosql: ") {
			t.Fatalf("convertValue(%#v): error without prefix: %v", v, err)
		}
		return
	}
	for _, o := range []decodeOptions{{}, {parseTime: true}} {
		d := decodeValue(av1, o)
		av2, err := convertValue(d)
		if err != nil {
			t.Fatalf("%#v -> %s -> %#v (%+v): converting back: %v", v, avDebug(av1), d, o, err)
		}
		if !avEqual(av1, av2, o.parseTime) {
			t.Fatalf("%#v -> %s -> %#v (%+v) -> %s", v, avDebug(av1), d, o, avDebug(av2))
		}
	}

	d := decodeValue(av1, decodeOptions{})
	dest := reflect.New(scanType(typeName(av1)))
	if err := scanVia(d, dest.Interface()); err != nil {
		t.Fatalf("%s (%#v) does not scan into *%s: %v", avDebug(av1), d, dest.Elem().Type(), err)
	}

	var j JSON
	if err := j.Scan(d); err != nil {
		t.Fatalf("JSON.Scan(%#v): %v", d, err)
	}
	if typeName(av1) == "NULL" {
		if j != nil {
			t.Fatalf("NULL scans into JSON %q, want nil", j)
		}
	} else if !json.Valid(j) {
		t.Fatalf("JSON of %s is invalid: %s", avDebug(av1), j)
	}
	switch v := av1.(type) {
	case *types.AttributeValueMemberL, *types.AttributeValueMemberM:
		if dj := decodeValue(av1, decodeOptions{jsonDocuments: true}); !bytes.Equal(dj.([]byte), j) {
			t.Fatalf("documents=json gives %s, JSON.Scan %s", dj, j)
		}
	case *types.AttributeValueMemberB:
		if isJSONDocument(v.Value) {
			return // taken as JSON text, by design
		}
	}
	av3, err := j.Value()
	if err != nil {
		t.Fatalf("JSON %s of %s does not convert back: %v", j, avDebug(av1), err)
	}
	if !jsonImageEqual(av1, av3.(types.AttributeValue)) {
		t.Fatalf("%s -> JSON %s -> %s", avDebug(av1), j, avDebug(av3.(types.AttributeValue)))
	}
}

func avDebug(av types.AttributeValue) string {
	return string(appendJSON([]byte(typeName(av)+" "), av))
}

// avEqual compares attribute values; with parseTime, two S that are RFC
// 3339 texts of the same instant are equal (decoding them gives a
// time.Time, which is written back in UTC).
func avEqual(a, b types.AttributeValue, parseTime bool) bool {
	if !parseTime {
		return reflect.DeepEqual(a, b)
	}
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		y, ok := b.(*types.AttributeValueMemberS)
		if !ok {
			return false
		}
		if x.Value == y.Value {
			return true
		}
		tx, ok1 := parseTimeText(x.Value)
		ty, ok2 := parseTimeText(y.Value)
		return ok1 && ok2 && tx.Equal(ty)
	case *types.AttributeValueMemberL:
		y, ok := b.(*types.AttributeValueMemberL)
		if !ok || len(x.Value) != len(y.Value) {
			return false
		}
		for i := range x.Value {
			if !avEqual(x.Value[i], y.Value[i], true) {
				return false
			}
		}
		return true
	case *types.AttributeValueMemberM:
		y, ok := b.(*types.AttributeValueMemberM)
		if !ok || len(x.Value) != len(y.Value) {
			return false
		}
		for k, e := range x.Value {
			f, ok := y.Value[k]
			if !ok || !avEqual(e, f, true) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// jsonImageEqual reports whether got is what orig becomes after a trip
// through JSON: B as a base64 S, sets as lists, numbers equal in value.
func jsonImageEqual(orig, got types.AttributeValue) bool {
	list := func(n int, elem func(i int) types.AttributeValue) bool {
		l, ok := got.(*types.AttributeValueMemberL)
		if !ok || len(l.Value) != n {
			return false
		}
		for i := range n {
			if !jsonImageEqual(elem(i), l.Value[i]) {
				return false
			}
		}
		return true
	}
	switch x := orig.(type) {
	case *types.AttributeValueMemberN:
		y, ok := got.(*types.AttributeValueMemberN)
		return ok && decimal.Key(x.Value) == decimal.Key(y.Value)
	case *types.AttributeValueMemberB:
		return reflect.DeepEqual(got, vtS(base64.StdEncoding.EncodeToString(x.Value)))
	case *types.AttributeValueMemberSS:
		return list(len(x.Value), func(i int) types.AttributeValue { return vtS(x.Value[i]) })
	case *types.AttributeValueMemberNS:
		return list(len(x.Value), func(i int) types.AttributeValue { return vtN(x.Value[i]) })
	case *types.AttributeValueMemberBS:
		return list(len(x.Value), func(i int) types.AttributeValue { return vtB(x.Value[i]...) })
	case *types.AttributeValueMemberL:
		return list(len(x.Value), func(i int) types.AttributeValue { return x.Value[i] })
	case *types.AttributeValueMemberM:
		y, ok := got.(*types.AttributeValueMemberM)
		if !ok || len(x.Value) != len(y.Value) {
			return false
		}
		for k, e := range x.Value {
			f, ok := y.Value[k]
			if !ok || !jsonImageEqual(e, f) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(orig, got)
}
