package mapper

import (
	"fmt"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// timeLayout is how the mapper writes a time.Time: RFC 3339 in UTC with a
// fixed width, so that times sort chronologically as strings.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func encodeTime(t time.Time) (types.AttributeValue, error) {
	u := t.UTC()
	if y := u.Year(); y < 0 || y > 9999 {
		// RFC 3339 has four-digit years; keep what Go writes for others.
		return &types.AttributeValueMemberS{Value: t.Format(time.RFC3339Nano)}, nil
	}
	return &types.AttributeValueMemberS{Value: u.Format(timeLayout)}, nil
}

func encoderOptions(o *attributevalue.EncoderOptions) {
	o.EncodeTime = encodeTime
}

// itemEncoder is the encoder of marshalMap. An Encoder only reads its
// options, so one serves every goroutine.
var itemEncoder = attributevalue.NewEncoder(encoderOptions)

// marshalMap is attributevalue.MarshalMapWithOptions(in, encoderOptions)
// without building a new Encoder for each value.
func marshalMap(in any) (map[string]types.AttributeValue, error) {
	av, err := itemEncoder.Encode(in)
	m, ok := av.(*types.AttributeValueMemberM)
	if err != nil || av == nil || !ok {
		return map[string]types.AttributeValue{}, err
	}
	return m.Value, nil
}

// item is an entity value marshalled to attributes, with its composites.
type item map[string]types.AttributeValue

// present reports whether the item has attribute name with a non-NULL
// value.
func (it item) present(name string) bool {
	av, ok := it[name]
	if !ok || av == nil {
		return false
	}
	if n, ok := av.(*types.AttributeValueMemberNULL); ok && n.Value {
		return false
	}
	return true
}

// marshal turns v (a T) into an item with its composite columns: a
// composite is present when all its components are.
func (m *Metadata) marshal(v reflect.Value) (item, error) {
	av, err := marshalMap(v.Interface())
	if err != nil {
		return nil, fmt.Errorf("mapper: %s: %w", m.Entity, err)
	}
	it := item(av)
	for _, c := range m.Composites {
		values := make([]any, len(c.Components))
		complete := true
		for i, name := range c.Components {
			if !it.present(name) {
				complete = false
				break
			}
			a, _ := m.Attribute(name)
			fv, ok := fieldValue(v, a.index)
			if !ok {
				complete = false
				break
			}
			values[i] = fv.Interface()
		}
		if !complete {
			continue
		}
		s, err := c.Encode(values...)
		if err != nil {
			return nil, fmt.Errorf("mapper: %s: composite %q: %w", m.Entity, c.Attribute, err)
		}
		it[c.Attribute] = &types.AttributeValueMemberS{Value: s}
	}
	return it, nil
}

// checkKey checks that the item has the table's key attributes.
func (m *Metadata) checkKey(it item) error {
	for _, k := range []string{m.PartitionKey, m.SortKey} {
		if k == "" {
			continue
		}
		if !it.present(k) {
			a, _ := m.Attribute(k)
			return fmt.Errorf("mapper: %s: key attribute %q (field %s) is missing", m.Entity, k, a.Field)
		}
		if s, ok := it[k].(*types.AttributeValueMemberS); ok && s.Value == "" {
			a, _ := m.Attribute(k)
			return fmt.Errorf("mapper: %s: key attribute %q (field %s) is empty; DynamoDB keys cannot be empty strings", m.Entity, k, a.Field)
		}
	}
	return nil
}

// fieldValue returns the field at index in v, following embedded
// pointers; false when a nil embedded pointer is on the way.
func fieldValue(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 {
			for v.Kind() == reflect.Pointer {
				if v.IsNil() {
					return reflect.Value{}, false
				}
				v = v.Elem()
			}
		}
		v = v.Field(x)
	}
	return v, true
}

// settableField returns the field at index in v (addressable), allocating
// nil embedded pointers on the way.
func settableField(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 {
			for v.Kind() == reflect.Pointer {
				if v.IsNil() {
					v.Set(reflect.New(v.Type().Elem()))
				}
				v = v.Elem()
			}
		}
		v = v.Field(x)
	}
	return v
}

// convertTo converts x to type t for assignment to a field: as it is when
// assignable, by conversion between compatible kinds (an int to an int64
// field, a string to a named string type), and into a new pointer for a
// pointer field. Nil becomes the zero value.
func convertTo(x any, t reflect.Type) (reflect.Value, bool) {
	if x == nil {
		return reflect.Zero(t), true
	}
	v := reflect.ValueOf(x)
	if v.Type().AssignableTo(t) {
		return v, true
	}
	if t.Kind() == reflect.Pointer {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Zero(t), true
			}
			v = v.Elem()
		}
		inner, ok := convertTo(v.Interface(), t.Elem())
		if !ok {
			return reflect.Value{}, false
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(inner)
		return p, true
	}
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return convertTo(v.Elem().Interface(), t)
	}
	if compatibleKinds(v.Type(), t) && v.Type().ConvertibleTo(t) {
		return v.Convert(t), true
	}
	return reflect.Value{}, false
}

// compatibleKinds allows the conversions that keep a value's meaning:
// integers to integers and floats, floats to floats, strings to strings
// and same-kind composites. (reflect also converts an int to a string,
// as a rune: never wanted here.)
func compatibleKinds(from, to reflect.Type) bool {
	isInt := func(k reflect.Kind) bool {
		return k >= reflect.Int && k <= reflect.Uint64
	}
	isFloat := func(k reflect.Kind) bool { return k == reflect.Float32 || k == reflect.Float64 }
	f, t := from.Kind(), to.Kind()
	switch {
	case isInt(f):
		return isInt(t) || isFloat(t)
	case isFloat(f):
		return isFloat(t)
	default:
		return f == t
	}
}

// attrValue converts x, a value for attribute name, to an attribute value
// the way the entity stores it: when x fits the attribute's field, through
// a zero entity with the field set (honouring the field's tag options);
// otherwise (or for attributes the entity does not have) with
// attributevalue directly. present is false when the entity would omit the
// attribute for this value (omitempty and a zero value).
func (m *Metadata) attrValue(name string, x any) (av types.AttributeValue, goValue any, present bool, err error) {
	if av, ok := x.(types.AttributeValue); ok {
		return av, x, true, nil
	}
	if a, ok := m.Attribute(name); ok {
		if fv, ok := convertTo(x, a.Type); ok {
			zero := reflect.New(m.typ).Elem()
			settableField(zero, a.index).Set(fv)
			it, err := attributevalue.MarshalMapWithOptions(zero.Interface(), encoderOptions)
			if err != nil {
				return nil, nil, false, fmt.Errorf("mapper: %s: attribute %q: %w", m.Entity, name, err)
			}
			av, ok := it[name]
			return av, fv.Interface(), ok, nil
		}
		if isPlainNil(x) {
			return &types.AttributeValueMemberNULL{Value: true}, nil, !a.omitEmpty, nil
		}
	}
	av, err = attributevalue.MarshalWithOptions(x, encoderOptions)
	if err != nil {
		return nil, nil, false, fmt.Errorf("mapper: %s: attribute %q: %w", m.Entity, name, err)
	}
	return av, x, true, nil
}

func isPlainNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// unmarshal fills a T from an item.
func (m *Metadata) unmarshal(it map[string]types.AttributeValue, dst any) error {
	if err := attributevalue.UnmarshalMap(it, dst); err != nil {
		return fmt.Errorf("mapper: %s: reading an item: %w", m.Entity, err)
	}
	return nil
}
