package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// bigBody is a 2 MB request body: a JSON user whose firstname is padded.
var bigBody = []byte(`{"id":"big","lastname":"L","age":1,"firstname":"` + strings.Repeat("x", 2<<20-60) + `"}`)

// rawPost sends a POST /users with body over a new TCP connection,
// writing all of it before reading the answer, as curl and most clients
// without Expect: 100-continue do: in chunks of 64 KB, pausing pace after
// each, like a client on a slower link than the loopback. It returns the
// answer or the error that broke the exchange.
func rawPost(addr string, body []byte, pace time.Duration) (int, []byte, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	req := fmt.Sprintf("POST /users HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", addr, len(body))
	if _, err := io.WriteString(conn, req); err != nil {
		return 0, nil, fmt.Errorf("writing the request: %w", err)
	}
	for chunk := range slices.Chunk(body, 64<<10) {
		if _, err := conn.Write(chunk); err != nil {
			return 0, nil, fmt.Errorf("writing the body: %w", err)
		}
		time.Sleep(pace)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// TestBodyTooLargeAnswered is issue 17 §11: a 2 MB body gets its 413 JSON
// answer every time, from a client that writes the whole body before
// reading (no connection reset), from Go's HTTP client, and from a
// client that sends Expect: 100-continue (which then need not send the
// body at all).
func TestBodyTooLargeAnswered(t *testing.T) {
	t.Parallel()
	s := startService(t, tableName(t), nil)
	addr := strings.TrimPrefix(s.srv.URL, "http://")
	want := func(status int, body []byte) {
		t.Helper()
		require.Equal(t, http.StatusRequestEntityTooLarge, status, "%s", body)
		var e errorJSON
		require.NoError(t, json.Unmarshal(body, &e), "%s", body)
		require.Equal(t, "body_too_large", e.Error)
		require.Contains(t, e.Message, "65536 bytes")
	}
	// Twelve at once, at full speed and at about 2 MB/s (a 2 MB body
	// then takes a second to send).
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	const rounds = 12
	for i := range rounds {
		wg.Go(func() {
			pace := time.Duration(0)
			if i%2 == 1 {
				pace = 30 * time.Millisecond
			}
			status, body, err := rawPost(addr, bigBody, pace)
			if err == nil && status != http.StatusRequestEntityTooLarge {
				err = fmt.Errorf("status %d: %.200s", status, body)
			}
			if err != nil {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("client %d (pause %v): %v", i, pace, err))
				mu.Unlock()
				return
			}
		})
	}
	wg.Wait()
	require.Empty(t, failures, "%d of %d 2 MB POSTs got no 413", len(failures), rounds)
	for range 3 {
		status, body, err := rawPost(addr, bigBody, 0)
		require.NoError(t, err)
		want(status, body)
	}

	for range 10 {
		res, err := s.srv.Client().Post(s.srv.URL+"/users", "application/json", bytes.NewReader(bigBody))
		require.NoError(t, err)
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		want(res.StatusCode, b)
	}

	// With Expect: 100-continue the answer comes before the body is sent.
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	_, err = fmt.Fprintf(conn, "POST /users HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, len(bigBody))
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	require.NotEqual(t, http.StatusContinue, res.StatusCode, "100 Continue: the service asked for a body it refuses")
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	want(res.StatusCode, b)
}
