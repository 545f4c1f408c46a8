package main

import (
	"math"
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/dynamosql/dynamosql
cpu: Intel(R) Xeon(R) Processor
BenchmarkCanned/PointRead/driver-2         	    3252	    100 ns/op	   34159 B/op	     12 allocs/op	  90 cpu-ns/op
BenchmarkCanned/PointRead/sdk-2            	    3630	    100 ns/op	   33890 B/op	     10 allocs/op	 100 cpu-ns/op
BenchmarkCanned/PointRead/driver-2         	    3252	    110 ns/op	   34159 B/op	     12 allocs/op	 110 cpu-ns/op
BenchmarkCanned/PointRead/sdk-2            	    3630	    100 ns/op	   33890 B/op	     10 allocs/op	 100 cpu-ns/op
BenchmarkCanned/PointRead/driver-2         	    3252	    400 ns/op	   34159 B/op	     12 allocs/op	 100 cpu-ns/op
BenchmarkCanned/PointRead/sdk-2            	    3630	    100 ns/op	   33890 B/op	     10 allocs/op	 100 cpu-ns/op
SDK 2026/11/28 11:09:16 WARN failed to close HTTP response body
--- BENCH: BenchmarkCanned/Query1000/sdk-2
    bench_pairs_test.go:60: 1 lost answer(s) counted
BenchmarkCanned/Query1000/driver-sqlx-2    	     213	   2700000 ns/op	 1075653 B/op	   18000 allocs/op
BenchmarkCanned/Query1000/driver-scan-2    	     194	   2000000 ns/op	 1052427 B/op	   15000 allocs/op
BenchmarkCanned/Query1000/sdk-2            	     144	   2500000 ns/op	  905536 B/op	   15000 allocs/op
BenchmarkLocal/Insert/driver-2             	       1	   2000000 ns/op	   73992 B/op	     382 allocs/op
BenchmarkLocal/Insert/sdk-2                	       1	   1000000 ns/op	   31392 B/op	     371 allocs/op
BenchmarkLocal/PutMany10000/exec-each-2    	       1	9774700981 ns/op	         8.5 x_putmany	296842152 B/op	 3597467 allocs/op
BenchmarkLocal/PutMany10000/exec-each-2    	       1	9774700981 ns/op	         9.5 x_putmany	296842152 B/op	 3597467 allocs/op
BenchmarkStreamingHeap/items=10000-2       	       5	 200000000 ns/op	    262144 peak-live-heap-B
BenchmarkNoPair/driver-2                   	       5	 200 ns/op
PASS
ok  	github.com/dynamosql/dynamosql	25.210s
`

func TestParse(t *testing.T) {
	r, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	got := r.values["BenchmarkCanned/PointRead/driver"]["ns/op"]
	if len(got) != 3 || got[0] != 100 || got[2] != 400 {
		t.Errorf("driver ns/op = %v", got)
	}
	if r.names[0] != "BenchmarkCanned/PointRead/driver" || r.names[1] != "BenchmarkCanned/PointRead/sdk" {
		t.Errorf("names = %v", r.names)
	}
	if u := r.units["BenchmarkLocal/PutMany10000/exec-each"]; strings.Join(u, ",") != "ns/op,x_putmany,B/op,allocs/op" {
		t.Errorf("units = %v", u)
	}
	if _, ok := r.values["BenchmarkCanned/Query1000/sdk"]; !ok {
		t.Error("the result line after a log line is lost")
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
	in := []float64{3, 1, 2}
	median(in)
	if in[0] != 3 {
		t.Error("median sorted its argument")
	}
}

// renderText parses text and renders it, returning the results, the
// output and whether every target held; it fails t on any line it misses.
func renderText(t *testing.T, text string, want []string) (*results, string, bool) {
	t.Helper()
	r, err := parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	ok := render(&b, r)
	out := b.String()
	t.Log("\n" + out)
	for _, line := range want {
		if !strings.Contains(out, line) {
			t.Errorf("missing line %q", line)
		}
	}
	return r, out, ok
}

func TestRender(t *testing.T) {
	r, out, ok := renderText(t, sample, []string{
		// medians 110 / 100; cpu 100 / 100; allocs 12 / 10
		"| Canned/PointRead/driver | 110 ns | 100 ns | 1.10 | 1.00–4.00 | 1.00 | 12 | 10 | 1.20 | 3/3 | time ≤ 1.10, allocs ≤ 1.30: ok |",
		"| Canned/Query1000/driver-sqlx | 2.7 ms | 2.5 ms | 1.08 | 1.08–1.08 | ? | 18000 | 15000 | 1.20 | 1/1 | time ≤ 1.10, allocs ≤ 1.30: ok |",
		"| Canned/Query1000/driver-scan | 2 ms | 2.5 ms | 0.80 | 0.80–0.80 | ? | 15000 | 15000 | 1.00 | 1/1 | time ≤ 1.10, allocs ≤ 1.30: ok |",
		"| Local/Insert/driver | 2 ms | 1 ms | 2.00 | 2.00–2.00 | ? | 382 | 371 | 1.03 | 1/1 | - |",
		"| Local/PutMany10000/exec-each | x_putmany | 9 | 8.5–9.5 | 2 | ≥ 8: ok |",
		"| StreamingHeap/items=10000 | peak-live-heap-B | 262144 | 262144–262144 | 1 | - |",
	})
	if strings.Contains(out, "NoPair") || strings.Contains(out, "cpu-ns/op") {
		t.Error("an unpaired benchmark or the CPU clock's metric is listed")
	}
	if !ok {
		t.Error("targets reported missed")
	}

	// A canned pair over its target is a MISS.
	var b strings.Builder
	r.values["BenchmarkCanned/PointRead/driver"]["allocs/op"] = []float64{14, 14, 14}
	if render(&b, r) {
		t.Error("allocs ratio 1.40 passes")
	}
	if !strings.Contains(b.String(), "allocs ≤ 1.30: MISS") {
		t.Errorf("no MISS in\n%s", b.String())
	}

	// So is a bulk speed-up below 8.
	r.values["BenchmarkCanned/PointRead/driver"]["allocs/op"] = []float64{12, 12, 12}
	r.values["BenchmarkLocal/PutMany10000/exec-each"]["x_putmany"] = []float64{7.5, 8.5, 7.9}
	b.Reset()
	if render(&b, r) {
		t.Error("x_putmany 7.9 passes")
	}
	if !strings.Contains(b.String(), "| Local/PutMany10000/exec-each | x_putmany | 7.9 | 7.5–8.5 | 3 | ≥ 8: MISS |") {
		t.Errorf("no MISS for x_putmany in\n%s", b.String())
	}
}

func TestTargets(t *testing.T) {
	if _, ok := targetFor("BenchmarkLocal/Insert/driver"); ok {
		t.Error("DynamoDB Local has targets")
	}
	if tg, _ := targetFor("BenchmarkCanned/Query1000/driver-sqlx"); tg.time != 1.10 || tg.allocs != 1.30 {
		t.Errorf("sqlx target %+v", tg)
	}
	if tg, _ := targetFor("BenchmarkCanned/Tx100/driver"); tg.time != 1.10 || tg.allocs != 1.30 {
		t.Errorf("target %+v", tg)
	}
	if tg, ok := targetFor("BenchmarkLatencyReadAhead/PageSize=1000/driver"); !ok || tg.time != 0.80 || !math.IsInf(tg.allocs, 1) {
		t.Errorf("read-ahead target %+v", tg)
	}
	for _, name := range []string{"BenchmarkLatencyReadAhead/PageSize=100/driver", "BenchmarkLatencyReadAhead/PageSize=1000/driver-noreadahead"} {
		if _, ok := targetFor(name); ok {
			t.Errorf("%s has a target", name)
		}
	}
}

func TestFormats(t *testing.T) {
	for in, want := range map[float64]string{
		512: "512 ns", 1500: "1.5 µs", 2.5e6: "2.5 ms", 3.25e9: "3.25 s", math.NaN(): "?",
	} {
		if got := duration(in); got != want {
			t.Errorf("duration(%v) = %q, want %q", in, got, want)
		}
	}
	if got := ratio(math.Inf(1)); got != "?" {
		t.Errorf("ratio(Inf) = %q", got)
	}
	if got := number(262144); got != "262144" {
		t.Errorf("number = %q", got)
	}
	if got := number(2.576123); got != "2.576" {
		t.Errorf("number = %q", got)
	}
	if got := spread([]float64{2, 3, 9}, []float64{2, 2}); got != "1.00–1.50" {
		t.Errorf("spread = %q", got)
	}
	if got := spread(nil, []float64{1}); got != "?" {
		t.Errorf("spread of nothing = %q", got)
	}
}

const latencySample = `BenchmarkCanned/Insert/driver-2            	  100	   1000 ns/op	   10 allocs/op
BenchmarkCanned/Insert/sdk-2               	  100	   1000 ns/op	   10 allocs/op
BenchmarkLatency/PointRead/driver-2        	  200	5200000 ns/op	 1.000 req/op	 0 conns	 400 allocs/op
BenchmarkLatency/PointRead/sdk-2           	  200	5100000 ns/op	 1.000 req/op	 0 conns	 390 allocs/op
BenchmarkLatencyConcurrent/PointRead/g=64/driver-2	 6000	 100000 ns/op	 64 conns	 10.67 conns/kop	 65 peak-conns	 1.000 req/op	 500 allocs/op
BenchmarkLatencyConcurrent/PointRead/g=64/sdk-2   	 6000	 104000 ns/op	 300 conns	 50 conns/kop	 80 peak-conns	 1.000 req/op	 490 allocs/op
BenchmarkLatencyConcurrent/Insert/g=64/driver-2	 6000	 110000 ns/op	 64 conns	 10 conns/kop	 65 peak-conns	 1.000 req/op	 500 allocs/op
BenchmarkLatencyConcurrent/Insert/g=64/sdk-2   	 6000	 100000 ns/op	 300 conns	 50 conns/kop	 80 peak-conns	 1.000 req/op	 490 allocs/op
`

func TestRenderLatency(t *testing.T) {
	r, out, ok := renderText(t, latencySample, []string{
		"| allocs ratio | req/op driver / sdk | conns driver / sdk | runs | target |",
		"| Canned/Insert/driver | 1 µs | 1 µs | 1.00 | 1.00–1.00 | ? | 10 | 10 | 1.00 | - | - | 1/1 | time ≤ 1.10, allocs ≤ 1.30: ok |",
		"| Latency/PointRead/driver | 5.2 ms | 5.1 ms | 1.02 | 1.02–1.02 | ? | 400 | 390 | 1.03 | 1 / 1 | 0 / 0 | 1/1 | - |",
		"| LatencyConcurrent/PointRead/g=64/driver | 1.04 | 1.04–1.04 | 10.67 / 50 | 64 / 300 | 65 / 80 | throughput ≥ 0.95, conns ≤ sdk: ok |",
		// 100 µs / 110 µs: 0.91 of the SDK's throughput.
		"| LatencyConcurrent/Insert/g=64/driver | 0.91 | 0.91–0.91 | 10 / 50 | 64 / 300 | 65 / 80 | throughput ≥ 0.95, conns ≤ sdk: MISS |",
	})
	if ok {
		t.Error("a throughput of 0.91 passes")
	}
	if strings.Contains(out, "| metric |") {
		t.Error("the proxy's counts are listed among the custom metrics")
	}

	// More connections than the SDK is a MISS too.
	r.values["BenchmarkLatencyConcurrent/Insert/g=64/driver"]["ns/op"] = []float64{100000}
	r.values["BenchmarkLatencyConcurrent/PointRead/g=64/driver"][rateUnit] = []float64{51}
	var b strings.Builder
	if render(&b, r) {
		t.Errorf("more connections than the SDK pass:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "| LatencyConcurrent/PointRead/g=64/driver | 1.04 | 1.04–1.04 | 51 / 50 |") {
		t.Errorf("wrong concurrency line in\n%s", b.String())
	}
}
