package main

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"
)

// Output formats.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatCSV   = "csv"
)

// parseFormat checks a --format or \format value.
func parseFormat(s string) (string, error) {
	switch f := strings.ToLower(strings.TrimSpace(s)); f {
	case formatTable, formatJSON, formatCSV:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: use table, json or csv", s)
}

// resultWriter writes the rows of one result as they are read; end
// writes what is still buffered. A writer holds at most one chunk of rows.
type resultWriter interface {
	row(vals []any)
	end()
}

// newResultWriter returns the writer of a result with columns cols in the
// shell's current format.
func (s *shell) newResultWriter(cols []string) resultWriter {
	switch {
	case s.format == formatJSON:
		return &jsonWriter{w: s.out, f: s.values, cols: cols}
	case s.format == formatCSV:
		w := &csvWriter{w: s.out, f: s.values}
		w.header(cols)
		return w
	case s.expanded:
		return &expandedWriter{w: s.out, f: s.values, cols: cols}
	}
	return &tableWriter{w: s.out, f: s.values, cols: cols, chunk: s.chunk}
}

// tableWriter writes aligned text like psql's. It buffers a chunk of rows
// and takes the column widths from the first chunk (and the header), so
// that memory stays bounded for any result size; a later value wider than
// its column shifts the rest of its row.
type tableWriter struct {
	w      *bufio.Writer
	f      valueFormat
	cols   []string
	chunk  int
	buf    [][]string
	widths []int
	right  []bool // numeric columns, aligned right (judged on the first chunk)
	other  []bool // columns holding values other than numbers, NULL or missing
	rows   int
}

func (t *tableWriter) row(vals []any) {
	cells := make([]string, len(vals))
	for i, v := range vals {
		cells[i] = t.f.cell(v)
	}
	if t.widths == nil { // the first chunk decides which columns are numeric
		if t.right == nil {
			t.right = make([]bool, len(vals))
			t.other = make([]bool, len(vals))
		}
		for i, v := range vals {
			switch {
			case isNumeric(v):
				t.right[i] = true
			case v != nil && !isMissing(v):
				t.other[i] = true
			}
		}
	}
	t.buf = append(t.buf, cells)
	t.rows++
	if len(t.buf) >= max(t.chunk, 1) {
		t.flush()
	}
}

func (t *tableWriter) flush() {
	if len(t.cols) == 0 { // a write's RETURNING that returned nothing
		t.widths = []int{}
		return
	}
	if t.widths == nil {
		t.widths = make([]int, len(t.cols))
		for i, c := range t.cols {
			t.widths[i] = runewidth.StringWidth(c)
		}
		for _, r := range t.buf {
			for i, c := range r {
				t.widths[i] = max(t.widths[i], runewidth.StringWidth(c))
			}
		}
		if t.right == nil {
			t.right = make([]bool, len(t.cols))
		}
		for i, o := range t.other {
			t.right[i] = t.right[i] && !o
		}
		t.line(t.cols, true)
		for i, w := range t.widths {
			if i > 0 {
				t.w.WriteByte('+')
			}
			t.w.WriteString(strings.Repeat("-", w+2))
		}
		t.w.WriteByte('\n')
	}
	for _, r := range t.buf {
		t.line(r, false)
	}
	clear(t.buf)
	t.buf = t.buf[:0]
	t.w.Flush()
}

func (t *tableWriter) line(cells []string, header bool) {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteString(" |")
		}
		b.WriteByte(' ')
		pad := t.widths[i] - runewidth.StringWidth(c)
		if pad > 0 && t.right[i] && !header {
			b.WriteString(strings.Repeat(" ", pad))
			pad = 0
		}
		b.WriteString(c)
		if pad > 0 {
			b.WriteString(strings.Repeat(" ", pad))
		}
	}
	t.w.WriteString(strings.TrimRight(b.String(), " "))
	t.w.WriteByte('\n')
}

func (t *tableWriter) end() {
	if len(t.buf) > 0 || t.widths == nil {
		t.flush()
	}
}

// expandedWriter writes each row as one line per column (\x).
type expandedWriter struct {
	w    *bufio.Writer
	f    valueFormat
	cols []string
	rows int
}

func (e *expandedWriter) row(vals []any) {
	e.rows++
	width := 0
	for _, c := range e.cols {
		width = max(width, runewidth.StringWidth(c))
	}
	fmt.Fprintf(e.w, "-[ RECORD %d ]%s\n", e.rows, strings.Repeat("-", max(width-8, 1)))
	for i, c := range e.cols {
		line := c + strings.Repeat(" ", width-runewidth.StringWidth(c)) + " | " + e.f.cell(vals[i])
		e.w.WriteString(strings.TrimRight(line, " "))
		e.w.WriteByte('\n')
	}
}

func (e *expandedWriter) end() {
	if e.rows == 0 {
		e.w.WriteString("(no rows)\n")
	}
	e.w.Flush()
}

// jsonWriter writes one JSON object per row (NDJSON), keys in column
// order; a missing attribute is left out of its object, NULL is null.
type jsonWriter struct {
	w    *bufio.Writer
	f    valueFormat
	cols []string
	keys []string // "col": for each column
	b    []byte
}

func (j *jsonWriter) row(vals []any) {
	if j.keys == nil {
		j.keys = make([]string, len(j.cols))
		for i, c := range j.cols {
			j.keys[i] = jsonString(c) + ":"
		}
	}
	b := append(j.b[:0], '{')
	first := true
	for i, v := range vals {
		if isMissing(v) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, j.keys[i]...)
		b = j.f.appendJSON(b, v)
	}
	b = append(b, '}', '\n')
	j.w.Write(b)
	j.b = b
}

func (j *jsonWriter) end() { j.w.Flush() }

// csvWriter writes RFC 4180 CSV: a header row, then one record per row,
// each ended by CRLF.
type csvWriter struct {
	w *bufio.Writer
	f valueFormat
}

func (c *csvWriter) header(cols []string) {
	for i, name := range cols {
		if i > 0 {
			c.w.WriteByte(',')
		}
		c.field(name, needsCSVQuotes(name))
	}
	c.w.WriteString("\r\n")
}

func (c *csvWriter) field(s string, quote bool) {
	if !quote {
		c.w.WriteString(s)
		return
	}
	c.w.WriteByte('"')
	c.w.WriteString(strings.ReplaceAll(s, `"`, `""`))
	c.w.WriteByte('"')
}

func (c *csvWriter) row(vals []any) {
	for i, v := range vals {
		if i > 0 {
			c.w.WriteByte(',')
		}
		c.field(c.f.csvField(v))
	}
	c.w.WriteString("\r\n")
}

func (c *csvWriter) end() { c.w.Flush() }

// writeAffected prints the rows affected by a write in the current format.
func (s *shell) writeAffected(n int64) {
	switch s.format {
	case formatJSON:
		fmt.Fprintf(s.out, "{\"rows_affected\":%d}\n", n)
	case formatCSV:
		fmt.Fprintf(s.out, "rows_affected\r\n%d\r\n", n)
	default:
		fmt.Fprintf(s.out, "%s affected\n", plural(int(n), "row"))
	}
	s.out.Flush()
}

// writeStatus prints a status line (BEGIN, COMMIT, ...) in table format;
// json and csv output holds results only, so there it goes nowhere.
func (s *shell) writeStatus(format string, args ...any) {
	if s.format != formatTable {
		return
	}
	fmt.Fprintf(s.out, format+"\n", args...)
	s.out.Flush()
}

// plural returns "1 row", "2 rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
