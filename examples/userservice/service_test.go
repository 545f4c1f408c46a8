package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/pagination"
)

// syncBuffer is a bytes.Buffer safe for concurrent use, for logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tableName returns a unique table name; the table is deleted when the
// test ends.
func tableName(t *testing.T) string {
	t.Helper()
	name := dynamotest.UniqueName("userservice")
	c := dynamotest.Client(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

// testService is the service's handler in an httptest.Server on DynamoDB
// Local.
type testService struct {
	t   *testing.T
	app *app
	srv *httptest.Server
	log *syncBuffer
}

// startService starts the service on table with the cursor key (nil: the
// per-process key).
func startService(t *testing.T, table string, key []byte) *testService {
	t.Helper()
	return startServiceAt(t, dynamotest.MustEndpoint(t), table, key)
}

// startServiceAt is startService on another DynamoDB endpoint.
func startServiceAt(t *testing.T, endpoint, table string, key []byte) *testService {
	t.Helper()
	return startServiceWith(t, config{Endpoint: endpoint, Table: table, CursorKey: key})
}

// startServiceWith starts the service with cfg, whose Region and Logger
// are set here.
func startServiceWith(t *testing.T, cfg config) *testService {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Region = defaultRegion
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	a, err := newApp(dynamotest.Context(t), cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return &testService{t: t, app: a, srv: srv, log: logs}
}

// response is an answer of the service.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; body "" sends none.
func (s *testService) do(method, path, body string) response {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(dynamotest.Context(s.t), method, s.srv.URL+path, rd)
	require.NoError(s.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := s.srv.Client().Do(req)
	require.NoError(s.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(s.t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// errorJSON is the body of an error answer (both kinds).
type errorJSON struct {
	Error     string          `json:"error"`
	Parameter string          `json:"parameter"`
	Field     string          `json:"field"`
	Message   string          `json:"message"`
	Allowed   json.RawMessage `json:"allowed"`
}

// wantError checks that r is a JSON error with the status and code.
func wantError(t *testing.T, r response, status int, code string) errorJSON {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	var e errorJSON
	require.NoError(t, json.Unmarshal(r.body, &e), "body: %s", r.body)
	require.Equal(t, code, e.Error, "body: %s", r.body)
	require.NotEmpty(t, e.Message)
	return e
}

// page is a decoded page with the raw JSON's keys.
type page struct {
	pagination.Page[User]
	keys map[string]json.RawMessage
	link string
}

func (s *testService) getPage(path string) page {
	s.t.Helper()
	r := s.do(http.MethodGet, path, "")
	require.Equal(s.t, http.StatusOK, r.status, "GET %s: %s", path, r.body)
	var p page
	require.NoError(s.t, json.Unmarshal(r.body, &p.Page))
	require.NoError(s.t, json.Unmarshal(r.body, &p.keys))
	p.link = r.header.Get("Link")
	return p
}

// walk reads every page of the query by cursor, asserting the page
// invariants: every page but the last is full, hasNext is false only on
// the last, whose JSON has no nextCursor. With viaLink it follows the Link
// header, otherwise it appends the cursor to query.
func (s *testService) walk(query string, size int, viaLink bool) []page {
	s.t.Helper()
	var pages []page
	path := query
	for {
		p := s.getPage(path)
		require.Equal(s.t, len(pages), p.Page.Page, "page number")
		require.Equal(s.t, size, p.Size)
		require.Equal(s.t, len(p.Content), p.NumberOfElements)
		pages = append(pages, p)
		if !p.HasNext {
			require.Empty(s.t, p.NextCursor)
			require.NotContains(s.t, p.keys, "nextCursor", "the last page's JSON has no nextCursor")
			require.Empty(s.t, p.link)
			return pages
		}
		require.Len(s.t, p.Content, size, "page %d is full", p.Page.Page)
		require.NotEmpty(s.t, p.NextCursor)
		if viaLink {
			m := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(p.link)
			require.NotNil(s.t, m, "Link: %q", p.link)
			path = m[1]
		} else {
			path = query + "&cursor=" + url.QueryEscape(p.NextCursor)
		}
		require.Less(s.t, len(pages), 100, "runaway walk")
	}
}

// readStats records the ExecuteStatement responses that pass through a
// proxy in front of DynamoDB Local: how many items each returned and
// whether it had a NextToken.
type readStats struct {
	mu    sync.Mutex
	reads []dynamoRead
}

type dynamoRead struct {
	items   int
	hasNext bool
}

func (s *readStats) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads = nil
}

func (s *readStats) snapshot() []dynamoRead {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reads)
}

// countingProxy starts a reverse proxy to DynamoDB Local that records its
// ExecuteStatement responses, and returns its endpoint.
func countingProxy(t *testing.T) (string, *readStats) {
	t.Helper()
	target, err := url.Parse(dynamotest.MustEndpoint(t))
	require.NoError(t, err)
	stats := &readStats{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(res *http.Response) error {
		if !strings.HasSuffix(res.Request.Header.Get("X-Amz-Target"), ".ExecuteStatement") || res.StatusCode != http.StatusOK {
			return nil
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		res.Body = io.NopCloser(bytes.NewReader(b))
		var out struct {
			Items     []json.RawMessage
			NextToken *string
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return err
		}
		stats.mu.Lock()
		stats.reads = append(stats.reads, dynamoRead{items: len(out.Items), hasNext: out.NextToken != nil})
		stats.mu.Unlock()
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL, stats
}

func ids(us []User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func contentOf(pages []page) []User {
	var out []User
	for _, p := range pages {
		out = append(out, p.Content...)
	}
	return out
}

// Test data: 250 users aged 30 with distinct (lastname, firstname), ids
// in an order unrelated to the names, and a few users of other ages.
var (
	testLastnames = []string{
		"Adams", "Baker", "Clark", "de la Cruz", "Evans", "Fischer", "García", "Hughes", "Ito", "Jones",
		"King", "Lopez", "Müller", "Ng", "O'Brien", "Patel", "Quinn", "Rossi", "Smith", "Smith Jones",
		"Smithson", "Smith#Jr", "Tanaka", "Weiß", "Zhang",
	}
	testFirstnames = []string{"Ann", "Bob", "Chloé", "Dmitri", "Eve", "Fatima", "Grace", "Hiro", "Ines", "José"}
)

const listAge = 30

func listUsersData() []User {
	r := rand.New(rand.NewPCG(6, 6))
	perm := r.Perm(250)
	var us []User
	for i := range 250 {
		us = append(us, User{
			ID:        fmt.Sprintf("u%03d", perm[i]),
			Lastname:  testLastnames[i%len(testLastnames)],
			Firstname: testFirstnames[i/len(testLastnames)],
			Age:       listAge,
		})
	}
	for i := range 40 {
		us = append(us, User{ID: fmt.Sprintf("o%03d", i), Lastname: testLastnames[i%7], Firstname: "Zed", Age: 31 + i%3})
	}
	return us
}

// byName orders users by lastname, then firstname, as DynamoDB orders
// their composite "lastname#firstname".
func byName(a, b User) int {
	return cmp.Or(strings.Compare(a.Lastname, b.Lastname), strings.Compare(a.Firstname, b.Firstname))
}

// TestListUsers runs the paging scenarios of GET /users through the
// service on DynamoDB Local, over 250 users of one age written with
// PutMany.
func TestListUsers(t *testing.T) {
	t.Parallel()
	table := tableName(t)
	keyA := []byte("test key A: 32 bytes or more....")
	s := startService(t, table, keyA)
	all := listUsersData()
	require.NoError(t, s.app.users.PutMany(dynamotest.Context(t), all))
	var aged []User
	for _, u := range all {
		if u.Age == listAge {
			aged = append(aged, u)
		}
	}
	asc := slices.SortedFunc(slices.Values(aged), byName)
	desc := slices.Clone(asc)
	slices.Reverse(desc)

	queries := map[string]string{
		"asc":  fmt.Sprintf("/users?age=%d&size=20&sort=lastname,asc&sort=firstname,asc", listAge),
		"desc": fmt.Sprintf("/users?age=%d&size=20&sort=lastname,DESC", listAge),
	}
	walks := map[string][]page{}

	t.Run("walk by cursor, asc and desc", func(t *testing.T) {
		for _, dir := range []string{"asc", "desc"} {
			pages := s.walk(queries[dir], 20, dir == "asc")
			require.Len(t, pages, 13, dir)
			require.Len(t, pages[12].Content, 10, dir)
			want := asc
			if dir == "desc" {
				want = desc
			}
			require.Equal(t, ids(want), ids(contentOf(pages)), "%s: every user once, in lastname, firstname order", dir)
			walks[dir] = pages
		}
	})

	t.Run("natural order is the index's", func(t *testing.T) {
		pages := s.walk(fmt.Sprintf("/users?age=%d&size=100", listAge), 100, false)
		require.Len(t, pages, 3)
		require.Equal(t, ids(asc), ids(contentOf(pages)))
	})

	t.Run("page=N equals the cursor walk", func(t *testing.T) {
		for _, dir := range []string{"asc", "desc"} {
			require.Len(t, walks[dir], 13)
			for _, n := range []int{3, 12, 5} {
				p := s.getPage(fmt.Sprintf("%s&page=%d", queries[dir], n))
				require.Equal(t, n, p.Page.Page)
				require.Equal(t, ids(walks[dir][n].Content), ids(p.Content), "%s page=%d", dir, n)
				require.Equal(t, walks[dir][n].HasNext, p.HasNext)
				if p.HasNext {
					// Its cursor leads to the next page of the walk.
					next := s.getPage(queries[dir] + "&cursor=" + url.QueryEscape(p.NextCursor))
					require.Equal(t, ids(walks[dir][n+1].Content), ids(next.Content))
				}
			}
		}
		// The same on a fresh instance, whose boundary cache is empty:
		// page=3 then skips 60 users from the start.
		cold := startService(t, table, keyA)
		for _, dir := range []string{"asc", "desc"} {
			p := cold.getPage(queries[dir] + "&page=3")
			require.Equal(t, ids(walks[dir][3].Content), ids(p.Content), "%s page=3, cold cache", dir)
			next := cold.getPage(queries[dir] + "&cursor=" + url.QueryEscape(p.NextCursor))
			require.Equal(t, ids(walks[dir][4].Content), ids(next.Content))
		}
		// Beyond the end: an empty last page.
		p := s.getPage(queries["asc"] + "&page=13")
		require.Empty(t, p.Content)
		require.False(t, p.HasNext)
	})

	t.Run("a filter still gives full pages", func(t *testing.T) {
		// firstname alone is a filter on ageIndex (not a leading component
		// of its sort key): each DynamoDB read of n items matches about
		// n/10 of them, yet every page but the last holds 20.
		var ann []User
		for _, u := range asc {
			if u.Firstname == "Ann" {
				ann = append(ann, u)
			}
		}
		require.Len(t, ann, 25)
		// Through a proxy that sees DynamoDB's answers.
		endpoint, stats := countingProxy(t)
		watched := startServiceAt(t, endpoint, table, keyA)
		stats.reset()
		pages := watched.walk(fmt.Sprintf("/users?age=%d&size=20&firstname=Ann", listAge), 20, false)
		require.Len(t, pages, 2)
		require.Len(t, pages[1].Content, 5)
		require.Equal(t, ids(ann), ids(contentOf(pages)))
		// DynamoDB's pages were short: the first page of 20 was filled
		// from more than one read, the first of which matched only a few
		// of the items it read. The reads after it were sized by the
		// fraction that matched, so the walk took few of them.
		reads := stats.snapshot()
		t.Logf("%d DynamoDB reads for 2 pages: %+v", len(reads), reads)
		require.GreaterOrEqual(t, len(reads), 2, "%+v", reads)
		require.True(t, reads[0].hasNext && reads[0].items < 20, "the first read was short of a full page: %+v", reads)
		require.LessOrEqual(t, len(reads), 4, "%+v", reads)

		annDesc := slices.Clone(ann)
		slices.Reverse(annDesc)
		pages = s.walk(fmt.Sprintf("/users?age=%d&size=20&firstname=Ann&sort=lastname,desc", listAge), 20, true)
		require.Equal(t, ids(annDesc), ids(contentOf(pages)))

		// page=1 of the filtered query skips 20 matches, not 20 items read.
		p := s.getPage(fmt.Sprintf("/users?age=%d&size=20&firstname=Ann&page=1", listAge))
		require.Equal(t, ids(ann[20:]), ids(p.Content))

		// Without age: a scan with the filter, still full pages.
		pages = s.walk("/users?size=10&firstname=Ann", 10, false)
		require.Len(t, pages, 3)
		require.ElementsMatch(t, ids(ann), ids(contentOf(pages)))

		// lastname and lastnamePrefix are key conditions on
		// "lastname#firstname": Smith matches neither Smith Jones nor
		// Smithson nor Smith#Jr; the prefix Smith matches all four.
		var smith, smithPrefix []User
		for _, u := range asc {
			if u.Lastname == "Smith" {
				smith = append(smith, u)
			}
			if strings.HasPrefix(u.Lastname, "Smith") {
				smithPrefix = append(smithPrefix, u)
			}
		}
		pages = s.walk(fmt.Sprintf("/users?age=%d&size=20&lastname=Smith", listAge), 20, false)
		require.Equal(t, ids(smith), ids(contentOf(pages)))
		pages = s.walk(fmt.Sprintf("/users?age=%d&size=20&lastnamePrefix=Smith&sort=lastname,asc", listAge), 20, false)
		require.Len(t, pages, 2)
		require.Equal(t, ids(smithPrefix), ids(contentOf(pages)))
		pages = s.walk(fmt.Sprintf("/users?age=%d&lastname=Smith%%23Jr&firstname=Bob", listAge), 20, false)
		require.Len(t, contentOf(pages), 1)
		require.Equal(t, "Smith#Jr", contentOf(pages)[0].Lastname)
	})

	t.Run("without age: the whole table", func(t *testing.T) {
		pages := s.walk("/users?size=100", 100, true)
		require.Len(t, pages, 3)
		require.ElementsMatch(t, ids(all), ids(contentOf(pages)))
		p := s.getPage("/users?size=100&page=2")
		require.Equal(t, ids(pages[2].Content), ids(p.Content))
	})

	t.Run("forged and foreign cursors", func(t *testing.T) {
		require.Len(t, walks["asc"], 13)
		cursor := walks["asc"][0].NextCursor
		descCursor := walks["desc"][0].NextCursor
		// Edit one character in the middle (to another base64url one).
		b := []byte(cursor)
		i := len(b) / 2
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		forged := string(b)
		filtered := s.getPage(fmt.Sprintf("/users?age=%d&size=20&firstname=Ann", listAge)).NextCursor
		require.NotEmpty(t, filtered)

		for name, path := range map[string]string{
			"edited":           queries["asc"] + "&cursor=" + url.QueryEscape(forged),
			"truncated":        queries["asc"] + "&cursor=" + url.QueryEscape(cursor[:len(cursor)-3]),
			"garbage":          queries["asc"] + "&cursor=not*a*cursor",
			"another age":      fmt.Sprintf("/users?age=31&size=20&sort=lastname,asc&sort=firstname,asc&cursor=%s", url.QueryEscape(cursor)),
			"another sort":     queries["asc"] + "&cursor=" + url.QueryEscape(descCursor),
			"another filter":   fmt.Sprintf("/users?age=%d&size=20&cursor=%s", listAge, url.QueryEscape(filtered)),
			"no age (a scan)":  "/users?size=20&cursor=" + url.QueryEscape(filtered),
			"another filter 2": fmt.Sprintf("/users?age=%d&size=20&firstname=Bob&cursor=%s", listAge, url.QueryEscape(filtered)),
		} {
			e := wantError(t, s.do(http.MethodGet, path, ""), http.StatusBadRequest, "invalid_parameter")
			require.Equal(t, "cursor", e.Parameter, name)
			require.Contains(t, e.Message, "cursor is invalid", name)
		}

		// A cursor signed with another key: the same service and table,
		// another CURSOR_KEY (as after a restart with a new key, or on a
		// replica configured differently).
		other := startService(t, table, []byte("test key B: 32 bytes or more...."))
		e := wantError(t, other.do(http.MethodGet, queries["asc"]+"&cursor="+url.QueryEscape(cursor), ""), http.StatusBadRequest, "invalid_parameter")
		require.Equal(t, "cursor", e.Parameter)
		require.Contains(t, e.Message, "signature")
		// Its own cursors work.
		p := other.getPage(queries["asc"])
		next := other.getPage(queries["asc"] + "&cursor=" + url.QueryEscape(p.NextCursor))
		require.Equal(t, ids(walks["asc"][1].Content), ids(next.Content))
		// And the same key on another instance accepts the first one's cursors.
		same := startService(t, table, keyA)
		next = same.getPage(queries["asc"] + "&cursor=" + url.QueryEscape(cursor))
		require.Equal(t, ids(walks["asc"][1].Content), ids(next.Content))
	})

	t.Run("invalid parameters get 400", func(t *testing.T) {
		cursor := walks["asc"][0].NextCursor
		long := strings.Repeat("x", maxNameBytes+1)
		for _, c := range []struct {
			query, param string
			contains     []string
		}{
			{"size=1000", "size", []string{"between 1 and 100"}},
			{"size=0", "size", nil},
			{"size=-1", "size", nil},
			{"size=ten", "size", nil},
			{"page=1001", "page", []string{"between 0 and 1000"}},
			{"page=-1", "page", nil},
			{"page=1&page=2", "page", []string{"at most once"}},
			{"age=30&sort=age,asc", "sort", []string{`"age"`, "firstname, lastname"}},
			{"age=30&sort=lastname,up", "sort", []string{"asc or desc"}},
			{"age=30&sort=lastname&sort=lastname", "sort", []string{"more than once"}},
			{"sort=lastname", "sort", []string{"needs age", "ageIndex"}},
			{"age=30&sort=firstname", "sort", []string{"ageIndex", "lastname, then firstname"}},
			{"age=30&sort=lastname,asc&sort=firstname,desc", "sort", []string{"one direction"}},
			{"age=thirty", "age", []string{"between 0 and 150"}},
			{"age=-1", "age", nil},
			{"age=151", "age", nil},
			{"age=30&age=31", "age", []string{"at most once"}},
			{"agee=30", "agee", []string{"unknown parameter", "lastnamePrefix"}},
			{"age=30&lastname=" + long, "lastname", []string{"at most 200 bytes"}},
			{"age=30&firstname=" + long, "firstname", nil},
			{"age=30&firstname=%FF", "firstname", []string{"UTF-8"}},
			{"lastnamePrefix=a%C3", "lastnamePrefix", []string{"UTF-8"}},
			{"age=30&size=10&cursor=" + url.QueryEscape(cursor), "size", []string{"issued for size 20"}},
			{"age=30&page=5&cursor=" + url.QueryEscape(cursor), "page", []string{"leads to page 1"}},
		} {
			r := s.do(http.MethodGet, "/users?"+c.query, "")
			e := wantError(t, r, http.StatusBadRequest, "invalid_parameter")
			require.Equal(t, c.param, e.Parameter, "%s: %s", c.query, r.body)
			for _, sub := range c.contains {
				require.Contains(t, e.Message, sub, "%s", c.query)
			}
		}
		// The sort error also lists the sortable properties and the index.
		e := wantError(t, s.do(http.MethodGet, "/users?age=30&sort=age,asc", ""), http.StatusBadRequest, "invalid_parameter")
		var allowed pagination.SortAllowed
		require.NoError(t, json.Unmarshal(e.Allowed, &allowed))
		require.Equal(t, []string{"firstname", "lastname"}, allowed.Properties)
		require.Equal(t, pagination.SortIndexes{"ageIndex": {"lastname", "firstname"}}, allowed.Indexes)
		require.NotContains(t, s.log.String(), "level=ERROR", "client errors are not logged as failures")
	})
}

// TestUsersCRUD covers POST, GET, PUT and DELETE of /users/{id}.
func TestUsersCRUD(t *testing.T) {
	t.Parallel()
	s := startService(t, tableName(t), nil)

	ada := `{"id":"ada","firstname":"Ada","lastname":"Byron","age":36}`
	r := s.do(http.MethodPost, "/users", ada)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.JSONEq(t, ada, string(r.body))
	require.Equal(t, "/users/ada", r.header.Get("Location"))
	require.Equal(t, "application/json", r.header.Get("Content-Type"))

	e := wantError(t, s.do(http.MethodPost, "/users", ada), http.StatusConflict, "conflict")
	require.Equal(t, "id", e.Field)
	require.Contains(t, e.Message, `"ada" already exists`)

	r = s.do(http.MethodGet, "/users/ada", "")
	require.Equal(t, http.StatusOK, r.status)
	require.JSONEq(t, ada, string(r.body))

	e = wantError(t, s.do(http.MethodGet, "/users/nobody", ""), http.StatusNotFound, "not_found")
	require.Contains(t, e.Message, `"nobody"`)

	// PUT replaces; GET and the index see the change.
	lovelace := `{"id":"ada","firstname":"Ada","lastname":"Lovelace","age":37}`
	r = s.do(http.MethodPut, "/users/ada", lovelace)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.JSONEq(t, lovelace, string(r.body))
	r = s.do(http.MethodGet, "/users/ada", "")
	require.JSONEq(t, lovelace, string(r.body))
	p := s.getPage("/users?age=37&lastname=Lovelace")
	require.Equal(t, []User{{ID: "ada", Firstname: "Ada", Lastname: "Lovelace", Age: 37}}, p.Content)
	require.Empty(t, s.getPage("/users?age=36").Content)

	// The body's id may be omitted, not contradict the URL.
	r = s.do(http.MethodPut, "/users/ada", `{"firstname":"Ada","lastname":"King","age":37}`)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "King", s.getPage("/users?age=37").Content[0].Lastname)
	e = wantError(t, s.do(http.MethodPut, "/users/ada", `{"id":"bob","firstname":"B","lastname":"B","age":1}`), http.StatusBadRequest, "invalid_body")
	require.Equal(t, "id", e.Field)
	require.Contains(t, e.Message, "differs")
	r = s.do(http.MethodGet, "/users/bob", "")
	require.Equal(t, http.StatusNotFound, r.status, "nothing was written")

	// PUT of a new id creates it.
	r = s.do(http.MethodPut, "/users/grace", `{"id":"grace","firstname":"Grace","lastname":"Hopper","age":85}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, "/users/grace", r.header.Get("Location"))
	require.Equal(t, http.StatusOK, s.do(http.MethodGet, "/users/grace", "").status)

	// DELETE: 204, then 404; deleting again is still 204.
	r = s.do(http.MethodDelete, "/users/ada", "")
	require.Equal(t, http.StatusNoContent, r.status)
	require.Empty(t, r.body)
	wantError(t, s.do(http.MethodGet, "/users/ada", ""), http.StatusNotFound, "not_found")
	require.Equal(t, http.StatusNoContent, s.do(http.MethodDelete, "/users/ada", "").status)

	// Ids with slashes, spaces and non-ASCII letters round-trip.
	r = s.do(http.MethodPost, "/users", `{"id":"a/b é","firstname":"X","lastname":"Y","age":1}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	loc := r.header.Get("Location")
	require.Equal(t, "/users/a%2Fb%20%C3%A9", loc)
	r = s.do(http.MethodGet, loc, "")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, string(r.body), `"a/b é"`)

	// The longest names, made of bytes the composite escapes (each
	// written as two), still fit DynamoDB's 1,024-byte limit on the
	// index's sort key, and the index finds the user.
	worst := User{ID: "worst", Firstname: strings.Repeat("#", maxNameBytes), Lastname: strings.Repeat("$", maxNameBytes), Age: 99}
	b, err := json.Marshal(worst)
	require.NoError(t, err)
	r = s.do(http.MethodPost, "/users", string(b))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, []User{worst}, s.getPage("/users?age=99&lastname="+url.QueryEscape(worst.Lastname)).Content)

	// Bad bodies are 400 (413 when too large), never 500.
	long := strings.Repeat("x", maxNameBytes+1)
	for _, c := range []struct {
		body, field string
		status      int
		contains    string
	}{
		{"", "", 400, "empty"},
		{`{"id":"x",`, "", 400, "not valid JSON"},
		{`{"id":"x" "firstname":"y"}`, "", 400, "not valid JSON"},
		{`[1,2]`, "", 400, "JSON object"},
		{`{"id":"x","firstname":"a","lastname":"b","age":1} {}`, "", 400, "nothing after it"},
		{`{"id":"x"}`, "firstname", 400, "missing field(s): firstname, lastname, age"},
		{`{"firstname":"a","lastname":"b","age":1}`, "id", 400, "missing"},
		{`{"id":"","firstname":"a","lastname":"b","age":1}`, "id", 400, "1 to 1024 bytes of UTF-8"},
		{`{"id":"x","firstname":"","lastname":"b","age":1}`, "firstname", 400, "1 to 200 bytes"},
		{`{"id":"x","firstname":"a","lastname":"` + long + `","age":1}`, "lastname", 400, "1 to 200 bytes"},
		{`{"id":"x","firstname":"a","lastname":"b","age":"1"}`, "age", 400, "integer"},
		{`{"id":"x","firstname":"a","lastname":"b","age":1.5}`, "age", 400, "integer"},
		{`{"id":"x","firstname":"a","lastname":"b","age":151}`, "age", 400, "between 0 and 150"},
		{`{"id":"x","firstname":"a","lastname":"b","age":-1}`, "age", 400, "between 0 and 150"},
		{`{"id":7,"firstname":"a","lastname":"b","age":1}`, "id", 400, "string"},
		{`{"id":"x","firstname":"a","lastname":"b","age":1,"email":"x@y"}`, "email", 400, "unknown field"},
		{`{"id":"x","firstname":"a","lastname":"b","age":1,"pad":"` + strings.Repeat("p", maxBodyBytes) + `"}`, "", 413, "larger than"},
	} {
		code := "invalid_body"
		if c.status == 413 {
			code = "body_too_large"
		}
		e := wantError(t, s.do(http.MethodPost, "/users", c.body), c.status, code)
		require.Equal(t, c.field, e.Field, "%.80s", c.body)
		require.Contains(t, e.Message, c.contains, "%.80s", c.body)
	}
	wantError(t, s.do(http.MethodGet, "/users/x", ""), http.StatusNotFound, "not_found")

	e = wantError(t, s.do(http.MethodGet, "/users/"+strings.Repeat("i", maxIDBytes+1), ""), http.StatusBadRequest, "invalid_id")
	require.Equal(t, "id", e.Field)
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		e = wantError(t, s.do(method, "/users/a%FFb", ""), http.StatusBadRequest, "invalid_id")
		require.Contains(t, e.Message, "UTF-8")
	}
	e = wantError(t, s.do(http.MethodPut, "/users/a%FFb", `{"firstname":"a","lastname":"b","age":1}`), http.StatusBadRequest, "invalid_id")
	// Invalid UTF-8 inside JSON strings is replaced by U+FFFD on decoding.
	r = s.do(http.MethodPost, "/users", "{\"id\":\"bad\xffutf8\",\"firstname\":\"a\",\"lastname\":\"b\",\"age\":1}")
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Contains(t, string(r.body), "bad\ufffdutf8")

	// Unknown routes and methods: JSON 404 and 405.
	wantError(t, s.do(http.MethodGet, "/nothing", ""), http.StatusNotFound, "not_found")
	wantError(t, s.do(http.MethodGet, "/users/a/b", ""), http.StatusNotFound, "not_found")
	r = s.do(http.MethodPatch, "/users/ada", `{}`)
	wantError(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
	require.Equal(t, "DELETE, GET, HEAD, PUT", r.header.Get("Allow"))
	require.NotContains(t, s.log.String(), "level=ERROR", "client errors are not logged as failures")
}

// TestServerErrors checks that a failure of DynamoDB is a generic 500
// whose cause is logged, not sent: the table is deleted under the
// running service.
func TestServerErrors(t *testing.T) {
	t.Parallel()
	table := tableName(t)
	s := startService(t, table, nil)
	_, err := dynamotest.Client(t).DeleteTable(dynamotest.Context(t), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	require.NoError(t, err)

	for _, req := range []struct{ method, path, body string }{
		{http.MethodGet, "/users/ada", ""},
		{http.MethodPost, "/users", `{"id":"ada","firstname":"Ada","lastname":"Byron","age":36}`},
		{http.MethodPut, "/users/ada", `{"firstname":"Ada","lastname":"Byron","age":36}`},
		{http.MethodDelete, "/users/ada", ""},
		{http.MethodGet, "/users?age=36", ""},
		{http.MethodGet, "/users", ""},
	} {
		r := s.do(req.method, req.path, req.body)
		require.Equal(t, http.StatusInternalServerError, r.status, "%s %s: %s", req.method, req.path, r.body)
		require.JSONEq(t, `{"error":"internal_error","message":"internal server error"}`, string(r.body))
	}
	logs := s.log.String()
	assert.Equal(t, 6, strings.Count(logs, `level=ERROR msg="request failed"`), "%s", logs)
	assert.Contains(t, logs, "ResourceNotFound")
}
