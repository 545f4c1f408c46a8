package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// tcpProxy forwards TCP connections to DynamoDB Local and can go down:
// down drops every connection it carries (with a reset, as a network
// failure does) and closes its listener, so that new connections are
// refused; up listens again on the same address. It listens on a port
// below Linux's ephemeral range (32768-60999), so that no outgoing
// connection of this machine holds the port while the proxy is down.
//
// With a delay, it holds what DynamoDB sends back for that long, like a
// network between the service and DynamoDB: requests then spend that time
// applied but not yet answered, as they do against the real service.
type tcpProxy struct {
	t      testing.TB
	target string
	addr   string
	delay  time.Duration

	mu    sync.Mutex
	ln    net.Listener
	links map[*link]struct{}
	wg    sync.WaitGroup

	accepted atomic.Int64 // connections accepted
	dropped  atomic.Int64 // connections dropped by down
	// inFlight counts the connections down dropped while a request they
	// had forwarded to DynamoDB was still unanswered: requests that
	// DynamoDB may have applied without the client learning it.
	inFlight atomic.Int64
}

// link is a client connection and its connection to DynamoDB.
type link struct {
	client, up net.Conn
	// pending is set when request bytes are forwarded to DynamoDB and
	// cleared when answer bytes reach the client.
	pending atomic.Bool
}

// startTCPProxy starts a proxy to DynamoDB Local that holds its answers
// for delay; t's cleanup stops it.
func startTCPProxy(t testing.TB, delay time.Duration) *tcpProxy {
	t.Helper()
	u, err := url.Parse(dynamotest.MustEndpoint(t))
	require.NoError(t, err)
	p := &tcpProxy{t: t, target: u.Host, delay: delay, links: map[*link]struct{}{}}
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if ln, err := net.Listen("tcp", addr); err == nil {
			p.addr, p.ln = addr, ln
			break
		}
	}
	require.NotNil(t, p.ln, "no free port for the proxy")
	p.wg.Add(1)
	go p.serve(p.ln)
	t.Cleanup(func() {
		p.down()
		p.wg.Wait()
	})
	return p
}

// URL is the proxy's endpoint for the driver.
func (p *tcpProxy) URL() string { return "http://" + p.addr }

func (p *tcpProxy) serve(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		l := &link{client: c, up: up}
		if !p.track(l) {
			continue
		}
		p.wg.Add(2)
		go p.pipe(l, l.up, l.client, 0, func() { l.pending.Store(true) })
		go p.pipe(l, l.client, l.up, p.delay, func() { l.pending.Store(false) })
	}
}

// track registers a link, or closes it when the proxy went down
// meanwhile.
func (p *tcpProxy) track(l *link) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		l.client.Close()
		l.up.Close()
		return false
	}
	p.links[l] = struct{}{}
	return true
}

// pipe copies src to dst, holding each chunk for delay and calling sent
// after each write.
func (p *tcpProxy) pipe(l *link, dst, src net.Conn, delay time.Duration, sent func()) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			time.Sleep(delay)
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
			sent()
		}
		if err != nil {
			break
		}
	}
	// One side ended: end both (a half-closed HTTP connection is of no
	// use to either end).
	l.client.Close()
	l.up.Close()
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}

// down drops every connection and stops listening.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for l := range p.links {
		if l.pending.Load() {
			p.inFlight.Add(1)
		}
		for _, c := range []net.Conn{l.client, l.up} {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // reset, not a graceful close
			}
			c.Close()
		}
		p.dropped.Add(1)
	}
	clear(p.links)
}

// up listens again on the same address.
func (p *tcpProxy) up() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(p.t, err, "the proxy cannot listen on %s again", p.addr)
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go p.serve(ln)
}

// slowProxy starts an HTTP reverse proxy to DynamoDB Local that holds each
// request for delay before forwarding it (unless the request is cancelled
// meanwhile), and counts the requests it forwards.
func slowProxy(t *testing.T, delay time.Duration) (endpoint string, forwarded *atomic.Int64) {
	t.Helper()
	target, err := url.Parse(dynamotest.MustEndpoint(t))
	require.NoError(t, err)
	forwarded = &atomic.Int64{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = nil
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body first: net/http notices that the client went away
		// (and cancels r's context) only once the body has been read.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".ExecuteStatement") {
			forwarded.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, forwarded
}

// waitFor polls cond until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			return errors.New("condition not met in time")
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
