package pagination

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Middleware returns net/http middleware that parses the paging parameters
// of each request (see Parse), stores the Pageable (with cfg.Budget, the
// route's read budget) in the request context (read it with FromContext)
// and calls the next handler. A request with an
// invalid parameter is answered with HTTP 400 and a JSON body (see
// WriteError); the next handler is not called.
//
// It is a plain func(http.Handler) http.Handler, so it works with the
// standard ServeMux, chi (r.With(...)) and gorilla/mux (Use). For per-route
// sort whitelists wrap each route with its own instance, for example
// Middleware(cfg.WithSortable("lastname")).
func Middleware(cfg Config) func(http.Handler) http.Handler {
	cfg = cfg.withDefaults()
	signer := NewSigner(cfg.Key)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q, err := ParseQuery(r.URL.RawQuery)
			if err != nil {
				WriteError(w, err)
				return
			}
			p, err := parse(q, cfg, signer)
			if err != nil {
				WriteError(w, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), p)))
		})
	}
}

// Parse reads the paging parameters of r's query string:
//
//   - page: zero-based page number, default 0, at most cfg.MaxPage.
//   - size: items per page, default cfg.DefaultSize, 1 to cfg.MaxSize.
//   - sort: "property" or "property,asc" or "property,desc" (direction
//     case-insensitive, default asc); repeat the parameter to sort by
//     several properties, most significant first. Each property must be in
//     cfg.Sortable and appear once.
//   - cursor: the nextCursor of a previous page. Its signature is checked
//     with cfg.Key (whether it belongs to the same query is checked later,
//     by Paginate, which knows the query). The cursor fixes the page and
//     size: page and size may be omitted, and if given must equal the
//     cursor's, otherwise they contradict it and are refused. A cursor may
//     lead beyond cfg.MaxPage: walking by cursor is cheap.
//
// page, size and cursor may be given at most once. An empty value (such as
// "size=") counts as absent; surrounding spaces are allowed in sort values
// only. A query string that does not parse is refused (see ParseQuery).
// The error is a *ParamError naming the parameter and what is allowed.
func Parse(r *http.Request, cfg Config) (Pageable, error) {
	cfg = cfg.withDefaults()
	q, err := ParseQuery(r.URL.RawQuery)
	if err != nil {
		return Pageable{}, err
	}
	return parse(q, cfg, NewSigner(cfg.Key))
}

// ParseQuery parses a raw query string as url.ParseQuery does, but where
// (*url.URL).Query silently drops what does not parse, it fails with a
// *ParamError that names the parameter at fault and says how to write it:
// a malformed %-escape (%ZZ, or a lone %) and a ";" (Go, like the URL
// standard, separates parameters with "&" only; a ";" inside a value is
// written %3B). Middleware and Parse refuse such query strings with HTTP
// 400 rather than ignore parameters.
func ParseQuery(raw string) (url.Values, error) {
	v, err := url.ParseQuery(raw)
	if err == nil {
		return v, nil
	}
	for pair := range strings.SplitSeq(raw, "&") {
		key, value, _ := strings.Cut(pair, "=")
		name, kerr := url.QueryUnescape(key)
		switch {
		case strings.Contains(pair, ";"):
			if kerr != nil {
				name = ""
			}
			name, _, _ = strings.Cut(name, ";")
			return nil, &ParamError{Parameter: truncateParam(name), Err: err,
				Message: fmt.Sprintf(`the query string does not parse: %q contains ";"; separate parameters with "&" and write a ";" inside a value as %%3B`, truncateParam(pair))}
		case kerr != nil:
			return nil, &ParamError{Err: kerr,
				Message: fmt.Sprintf(`the query string does not parse: the parameter name %q has an %s; write a literal "%%" as %%25`, truncateParam(key), escapeProblem(kerr))}
		}
		if _, verr := url.QueryUnescape(value); verr != nil {
			return nil, &ParamError{Parameter: truncateParam(name), Err: verr,
				Message: fmt.Sprintf(`the query string does not parse: the value of %s has an %s; write a literal "%%" as %%25`, truncateParam(name), escapeProblem(verr))}
		}
	}
	return nil, &ParamError{Err: err, Message: "the query string does not parse: " + err.Error()}
}

// escapeProblem describes a url.EscapeError ("invalid URL escape "%ZZ"").
func escapeProblem(err error) string {
	var ee url.EscapeError
	if errors.As(err, &ee) {
		return fmt.Sprintf("invalid %%-escape %q", truncateParam(string(ee)))
	}
	return err.Error()
}

// truncateParam cuts a client-supplied name or pair for a message.
func truncateParam(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func parse(q url.Values, cfg Config, signer *Signer) (Pageable, error) {
	pageRange := Range{Min: 0, Max: cfg.MaxPage}
	sizeRange := Range{Min: 1, Max: cfg.MaxSize}

	page, pageSet, err := intParam(q, "page", pageRange)
	if err != nil {
		return Pageable{}, err
	}
	size, sizeSet, err := intParam(q, "size", sizeRange)
	if err != nil {
		return Pageable{}, err
	}
	if sizeSet && (size < sizeRange.Min || size > sizeRange.Max) {
		return Pageable{}, rangeError("size", sizeRange)
	}
	sort, err := parseSort(q["sort"], cfg)
	if err != nil {
		return Pageable{}, err
	}
	cursor, err := singleParam(q, "cursor", cursorAllowed)
	if err != nil {
		return Pageable{}, err
	}

	if cursor == "" {
		if pageSet && page > pageRange.Max {
			return Pageable{}, rangeError("page", pageRange)
		}
		if !sizeSet {
			size = cfg.DefaultSize
		}
		return Pageable{Page: page, Size: size, Sort: sort, Budget: cfg.Budget}, nil
	}

	cpage, csize, err := signer.Verify(cursor)
	if err != nil {
		return Pageable{}, cursorParamError(err)
	}
	if pageSet && page != cpage {
		return Pageable{}, &ParamError{
			Parameter: "page",
			Message:   fmt.Sprintf("page contradicts the cursor, which leads to page %d; omit page when sending a cursor", cpage),
			Allowed:   Range{Min: cpage, Max: cpage},
		}
	}
	if sizeSet && size != csize {
		return Pageable{}, &ParamError{
			Parameter: "size",
			Message:   fmt.Sprintf("size contradicts the cursor, which was issued for size %d; omit size when sending a cursor", csize),
			Allowed:   Range{Min: csize, Max: csize},
		}
	}
	return Pageable{Page: cpage, Size: csize, Sort: sort, Cursor: cursor, Budget: cfg.Budget}, nil
}

// singleParam returns the value of a parameter that may be given at most
// once; "" when absent or empty.
func singleParam(q url.Values, name string, allowed any) (string, error) {
	vs := q[name]
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", &ParamError{Parameter: name, Message: name + " must be given at most once", Allowed: allowed}
}

// intParam parses a non-negative decimal integer parameter. It checks the
// syntax only; the caller checks the range, which for page depends on the
// cursor. Errors state the range rng.
func intParam(q url.Values, name string, rng Range) (v int, set bool, err error) {
	s, err := singleParam(q, name, rng)
	if err != nil || s == "" {
		return 0, false, err
	}
	if len(s) > 9 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false, rangeError(name, rng)
	}
	v, err = strconv.Atoi(s)
	if err != nil {
		return 0, false, rangeError(name, rng)
	}
	return v, true, nil
}

func rangeError(name string, rng Range) *ParamError {
	return &ParamError{
		Parameter: name,
		Message:   fmt.Sprintf("%s must be an integer between %d and %d", name, rng.Min, rng.Max),
		Allowed:   rng,
	}
}

// parseSort parses the sort parameters and validates them against cfg.
func parseSort(values []string, cfg Config) (Sort, error) {
	var s Sort
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		prop, dir, hasDir := strings.Cut(v, ",")
		prop = strings.TrimSpace(prop)
		dir = strings.TrimSpace(dir)
		if prop == "" || (hasDir && dir == "") || strings.Contains(dir, ",") {
			return nil, sortError(msgSortSyntax, cfg.Sortable, cfg.SortIndexes)
		}
		o := Order{Property: prop}
		if hasDir {
			d, err := ParseDirection(dir)
			if err != nil {
				return nil, sortError("sort direction must be asc or desc", cfg.Sortable, cfg.SortIndexes)
			}
			o.Direction = d
		}
		s = append(s, o)
		// Validate as we go so that a long list of bad values stops early.
		if err := s.validate(cfg.Sortable, cfg.SortIndexes); err != nil {
			return nil, err
		}
	}
	return s, nil
}
