package main

import (
	"bufio"
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
)

// fixedCapacity is a capacityMeter that reports a fixed figure.
type fixedCapacity struct{ c *capacityFigure }

func (fixedCapacity) options() []any                              { return nil }
func (fixedCapacity) context(ctx context.Context) context.Context { return ctx }
func (f fixedCapacity) consumed() (capacityFigure, bool) {
	if f.c == nil {
		return capacityFigure{}, false
	}
	return *f.c, true
}

func TestFooterText(t *testing.T) {
	s := &shell{meter: newDriverCapacity()}
	require.Equal(t, "(3 rows, 1 page)\n", s.footerText(footer{query: true, rows: 3, pages: 1, elapsed: time.Second}))
	s.timing = true
	require.Equal(t, "(1 row, 2 pages, 12.5 ms)\n", s.footerText(footer{query: true, rows: 1, pages: 2, elapsed: 12500 * time.Microsecond}))
	require.Equal(t, "(1.500 s)\n", s.footerText(footer{elapsed: 1500 * time.Millisecond}))
	s.timing = false
	s.capacity = true
	require.Equal(t, "(0 rows, 1 page, capacity not reported)\n", s.footerText(footer{query: true, pages: 1}),
		"nothing reported (DynamoDB Local's PartiQL calls), and the footer says so")
	s.meter = fixedCapacity{&capacityFigure{Read: 0.5}}
	require.Equal(t, "(0 rows, 1 page, 0.5 RCU)\n", s.footerText(footer{query: true, pages: 1}))
	s.meter = fixedCapacity{&capacityFigure{Write: 2}}
	require.Equal(t, "(2 WCU)\n", s.footerText(footer{}))
	s.capacity = false
	scan := &dynamosql.Plan{Access: dynamosql.AccessScan, Table: "t", Reason: `scan of table "t": no condition`}
	require.Equal(t, "(2 rows, 1 page)\nFULL SCAN: scan of table \"t\": no condition\n", s.footerText(footer{query: true, rows: 2, pages: 1, plan: scan}))
}

func TestFooterGoesToStderrOutsideTableFormat(t *testing.T) {
	var out, errb bytes.Buffer
	s := &shell{meter: newDriverCapacity(), out: bufio.NewWriter(&out), stderr: &errb, format: formatJSON}
	s.footer(footer{query: true, rows: 1, pages: 1})
	require.Empty(t, out.String()+errb.String(), "json on a stderr that is not a terminal: no footer")
	s.stderrTerminal = true
	s.footer(footer{query: true, rows: 1, pages: 1})
	require.Empty(t, out.String())
	require.Equal(t, "(1 row, 1 page)\n", errb.String())
	s.format, s.quiet = formatTable, true
	s.footer(footer{query: true, rows: 1, pages: 1})
	require.Empty(t, out.String(), "--quiet")
}

func TestTableWriterWidthsFromFirstChunk(t *testing.T) {
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	tw := &tableWriter{w: w, f: valueFormat{}, cols: []string{"id", "n"}, chunk: 2}
	tw.row([]any{"a", int64(1)})
	tw.row([]any{"b", dynamosql.Missing{}})
	tw.row([]any{"longer id", int64(12345)})
	tw.end()
	require.Equal(t, " id | n\n----+---\n a  | 1\n b  |\n longer id | 12345\n", out.String())
}
