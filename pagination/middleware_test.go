package pagination

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

var mwKey = []byte("middleware-test-key-0123456789ab")

func mwConfig() Config {
	return Config{
		DefaultSize: 10,
		MaxSize:     50,
		MaxPage:     100,
		Sortable:    []string{"lastname", "firstname", "age"},
		SortIndexes: SortIndexes{"ageIndex": {"lastname", "firstname"}, "emailIndex": {"email"}},
		Key:         mwKey,
	}
}

// serve runs one request through Middleware(cfg) and returns the response
// and the Pageable the handler saw (nil if it was not called).
func serve(t *testing.T, cfg Config, query string) (*httptest.ResponseRecorder, *Pageable) {
	t.Helper()
	var seen *Pageable
	h := Middleware(cfg)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if !ok {
			t.Fatal("no Pageable in the context")
		}
		seen = &p
		w.WriteHeader(http.StatusNoContent)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/users?"+query, nil))
	return rec, seen
}

func TestMiddlewareValid(t *testing.T) {
	cfg := mwConfig()
	signer := cfg.Signer()
	cur := mustEncode(t, signer, Position{Token: "tok", Page: 2, Size: 25}, testFP)
	deep := mustEncode(t, signer, Position{Token: "tok", Page: 500, Size: 10}, testFP)
	cases := []struct {
		query string
		want  Pageable
	}{
		{"", Pageable{Page: 0, Size: 10}},
		{"other=x&page=3&size=25", Pageable{Page: 3, Size: 25}},
		{"page=0&size=1", Pageable{Page: 0, Size: 1}},
		{"page=100&size=50", Pageable{Page: 100, Size: 50}},
		{"page=007", Pageable{Page: 7, Size: 10}},
		{"page=&size=&sort=&cursor=", Pageable{Page: 0, Size: 10}},
		{"sort=lastname", Pageable{Size: 10, Sort: Sort{{"lastname", Asc}}}},
		{"sort=lastname,DESC", Pageable{Size: 10, Sort: Sort{{"lastname", Desc}}}},
		{"sort=lastname,Asc", Pageable{Size: 10, Sort: Sort{{"lastname", Asc}}}},
		{"sort=lastname,desc&sort=firstname&sort=age,asc", Pageable{Size: 10, Sort: Sort{{"lastname", Desc}, {"firstname", Asc}, {"age", Asc}}}},
		{"sort=+lastname+,+desc+", Pageable{Size: 10, Sort: Sort{{"lastname", Desc}}}},
		{"cursor=" + cur, Pageable{Page: 2, Size: 25, Cursor: cur}},
		{"cursor=" + cur + "&page=2&size=25&sort=age", Pageable{Page: 2, Size: 25, Sort: Sort{{"age", Asc}}, Cursor: cur}},
		{"cursor=" + deep, Pageable{Page: 500, Size: 10, Cursor: deep}}, // beyond MaxPage by cursor
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			rec, got := serve(t, cfg, c.query)
			if rec.Code != http.StatusNoContent || got == nil {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Fatalf("got %+v, want %+v", *got, c.want)
			}
			// Parse agrees with the middleware.
			p, err := Parse(httptest.NewRequest(http.MethodGet, "/?"+c.query, nil), cfg)
			if err != nil || !reflect.DeepEqual(p, c.want) {
				t.Fatalf("Parse = %+v, %v", p, err)
			}
		})
	}
}

func TestMiddlewareErrors(t *testing.T) {
	cfg := mwConfig()
	cur := mustEncode(t, cfg.Signer(), Position{Token: "tok", Page: 2, Size: 25}, testFP)
	foreign := mustEncode(t, NewSigner([]byte("some-other-key-0123456789abcdef!")), Position{Token: "tok", Page: 2, Size: 25}, testFP)

	const (
		pageAllowed   = `{"min":0,"max":100}`
		sizeAllowed   = `{"min":1,"max":50}`
		sortAllowed   = `{"properties":["lastname","firstname","age"],"directions":["asc","desc"],"indexes":{"ageIndex":["lastname","firstname"],"emailIndex":["email"]}}`
		cursorAllowed = `"the unmodified nextCursor of a previous page of the same query"`
		pageMsg       = "page must be an integer between 0 and 100"
		sizeMsg       = "size must be an integer between 1 and 50"
		sortSyntax    = `sort must be "property" or "property,asc" or "property,desc"`
		sortDir       = "sort direction must be asc or desc"
	)
	cases := []struct {
		query, param, message, allowed string
	}{
		{"page=-1", "page", pageMsg, pageAllowed},
		{"page=abc", "page", pageMsg, pageAllowed},
		{"page=1.5", "page", pageMsg, pageAllowed},
		{"page=%2B1", "page", pageMsg, pageAllowed},
		{"page=+1", "page", pageMsg, pageAllowed},
		{"page=0x10", "page", pageMsg, pageAllowed},
		{"page=101", "page", pageMsg, pageAllowed},
		{"page=99999999999999999999", "page", pageMsg, pageAllowed},
		{"page=1&page=2", "page", "page must be given at most once", pageAllowed},
		{"size=0", "size", sizeMsg, sizeAllowed},
		{"size=51", "size", sizeMsg, sizeAllowed},
		{"size=1000", "size", sizeMsg, sizeAllowed},
		{"size=-5", "size", sizeMsg, sizeAllowed},
		{"size=ten", "size", sizeMsg, sizeAllowed},
		{"size=1&size=1", "size", "size must be given at most once", sizeAllowed},
		{"sort=nope", "sort", `cannot sort by "nope"; sortable properties: lastname, firstname, age`, sortAllowed},
		{"sort=LastName", "sort", `cannot sort by "LastName"; sortable properties: lastname, firstname, age`, sortAllowed},
		{"sort=email,desc", "sort", `cannot sort by "email"; sorting by "email" requires index emailIndex; sortable properties: lastname, firstname, age`, sortAllowed},
		{"sort=lastname,up", "sort", sortDir, sortAllowed},
		{"sort=lastname,ascending", "sort", sortDir, sortAllowed},
		{"sort=lastname,", "sort", sortSyntax, sortAllowed},
		{"sort=,asc", "sort", sortSyntax, sortAllowed},
		{"sort=lastname,asc,desc", "sort", sortSyntax, sortAllowed},
		{"sort=lastname&sort=age&sort=lastname,desc", "sort", `sort lists "lastname" more than once`, sortAllowed},
		{"cursor=garbage0", "cursor", "cursor is invalid: it is too short (truncated?)", cursorAllowed},
		{"cursor=garbage", "cursor", "cursor is invalid: it is not valid base64url", cursorAllowed},
		{"cursor=not%20base64", "cursor", "cursor is invalid: it contains characters outside the base64url alphabet", cursorAllowed},
		{"cursor=" + cur[:len(cur)-3], "cursor", "cursor is invalid: its signature does not match (edited, truncated or issued with another key)", cursorAllowed},
		{"cursor=" + foreign, "cursor", "cursor is invalid: its signature does not match (edited, truncated or issued with another key)", cursorAllowed},
		{"cursor=" + strings.Repeat("A", MaxCursorLength+1), "cursor", "cursor is invalid: it is longer than 8192 characters", cursorAllowed},
		{"cursor=" + cur + "&cursor=" + cur, "cursor", "cursor must be given at most once", cursorAllowed},
		{"cursor=" + cur + "&page=3", "page", "page contradicts the cursor, which leads to page 2; omit page when sending a cursor", `{"min":2,"max":2}`},
		{"cursor=" + cur + "&page=0", "page", "page contradicts the cursor, which leads to page 2; omit page when sending a cursor", `{"min":2,"max":2}`},
		{"cursor=" + cur + "&page=x", "page", pageMsg, pageAllowed},
		{"cursor=" + cur + "&size=10", "size", "size contradicts the cursor, which was issued for size 25; omit size when sending a cursor", `{"min":25,"max":25}`},
		{"cursor=" + cur + "&size=51", "size", sizeMsg, sizeAllowed},
	}
	for _, c := range cases {
		name := c.query
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			rec, seen := serve(t, cfg, c.query)
			if seen != nil {
				t.Fatal("the handler was called")
			}
			checkErrorResponse(t, rec, c.param, c.message, c.allowed)
			_, err := Parse(httptest.NewRequest(http.MethodGet, "/?"+c.query, nil), cfg)
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Parameter != c.param || pe.Message != c.message {
				t.Fatalf("Parse = %v", err)
			}
			if errors.Is(err, ErrInvalidCursor) != strings.HasPrefix(c.message, "cursor is invalid") {
				t.Fatalf("errors.Is(err, ErrInvalidCursor) is wrong for %v", err)
			}
		})
	}
}

func checkErrorResponse(t *testing.T, rec *httptest.ResponseRecorder, param, message, allowed string) {
	t.Helper()
	if rec.Code != http.StatusBadRequest || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	var wantAllowed any
	if err := json.Unmarshal([]byte(allowed), &wantAllowed); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"error": "invalid_parameter", "parameter": param, "message": message, "allowed": wantAllowed}
	if !reflect.DeepEqual(body, want) {
		t.Fatalf("body %s\nwant %v", rec.Body, want)
	}
}

func TestMiddlewareDefaultsAndNoSorting(t *testing.T) {
	rec, p := serve(t, Config{}, "")
	if rec.Code != http.StatusNoContent || p.Size != DefaultSize || p.Page != 0 {
		t.Fatalf("%d %+v", rec.Code, p)
	}
	rec, _ = serve(t, Config{}, "size=101")
	checkErrorResponse(t, rec, "size", "size must be an integer between 1 and 100", `{"min":1,"max":100}`)
	rec, _ = serve(t, Config{}, "page=1001")
	checkErrorResponse(t, rec, "page", "page must be an integer between 0 and 1000", `{"min":0,"max":1000}`)
	rec, _ = serve(t, Config{}, "sort=lastname")
	checkErrorResponse(t, rec, "sort", `cannot sort by "lastname": sorting is not supported here`, `{"properties":[],"directions":["asc","desc"]}`)
	// DefaultSize is capped by MaxSize.
	if _, p := serve(t, Config{MaxSize: 5}, ""); p.Size != 5 {
		t.Fatalf("size %d", p.Size)
	}
}

func TestMiddlewarePerRouteSortable(t *testing.T) {
	base := Config{Key: mwKey}
	mux := http.NewServeMux()
	var got Pageable
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, _ = FromContext(r.Context()) })
	mux.Handle("GET /users", Middleware(base.WithSortable("lastname"))(handler))
	mux.Handle("GET /orders", Middleware(base.WithSortable("date"))(handler))
	get := func(target string) int {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		return rec.Code
	}
	if get("/users?sort=lastname") != 200 || got.Sort[0].Property != "lastname" {
		t.Fatal("users by lastname")
	}
	if get("/orders?sort=date,desc") != 200 || got.Sort[0] != (Order{"date", Desc}) {
		t.Fatal("orders by date")
	}
	if get("/users?sort=date") != 400 || get("/orders?sort=lastname") != 400 {
		t.Fatal("whitelists leak between routes")
	}
	if base.Sortable != nil {
		t.Fatal("WithSortable changed the base Config")
	}
}

// FromContext works behind the standard mux with path patterns, and a
// cursor issued by Paginate with Config.Signer passes the middleware.
func TestMiddlewareStandardMuxPathPattern(t *testing.T) {
	cfg := mwConfig()
	src := &fakeSource{n: 100}
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}/posts", Middleware(cfg)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if !ok {
			http.Error(w, "no pageable", http.StatusInternalServerError)
			return
		}
		page, err := Paginate(r.Context(), src.fetch, p, PageOptions{
			Signer:      cfg.Signer(),
			Fingerprint: Fingerprint("posts of", r.PathValue("id"), p.Sort.String()),
		})
		if err != nil {
			WriteError(w, err)
			return
		}
		w.Header().Set("X-User", r.PathValue("id"))
		_ = json.NewEncoder(w).Encode(page)
	})))
	get := func(target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		return rec
	}

	rec := get("/users/42/posts?size=30&sort=lastname,desc")
	var first Page[int]
	if rec.Code != 200 || rec.Header().Get("X-User") != "42" || json.Unmarshal(rec.Body.Bytes(), &first) != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if first.Size != 30 || len(first.Content) != 30 || !first.HasNext {
		t.Fatalf("%+v", first)
	}
	rec = get("/users/42/posts?sort=lastname,desc&cursor=" + url.QueryEscape(first.NextCursor))
	var second Page[int]
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &second) != nil || second.Page != 1 || second.Content[0] != 30 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	// The same cursor for another user's posts, or another sort, is
	// another query: 400.
	for _, target := range []string{
		"/users/43/posts?sort=lastname,desc&cursor=" + first.NextCursor,
		"/users/42/posts?sort=lastname&cursor=" + first.NextCursor,
	} {
		checkErrorResponse(t, get(target), "cursor",
			"cursor is invalid: it belongs to another query (other statement, parameters or sort)",
			`"the unmodified nextCursor of a previous page of the same query"`)
	}
}

func TestWriteError(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, &cursorError{"it is empty"})
	checkErrorResponse(t, rec, "cursor", "cursor is invalid: it is empty", `"the unmodified nextCursor of a previous page of the same query"`)

	rec = httptest.NewRecorder()
	WriteError(rec, errors.New("dynamosql: secret internals"))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/json" ||
		strings.Contains(rec.Body.String(), "secret") ||
		strings.TrimSpace(rec.Body.String()) != `{"error":"internal_error","message":"internal server error"}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// Issue 18 §4: a query string that does not parse is a 400 naming the
// parameter, not a request whose malformed parameters are dropped.
func TestMiddlewareUnparsableQuery(t *testing.T) {
	for _, c := range []struct {
		query, param string
		contains     []string
	}{
		{"size=5&lastname=%ZZ", "lastname", []string{`invalid %-escape "%ZZ"`, "%25"}},
		{"size=5&x=%", "x", []string{`invalid %-escape "%"`}},
		{"size=5;DROP", "size", []string{`"size=5;DROP" contains ";"`, `"&"`, "%3B"}},
		{"page=1&b=2;c=3", "b", []string{`contains ";"`}},
		{"a%ZZ=1", "", []string{`parameter name "a%ZZ"`}},
		{"size=5&" + strings.Repeat("v", 100) + "=%G1", strings.Repeat("v", 40) + "...", nil},
	} {
		rec, seen := serve(t, mwConfig(), c.query)
		if seen != nil || rec.Code != http.StatusBadRequest {
			t.Fatalf("%s: status %d, handler called: %v", c.query, rec.Code, seen != nil)
		}
		var body errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if body.Error != "invalid_parameter" || body.Parameter != c.param {
			t.Fatalf("%s: %s", c.query, rec.Body)
		}
		for _, s := range c.contains {
			if !strings.Contains(body.Message, s) {
				t.Fatalf("%s: message %q lacks %q", c.query, body.Message, s)
			}
		}
		req := httptest.NewRequest(http.MethodGet, "/users?"+c.query, nil)
		if _, err := Parse(req, mwConfig()); err == nil {
			t.Fatalf("Parse accepted %s", c.query)
		}
	}
	// An escaped ";" and "%" are fine.
	rec, seen := serve(t, mwConfig(), "size=5&x=a%3Bb%25")
	if rec.Code != http.StatusNoContent || seen == nil || seen.Size != 5 {
		t.Fatalf("status %d", rec.Code)
	}
}

// The route's read budget reaches the handler in the Pageable.
func TestMiddlewareBudget(t *testing.T) {
	cfg := mwConfig()
	cfg.Budget = Budget{Items: 500, Time: 3 * time.Second}
	cur := mustEncode(t, cfg.Signer(), Position{Token: "tok", Page: 2, Size: 25}, testFP)
	for _, q := range []string{"", "cursor=" + url.QueryEscape(cur)} {
		_, seen := serve(t, cfg, q)
		if seen == nil || seen.Budget != cfg.Budget {
			t.Fatalf("%q: %+v", q, seen)
		}
	}
}
