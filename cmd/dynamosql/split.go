package main

import (
	"strings"
	"unicode"
)

// splitter cuts input lines into statements. A statement ends with a ';'
// outside single-quoted strings, double-quoted names, backquoted literals
// and comments (-- to the end of the line, /* ... */), so all of those
// may hold a ';'. A doubled quote inside quotes (the SQL escape of a
// quote) needs no special case: it closes the quote and opens it again.
type splitter struct {
	buf     strings.Builder
	state   splitState
	content bool // the statement has text besides spaces and comments
	line    int  // line number where the statement's text began
}

type splitState int

const (
	inCode splitState = iota
	inString
	inName
	inBackquote
	inBlockComment
)

// piece is one complete statement and the line it began on.
type piece struct {
	text string
	line int
}

// empty reports whether no statement is under way: the next line may be
// a meta-command.
func (s *splitter) empty() bool { return !s.content && s.state == inCode }

// pending reports whether the buffer holds an unfinished statement (or
// an unclosed quote or comment).
func (s *splitter) pending() bool { return s.content || s.state != inCode }

// reset drops what was buffered.
func (s *splitter) reset() { *s = splitter{} }

// feed adds one line of input (without its line break), numbered lineNo,
// and returns the statements it completes, without their ';'.
func (s *splitter) feed(line string, lineNo int) []piece {
	var out []piece
	mark := func() { // the statement has begun
		if !s.content {
			s.content, s.line = true, lineNo
		}
	}
	start := 0 // start of the part of line not yet in buf
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch s.state {
		case inString, inName, inBackquote:
			if c == closer[s.state] {
				s.state = inCode
			}
			continue
		case inBlockComment:
			if c == '*' && i+1 < len(line) && line[i+1] == '/' {
				s.state = inCode
				i++
			}
			continue
		}
		switch {
		case c == '\'':
			mark()
			s.state = inString
		case c == '"':
			mark()
			s.state = inName
		case c == '`':
			mark()
			s.state = inBackquote
		case c == '-' && i+1 < len(line) && line[i+1] == '-':
			i = len(line) // the rest of the line is a comment
		case c == '/' && i+1 < len(line) && line[i+1] == '*':
			s.state = inBlockComment
			i++
		case c == ';':
			s.buf.WriteString(line[start:i])
			if s.content {
				out = append(out, piece{text: strings.TrimSpace(s.buf.String()), line: s.line})
			}
			s.buf.Reset()
			s.content = false
			start = i + 1
		case !unicode.IsSpace(rune(c)):
			mark()
		}
	}
	if s.content || s.state != inCode {
		s.buf.WriteString(line[start:])
		s.buf.WriteByte('\n')
	} else {
		s.buf.Reset() // only spaces and comments since the last ';'
	}
	return out
}

// closer is the byte that ends each quoted state.
var closer = [...]byte{inString: '\'', inName: '"', inBackquote: '`'}

// flush returns the unterminated statement at the end of the input, if
// any: a script's last statement may omit its ';'.
func (s *splitter) flush() (piece, bool) {
	defer s.reset()
	if !s.content {
		return piece{}, false
	}
	return piece{text: strings.TrimSpace(s.buf.String()), line: s.line}, true
}

// words returns the words of a statement outside quotes and comments,
// upper-cased: enough to recognise BEGIN, COMMIT, ROLLBACK and the kind
// of statement.
func words(stmt string) []string {
	var out []string
	var w strings.Builder
	end := func() {
		if w.Len() > 0 {
			out = append(out, strings.ToUpper(w.String()))
			w.Reset()
		}
	}
	state := inCode
	for i := 0; i < len(stmt); i++ {
		c := stmt[i]
		switch state {
		case inString, inName, inBackquote:
			if c == closer[state] {
				state = inCode
			}
			continue
		case inBlockComment:
			if c == '*' && i+1 < len(stmt) && stmt[i+1] == '/' {
				state = inCode
				i++
			}
			continue
		}
		switch {
		case c == '\'':
			end()
			state = inString
		case c == '"':
			end()
			state = inName
		case c == '`':
			end()
			state = inBackquote
		case c == '-' && i+1 < len(stmt) && stmt[i+1] == '-':
			end()
			for i < len(stmt) && stmt[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(stmt) && stmt[i+1] == '*':
			end()
			state = inBlockComment
			i++
		case c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			w.WriteByte(c)
		default:
			end()
		}
	}
	end()
	return out
}
