package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/pagination"
)

// TestRun starts the service as main does (run with a listener, seeded
// users and the printed examples), uses it, then cancels the context (as
// SIGINT does) and checks that run returns nil and stops listening.
func TestRun(t *testing.T) {
	t.Parallel()
	out, logs := &syncBuffer{}, &syncBuffer{}
	ready := make(chan string, 1)
	cfg := config{
		Addr:     "127.0.0.1:0",
		Endpoint: dynamotest.MustEndpoint(t),
		Region:   defaultRegion,
		Table:    tableName(t),
		Seed:     25,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
		onReady:  func(addr string) { ready <- addr },
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, out) }()

	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run returned before serving: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("the service did not start within a minute")
	}
	base := "http://" + addr
	printed := out.String()
	assert.Contains(t, printed, "curl -i -X POST "+base+"/users")
	assert.Contains(t, printed, "curl -i "+base+"/users/u1")
	assert.Contains(t, printed, "curl -i -X DELETE "+base+"/users/u1")
	assert.Contains(t, printed, "25 users seeded")
	assert.Contains(t, logs.String(), "CURSOR_KEY is not set")
	assert.Contains(t, logs.String(), "will not survive a restart")

	get := func(url string) (int, []byte) {
		t.Helper()
		res, err := http.Get(url)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, b
	}
	status, body := get(base + "/users/seed-001")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"id":"seed-001","firstname":"Ada","lastname":"Lovelace","age":25}`, string(body))

	// Every printed GET of /users answers; the one that follows nextCursor
	// carries a real cursor and gives the second page of the first one.
	var pages []pagination.Page[User]
	for _, m := range regexp.MustCompile(`curl -s '([^']+)'`).FindAllStringSubmatch(printed, -1) {
		status, body := get(m[1])
		if strings.Contains(m[1], "size=1000") || strings.Contains(m[1], "sort=age") {
			require.Equal(t, http.StatusBadRequest, status, "%s: %s", m[1], body)
			continue
		}
		require.Equal(t, http.StatusOK, status, "%s: %s", m[1], body)
		var p pagination.Page[User]
		require.NoError(t, json.Unmarshal(body, &p))
		pages = append(pages, p)
	}
	require.GreaterOrEqual(t, len(pages), 2)
	require.Equal(t, 0, pages[0].Page)
	require.Len(t, pages[0].Content, 2)
	require.Equal(t, 1, pages[1].Page, "the printed cursor leads to page 1")
	require.Len(t, pages[1].Content, 2)
	for _, u := range append(pages[0].Content, pages[1].Content...) {
		require.Equal(t, demoAge, u.Age)
	}
	require.Less(t, pages[0].Content[1].Lastname, pages[1].Content[0].Lastname)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err, "a cancelled context is a clean shutdown")
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
	_, err := net.DialTimeout("tcp", addr, time.Second)
	require.Error(t, err, "the listener is closed")
	assert.Contains(t, logs.String(), "msg=stopped")
}

// TestRunCancelledBeforeStart checks that run with an already cancelled
// context returns the context's error at once, without serving.
func TestRunCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	served := false
	start := time.Now()
	err := run(ctx, config{
		Addr: "127.0.0.1:0", Endpoint: dynamotest.MustEndpoint(t), Region: defaultRegion, Table: tableName(t),
		CursorKey: []byte(strings.Repeat("k", minCursorKey)),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		onReady:   func(string) { served = true },
	}, io.Discard)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, served)
	require.Less(t, time.Since(start), 10*time.Second)
}

// TestRunErrors checks that run refuses a bad configuration and reports a
// DynamoDB that does not answer or an address in use.
func TestRunErrors(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	secret := "short secret"
	err := run(ctx, config{Addr: "127.0.0.1:0", Endpoint: dynamotest.MustEndpoint(t), Table: "t", CursorKey: []byte(secret), Logger: quiet}, io.Discard)
	require.ErrorContains(t, err, "CURSOR_KEY has 12 bytes")
	require.NotContains(t, err.Error(), secret)

	// Nothing listens on a port we just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String()
	ln.Close()
	err = run(ctx, config{Addr: "127.0.0.1:0", Endpoint: dead, Region: defaultRegion, Table: "t", Logger: quiet}, io.Discard)
	require.ErrorContains(t, err, "is DynamoDB running at "+dead)

	// The address is in use.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	err = run(ctx, config{Addr: ln.Addr().String(), Endpoint: dynamotest.MustEndpoint(t), Region: defaultRegion, Table: tableName(t), Logger: quiet}, io.Discard)
	require.ErrorContains(t, err, "address already in use")
}

// TestLoadConfig checks the defaults, the environment, flags over the
// environment, and the refusals.
func TestLoadConfig(t *testing.T) {
	t.Parallel()
	envOf := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cfg, err := loadConfig(nil, envOf(), io.Discard)
	require.NoError(t, err)
	require.Equal(t, config{Addr: defaultAddr, Endpoint: defaultEndpoint, Region: defaultRegion, Table: defaultTable, RequestTimeout: defaultRequestTimeout}, cfg)

	// Without DYNAMODB_ENDPOINT, DYNAMODB_LOCAL_PORT names DynamoDB Local's port.
	cfg, err = loadConfig(nil, envOf("DYNAMODB_LOCAL_PORT", "8105"), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:8105", cfg.Endpoint)

	key := strings.Repeat("0123456789abcdef", 3)
	env := envOf("ADDR", ":9090", "DYNAMODB_ENDPOINT", "http://db:8000", "USER_TABLE", "people", "SEED", "25", "CURSOR_KEY", key, "AWS_REGION", "eu-west-1", "REQUEST_TIMEOUT", "5s")
	cfg, err = loadConfig(nil, env, io.Discard)
	require.NoError(t, err)
	require.Equal(t, config{Addr: ":9090", Endpoint: "http://db:8000", Region: "eu-west-1", Table: "people", Seed: 25, CursorKey: []byte(key), RequestTimeout: 5 * time.Second}, cfg)

	cfg, err = loadConfig([]string{"-addr", "127.0.0.1:0", "-seed", "3", "-table", "t2", "-endpoint", "http://x:1", "-request-timeout", "1m"}, env, io.Discard)
	require.NoError(t, err)
	require.Equal(t, config{Addr: "127.0.0.1:0", Endpoint: "http://x:1", Region: "eu-west-1", Table: "t2", Seed: 3, CursorKey: []byte(key), RequestTimeout: time.Minute}, cfg)

	for _, c := range []struct {
		args []string
		env  func(string) string
		want string
	}{
		{nil, envOf("SEED", "many"), "SEED must be an integer"},
		{nil, envOf("SEED", "-1"), "SEED must be an integer"},
		{[]string{"-seed", "1000001"}, envOf(), "SEED must be an integer"},
		{nil, envOf("CURSOR_KEY", "too short"), "CURSOR_KEY has 9 bytes"},
		{[]string{"extra"}, envOf(), "unexpected arguments"},
		{[]string{"-nope"}, envOf(), "flag provided but not defined"},
		{[]string{"-table", ""}, envOf(), "table name is empty"},
		{nil, envOf("DYNAMODB_LOCAL_PORT", "eighty"), `DYNAMODB_LOCAL_PORT="eighty" is not a port number`},
		{nil, envOf("REQUEST_TIMEOUT", "30"), "REQUEST_TIMEOUT must be a duration"},
		{nil, envOf("REQUEST_TIMEOUT", "-1s"), "REQUEST_TIMEOUT must be a duration"},
		{[]string{"-request-timeout", "1h"}, envOf(), "at most 10m0s"},
	} {
		_, err := loadConfig(c.args, c.env, io.Discard)
		require.ErrorContains(t, err, c.want, "%v", c.args)
	}
	_, err = loadConfig([]string{"-h"}, envOf(), io.Discard)
	require.True(t, errors.Is(err, flag.ErrHelp))
}

// TestBaseURL checks the URL printed for a listening address.
func TestBaseURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"0.0.0.0:80":     "http://127.0.0.1:80",
		"[::]:8080":      "http://127.0.0.1:8080",
		"[::1]:8080":     "http://[::1]:8080",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		require.NoError(t, err)
		require.Equal(t, want, baseURL(a), addr)
	}
}

// TestSeedUsers checks that the demo data puts six users at demoAge with
// SEED=25, so the printed examples have several pages of two.
func TestSeedUsers(t *testing.T) {
	t.Parallel()
	users := seedUsers(25)
	require.Len(t, users, 25)
	n := 0
	seen := map[string]bool{}
	for _, u := range users {
		require.False(t, seen[u.ID])
		seen[u.ID] = true
		if u.Age == demoAge {
			n++
		}
	}
	require.Equal(t, 6, n)
	require.Equal(t, users, seedUsers(25), "the same users every time")
}
