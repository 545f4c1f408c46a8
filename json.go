package dynamosql

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/decimal"
)

// The driver's JSON codec of attribute values: documents=json returns L
// and M as JSON text, and the JSON type and Scan of List and Map read it
// back, numbers with all their digits.

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
	p, ok := decimal.Split(s)
	if !ok {
		return appendJSONString(b, s)
	}
	return append(b, p.Canonical()...)
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
		for i < len(s) && isASCIIDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && isASCIIDigit(s[i]) {
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
		for i < len(s) && isASCIIDigit(s[i]) {
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
