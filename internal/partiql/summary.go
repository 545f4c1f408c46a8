package partiql

import "strings"

// Summary is what Summarize finds in a statement without parsing it.
type Summary struct {
	Kind      Kind   // from the first word; KindUnknown for anything else
	Params    int    // ? placeholders outside strings, quoted names and comments
	Returning bool   // a RETURNING clause is present
	Table     string // the table name (unquoted), "" when not found
	Empty     bool   // nothing but spaces and comments
}

// Summarize reads src in one pass, without building an AST or allocating
// (except for a quoted table name containing ""), and reports the
// statement's kind, its number of ? placeholders, whether it has a
// RETURNING clause and its table, or that it is empty (only spaces and
// comments). It only fails, with a *SyntaxError, on an
// unterminated string, quoted identifier or block comment.
//
// Whenever Parse(src) succeeds, Summarize agrees with it: same kind, as many
// placeholders as Params returns, the same table.
func Summarize(src string) (Summary, error) {
	var s Summary
	const (
		tableNone = iota // no table keyword seen yet
		tableNext        // the next token is the table name
		tableDone        // found, or given up
	)
	table := tableNone
	first := true
	i := 0
	for i < len(src) {
		c := src[i]
		switch byteClass[c] {
		case classSpace:
			i++
			continue
		case classWord:
			j := i + 1
			for j < len(src) && byteClass[src[j]] == classWord {
				j++
			}
			word := src[i:j]
			i = j
			if table == tableNext {
				if isIdentStart(word[0]) {
					s.Table = word
				}
				table = tableDone
				first = false
				continue
			}
			if first {
				first = false
				switch {
				case eqFold(word, "SELECT"):
					s.Kind = KindSelect
				case eqFold(word, "INSERT"):
					s.Kind = KindInsert
				case eqFold(word, "UPDATE"):
					s.Kind = KindUpdate
					table = tableNext
				case eqFold(word, "DELETE"):
					s.Kind = KindDelete
				case eqFold(word, "EXISTS"):
					s.Kind = KindExists
				}
				continue
			}
			switch len(word) {
			case 4:
				if table == tableNone && s.Kind != KindUnknown {
					if s.Kind == KindInsert {
						if eqFold(word, "INTO") {
							table = tableNext
						}
					} else if eqFold(word, "FROM") {
						table = tableNext
					}
				}
			case 9:
				if eqFold(word, "RETURNING") {
					s.Returning = true
				}
			}
			continue
		case classParam:
			s.Params++
			i++
		case classString:
			j := skipQuoted(src, i, '\'')
			if j < 0 {
				return s, newSyntaxError(src, i, "unterminated string literal")
			}
			i = j
		case classQuoted:
			j := skipQuoted(src, i, '"')
			if j < 0 {
				return s, newSyntaxError(src, i, "unterminated quoted identifier")
			}
			if table == tableNext {
				s.Table = src[i+1 : j-1]
				if strings.Contains(s.Table, `""`) {
					s.Table = strings.ReplaceAll(s.Table, `""`, `"`)
				}
				table = tableDone
			}
			first = false
			i = j
			continue
		case classDash:
			if i+1 < len(src) && src[i+1] == '-' {
				j := strings.IndexByte(src[i:], '\n')
				if j < 0 {
					s.Empty = first
					return s, nil
				}
				i += j + 1
				continue
			}
			i++
		case classSlash:
			if i+1 < len(src) && src[i+1] == '*' {
				j := strings.Index(src[i+2:], "*/")
				if j < 0 {
					return s, newSyntaxError(src, i, "unterminated /* comment")
				}
				i += j + 4
				continue
			}
			i++
		default:
			i++
		}
		// Any token other than a name ends the search for the table name.
		first = false
		if table == tableNext {
			table = tableDone
		}
	}
	s.Empty = first
	return s, nil
}

// skipQuoted returns the offset after the q-quoted text starting at src[i],
// where qq stands for one q, or -1 when it is not terminated.
func skipQuoted(src string, i int, q byte) int {
	j := i + 1
	for {
		k := strings.IndexByte(src[j:], q)
		if k < 0 {
			return -1
		}
		j += k + 1
		if j < len(src) && src[j] == q {
			j++
			continue
		}
		return j
	}
}

// eqFold reports whether word equals the upper-case ASCII keyword kw,
// ignoring case.
func eqFold(word, kw string) bool {
	if len(word) != len(kw) {
		return false
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != kw[i] {
			return false
		}
	}
	return true
}

// Byte classes of Summarize.
const (
	classOther = iota
	classSpace
	classWord
	classParam
	classString
	classQuoted
	classDash
	classSlash
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case isIdentPart(byte(c)):
			t[c] = classWord
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			t[c] = classSpace
		}
	}
	t['?'] = classParam
	t['\''] = classString
	t['"'] = classQuoted
	t['-'] = classDash
	t['/'] = classSlash
	return t
}()
