package partiql

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrUnsupported is matched (errors.Is) by every *UnsupportedError.
var ErrUnsupported = errors.New("partiql: not supported by DynamoDB's PartiQL")

// SyntaxError reports text that is not a statement this package reads.
// Line and Col are 1-based; Col counts characters (runes), not bytes.
type SyntaxError struct {
	Line   int
	Col    int
	Offset int // 0-based byte offset in the source
	Msg    string
}

// Error returns "partiql: line L, column C: msg".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("partiql: line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// UnsupportedError reports a well-formed SQL construct that DynamoDB's
// PartiQL has no equivalent for, such as a JOIN. Feature names it and Hint
// says what to do instead.
type UnsupportedError struct {
	Feature string
	Hint    string
	Line    int
	Col     int
	Offset  int // 0-based byte offset in the source
}

// Error returns "partiql: line L, column C: DynamoDB's PartiQL has no
// Feature; Hint".
func (e *UnsupportedError) Error() string {
	msg := fmt.Sprintf("partiql: line %d, column %d: DynamoDB's PartiQL has no %s", e.Line, e.Col, e.Feature)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// Is reports whether target is ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// lineCol converts a byte offset of src to a 1-based line and a 1-based
// column counted in runes.
func lineCol(src string, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCountInString(src[start:off]) + 1
}

// LineCol returns the 1-based line and column (in runes) of p in src, the
// text it was parsed from, or 0, 0 for NoPos.
func LineCol(src string, p Pos) (line, col int) {
	if !p.IsValid() {
		return 0, 0
	}
	return lineCol(src, p.Offset())
}

func newSyntaxError(src string, off int, msg string) *SyntaxError {
	line, col := lineCol(src, off)
	return &SyntaxError{Line: line, Col: col, Offset: off, Msg: msg}
}

func newUnsupportedError(src string, off int, feature, hint string) *UnsupportedError {
	line, col := lineCol(src, off)
	return &UnsupportedError{Feature: feature, Hint: hint, Line: line, Col: col, Offset: off}
}
