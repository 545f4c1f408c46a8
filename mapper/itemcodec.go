package mapper

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// FindPage's cursors carry the first items of the next page (see
// pagination.PaginateCarrying), encoded here: compact, exact for every
// DynamoDB type, and decoded through the same unmarshalling as an item
// read from DynamoDB.
//
// An item is a map: the number of attributes, then each attribute's
// length-prefixed name and value, in name order. A value is a tag byte
// then its content: a length-prefixed string for S, N and B; nothing for
// BOOL and NULL (the tag says which); a count then length-prefixed
// strings for the sets; a count then values for L; a map for M.
const (
	tagS byte = iota + 1
	tagN
	tagB
	tagFalse
	tagTrue
	tagNull
	tagSS
	tagNS
	tagBS
	tagL
	tagM
)

// maxItemDepth bounds the nesting decodeValue accepts (DynamoDB allows 32
// levels).
const maxItemDepth = 33

var errItemEncoding = errors.New("mapper: malformed carried item")

// pageRow is one item of a FindPage result: the value, and the item it
// was read from, which a cursor carries.
type pageRow[T any] struct {
	v  T
	it map[string]types.AttributeValue
}

// rowCodec is the pagination.ItemCodec of FindPage. It encodes the item
// as DynamoDB returned it, keeping only the entity's attributes (the
// composite key attributes only repeat them) unless T unmarshals itself,
// and decodes it with the repository's unmarshalling.
type rowCodec[T any] struct {
	m    *Metadata
	keep map[string]bool // nil: every attribute
}

func newRowCodec[T any](m *Metadata) rowCodec[T] {
	c := rowCodec[T]{m: m}
	if !reflect.PointerTo(reflect.TypeFor[T]()).Implements(reflect.TypeFor[attributevalue.Unmarshaler]()) {
		c.keep = make(map[string]bool, len(m.Attributes))
		for _, a := range m.Attributes {
			c.keep[a.Name] = true
		}
	}
	return c
}

// AppendItem implements pagination.ItemCodec.
func (c rowCodec[T]) AppendItem(dst []byte, row pageRow[T]) ([]byte, error) {
	names := make([]string, 0, len(row.it))
	for name := range row.it {
		if c.keep == nil || c.keep[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	dst = binary.AppendUvarint(dst, uint64(len(names)))
	var err error
	for _, name := range names {
		dst = appendString(dst, name)
		if dst, err = appendValue(dst, row.it[name]); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// DecodeItem implements pagination.ItemCodec.
func (c rowCodec[T]) DecodeItem(b []byte) (pageRow[T], error) {
	it, rest, err := decodeMap(b, 0)
	if err != nil {
		return pageRow[T]{}, err
	}
	if len(rest) != 0 {
		return pageRow[T]{}, errItemEncoding
	}
	var v T
	if err := c.m.unmarshal(it, &v); err != nil {
		return pageRow[T]{}, err
	}
	return pageRow[T]{v: v, it: it}, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, tag byte, ss []string) []byte {
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

// appendValue appends the encoding of av.
func appendValue(b []byte, av types.AttributeValue) ([]byte, error) {
	var err error
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		b = appendString(append(b, tagS), v.Value)
	case *types.AttributeValueMemberN:
		b = appendString(append(b, tagN), v.Value)
	case *types.AttributeValueMemberB:
		b = appendString(append(b, tagB), string(v.Value))
	case *types.AttributeValueMemberBOOL:
		if v.Value {
			b = append(b, tagTrue)
		} else {
			b = append(b, tagFalse)
		}
	case *types.AttributeValueMemberNULL:
		b = append(b, tagNull)
	case *types.AttributeValueMemberSS:
		b = appendStrings(b, tagSS, v.Value)
	case *types.AttributeValueMemberNS:
		b = appendStrings(b, tagNS, v.Value)
	case *types.AttributeValueMemberBS:
		b = append(b, tagBS)
		b = binary.AppendUvarint(b, uint64(len(v.Value)))
		for _, x := range v.Value {
			b = appendString(b, string(x))
		}
	case *types.AttributeValueMemberL:
		b = append(b, tagL)
		b = binary.AppendUvarint(b, uint64(len(v.Value)))
		for _, x := range v.Value {
			if b, err = appendValue(b, x); err != nil {
				return nil, err
			}
		}
	case *types.AttributeValueMemberM:
		b = append(b, tagM)
		names := make([]string, 0, len(v.Value))
		for name := range v.Value {
			names = append(names, name)
		}
		slices.Sort(names)
		b = binary.AppendUvarint(b, uint64(len(names)))
		for _, name := range names {
			b = appendString(b, name)
			if b, err = appendValue(b, v.Value[name]); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("mapper: cannot carry a %T in a cursor", av)
	}
	return b, nil
}

// decodeCount reads a count of elements, each at least one byte long.
func decodeCount(b []byte) (int, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return 0, nil, errItemEncoding
	}
	return int(n), b[k:], nil
}

func decodeString(b []byte) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, errItemEncoding
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

func decodeStrings(b []byte) ([]string, []byte, error) {
	n, b, err := decodeCount(b)
	if err != nil {
		return nil, nil, err
	}
	out := make([]string, n)
	for i := range out {
		if out[i], b, err = decodeString(b); err != nil {
			return nil, nil, err
		}
	}
	return out, b, nil
}

func decodeMap(b []byte, depth int) (map[string]types.AttributeValue, []byte, error) {
	n, b, err := decodeCount(b)
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]types.AttributeValue, n)
	for range n {
		var name string
		if name, b, err = decodeString(b); err != nil {
			return nil, nil, err
		}
		if m[name], b, err = decodeValue(b, depth+1); err != nil {
			return nil, nil, err
		}
	}
	return m, b, nil
}

// decodeValue decodes one value and returns the bytes after it.
func decodeValue(b []byte, depth int) (types.AttributeValue, []byte, error) {
	if len(b) == 0 || depth > maxItemDepth {
		return nil, nil, errItemEncoding
	}
	tag, b := b[0], b[1:]
	var err error
	switch tag {
	case tagS, tagN, tagB:
		var s string
		if s, b, err = decodeString(b); err != nil {
			return nil, nil, err
		}
		switch tag {
		case tagS:
			return &types.AttributeValueMemberS{Value: s}, b, nil
		case tagN:
			return &types.AttributeValueMemberN{Value: s}, b, nil
		}
		return &types.AttributeValueMemberB{Value: []byte(s)}, b, nil
	case tagFalse, tagTrue:
		return &types.AttributeValueMemberBOOL{Value: tag == tagTrue}, b, nil
	case tagNull:
		return &types.AttributeValueMemberNULL{Value: true}, b, nil
	case tagSS, tagNS, tagBS:
		var ss []string
		if ss, b, err = decodeStrings(b); err != nil {
			return nil, nil, err
		}
		switch tag {
		case tagSS:
			return &types.AttributeValueMemberSS{Value: ss}, b, nil
		case tagNS:
			return &types.AttributeValueMemberNS{Value: ss}, b, nil
		}
		bs := make([][]byte, len(ss))
		for i, s := range ss {
			bs[i] = []byte(s)
		}
		return &types.AttributeValueMemberBS{Value: bs}, b, nil
	case tagL:
		var n int
		if n, b, err = decodeCount(b); err != nil {
			return nil, nil, err
		}
		l := make([]types.AttributeValue, n)
		for i := range l {
			if l[i], b, err = decodeValue(b, depth+1); err != nil {
				return nil, nil, err
			}
		}
		return &types.AttributeValueMemberL{Value: l}, b, nil
	case tagM:
		var m map[string]types.AttributeValue
		if m, b, err = decodeMap(b, depth); err != nil {
			return nil, nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, b, nil
	}
	return nil, nil, errItemEncoding
}
