package partiql

import (
	"fmt"
	"slices"
	"strings"
)

// DynamoDB refuses a statement that uses a reserved word of PartiQL as an
// unquoted table, index or attribute name (SELECT id FROM user ...) with
// "Statement wasn't well formed, can't be processed", which does not say
// why. The parser knows the words: it fails with a *ReservedWordError that
// names the word and the fix ("user"), and the driver refuses the text
// before sending it.

// acceptedUnquoted are the words of quotedWords that DynamoDB nevertheless
// accepts as unquoted names: its parser treats them as names where a name
// goes. TestReservedWordsAgainstDynamoDB checks the split against DynamoDB
// Local: every other word of quotedWords, and every keyword of the
// grammar but OFFSET, is refused unquoted as a table or attribute name.
// (Print still quotes them all: quoting a name is always right.)
var acceptedUnquoted = map[string]struct{}{}

func init() {
	for _, w := range []string{
		"BIGINT", "BOTH", "CAN_CAST", "CAN_LOSSLESS_CAST", "DAY", "EVERY",
		"EXCLUDE", "EXCLUDED", "EXPLAIN", "HOUR", "INT2", "INT4", "INT8",
		"INTEGER2", "INTEGER4", "INTEGER8", "LAG", "LATERAL", "LEAD",
		"LEADING", "MINUTE", "MOD", "MONTH", "NULLS", "OVER", "OVERLAY",
		"PARTITION", "PLACING", "REPLACE", "SECOND", "SHORTEST",
		"TIMEZONE_HOUR", "TIMEZONE_MINUTE", "TRAILING", "UPSERT", "YEAR",
	} {
		acceptedUnquoted[w] = struct{}{}
	}
}

// grammarKeywords are the words lookupKeyword knows.
var grammarKeywords = []string{
	"ALL", "AND", "AS", "ASC", "BETWEEN", "BY", "CROSS", "DELETE", "DESC",
	"DISTINCT", "EXCEPT", "EXISTS", "FALSE", "FROM", "FULL", "GROUP",
	"HAVING", "IN", "INNER", "INSERT", "INTERSECT", "INTO", "IS", "JOIN",
	"LEFT", "LIKE", "LIMIT", "MISSING", "NATURAL", "NOT", "NULL", "OFFSET",
	"ON", "OR", "ORDER", "OUTER", "REMOVE", "RETURNING", "RIGHT", "SELECT",
	"SET", "TRUE", "UNION", "UPDATE", "VALUE", "VALUES", "WHERE",
}

// ReservedWords returns the reserved words of PartiQL the parser knows, in
// upper case and sorted: the keywords of its grammar and PartiQL's other
// reserved words. RefusedUnquoted tells which of them DynamoDB refuses as
// unquoted names.
func ReservedWords() []string {
	words := slices.Clone(grammarKeywords)
	for w := range quotedWords {
		words = append(words, w)
	}
	slices.Sort(words)
	return words
}

// RefusedUnquoted reports whether DynamoDB refuses word (any case) as an
// unquoted table, index or attribute name: a keyword of the grammar other
// than OFFSET, or one of PartiQL's other reserved words except those
// DynamoDB accepts (acceptedUnquoted).
func RefusedUnquoted(word string) bool {
	switch kw := lookupKeyword(word); kw {
	case kwNone:
	case kwOffset:
		return false
	default:
		return true
	}
	var buf [maxKeywordLen]byte
	b, ok := upperASCII(&buf, word)
	if !ok {
		return false
	}
	if _, reserved := quotedWords[string(b)]; !reserved {
		return false
	}
	_, accepted := acceptedUnquoted[string(b)]
	return !accepted
}

// ReservedWordError reports a reserved word of PartiQL written without
// double quotes where a table, index or attribute name goes. DynamoDB
// refuses such a statement; in double quotes the word is a name.
type ReservedWordError struct {
	// Word is the word as written.
	Word string
	// What is "table", "index" or "attribute".
	What string
	// Line and Col (1-based, Col in runes) and Offset (0-based, in bytes)
	// locate the word.
	Line   int
	Col    int
	Offset int
}

// Error returns "partiql: line L, column C: WORD is a reserved word in
// PartiQL: write the <what> name in double quotes, "word"".
func (e *ReservedWordError) Error() string {
	return fmt.Sprintf("partiql: line %d, column %d: %s is a reserved word in PartiQL: write the %s name in double quotes, %s (DynamoDB refuses it unquoted)",
		e.Line, e.Col, e.Word, e.What, quoteName(e.Word))
}

// quoteName writes name as a double-quoted PartiQL name.
func quoteName(name string) string {
	var b strings.Builder
	writeIdent(&b, name, true)
	return b.String()
}

// reserved fails the parse with a *ReservedWordError for t, an unquoted
// word in a name position.
func (p *parser) reserved(t *token, what string) {
	line, col := lineCol(p.src, t.pos)
	panic(parseError{&ReservedWordError{Word: t.text, What: what, Line: line, Col: col, Offset: t.pos}})
}

// checkName fails the parse when t, a word the parser reads as a name
// (tokWord without a keyword), is one DynamoDB refuses unquoted.
func (p *parser) checkName(t *token, what string) {
	if t.kind == tokWord && RefusedUnquoted(t.text) {
		p.reserved(t, what)
	}
}

// keywordAsName fails the parse with a *ReservedWordError when t, a
// keyword of the grammar where a name was expected, reads as a name: the
// token after it is one that can follow a name (an operator, a comma, a
// clause keyword, the end). Otherwise (SELECT FROM t: the name is missing)
// it returns, and the caller reports what it expected.
func (p *parser) keywordAsName(t *token, next *token, what string) {
	if t.kind != tokWord || t.kw == kwNone || !RefusedUnquoted(t.text) {
		return
	}
	switch next.kind {
	case tokWord:
		if next.kw == kwNone {
			return // FROM WHERE id = 1: WHERE is no name, the table is missing
		}
	case tokQuoted, tokString, tokNumber, tokParam, tokLBrace, tokLBag, tokIllegal:
		return
	}
	p.reserved(t, what)
}
