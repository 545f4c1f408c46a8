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
BenchmarkCanned/Query1000/driver-sqlx-2    	     213	   3000000 ns/op	 1075653 B/op	   18000 allocs/op
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

func TestRender(t *testing.T) {
	r, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	ok := render(&b, r)
	out := b.String()
	t.Log("\n" + out)
	for _, want := range []string{
		// medians 110 / 100; cpu 100 / 100; allocs 12 / 10
		"| Canned/PointRead/driver | 110 ns | 100 ns | 1.10 | 1.00–4.00 | 1.00 | 12 | 10 | 1.20 | 3/3 | time ≤ 1.10, allocs ≤ 1.25: ok |",
		"| Canned/Query1000/driver-sqlx | 3 ms | 2.5 ms | 1.20 | 1.20–1.20 | ? | 18000 | 15000 | 1.20 | 1/1 | time ≤ 1.25, allocs ≤ 1.25: ok |",
		"| Canned/Query1000/driver-scan | 2 ms | 2.5 ms | 0.80 | 0.80–0.80 | ? | 15000 | 15000 | 1.00 | 1/1 | time ≤ 1.10, allocs ≤ 1.25: ok |",
		"| Local/Insert/driver | 2 ms | 1 ms | 2.00 | 2.00–2.00 | ? | 382 | 371 | 1.03 | 1/1 | - |",
		"| Local/PutMany10000/exec-each | x_putmany | 9 | 8.5–9.5 | 2 | ≥ 8: ok |",
		"| StreamingHeap/items=10000 | peak-live-heap-B | 262144 | 262144–262144 | 1 | - |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing line %q", want)
		}
	}
	if strings.Contains(out, "NoPair") || strings.Contains(out, "cpu-ns/op") {
		t.Error("an unpaired benchmark or the CPU clock's metric is listed")
	}
	if !ok {
		t.Error("targets reported missed")
	}

	// A canned pair over its target is a MISS.
	r.values["BenchmarkCanned/PointRead/driver"]["allocs/op"] = []float64{13, 13, 13}
	b.Reset()
	if render(&b, r) {
		t.Error("allocs ratio 1.30 passes")
	}
	if !strings.Contains(b.String(), "allocs ≤ 1.25: MISS") {
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
	if tg, _ := targetFor("BenchmarkCanned/Query1000/driver-sqlx"); tg.time != 1.25 || tg.allocs != 1.25 {
		t.Errorf("sqlx target %+v", tg)
	}
	if tg, _ := targetFor("BenchmarkCanned/Tx100/driver"); tg.time != 1.10 || tg.allocs != 1.25 {
		t.Errorf("target %+v", tg)
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
