// Command benchtable summarizes `go test -bench` output as the table of
// driver/SDK ratios that `make bench` prints.
//
//	go run ./internal/benchtable [file ...]   (standard input without files)
//
// Benchmarks are paired by name: every <group>/driver or <group>/driver-X
// is compared with <group>/sdk of the same group, for example
// BenchmarkCanned/Query1000/driver-sqlx with BenchmarkCanned/Query1000/sdk.
// For each side it takes the median ns/op and allocs/op over the repeated
// runs (-count), and prints both with the ratios driver/sdk, checked
// against the targets for the canned endpoint. The run ratios column is
// the range of the ratios of the runs taken pairwise (the nth run of each
// side). The cpu ratio column is the
// ratio of the median cpu-ns/op (process CPU time per operation, which
// the benchmarks report besides wall time) when both sides have it; the
// targets apply to wall time. Pairs measured behind the latency proxy
// (BenchmarkLatency*) also show the requests per operation and the TCP
// connections each side opened; the concurrency pairs
// (BenchmarkLatencyConcurrent) get a table of their own with the
// throughput ratio and connections per 1,000 operations, checked against
// their targets. Custom metrics reported with b.ReportMetric (x_putmany,
// x_hinted, peak-live-heap-B, ...) follow in a last table, as medians.
package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

func main() {
	var in []io.Reader
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = append(in, f)
	}
	if len(in) == 0 {
		in = append(in, os.Stdin)
	}
	res, err := parse(io.MultiReader(in...))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if ok := render(os.Stdout, res); !ok {
		// Missed targets are reported in the table, not as a failure:
		// timings on a shared machine are evidence, not a test.
		fmt.Fprintln(os.Stderr, "benchtable: some ratios miss their targets (see MISS above)")
	}
}

// results holds the values of each benchmark (name without the -GOMAXPROCS
// suffix) by unit, in input order, and the benchmark names in order of
// first appearance.
type results struct {
	names  []string
	values map[string]map[string][]float64
	units  map[string][]string // units of each benchmark, in order
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads benchmark result lines: name, iterations, then value/unit
// pairs. Other lines (goos:, pkg:, PASS, logs) are skipped.
func parse(r io.Reader) (*results, error) {
	res := &results{values: map[string]map[string][]float64{}, units: map[string][]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		byUnit := res.values[name]
		if byUnit == nil {
			byUnit = map[string][]float64{}
			res.values[name] = byUnit
			res.names = append(res.names, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark %s: value %q: %v", name, f[i], err)
			}
			unit := f[i+1]
			if _, seen := byUnit[unit]; !seen {
				res.units[name] = append(res.units[name], unit)
			}
			byUnit[unit] = append(byUnit[unit], v)
		}
	}
	return res, sc.Err()
}

// median returns the median of vs (the mean of the two middle values for
// an even count), NaN when vs is empty.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(vs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// target is the largest acceptable ratio driver/sdk of a pair.
type target struct {
	time, allocs float64
}

// metricTargets are the smallest acceptable medians of custom metrics:
// PutMany at least 8 times faster than one Exec per item (issue 7).
var metricTargets = map[string]float64{"x_putmany": 8}

// The metrics of the latency set (bench_latency_test.go): requests per
// operation and TCP connections counted by the latency proxy, shown with
// the pairs rather than in the metrics table.
const (
	reqUnit   = "req/op"     // requests the proxy received per operation
	connsUnit = "conns"      // TCP connections it accepted while measuring
	rateUnit  = "conns/kop"  // the same per 1,000 operations (concurrency)
	peakUnit  = "peak-conns" // connections open at once, at most
)

var proxyUnits = map[string]bool{reqUnit: true, connsUnit: true, rateUnit: true, peakUnit: true}

// minThroughput is the smallest acceptable throughput ratio driver/sdk of
// the concurrency benchmarks (issue 19): 0.95, the SDK's time over the
// driver's.
const minThroughput = 0.95

// concurrent reports a benchmark of the concurrency set, whose pairs are
// also checked for throughput and connections.
func concurrent(driver string) bool {
	return strings.HasPrefix(driver, "BenchmarkLatencyConcurrent/")
}

// targetFor returns the targets of a driver benchmark, or false when it
// has none (DynamoDB Local measures the database as much as the client).
// Issue 19: every canned pair within 1.10 of the SDK's time and 1.30 of its
// allocations (a string cell costs an allocation since the driver stopped
// boxing strings with unsafe); the read-ahead pair at PageSize(1000) at
// most 0.80 of sequential SDK paging's time (no allocation target).
func targetFor(driver string) (target, bool) {
	switch {
	case strings.HasPrefix(driver, "BenchmarkCanned/"):
		return target{time: 1.10, allocs: 1.30}, true
	case driver == "BenchmarkLatencyReadAhead/PageSize=1000/driver":
		return target{time: 0.80, allocs: math.Inf(1)}, true
	}
	return target{}, false
}

// pair is a driver benchmark and its SDK twin.
type pair struct {
	group, driver, sdk string
}

// pairs finds every <group>/driver* that has a <group>/sdk.
func (r *results) pairs() []pair {
	var ps []pair
	for _, name := range r.names {
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			continue
		}
		group, leaf := name[:i], name[i+1:]
		if leaf != "driver" && !strings.HasPrefix(leaf, "driver-") {
			continue
		}
		sdk := group + "/sdk"
		if _, ok := r.values[sdk]; ok {
			ps = append(ps, pair{group: group, driver: name, sdk: sdk})
		}
	}
	return ps
}

// cpuUnit is the metric of the benchmarks' CPU clock: the process's CPU
// time per operation.
const cpuUnit = "cpu-ns/op"

// standard units go test reports for every benchmark, and the CPU clock's,
// shown as a ratio in the pairs table.
var standard = map[string]bool{"ns/op": true, "B/op": true, "allocs/op": true, "MB/s": true, cpuUnit: true}

// sides formats the medians of unit of both sides of p as "driver / sdk".
func (r *results) sides(p pair, unit string) string {
	return number(median(r.values[p.driver][unit])) + " / " + number(median(r.values[p.sdk][unit]))
}

// render writes the tables and reports whether every target holds.
func render(w io.Writer, r *results) bool {
	ok := true
	ps := r.pairs()
	proxied := false // some pair ran behind the latency proxy
	for _, p := range ps {
		if _, has := r.values[p.driver][reqUnit]; has {
			proxied = true
		}
	}
	if len(ps) > 0 {
		extraHead, extraRule := "", ""
		if proxied {
			extraHead, extraRule = " req/op driver / sdk | conns driver / sdk |", "---:|---:|"
		}
		fmt.Fprintln(w, "| pair | driver time | sdk time | time ratio | run ratios | cpu ratio | driver allocs | sdk allocs | allocs ratio |"+extraHead+" runs | target |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"+extraRule+"---:|---|")
		for _, p := range ps {
			dt, st := median(r.values[p.driver]["ns/op"]), median(r.values[p.sdk]["ns/op"])
			da, sa := median(r.values[p.driver]["allocs/op"]), median(r.values[p.sdk]["allocs/op"])
			tr, ar := dt/st, da/sa
			cr := median(r.values[p.driver][cpuUnit]) / median(r.values[p.sdk][cpuUnit])
			verdict := "-"
			if t, has := targetFor(p.driver); has {
				verdict = fmt.Sprintf("time ≤ %.2f, allocs ≤ %.2f: ", t.time, t.allocs)
				if math.IsInf(t.allocs, 1) {
					verdict = fmt.Sprintf("time ≤ %.2f: ", t.time)
				}
				switch {
				case tr <= t.time && (ar <= t.allocs || math.IsNaN(ar)):
					verdict += "ok"
				default:
					verdict += "MISS"
					ok = false
				}
			}
			name := p.name()
			runs := fmt.Sprintf("%d/%d", len(r.values[p.driver]["ns/op"]), len(r.values[p.sdk]["ns/op"]))
			extra := ""
			if proxied {
				extra = " - | - |"
				if _, has := r.values[p.driver][reqUnit]; has {
					extra = " " + r.sides(p, reqUnit) + " | " + r.sides(p, connsUnit) + " |"
				}
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%s %s | %s |\n",
				name, duration(dt), duration(st), ratio(tr), spread(r.values[p.driver]["ns/op"], r.values[p.sdk]["ns/op"]),
				ratio(cr), count(da), count(sa), ratio(ar), extra, runs, verdict)
		}
	}
	if !renderConcurrency(w, r, ps) {
		ok = false
	}
	var metrics [][]string
	for _, name := range r.names {
		for _, unit := range r.units[name] {
			if standard[unit] || proxyUnits[unit] {
				continue
			}
			vs := r.values[name][unit]
			m := median(vs)
			verdict := "-"
			if least, has := metricTargets[unit]; has {
				verdict = fmt.Sprintf("≥ %s: ok", number(least))
				if m < least {
					verdict = fmt.Sprintf("≥ %s: MISS", number(least))
					ok = false
				}
			}
			metrics = append(metrics, []string{strings.TrimPrefix(name, "Benchmark"), unit, number(m), number(slices.Min(vs)) + "–" + number(slices.Max(vs)), strconv.Itoa(len(vs)), verdict})
		}
	}
	if len(metrics) > 0 {
		if len(ps) > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, "| benchmark | metric | median | range | runs | target |")
		fmt.Fprintln(w, "|---|---|---:|---:|---:|---|")
		for _, m := range metrics {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", m[0], m[1], m[2], m[3], m[4], m[5])
		}
	}
	return ok
}

// name is the pair's name in the tables: the driver benchmark's without
// its Benchmark prefix.
func (p pair) name() string {
	return strings.TrimPrefix(p.group, "Benchmark") + "/" + p.driver[len(p.group)+1:]
}

// renderConcurrency writes the table of the concurrency pairs (those that
// report conns/kop): the throughput ratio (the SDK's time over the
// driver's), the connections each side opened per 1,000 operations and
// the most open at once, checked against the targets: throughput at
// least minThroughput, and no more connections per operation than the
// SDK. It reports whether every target holds.
func renderConcurrency(w io.Writer, r *results, ps []pair) bool {
	ok := true
	header := false
	for _, p := range ps {
		if _, has := r.values[p.driver][rateUnit]; !has {
			continue
		}
		if !header {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "| concurrency pair | throughput ratio | run ratios | conns/kop driver / sdk | conns driver / sdk | peak conns driver / sdk | target |")
			fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|")
			header = true
		}
		tput := median(r.values[p.sdk]["ns/op"]) / median(r.values[p.driver]["ns/op"])
		dc, sc := median(r.values[p.driver][rateUnit]), median(r.values[p.sdk][rateUnit])
		verdict := "-"
		if concurrent(p.driver) {
			verdict = fmt.Sprintf("throughput ≥ %.2f, conns ≤ sdk: ", minThroughput)
			if tput >= minThroughput && dc <= sc {
				verdict += "ok"
			} else {
				verdict += "MISS"
				ok = false
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", p.name(), ratio(tput),
			spread(r.values[p.sdk]["ns/op"], r.values[p.driver]["ns/op"]),
			r.sides(p, rateUnit), r.sides(p, connsUnit), r.sides(p, peakUnit), verdict)
	}
	return ok
}

// spread returns the smallest and largest ratio d[i]/s[i] of the runs
// both sides have, as "min–max": the ith run of each side are neighbours
// in time (make bench runs every benchmark once per round), so the spread
// shows how much the machine's load moved a pair's ratio.
func spread(d, s []float64) string {
	n := min(len(d), len(s))
	if n == 0 {
		return "?"
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range n {
		v := d[i] / s[i]
		lo, hi = min(lo, v), max(hi, v)
	}
	return ratio(lo) + "–" + ratio(hi)
}

// duration formats nanoseconds with a unit and 4 significant digits.
func duration(ns float64) string {
	switch {
	case math.IsNaN(ns):
		return "?"
	case ns >= 1e9:
		return strconv.FormatFloat(ns/1e9, 'g', 4, 64) + " s"
	case ns >= 1e6:
		return strconv.FormatFloat(ns/1e6, 'g', 4, 64) + " ms"
	case ns >= 1e3:
		return strconv.FormatFloat(ns/1e3, 'g', 4, 64) + " µs"
	}
	return strconv.FormatFloat(ns, 'g', 4, 64) + " ns"
}

func ratio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "?"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func count(v float64) string {
	if math.IsNaN(v) {
		return "?"
	}
	return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
}

func number(v float64) string {
	if math.IsNaN(v) {
		return "?"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
