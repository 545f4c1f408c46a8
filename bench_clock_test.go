package dynamosql_test

import (
	"testing"
	"time"
)

// benchClock times a benchmark's CPU besides its wall time: it reports
// cpu-ns/op, the CPU time the whole process (client, in-process canned
// server, garbage collector) spent per operation. On a small shared
// machine wall time swings with whatever else runs; CPU time much less, so
// the ratio of the cpu-ns/op of a pair is a steadier second view of the
// same cost. Use pause and resume instead of b.StopTimer and b.StartTimer.
type benchClock struct {
	b       *testing.B
	ok      bool
	started time.Duration
	spent   time.Duration
}

// startClock reports allocations and starts the CPU clock of b; call it
// just before the benchmark loop.
func startClock(b *testing.B) *benchClock {
	b.ReportAllocs()
	c := &benchClock{b: b}
	c.started, c.ok = processCPU()
	return c
}

// pause stops the benchmark's timers.
func (c *benchClock) pause() {
	c.b.StopTimer()
	now, _ := processCPU()
	c.spent += now - c.started
}

// resume starts the benchmark's timers again.
func (c *benchClock) resume() {
	c.started, _ = processCPU()
	c.b.StartTimer()
}

// report adds cpu-ns/op to the benchmark's results; call it after the
// loop.
func (c *benchClock) report() {
	now, _ := processCPU()
	c.spent += now - c.started
	if c.ok && c.b.N > 0 {
		c.b.ReportMetric(float64(c.spent.Nanoseconds())/float64(c.b.N), "cpu-ns/op")
	}
}
