package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dynamosql/dynamosql/mapper"
	"github.com/dynamosql/dynamosql/pagination"
)

// Limits on what clients send. A name is at most 200 bytes so that the
// composite "lastname#firstname" (escapes may double its bytes) stays
// within DynamoDB's 1,024-byte limit on a sort key; an id at most 1,024
// bytes, half DynamoDB's limit on a partition key.
const (
	minAge       = 0
	maxAge       = 150
	maxIDBytes   = 1024
	maxNameBytes = 200
	maxBodyBytes = 64 << 10
	// maxDrainBytes bounds what the service reads and discards of a body
	// over maxBodyBytes before answering 413 (see discardBody).
	maxDrainBytes = 8 << 20
	// maxPutRounds bounds PUT's update-then-insert rounds when other
	// clients keep creating and deleting the same user.
	maxPutRounds = 3
)

// listParams are the query parameters GET /users accepts.
var listParams = []string{"age", "firstname", "lastname", "lastnamePrefix", "page", "size", "sort", "cursor"}

// Handler returns the service's routes. Requests no route matches get a
// JSON 404 or 405 instead of net/http's plain-text ones; a query string
// that does not parse gets a JSON 400 naming the parameter.
func (a *app) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users", a.createUser)
	mux.HandleFunc("GET /users/{id}", a.getUser)
	mux.HandleFunc("PUT /users/{id}", a.putUser)
	mux.HandleFunc("DELETE /users/{id}", a.deleteUser)
	mux.Handle("GET /users", pagination.Middleware(a.paging)(http.HandlerFunc(a.listUsers)))
	return a.accessLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A query string that does not parse is refused on every route,
		// rather than read without its malformed parameters.
		if _, err := pagination.ParseQuery(r.URL.RawQuery); err != nil {
			pagination.WriteError(w, err)
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			mux.ServeHTTP(&jsonMuxError{ResponseWriter: w}, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}

// errorBody is the JSON body of every error response but those of the
// pagination middleware, which have the same shape with "parameter" and
// "allowed".
type errorBody struct {
	Error   string `json:"error"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// writeJSON writes v as the JSON body of a response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes an errorBody.
func writeError(w http.ResponseWriter, status int, code, field, message string) {
	writeJSON(w, status, errorBody{Error: code, Field: field, Message: message})
}

// pathID returns the {id} of the path, or answers 400 and returns false.
func pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if msg := checkID(id); msg != "" {
		writeError(w, http.StatusBadRequest, "invalid_id", "id", msg)
		return "", false
	}
	return id, true
}

// checkID returns why id cannot be a user's id, or "".
func checkID(id string) string {
	if id == "" || len(id) > maxIDBytes || !utf8.ValidString(id) {
		return fmt.Sprintf("id must be 1 to %d bytes of UTF-8", maxIDBytes)
	}
	return ""
}

// userInput is the JSON body of POST and PUT; pointers tell a missing
// field from a zero one.
type userInput struct {
	ID        *string `json:"id"`
	Firstname *string `json:"firstname"`
	Lastname  *string `json:"lastname"`
	Age       *int    `json:"age"`
}

// bodyError is a client error in a request body.
type bodyError struct {
	status  int
	field   string
	message string
}

func (e *bodyError) Error() string { return e.message }

// readUser decodes and validates a user from r's body. pathID, when not
// empty, is the id of the URL: the body's id may be omitted and must
// otherwise be equal.
func readUser(w http.ResponseWriter, r *http.Request, pathID string) (User, *bodyError) {
	if r.ContentLength > maxBodyBytes {
		discardBody(r, false)
		return User{}, decodeError(&http.MaxBytesError{Limit: maxBodyBytes})
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	var in userInput
	if err := dec.Decode(&in); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			discardBody(r, true)
		}
		return User{}, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			discardBody(r, true)
			return User{}, decodeError(err)
		}
		return User{}, &bodyError{http.StatusBadRequest, "", "the body must hold one JSON object and nothing after it"}
	}
	if in.ID == nil && pathID != "" {
		in.ID = &pathID
	}
	var missing []string
	for _, f := range []struct {
		name    string
		missing bool
	}{{"id", in.ID == nil}, {"firstname", in.Firstname == nil}, {"lastname", in.Lastname == nil}, {"age", in.Age == nil}} {
		if f.missing {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return User{}, &bodyError{http.StatusBadRequest, missing[0], "missing field(s): " + strings.Join(missing, ", ") +
			`; a user is {"id": string, "firstname": string, "lastname": string, "age": integer}`}
	}
	u := User{ID: *in.ID, Firstname: *in.Firstname, Lastname: *in.Lastname, Age: *in.Age}
	if msg := checkID(u.ID); msg != "" {
		return User{}, &bodyError{http.StatusBadRequest, "id", msg}
	}
	if pathID != "" && u.ID != pathID {
		return User{}, &bodyError{http.StatusBadRequest, "id", fmt.Sprintf("the body's id %q differs from the URL's %q; omit it or make them equal", u.ID, pathID)}
	}
	for _, f := range []struct{ name, v string }{{"firstname", u.Firstname}, {"lastname", u.Lastname}} {
		if f.v == "" || len(f.v) > maxNameBytes {
			return User{}, &bodyError{http.StatusBadRequest, f.name, fmt.Sprintf("%s must be 1 to %d bytes", f.name, maxNameBytes)}
		}
	}
	if u.Age < minAge || u.Age > maxAge {
		return User{}, &bodyError{http.StatusBadRequest, "age", fmt.Sprintf("age must be an integer between %d and %d", minAge, maxAge)}
	}
	return u, nil
}

// discardBody reads and discards what is left of a body over the limit,
// up to maxDrainBytes, before the 413 is written. A client that writes
// its whole body before reading the answer (curl, most libraries) would
// otherwise see its connection reset: net/http closes the connection
// after answering, and closing a socket with unread data in it resets the
// connection, often before the client has read the answer. A client that
// sent Expect: 100-continue and got nothing yet (started is false: the
// handler has not read the body) is answered at once: it sends no body
// after a final status, and net/http closes the connection. Bodies beyond
// maxDrainBytes are not waited for; their clients may see a reset.
func discardBody(r *http.Request, started bool) {
	if !started && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		return
	}
	_, _ = io.CopyN(io.Discard, r.Body, maxDrainBytes)
}

// decodeError turns a JSON decoding error into a client error that names
// the field when there is one, without Go type names.
func decodeError(err error) *bodyError {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return &bodyError{http.StatusRequestEntityTooLarge, "", fmt.Sprintf("the body is larger than %d bytes", maxBodyBytes)}
	case errors.Is(err, io.EOF):
		return &bodyError{http.StatusBadRequest, "", "the body is empty; send a JSON user"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &bodyError{http.StatusBadRequest, "", "the body is not valid JSON: it ends too early"}
	case errors.As(err, &se):
		return &bodyError{http.StatusBadRequest, "", fmt.Sprintf("the body is not valid JSON (at byte %d)", se.Offset)}
	case errors.As(err, &ute):
		want := "a string"
		if ute.Field == "age" {
			want = fmt.Sprintf("an integer between %d and %d", minAge, maxAge)
		}
		if ute.Field == "" {
			return &bodyError{http.StatusBadRequest, "", "the body must be a JSON object"}
		}
		return &bodyError{http.StatusBadRequest, ute.Field, fmt.Sprintf("%s must be %s, not a JSON %s", ute.Field, want, ute.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &bodyError{http.StatusBadRequest, field, fmt.Sprintf("unknown field %q; a user has id, firstname, lastname and age", field)}
	}
	return &bodyError{http.StatusBadRequest, "", "the body is not a valid JSON user"}
}

// writeBodyError answers a bodyError.
func writeBodyError(w http.ResponseWriter, e *bodyError) {
	code := "invalid_body"
	if e.status == http.StatusRequestEntityTooLarge {
		code = "body_too_large"
	}
	writeError(w, e.status, code, e.field, e.message)
}

// createUser is POST /users: 201 with the user, 409 when the id exists.
func (a *app) createUser(w http.ResponseWriter, r *http.Request) {
	u, berr := readUser(w, r, "")
	if berr != nil {
		writeBodyError(w, berr)
		return
	}
	if err := a.users.Insert(r.Context(), &u); err != nil {
		if errors.Is(err, mapper.ErrDuplicateItem) {
			writeError(w, http.StatusConflict, "conflict", "id", fmt.Sprintf("a user with id %q already exists", u.ID))
			return
		}
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/users/"+url.PathEscape(u.ID))
	writeJSON(w, http.StatusCreated, u)
}

// getUser is GET /users/{id}: 200 with the user, 404 when missing.
func (a *app) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	u, err := a.users.Get(r.Context(), id)
	if err != nil {
		if errors.Is(err, mapper.ErrNotFound) {
			writeError(w, http.StatusNotFound, "not_found", "", fmt.Sprintf("no user with id %q", id))
			return
		}
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// putUser is PUT /users/{id}: it replaces the user (200) or creates it
// (201). It sends an UPDATE of the existing item first (one request for a
// replacement) and an INSERT when there was none; when another client
// creates or deletes the user in between, it tries again.
func (a *app) putUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	u, berr := readUser(w, r, id)
	if berr != nil {
		writeBodyError(w, berr)
		return
	}
	ctx := r.Context()
	for range maxPutRounds {
		err := a.users.Update(ctx, &u)
		if err == nil {
			writeJSON(w, http.StatusOK, u)
			return
		}
		if !errors.Is(err, mapper.ErrNotFound) {
			a.fail(w, r, err)
			return
		}
		err = a.users.Insert(ctx, &u)
		if err == nil {
			w.Header().Set("Location", "/users/"+url.PathEscape(u.ID))
			writeJSON(w, http.StatusCreated, u)
			return
		}
		if !errors.Is(err, mapper.ErrDuplicateItem) {
			a.fail(w, r, err)
			return
		}
	}
	writeError(w, http.StatusConflict, "conflict", "id",
		fmt.Sprintf("user %q was created and deleted by other requests %d times while this one ran; try again", id, maxPutRounds))
}

// deleteUser is DELETE /users/{id}: 204, also when there was no such user.
func (a *app) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := a.users.Delete(r.Context(), id); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listUsers is GET /users, behind the pagination middleware, which has
// already checked page, size, sort and the cursor's signature. With age it
// queries ageIndex; without, it pages through the whole table (a scan,
// allowed explicitly for this route). The filters firstname, lastname and
// lastnamePrefix narrow either: on ageIndex, lastname and lastnamePrefix
// become part of the key condition (begins_with on "lastname#firstname"),
// firstname alone is a filter, which makes DynamoDB's pages short;
// pagination still returns full pages.
func (a *app) listUsers(w http.ResponseWriter, r *http.Request) {
	p, _ := pagination.FromContext(r.Context())
	q, err := listQuery(r.URL.Query())
	if err != nil {
		pagination.WriteError(w, err)
		return
	}
	if err := a.checkSort(p.Sort, !q.AllowScan); err != nil {
		pagination.WriteError(w, err)
		return
	}
	page, err := a.users.FindPage(r.Context(), q, p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if page.NextCursor != "" {
		next := r.URL.Query()
		next.Del("page")
		next.Set("cursor", page.NextCursor)
		w.Header().Set("Link", fmt.Sprintf("<%s?%s>; rel=\"next\"", r.URL.Path, next.Encode()))
	}
	writeJSON(w, http.StatusOK, page)
}

// listQuery builds the query of GET /users from its parameters other than
// the paging ones. Errors are *pagination.ParamError (400).
func listQuery(v url.Values) (mapper.Query, error) {
	for name := range v {
		if !slices.Contains(listParams, name) {
			return mapper.Query{}, &pagination.ParamError{
				Parameter: truncate(name),
				Message:   fmt.Sprintf("unknown parameter %q; GET /users accepts %s", truncate(name), strings.Join(listParams, ", ")),
				Allowed:   listParams,
			}
		}
	}
	var q mapper.Query
	one := func(name string) (string, error) {
		vs := v[name]
		if len(vs) > 1 {
			return "", &pagination.ParamError{Parameter: name, Message: name + " must be given at most once"}
		}
		if len(vs) == 0 {
			return "", nil
		}
		return vs[0], nil
	}
	age, err := one("age")
	if err != nil {
		return q, err
	}
	if age != "" {
		n, err := strconv.Atoi(age)
		if err != nil || n < minAge || n > maxAge {
			return q, &pagination.ParamError{
				Parameter: "age",
				Message:   fmt.Sprintf("age must be an integer between %d and %d", minAge, maxAge),
				Allowed:   pagination.Range{Min: minAge, Max: maxAge},
			}
		}
		q.Where = append(q.Where, mapper.Eq("age", n))
	} else {
		// Without age no index applies: page through the whole table.
		q.AllowScan = true
	}
	for _, f := range []struct {
		name string
		cond func(string) mapper.Cond
	}{
		{"lastname", func(s string) mapper.Cond { return mapper.Eq("lastname", s) }},
		{"lastnamePrefix", func(s string) mapper.Cond { return mapper.BeginsWith("lastname", s) }},
		{"firstname", func(s string) mapper.Cond { return mapper.Eq("firstname", s) }},
	} {
		s, err := one(f.name)
		if err != nil {
			return q, err
		}
		if s == "" {
			continue
		}
		if len(s) > maxNameBytes || !utf8.ValidString(s) {
			return q, &pagination.ParamError{Parameter: f.name, Message: fmt.Sprintf("%s must be at most %d bytes of UTF-8", f.name, maxNameBytes)}
		}
		q.Where = append(q.Where, f.cond(s))
	}
	return q, nil
}

// checkSort explains, before any query is sent, why a sort that the
// middleware let through (only sortable properties, each once) cannot be
// served: without age there is no index to sort with; with age, ageIndex
// sorts by lastname, then firstname, in one direction. The mapper would
// refuse the same sorts; this says what to change in terms of this API.
func (a *app) checkSort(s pagination.Sort, byAge bool) error {
	if len(s) == 0 {
		return nil
	}
	ix, _ := a.users.Metadata().Index(ageIndex)
	order := strings.Join(ix.SortComponents, ", then ")
	allowed := pagination.SortAllowed{Properties: a.paging.Sortable, Directions: []string{"asc", "desc"}, Indexes: a.paging.SortIndexes}
	if !byAge {
		return &pagination.ParamError{
			Parameter: "sort",
			Message:   fmt.Sprintf("sorting needs age: index %s sorts the users of one age by %s; without age the whole table is read in DynamoDB's order", ageIndex, order),
			Allowed:   allowed,
		}
	}
	for i, o := range s {
		if i >= len(ix.SortComponents) || o.Property != ix.SortComponents[i] || o.Direction != s[0].Direction {
			return &pagination.ParamError{
				Parameter: "sort",
				Message: fmt.Sprintf("cannot sort by %s: index %s sorts by %s, in one direction: sort=%s,asc or sort=%s,desc, optionally followed by the next properties in the same direction",
					s, ageIndex, order, ix.SortComponents[0], ix.SortComponents[0]),
				Allowed: allowed,
			}
		}
	}
	return nil
}

// truncate cuts a client-supplied name for a message.
func truncate(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "..."
	}
	return s
}

// jsonMuxError replaces the plain-text 404 and 405 answers of
// http.ServeMux (for requests no route matches) with JSON ones, keeping
// the Allow header of a 405.
type jsonMuxError struct {
	http.ResponseWriter
	replaced bool
}

func (w *jsonMuxError) WriteHeader(status int) {
	switch status {
	case http.StatusNotFound:
		w.replaced = true
		writeError(w.ResponseWriter, status, "not_found", "", "no such route; the routes are POST /users, GET /users, GET, PUT and DELETE /users/{id}")
	case http.StatusMethodNotAllowed:
		w.replaced = true
		writeError(w.ResponseWriter, status, "method_not_allowed", "",
			"method not allowed here; allowed: "+w.ResponseWriter.Header().Get("Allow"))
	default:
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *jsonMuxError) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// statusRecorder remembers the status of a response for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusClientGone is the status the access log shows for a request
// whose client went away before its answer was complete (nginx's 499).
const statusClientGone = 499

// accessLog gives each request its deadline (RequestTimeout) and logs it
// with its status and duration. A request whose client went away before
// it was answered is logged with status 499, whatever the handler wrote
// into the closed connection: its work stopped when its context ended.
func (a *app) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(r.Context(), a.requestTimeout())
		defer cancel()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		status := cmp.Or(rec.status, http.StatusOK)
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status, "duration", time.Since(start).Round(time.Microsecond)}
		if r.Context().Err() != nil {
			attrs[5] = statusClientGone
			attrs = append(attrs, "client", "gone before the answer was complete")
		}
		a.log.Info("request", attrs...)
	})
}
