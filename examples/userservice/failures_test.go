package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// Issue 18 §4: a query string that does not parse is a 400 naming the
// problem, on every route, not a request that ignores the malformed pair.
func TestUnparsableQueryStrings(t *testing.T) {
	t.Parallel()
	s := startService(t, tableName(t), nil)
	require.Equal(t, http.StatusCreated, s.do(http.MethodPost, "/users", `{"id":"u1","firstname":"A","lastname":"B","age":33}`).status)
	for _, c := range []struct {
		path, param string
		contains    []string
	}{
		{"/users?age=33&lastname=%ZZ", "lastname", []string{`invalid %-escape "%ZZ"`, "%25"}},
		{"/users?age=33;DROP", "age", []string{`"age=33;DROP" contains ";"`, `"&"`, "%3B"}},
		{"/users?age=33&%ZZ=1", "", []string{`parameter name "%ZZ"`}},
		{"/users/u1?x=%", "x", []string{`invalid %-escape "%"`}},
		{"/users/u1?a=1;b=2", "a", []string{`contains ";"`}},
	} {
		e := wantError(t, s.do(http.MethodGet, c.path, ""), http.StatusBadRequest, "invalid_parameter")
		require.Equal(t, c.param, e.Parameter, c.path)
		for _, sub := range c.contains {
			require.Contains(t, e.Message, sub, c.path)
		}
	}
	// The same parameters, escaped, are fine.
	require.Empty(t, s.getPage("/users?age=33&lastname=%25ZZ").Content)
	require.Len(t, s.getPage("/users?age=33&lastname=B").Content, 1)
	require.NotContains(t, s.log.String(), "level=ERROR")
}

// TestDynamoDBUnreachable: with DynamoDB unreachable (a proxy that refuses
// connections), reads and writes are answered 503 with Retry-After, the
// writes saying that nothing was written, and nothing was.
func TestDynamoDBUnreachable(t *testing.T) {
	t.Parallel()
	table := tableName(t)
	proxy := startTCPProxy(t, 0)
	s := startServiceAt(t, proxy.URL(), table, nil)
	require.Equal(t, http.StatusCreated, s.do(http.MethodPost, "/users", `{"id":"kept","firstname":"A","lastname":"B","age":40}`).status)
	// The first SELECT describes the table (see the note below).
	require.Equal(t, http.StatusOK, s.do(http.MethodGet, "/users/kept", "").status)

	proxy.down()
	for _, req := range []struct{ method, path, body string }{
		{http.MethodGet, "/users/kept", ""},
		{http.MethodGet, "/users?age=40", ""},
		{http.MethodPost, "/users", `{"id":"new","firstname":"A","lastname":"B","age":40}`},
		{http.MethodPut, "/users/kept", `{"firstname":"Changed","lastname":"B","age":40}`},
		{http.MethodDelete, "/users/kept", ""},
	} {
		r := s.do(req.method, req.path, req.body)
		e := wantError(t, r, http.StatusServiceUnavailable, "unavailable")
		require.Equal(t, "2", r.header.Get("Retry-After"), "%s %s", req.method, req.path)
		require.Contains(t, e.Message, "DynamoDB could not be reached")
		if req.method != http.MethodGet {
			require.Contains(t, e.Message, "nothing was written", "%s %s", req.method, req.path)
		}
	}
	proxy.up()
	// Had the table not been described before the outage, the driver
	// would remember the failed DescribeTable for 30 s (indexhint's
	// failureTTL) and, under scan=deny, refuse SELECTs until then.
	wantError(t, s.do(http.MethodGet, "/users/new", ""), http.StatusNotFound, "not_found")
	r := s.do(http.MethodGet, "/users/kept", "")
	require.Equal(t, http.StatusOK, r.status)
	require.JSONEq(t, `{"id":"kept","firstname":"A","lastname":"B","age":40}`, string(r.body))
	logs := s.log.String()
	assert.Equal(t, 5, strings.Count(logs, `level=WARN msg="request failed"`), "%s", logs)
	assert.NotContains(t, logs, "level=ERROR")
}

// TestWriteOutcomeUnknown: a write whose answer DynamoDB sent but the
// service lost is a 502 saying it may have been applied; sending the
// same request again is safe (PUT, DELETE) or answers 409 (POST, when
// the first one was applied).
func TestWriteOutcomeUnknown(t *testing.T) {
	t.Parallel()
	ft := faultinject.New(nil)
	lose := func(kind string) {
		ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 1, Fault: faultinject.DropResponse(),
			Match: func(_ string, body []byte) bool { return bytes.Contains(body, []byte(`"Statement":"`+kind)) }})
	}
	s := startServiceWith(t, config{Endpoint: dynamotest.MustEndpoint(t), Table: tableName(t),
		clientOptions: []func(*dynamodb.Options){ft.ClientOption()}})
	ada := `{"id":"ada","firstname":"Ada","lastname":"Byron","age":36}`

	lose("INSERT")
	e := wantError(t, s.do(http.MethodPost, "/users", ada), http.StatusBadGateway, "outcome_unknown")
	require.Contains(t, e.Message, "may or may not have applied")
	require.Contains(t, e.Message, "409")
	// It was applied: the same POST is a conflict, GET finds it.
	wantError(t, s.do(http.MethodPost, "/users", ada), http.StatusConflict, "conflict")
	require.Equal(t, http.StatusOK, s.do(http.MethodGet, "/users/ada", "").status)

	lose("UPDATE")
	lovelace := `{"id":"ada","firstname":"Ada","lastname":"Lovelace","age":36}`
	wantError(t, s.do(http.MethodPut, "/users/ada", lovelace), http.StatusBadGateway, "outcome_unknown")
	r := s.do(http.MethodPut, "/users/ada", lovelace)
	require.Equal(t, http.StatusOK, r.status, "PUT again is safe: %s", r.body)
	require.JSONEq(t, lovelace, string(s.do(http.MethodGet, "/users/ada", "").body))

	lose("DELETE")
	wantError(t, s.do(http.MethodDelete, "/users/ada", ""), http.StatusBadGateway, "outcome_unknown")
	require.Equal(t, http.StatusNoContent, s.do(http.MethodDelete, "/users/ada", "").status)
	wantError(t, s.do(http.MethodGet, "/users/ada", ""), http.StatusNotFound, "not_found")
	require.Equal(t, 3, ft.Injected(faultinject.KindDropResponse))
	require.Equal(t, 3, strings.Count(s.log.String(), `level=ERROR msg="request failed"`))
}

// statusLogged returns the status the access log recorded for the first
// request to path, or 0.
func statusLogged(logs, method, path string) int {
	m := regexp.MustCompile(`msg=request method=` + method + ` path="?` + regexp.QuoteMeta(path) + `"? status=(\d+)`).FindStringSubmatch(logs)
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

// Issue 18 §3: a request whose deadline passes stops reading DynamoDB and
// is answered 504, logged as such; a page request that runs out of its
// time budget answers a partial page within it, whose cursors continue.
func TestRequestDeadline(t *testing.T) {
	t.Parallel()
	table := tableName(t)
	writeSomeBodies(t, table, 300)

	// Every DynamoDB request takes 2 s; requests have 300 ms.
	endpoint, forwarded := slowProxy(t, 2*time.Second)
	s := startServiceWith(t, config{Endpoint: endpoint, Table: table, RequestTimeout: 300 * time.Millisecond})
	before := forwarded.Load()
	start := time.Now()
	e := wantError(t, s.do(http.MethodGet, "/users/b0001", ""), http.StatusGatewayTimeout, "timeout")
	t.Logf("answered %v after %v", e.Message, time.Since(start))
	require.NoError(t, waitFor(5*time.Second, func() bool { return statusLogged(s.log.String(), "GET", "/users/b0001") != 0 }))
	require.Equal(t, http.StatusGatewayTimeout, statusLogged(s.log.String(), "GET", "/users/b0001"))
	time.Sleep(2500 * time.Millisecond) // longer than the proxy's delay
	require.Equal(t, before, forwarded.Load(), "the request stopped before reaching DynamoDB")

	// A time budget: every DynamoDB request takes 200 ms and a page request
	// may read for a third of its 1.5 s, so the answer for a filter that
	// matches nothing is partial; following its cursors ends the walk.
	endpoint, forwarded = slowProxy(t, 200*time.Millisecond)
	s = startServiceWith(t, config{Endpoint: endpoint, Table: table, RequestTimeout: 1500 * time.Millisecond})
	path := "/users?firstname=Nobody&size=1"
	answers, partial := 0, 0
	for {
		r := s.do(http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var p page
		require.NoError(t, json.Unmarshal(r.body, &p.Page))
		require.Empty(t, p.Content)
		answers++
		if p.Partial {
			partial++
		}
		if !p.HasNext {
			break
		}
		require.Less(t, answers, 100, "no progress")
		path = "/users?firstname=Nobody&cursor=" + p.NextCursor
	}
	t.Logf("%d answers (%d partial), %d DynamoDB requests", answers, partial, forwarded.Load())
	require.Positive(t, partial)
}

// Issue 18 §3: when the client goes away, the service stops reading
// DynamoDB and logs 499, not 200.
func TestClientGone(t *testing.T) {
	t.Parallel()
	table := tableName(t)
	writeSomeBodies(t, table, 300)

	// Each DynamoDB request takes 300 ms; the walk of a filter matching
	// nothing needs several; the client gives up after 500 ms.
	endpoint, forwarded := slowProxy(t, 300*time.Millisecond)
	s := startServiceAt(t, endpoint, table, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.srv.URL+"/users?firstname=Nobody&size=1", nil)
	require.NoError(t, err)
	_, err = s.srv.Client().Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, waitFor(5*time.Second, func() bool { return statusLogged(s.log.String(), "GET", "/users") != 0 }))
	require.Equal(t, statusClientGone, statusLogged(s.log.String(), "GET", "/users"), "%s", s.log.String())
	after := forwarded.Load()
	time.Sleep(time.Second)
	require.Equal(t, after, forwarded.Load(), "no DynamoDB request after the client left")
	require.LessOrEqual(t, after, int64(2))
	require.NotContains(t, s.log.String(), "status=200")
}
