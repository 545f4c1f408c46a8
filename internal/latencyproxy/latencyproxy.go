// Package latencyproxy is a test-only HTTP reverse proxy that puts a network
// round trip between a DynamoDB client and an endpoint: it waits a
// configurable delay (with optional jitter) before forwarding each request,
// can charge each new TCP connection the cost of a TCP and TLS handshake,
// and counts the requests (by DynamoDB operation), the response bytes and the
// TCP connections it accepts.
//
// It listens on a real TCP socket (127.0.0.1, a free port), so a client's
// connection pool behaves as it does against the service: every connection
// the client opens is one the proxy accepts and counts.
//
//	p, err := latencyproxy.Start(upstreamURL, latencyproxy.Options{Delay: 5 * time.Millisecond})
//	defer p.Close()
//	cfg.Endpoint = p.URL()
//	...
//	s := p.Stats() // requests and connections so far
//
// The model is deliberately simple: the whole round trip is spent before the
// request is forwarded (the upstream's own time comes on top), a new
// connection's handshake delays its first request by HandshakeDelay, and
// there is no bandwidth limit.
package latencyproxy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Proxy.
type Options struct {
	// Delay is the round trip added to every request: the proxy waits this
	// long before forwarding it.
	Delay time.Duration
	// Jitter spreads the delay of each request uniformly over
	// [Delay-Jitter, Delay+Jitter] (never below 0), drawn from a source
	// seeded with Seed.
	Jitter time.Duration
	// HandshakeDelay is added once to the first request of every new
	// connection, for the TCP and TLS handshakes a connection to the
	// service costs (two round trips with TLS 1.3: 2*Delay is a fair
	// figure). 0 makes new connections free.
	HandshakeDelay time.Duration
	// Seed seeds the jitter's random source (0 is a fixed default).
	Seed uint64

	// sleep, when set, replaces the wait (tests record the delays with
	// it instead of waiting).
	sleep func(ctx context.Context, d time.Duration)
}

// Stats are a proxy's counts since it started.
type Stats struct {
	// Requests is the number of requests received, of any operation.
	Requests int64
	// Conns is the number of TCP connections accepted.
	Conns int64
	// Open is the number of connections open now.
	Open int64
	// PeakOpen is the largest number of connections open at once.
	PeakOpen int64
	// ResponseBytes is the number of response body bytes sent to
	// clients (headers not included).
	ResponseBytes int64
}

// Proxy is a running latency proxy. Its methods are safe for concurrent
// use.
type Proxy struct {
	opts     Options
	url      string
	listener net.Listener
	server   *http.Server
	upstream *http.Transport // nil for StartHandler
	sleep    func(ctx context.Context, d time.Duration)

	requests atomic.Int64
	body     atomic.Int64 // response body bytes
	conns    atomic.Int64
	open     atomic.Int64
	peak     atomic.Int64

	mu    sync.Mutex
	byOp  map[string]int64
	rnd   *rand.Rand
	first map[net.Conn]bool // connections whose first request has not come yet
}

// Start starts a proxy in front of upstream (an absolute http URL such as
// http://127.0.0.1:8000) and returns it. Close it when done.
func Start(upstream string, opts Options) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("latencyproxy: upstream %q is not an absolute URL", upstream)
	}
	tr := &http.Transport{
		// The proxy's own connections upstream must never be what limits
		// the client: keep plenty, and never go through an HTTP proxy
		// from the environment.
		Proxy:               nil,
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			// Keep the client's Host header: it is part of what the
			// request signature covers.
			r.Out.Host = r.In.Host
		},
		Transport:  tr,
		BufferPool: bufferPool{},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // the client is gone
			}
			http.Error(w, "latencyproxy: "+err.Error(), http.StatusBadGateway)
		},
	}
	p, err := serve(rp, opts)
	if err != nil {
		return nil, err
	}
	p.upstream = tr
	return p, nil
}

// StartHandler starts a proxy whose upstream is h, served in-process after
// each request's delay: the same round trip and counts as Start without a
// second HTTP hop, whose CPU would otherwise weigh on a benchmark of the
// client. Close it when done.
func StartHandler(h http.Handler, opts Options) (*Proxy, error) {
	if h == nil {
		return nil, errors.New("latencyproxy: nil handler")
	}
	return serve(h, opts)
}

// serve listens on a free loopback port and serves next behind the delays
// and counts.
func serve(next http.Handler, opts Options) (*Proxy, error) {
	if opts.Delay < 0 || opts.Jitter < 0 || opts.HandshakeDelay < 0 {
		return nil, errors.New("latencyproxy: delays must not be negative")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("latencyproxy: %w", err)
	}
	if opts.sleep == nil {
		opts.sleep = sleepCtx
	}
	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	p := &Proxy{
		opts:     opts,
		url:      "http://" + ln.Addr().String(),
		listener: ln,
		sleep:    opts.sleep,
		byOp:     make(map[string]int64),
		rnd:      rand.New(rand.NewPCG(seed, seed)),
		first:    make(map[net.Conn]bool),
	}
	p.server = &http.Server{
		Handler:   p.handler(next),
		ConnState: p.connState,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
	}
	go func() { _ = p.server.Serve(ln) }()
	return p, nil
}

type connKey struct{}

// URL returns the proxy's endpoint, such as http://127.0.0.1:41234.
func (p *Proxy) URL() string { return p.url }

// Close stops the proxy and closes every connection, both sides.
func (p *Proxy) Close() error {
	err := p.server.Close()
	if p.upstream != nil {
		p.upstream.CloseIdleConnections()
	}
	return err
}

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	return Stats{
		Requests: p.requests.Load(),
		Conns:    p.conns.Load(),
		Open:     p.open.Load(),
		PeakOpen: p.peak.Load(),

		ResponseBytes: p.body.Load(),
	}
}

// Requests returns how many requests for DynamoDB operation op (read from
// the X-Amz-Target header, such as "ExecuteStatement") the proxy received;
// "" counts every request.
func (p *Proxy) Requests(op string) int64 {
	if op == "" {
		return p.requests.Load()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byOp[op]
}

// ResetPeak sets the peak of open connections to the number open now, so
// that the next Stats shows the peak of what follows.
func (p *Proxy) ResetPeak() { p.peak.Store(p.open.Load()) }

// connState counts connections as the server sees them.
func (p *Proxy) connState(c net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		p.conns.Add(1)
		n := p.open.Add(1)
		for {
			peak := p.peak.Load()
			if n <= peak || p.peak.CompareAndSwap(peak, n) {
				break
			}
		}
		if p.opts.HandshakeDelay > 0 {
			p.mu.Lock()
			p.first[c] = true
			p.mu.Unlock()
		}
	case http.StateClosed, http.StateHijacked:
		p.open.Add(-1)
		if p.opts.HandshakeDelay > 0 {
			p.mu.Lock()
			delete(p.first, c)
			p.mu.Unlock()
		}
	}
}

// handler counts the request, waits its delay, then forwards it, counting
// the response body's bytes.
func (p *Proxy) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		op := operation(r)
		c, _ := r.Context().Value(connKey{}).(net.Conn)
		p.mu.Lock()
		p.byOp[op]++
		d := p.delayLocked()
		if p.first[c] {
			delete(p.first, c)
			d += p.opts.HandshakeDelay
		}
		p.mu.Unlock()
		if d > 0 {
			p.sleep(r.Context(), d)
			if r.Context().Err() != nil {
				return
			}
		}
		cw := &countingWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		p.body.Add(cw.n)
	})
}

// countingWriter counts the body bytes written through it.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// Unwrap gives http.ResponseController (flushes of the reverse proxy) the
// writer underneath.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// delayLocked draws the delay of one request; p.mu must be held.
func (p *Proxy) delayLocked() time.Duration {
	d := p.opts.Delay
	if j := p.opts.Jitter; j > 0 {
		d += time.Duration(p.rnd.Int64N(int64(2*j)+1)) - j
	}
	return max(d, 0)
}

// operation returns the DynamoDB operation named by the request's
// X-Amz-Target header ("DynamoDB_20120810.GetItem" gives "GetItem").
func operation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[i+1:]
	}
	return t
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// bufferPool recycles the 32 KB copy buffers of the reverse proxy, so that
// the proxy's garbage weighs on the benchmarks as little as possible.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}

func (bufferPool) Get() []byte  { return *buffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
