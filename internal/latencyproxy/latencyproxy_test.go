package latencyproxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder records the delays a proxy asks for instead of waiting.
type recorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (r *recorder) sleep(_ context.Context, d time.Duration) {
	r.mu.Lock()
	r.delays = append(r.delays, d)
	r.mu.Unlock()
}

func (r *recorder) all() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.delays...)
}

// upstream answers every request with its X-Amz-Target and Host headers
// and the request body, and counts the requests.
func upstream(t *testing.T) (*httptest.Server, *int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen-Host", r.Host)
		_, _ = io.WriteString(w, r.Header.Get("X-Amz-Target")+":"+string(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func start(t *testing.T, up string, opts Options) *Proxy {
	t.Helper()
	p, err := Start(up, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// post sends one request for operation op through client c.
func post(t *testing.T, c *http.Client, url, op, body string) (string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	return string(b), resp.Header
}

func TestForwardsAndCountsRequestsByOperation(t *testing.T) {
	up, n := upstream(t)
	rec := &recorder{}
	p := start(t, up.URL, Options{Delay: 5 * time.Millisecond, sleep: rec.sleep})
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()

	got, h := post(t, c, p.URL(), "GetItem", `{"k":1}`)
	if got != `DynamoDB_20120810.GetItem:{"k":1}` {
		t.Errorf("upstream answered %q", got)
	}
	if h.Get("X-Seen-Host") != strings.TrimPrefix(p.URL(), "http://") {
		t.Errorf("upstream saw Host %q, want the client's %q", h.Get("X-Seen-Host"), p.URL())
	}
	post(t, c, p.URL(), "GetItem", "")
	post(t, c, p.URL(), "ExecuteStatement", "")

	if *n != 3 {
		t.Errorf("upstream got %d requests, want 3", *n)
	}
	if got := p.Requests("GetItem"); got != 2 {
		t.Errorf("Requests(GetItem) = %d, want 2", got)
	}
	if got := p.Requests("ExecuteStatement"); got != 1 {
		t.Errorf("Requests(ExecuteStatement) = %d, want 1", got)
	}
	if got := p.Requests(""); got != 3 {
		t.Errorf("Requests(\"\") = %d, want 3", got)
	}
	if d := rec.all(); len(d) != 3 || d[0] != 5*time.Millisecond || d[2] != 5*time.Millisecond {
		t.Errorf("delays = %v, want 3 x 5ms", d)
	}
	// The three answers: "<target>:<body>".
	want := int64(len(`DynamoDB_20120810.GetItem:{"k":1}`) + len(`DynamoDB_20120810.GetItem:`) + len(`DynamoDB_20120810.ExecuteStatement:`))
	if got := p.Stats().ResponseBytes; got != want {
		t.Errorf("ResponseBytes = %d, want %d", got, want)
	}
}

func TestCountsTCPConnections(t *testing.T) {
	up, _ := upstream(t)
	p := start(t, up.URL, Options{})

	// A client that keeps its connection: one connection for three
	// requests.
	keep := &http.Client{Transport: &http.Transport{}}
	for range 3 {
		post(t, keep, p.URL(), "GetItem", "")
	}
	if s := p.Stats(); s.Conns != 1 || s.Requests != 3 {
		t.Errorf("keep-alive client: %+v, want 1 connection for 3 requests", s)
	}
	keep.CloseIdleConnections()

	// A client that closes its connection after each request: one
	// connection per request.
	closing := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range 3 {
		post(t, closing, p.URL(), "GetItem", "")
	}
	if s := p.Stats(); s.Conns != 4 || s.Requests != 6 {
		t.Errorf("after a closing client: %+v, want 4 connections for 6 requests", s)
	}
}

func TestCountsConnectionsOpenAtOnce(t *testing.T) {
	const n = 5
	release := make(chan struct{})
	arrived := make(chan struct{}, n)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer up.Close()
	p := start(t, up.URL, Options{})
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { post(t, c, p.URL(), "Query", "") })
	}
	for range n {
		<-arrived
	}
	if s := p.Stats(); s.Open != n || s.PeakOpen != n || s.Conns != n {
		t.Errorf("with %d requests in flight: %+v", n, s)
	}
	close(release)
	wg.Wait()
	c.CloseIdleConnections()
	p.ResetPeak()
	// The closes reach the server asynchronously; the counts were taken
	// above, this only checks that the peak follows the reset.
	if s := p.Stats(); s.PeakOpen > n {
		t.Errorf("peak after reset: %+v", s)
	}
}

func TestJitterAndHandshakeDelay(t *testing.T) {
	up, _ := upstream(t)
	rec := &recorder{}
	const (
		delay     = 5 * time.Millisecond
		jitter    = 2 * time.Millisecond
		handshake = 10 * time.Millisecond
	)
	p := start(t, up.URL, Options{Delay: delay, Jitter: jitter, HandshakeDelay: handshake, Seed: 7, sleep: rec.sleep})
	c := &http.Client{Transport: &http.Transport{}}
	for range 50 {
		post(t, c, p.URL(), "GetItem", "")
	}
	c.CloseIdleConnections()
	c2 := &http.Client{Transport: &http.Transport{}}
	post(t, c2, p.URL(), "GetItem", "")
	c2.CloseIdleConnections()

	d := rec.all()
	if len(d) != 51 {
		t.Fatalf("%d delays recorded, want 51", len(d))
	}
	// The first request of each connection carries the handshake.
	for _, i := range []int{0, 50} {
		if d[i] < delay-jitter+handshake || d[i] > delay+jitter+handshake {
			t.Errorf("delay of the first request of a connection (#%d) = %v, want %v±%v + %v", i, d[i], delay, jitter, handshake)
		}
	}
	distinct := map[time.Duration]bool{}
	for i := 1; i < 50; i++ {
		if d[i] < delay-jitter || d[i] > delay+jitter {
			t.Errorf("delay #%d = %v, want within %v±%v", i, d[i], delay, jitter)
		}
		distinct[d[i]] = true
	}
	if len(distinct) < 10 {
		t.Errorf("only %d distinct delays among 49: the jitter does not spread them", len(distinct))
	}
}

func TestStartRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		up   string
		opts Options
		want string
	}{
		{"127.0.0.1:8000", Options{}, "not an absolute URL"},
		{"http://127.0.0.1:8000", Options{Delay: -time.Millisecond}, "negative"},
		{"http://127.0.0.1:8000", Options{Jitter: -time.Millisecond}, "negative"},
	} {
		p, err := Start(tc.up, tc.opts)
		if err == nil {
			p.Close()
			t.Errorf("Start(%q, %+v) succeeded", tc.up, tc.opts)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Start(%q, %+v): %v, want %q", tc.up, tc.opts, err, tc.want)
		}
	}
}

func TestUnreachableUpstreamIsABadGateway(t *testing.T) {
	up := httptest.NewServer(http.NotFoundHandler())
	url := up.URL
	up.Close()
	p := start(t, url, Options{})
	resp, err := http.Post(p.URL(), "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
}

func TestStartHandlerServesInProcess(t *testing.T) {
	rec := &recorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "in-process "+r.Header.Get("X-Amz-Target"))
	})
	p, err := StartHandler(h, Options{Delay: 3 * time.Millisecond, HandshakeDelay: 6 * time.Millisecond, sleep: rec.sleep})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	for range 2 {
		if got, _ := post(t, c, p.URL(), "Scan", ""); got != "in-process DynamoDB_20120810.Scan" {
			t.Errorf("answer %q", got)
		}
	}
	if s := p.Stats(); s.Requests != 2 || s.Conns != 1 || p.Requests("Scan") != 2 {
		t.Errorf("stats %+v, Scan %d", s, p.Requests("Scan"))
	}
	if d := rec.all(); len(d) != 2 || d[0] != 9*time.Millisecond || d[1] != 3*time.Millisecond {
		t.Errorf("delays %v, want [9ms 3ms]", d)
	}
	if _, err := StartHandler(nil, Options{}); err == nil {
		t.Error("StartHandler(nil) succeeded")
	}
}
