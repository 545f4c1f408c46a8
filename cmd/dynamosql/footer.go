package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dynamosql/dynamosql"
)

// footer is what the shell says after a statement: rows and DynamoDB
// pages (requests) of a query (the pages that dynamosql.Track counted), the elapsed time (with \timing), the
// capacity consumed (with \capacity, when DynamoDB reports it) and, for a
// query that scans a whole table or index, a FULL SCAN line with the scan
// guard's advice.
type footer struct {
	query   bool
	rows    int
	pages   int
	elapsed time.Duration
	plan    *dynamosql.Plan
}

// footer prints f: after the result on stdout in table format, on stderr
// in json and csv format (there only when stderr is a terminal: stdout
// holds results alone).
func (s *shell) footer(f footer) {
	if s.quiet {
		return
	}
	var w io.Writer = s.out
	if s.format != formatTable {
		if !s.stderrTerminal {
			return
		}
		s.out.Flush()
		w = s.stderr
	}
	text := s.footerText(f)
	if text == "" {
		return
	}
	fmt.Fprint(w, text)
	s.out.Flush()
}

// footerText returns the footer's lines.
func (s *shell) footerText(f footer) string {
	var parts []string
	if f.query {
		parts = append(parts, plural(f.rows, "row"))
		if f.pages > 0 { // a write's RETURNING is not paged
			parts = append(parts, plural(f.pages, "page"))
		}
	}
	if s.timing {
		parts = append(parts, duration(f.elapsed))
	}
	if s.capacity {
		if c, ok := s.meter.consumed(); ok {
			parts = append(parts, c.String())
		} else {
			parts = append(parts, "capacity not reported")
		}
	}
	var b strings.Builder
	if len(parts) > 0 {
		b.WriteString("(" + strings.Join(parts, ", ") + ")\n")
	}
	if p := f.plan; p != nil && p.Access == dynamosql.AccessScan {
		fmt.Fprintf(&b, "FULL SCAN: %s\n", p.Reason)
	}
	return b.String()
}

// duration formats an elapsed time: 12.3 ms, 1.234 s.
func duration(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
}

// capacityFigure is the capacity a statement consumed.
type capacityFigure struct {
	Read, Write float64 // capacity units
}

func (c capacityFigure) String() string {
	return dynamosql.CapacityUnits{Read: c.Read, Write: c.Write}.String()
}

// capacityMeter gets the capacity DynamoDB consumed for each statement,
// asked for only while \capacity is on: options are added to a statement
// sent on its own, context wraps the context of a transaction (whose
// statements are sent at COMMIT), and consumed is read after the
// statement or the COMMIT.
type capacityMeter interface {
	options() []any
	context(ctx context.Context) context.Context
	consumed() (capacityFigure, bool)
}

// driverCapacity is the capacityMeter of the driver: the Capacity option
// for a statement, a CapacityMeter for a transaction. DynamoDB reports
// nothing for PartiQL calls to DynamoDB Local: the footer then says
// "capacity not reported".
type driverCapacity struct {
	cc    dynamosql.ConsumedCapacity
	m     *dynamosql.CapacityMeter
	useTx bool // the last figure is the transaction's
}

func newDriverCapacity() *driverCapacity {
	return &driverCapacity{m: dynamosql.NewCapacityMeter()}
}

func (d *driverCapacity) options() []any {
	d.useTx = false
	return []any{dynamosql.Capacity(&d.cc)}
}

func (d *driverCapacity) context(ctx context.Context) context.Context {
	d.m.Reset()
	return dynamosql.WithCapacityMeter(ctx, d.m)
}

// committed makes the next consumed report the transaction's figure.
func (d *driverCapacity) committed() { d.useTx = true }

func (d *driverCapacity) consumed() (capacityFigure, bool) {
	c := d.cc
	if d.useTx {
		c = d.m.Consumed()
	}
	if c.Requests == 0 {
		return capacityFigure{}, false
	}
	return capacityFigure{Read: c.Read, Write: c.Write}, true
}

// progress shows a running query's rows, pages and elapsed time on one
// line of stderr, rewritten in place every progressEvery, from delay after
// the query started (--progress auto: progressDelay; on: at once). It is
// cleared before anything else is written.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	delay time.Duration // before the first update
	start time.Time
	last  time.Time
	shown bool
}

const (
	// progressDelay is the delay of --progress auto: short statements
	// show no progress.
	progressDelay = 500 * time.Millisecond
	progressEvery = 200 * time.Millisecond
)

func (p *progress) begin(t time.Time) {
	p.mu.Lock()
	p.start, p.last = t, t.Add(-progressEvery)
	p.mu.Unlock()
}

// tick is called for each row read.
func (p *progress) tick(rows, pages int) {
	if p == nil || !p.on || rows%64 != 0 {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.start) < p.delay || now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	p.shown = true
	fmt.Fprintf(p.w, "\r\x1b[K... %s, %s, %s", plural(rows, "row"), plural(pages, "page"), duration(now.Sub(p.start)))
}

// clear erases the progress line.
func (p *progress) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// clearingWriter clears the progress line before each write, so that
// output and progress share a terminal cleanly.
type clearingWriter struct {
	w io.Writer
	p *progress
}

func (c clearingWriter) Write(b []byte) (int, error) {
	c.p.clear()
	return c.w.Write(b)
}

// heapStats measures the shell's memory for the hidden --debug-heap flag:
// the largest live heap (as of each garbage collection) and heap in use
// seen while rows stream, sampled every 256 rows, and the process's peak
// resident set.
type heapStats struct {
	samples     []metrics.Sample
	peakLive    uint64
	peakObjects uint64
}

func newHeapStats() *heapStats {
	return &heapStats{samples: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
	}}
}

// sample records the heap after row n of a result (0: at its end).
func (h *heapStats) sample(n int) {
	if h == nil || n%256 != 0 {
		return
	}
	metrics.Read(h.samples)
	h.peakLive = max(h.peakLive, h.samples[0].Value.Uint64())
	h.peakObjects = max(h.peakObjects, h.samples[1].Value.Uint64())
}

// report writes the figures on one line.
func (h *heapStats) report(w io.Writer) {
	if h == nil {
		return
	}
	h.sample(0)
	fmt.Fprintf(w, "debug-heap: peak_live_heap_bytes=%d peak_heap_objects_bytes=%d peak_rss_kb=%d\n",
		h.peakLive, h.peakObjects, peakRSS())
}

// peakRSS returns the process's peak resident set size in KiB (VmHWM),
// or 0 where /proc does not say.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
