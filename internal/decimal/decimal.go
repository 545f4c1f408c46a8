// Package decimal reads DynamoDB number text ([+-]digits[.digits][e±digits])
// without converting it to a binary float: it splits the text into its
// parts, checks DynamoDB's limits (38 significant digits, a magnitude from
// 1E-130 to below 1E+126) and gives a canonical spelling, equal for
// numerically equal texts. The driver's values, Number type and item keys
// use it, so that 1, 1.0 and 10E-1 are one number everywhere.
package decimal

import (
	"errors"
	"fmt"
	"strconv"
)

// DynamoDB's limits on numbers.
const (
	// MaxDigits is the most significant digits a number may have.
	MaxDigits = 38
	// MinExp and MaxExp bound the power of ten of a number's leading digit.
	MinExp = -130
	MaxExp = 125
	// RangeText says the range, for messages.
	RangeText = "DynamoDB numbers are 0 or have a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125"
)

// maxExpText bounds the exponent accepted in number text; anything larger
// is out of DynamoDB's range whatever the digits.
const maxExpText = 1_000_000

// Errors of Check and Split.
var (
	ErrNotNumber     = errors.New("not a decimal number")
	ErrTooManyDigits = fmt.Errorf("more than %d significant digits (DynamoDB's limit)", MaxDigits)
	ErrRange         = errors.New(RangeText)
)

// Parts is decimal text split into its parts (substrings of the text,
// nothing copied): value = (Int.Frac) × 10^Exp.
type Parts struct {
	Neg  bool
	Int  string // digits before the point
	Frac string // digits after the point
	Exp  int    // the exponent, |Exp| <= 1,000,000
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Split parses [+-]digits[.digits][(e|E)[+-]digits] (at least one digit
// before or after the point).
func Split(s string) (Parts, bool) {
	var p Parts
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		p.Neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	p.Int = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		p.Frac = s[start:i]
	}
	if p.Int == "" && p.Frac == "" {
		return p, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start = i
		e := 0
		for i < len(s) && isDigit(s[i]) {
			e = e*10 + int(s[i]-'0')
			if e > maxExpText {
				return p, false
			}
			i++
		}
		if i == start {
			return p, false
		}
		if eneg {
			e = -e
		}
		p.Exp = e
	}
	return p, i == len(s)
}

// digit returns the k-th digit of Int+Frac.
func (p Parts) digit(k int) byte {
	if k < len(p.Int) {
		return p.Int[k]
	}
	return p.Frac[k-len(p.Int)]
}

// significant returns the positions (in Int+Frac) of the first and last
// non-zero digits; zero reports ok == false.
func (p Parts) significant() (first, last int, ok bool) {
	n := len(p.Int) + len(p.Frac)
	first = 0
	for first < n && p.digit(first) == '0' {
		first++
	}
	if first == n {
		return 0, 0, false
	}
	last = n - 1
	for p.digit(last) == '0' {
		last--
	}
	return first, last, true
}

// powerAt returns the power of ten of the digit at position k.
func (p Parts) powerAt(k int) int {
	return len(p.Int) - 1 - k + p.Exp
}

// IsZero reports whether the number is zero (or minus zero).
func (p Parts) IsZero() bool {
	_, _, ok := p.significant()
	return !ok
}

// Digits returns the significant digits, the power of ten of the last one
// and whether the number is zero.
func (p Parts) Digits() (d string, lastPow int, zero bool) {
	first, last, ok := p.significant()
	if !ok {
		return "", 0, true
	}
	buf := make([]byte, 0, last-first+1)
	for k := first; k <= last; k++ {
		buf = append(buf, p.digit(k))
	}
	return string(buf), p.powerAt(last), false
}

// Check enforces DynamoDB's limits on a parsed number: ErrTooManyDigits or
// ErrRange.
func (p Parts) Check() error {
	first, last, ok := p.significant()
	if !ok {
		return nil // zero
	}
	if last-first+1 > MaxDigits {
		return ErrTooManyDigits
	}
	if e := p.powerAt(first); e < MinExp || e > MaxExp {
		return ErrRange
	}
	return nil
}

// Canonical returns the number as d[.ddd][E±x] (or 0, -0): valid JSON,
// and equal for numerically equal inputs (but for the sign of zero).
func (p Parts) Canonical() string {
	d, lastPow, zero := p.Digits()
	if zero {
		if p.Neg {
			return "-0"
		}
		return "0"
	}
	var b []byte
	if p.Neg {
		b = append(b, '-')
	}
	b = append(b, d[0])
	if len(d) > 1 {
		b = append(b, '.')
		b = append(b, d[1:]...)
	}
	if e := lastPow + len(d) - 1; e != 0 {
		b = append(b, 'E')
		b = strconv.AppendInt(b, int64(e), 10)
	}
	return string(b)
}

// Check validates DynamoDB number text: nil, ErrNotNumber,
// ErrTooManyDigits or ErrRange.
func Check(s string) error {
	p, ok := Split(s)
	if !ok {
		return ErrNotNumber
	}
	return p.Check()
}

// Key returns a text equal for numerically equal number texts (0 and -0
// included), for finding duplicates: in a number set, among item keys. Text
// that is no number is its own key.
func Key(s string) string {
	p, ok := Split(s)
	if !ok {
		return s
	}
	if p.IsZero() {
		return "0"
	}
	return p.Canonical()
}
