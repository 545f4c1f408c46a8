package partiql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokEOF     tokKind = iota
	tokWord            // unquoted identifier or keyword
	tokQuoted          // "double-quoted identifier"
	tokString          // 'string'
	tokNumber          // 12, 1.5, 2e10
	tokParam           // ?
	tokLParen          // (
	tokRParen          // )
	tokLBrack          // [
	tokRBrack          // ]
	tokLBrace          // {
	tokRBrace          // }
	tokLBag            // <<
	tokRBag            // >>
	tokComma           // ,
	tokDot             // .
	tokColon           // :
	tokSemi            // ;
	tokStar            // *
	tokPlus            // +
	tokMinus           // -
	tokEq              // =
	tokNe              // <> or !=
	tokLt              // <
	tokLe              // <=
	tokGt              // >
	tokGe              // >=
	tokIllegal         // a character the grammar has no use for (lex reports it)
)

// token is one lexeme. text is the decoded name of an identifier, the
// decoded value of a string, the text of a number or a word.
type token struct {
	kind tokKind
	kw   keyword // for tokWord: the reserved word, or kwNone
	pos  int     // byte offset of the first byte
	end  int     // byte offset just after the last byte
	text string
}

// lexError is a lexical error at a byte offset.
type lexError struct {
	off int
	msg string
}

// lex splits src into tokens, ending with a tokEOF token. An unterminated
// string, quoted identifier or block comment stops it with fatal: the rest
// of the text cannot be read. Any other lexical mistake (an unexpected
// character, a malformed number, an empty quoted identifier) is reported
// in soft, the first one only, and lexing goes on, so that the tokens still
// tell the statement's kind, table and placeholders.
func lex(src string, toks []token) (out []token, soft, fatal *lexError) {
	i := 0
	fail := func(e *lexError) {
		if soft == nil {
			soft = e
		}
	}
	for {
		// Skip white space and comments.
		for i < len(src) {
			c := src[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
				i++
				continue
			}
			if c == '-' && i+1 < len(src) && src[i+1] == '-' {
				j := strings.IndexByte(src[i:], '\n')
				if j < 0 {
					i = len(src)
				} else {
					i += j + 1
				}
				continue
			}
			if c == '/' && i+1 < len(src) && src[i+1] == '*' {
				j := strings.Index(src[i+2:], "*/")
				if j < 0 {
					return toks, soft, &lexError{i, "unterminated /* comment"}
				}
				i += 2 + j + 2
				continue
			}
			break
		}
		if i >= len(src) {
			return append(toks, token{kind: tokEOF, pos: len(src), end: len(src)}), soft, nil
		}
		start := i
		c := src[i]
		var t token
		switch {
		case isIdentStart(c):
			i++
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			t = token{kind: tokWord, text: src[start:i]}
			t.kw = lookupKeyword(t.text)
		case isDigit(c) || c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			var err *lexError
			if i, err = scanNumber(src, i); err != nil {
				fail(err)
			}
			t = token{kind: tokNumber, text: src[start:i]}
		case c == '\'':
			v, n, ok := scanQuoted(src, i, '\'')
			if !ok {
				return toks, soft, &lexError{start, "unterminated string literal"}
			}
			i = n
			t = token{kind: tokString, text: v}
		case c == '"':
			v, n, ok := scanQuoted(src, i, '"')
			if !ok {
				return toks, soft, &lexError{start, "unterminated quoted identifier"}
			}
			if v == "" {
				fail(&lexError{start, "empty quoted identifier"})
			}
			i = n
			t = token{kind: tokQuoted, text: v}
		default:
			i++
			var next byte
			if i < len(src) {
				next = src[i]
			}
			switch c {
			case '?':
				t.kind = tokParam
			case '(':
				t.kind = tokLParen
			case ')':
				t.kind = tokRParen
			case '[':
				t.kind = tokLBrack
			case ']':
				t.kind = tokRBrack
			case '{':
				t.kind = tokLBrace
			case '}':
				t.kind = tokRBrace
			case ',':
				t.kind = tokComma
			case '.':
				t.kind = tokDot
			case ':':
				t.kind = tokColon
			case ';':
				t.kind = tokSemi
			case '*':
				t.kind = tokStar
			case '+':
				t.kind = tokPlus
			case '-':
				t.kind = tokMinus
			case '=':
				t.kind = tokEq
			case '!':
				if next != '=' {
					fail(&lexError{start, "unexpected character '!' (use <> or != for not equal)"})
					t.kind = tokIllegal
					break
				}
				i++
				t.kind = tokNe
			case '<':
				switch next {
				case '<':
					i++
					t.kind = tokLBag
				case '=':
					i++
					t.kind = tokLe
				case '>':
					i++
					t.kind = tokNe
				default:
					t.kind = tokLt
				}
			case '>':
				switch next {
				case '>':
					i++
					t.kind = tokRBag
				case '=':
					i++
					t.kind = tokGe
				default:
					t.kind = tokGt
				}
			case '`':
				fail(&lexError{start, "Ion literals (`...`) are not supported by DynamoDB"})
				t.kind = tokIllegal
			default:
				r, n := utf8.DecodeRuneInString(src[start:])
				fail(&lexError{start, fmt.Sprintf("unexpected character %q", r)})
				i = start + n
				t.kind = tokIllegal
			}
		}
		t.pos, t.end = start, i
		toks = append(toks, t)
	}
}

// scanNumber scans digits [. digits] [e [+-] digits] (or . digits ...)
// starting at i and returns the offset after it.
func scanNumber(src string, i int) (int, *lexError) {
	start := i
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	if i < len(src) && src[i] == '.' {
		i++
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if i >= len(src) || !isDigit(src[i]) {
			return i, &lexError{start, "malformed number: exponent has no digits"}
		}
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (isIdentPart(src[i]) || src[i] == '.') {
		return i, &lexError{start, fmt.Sprintf("malformed number %q", src[start:i+1])}
	}
	return i, nil
}

// scanQuoted scans a q-quoted text starting at src[i] == q, where qq stands
// for one q. It returns the decoded text and the offset after the closing
// quote, or false when the closing quote is missing.
func scanQuoted(src string, i int, q byte) (string, int, bool) {
	start := i + 1
	j := start
	escaped := false
	for {
		k := strings.IndexByte(src[j:], q)
		if k < 0 {
			return "", 0, false
		}
		j += k
		if j+1 < len(src) && src[j+1] == q {
			escaped = true
			j += 2
			continue
		}
		break
	}
	v := src[start:j]
	if escaped {
		v = strings.ReplaceAll(v, string([]byte{q, q}), string(q))
	}
	return v, j + 1, true
}
