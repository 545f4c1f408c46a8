package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dynamosql/dynamosql"
)

// valueFormat turns the values the driver returns into text. Scanned into
// *any (see the root package's value.go), a column holds: nil (NULL),
// dynamosql.Missing (the item lacks the attribute; the shell asks for it
// with dynamosql.MarkMissing), string (S), int64, float64 or
// dynamosql.Number (N, always with every digit DynamoDB stored), bool
// (BOOL), []byte (B), dynamosql.StringSet, NumberSet and BinarySet (SS, NS,
// BS), dynamosql.List (L) and dynamosql.Map (M), whose elements are these
// same types. The shell opens its connector with documents=native and
// parse_time=false, so lists and maps never arrive as JSON text and
// strings never as times.
type valueFormat struct {
	// hex writes binary cells of the table and csv formats in hexadecimal
	// instead of base64. JSON (the json format, and documents in every
	// format) always has base64.
	hex bool
}

// binary returns b as base64 or hex text.
func (f valueFormat) binary(b []byte) string {
	if f.hex {
		return hex.EncodeToString(b)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// isNumeric reports whether v is a DynamoDB number.
func isNumeric(v any) bool {
	switch v.(type) {
	case int64, float64, dynamosql.Number:
		return true
	}
	return false
}

// numberText returns the exact text of a number value.
func numberText(v any) (string, bool) {
	switch n := v.(type) {
	case int64:
		return strconv.FormatInt(n, 10), true
	case float64:
		// The driver returns a float64 only when this is exactly the text
		// DynamoDB sent (see decodeNumber in the root package).
		return strconv.FormatFloat(n, 'g', -1, 64), true
	case dynamosql.Number:
		return string(n), true
	}
	return "", false
}

// cell returns the text of v for the table and expanded displays: NULL for
// NULL, nothing for a missing attribute, strings as they are unless that
// would be ambiguous (then as a JSON string: "" for the empty string,
// "NULL" for the text NULL), numbers with all their digits, sets as
// <<...>> (PartiQL's set notation) and documents as compact JSON.
func (f valueFormat) cell(v any) string {
	switch x := v.(type) {
	case dynamosql.Missing:
		return ""
	case nil:
		return "NULL"
	case string:
		if ambiguous(x) {
			return jsonString(x)
		}
		return x
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return f.binary(x)
	case dynamosql.BinarySet:
		elems := make([]string, len(x))
		for i, e := range x {
			elems[i] = `"` + f.binary(e) + `"`
		}
		return "<<" + strings.Join(elems, ",") + ">>"
	case dynamosql.StringSet, dynamosql.NumberSet:
		j := f.appendJSON(nil, v) // [...]
		return "<<" + string(j[1:len(j)-1]) + ">>"
	case dynamosql.List, dynamosql.Map:
		return string(f.appendJSON(nil, v))
	}
	if s, ok := numberText(v); ok {
		return s
	}
	return fmt.Sprint(v)
}

// ambiguous reports whether s, shown as it is, could be mistaken for
// another value or hide characters: the empty string (a missing
// attribute shows as nothing), NULL in any case, text in double quotes,
// leading or trailing spaces, and control characters.
func ambiguous(s string) bool {
	if s == "" || strings.EqualFold(s, "NULL") || s[0] == '"' {
		return true
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return true
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return true
		}
	}
	return false
}

// csvField returns the CSV text of v and whether it must be quoted:
// nothing for a missing attribute, NULL unquoted for NULL, "" for the empty
// string and "NULL" quoted for the text NULL, so that the three stay
// apart for readers that honour quoting; documents and sets as compact
// JSON.
func (f valueFormat) csvField(v any) (string, bool) {
	switch x := v.(type) {
	case dynamosql.Missing:
		return "", false
	case nil:
		return "NULL", false
	case string:
		return x, x == "" || strings.EqualFold(x, "NULL") || needsCSVQuotes(x)
	case bool:
		return strconv.FormatBool(x), false
	case []byte:
		return f.binary(x), false
	case dynamosql.StringSet, dynamosql.NumberSet, dynamosql.BinarySet, dynamosql.List, dynamosql.Map:
		s := string(f.appendJSON(nil, v))
		return s, needsCSVQuotes(s)
	}
	if s, ok := numberText(v); ok {
		return s, false
	}
	s := fmt.Sprint(v)
	return s, needsCSVQuotes(s)
}

// needsCSVQuotes reports whether RFC 4180 requires s to be quoted (a
// comma, a double quote or a line break), or a leading space would be
// lost by some readers.
func needsCSVQuotes(s string) bool {
	return strings.ContainsAny(s, ",\"\r\n") || (s != "" && (s[0] == ' ' || s[0] == '\t'))
}

// appendJSON appends v as JSON, as the driver writes it (dynamosql.JSON):
// numbers as JSON numbers with all their digits, binary as base64
// strings, sets and lists as arrays, maps as objects with sorted keys,
// NULL (and a missing attribute) as null, strings without HTML escapes.
func (f valueFormat) appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil, dynamosql.Missing:
		return append(b, "null"...)
	case []byte:
		// Not through JSON.Scan, which takes bytes that look like a JSON
		// document for the JSON text of documents=json.
		return append(append(append(b, '"'), base64.StdEncoding.EncodeToString(x)...), '"')
	}
	var j dynamosql.JSON
	if err := j.Scan(v); err != nil {
		// Not a value the driver returns; keep it visible all the same.
		m, _ := json.Marshal(fmt.Sprint(v))
		return append(b, m...)
	}
	return append(b, j...)
}

// jsonString returns s as a JSON string.
func jsonString(s string) string { return string(valueFormat{}.appendJSON(nil, s)) }

// isMissing reports whether v stands for an attribute the item lacks.
func isMissing(v any) bool {
	_, ok := v.(dynamosql.Missing)
	return ok
}
