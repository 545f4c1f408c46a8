package pagination

import (
	"encoding/json"
	"errors"
	"net/http"
)

// ErrInvalidCursor reports a cursor that was not issued by this Signer's key
// for this query: malformed, too long, edited, truncated, signed with
// another key or issued for another query. Match it with errors.Is.
var ErrInvalidCursor = errors.New("pagination: invalid cursor")

// cursorError says why a cursor was refused, in terms safe to show to a
// client (it never contains the cursor or the token). It matches
// ErrInvalidCursor.
type cursorError struct{ reason string }

func (e *cursorError) Error() string { return "pagination: invalid cursor: " + e.reason }
func (e *cursorError) Unwrap() error { return ErrInvalidCursor }

// ParamError reports an invalid paging parameter. Middleware answers it with
// HTTP 400 and a JSON body built from its fields (see WriteError).
type ParamError struct {
	// Parameter is the query parameter at fault: "page", "size", "sort" or
	// "cursor"; for a query string that does not parse (ParseQuery), the
	// parameter whose pair is malformed, or "" when its name is.
	Parameter string
	// Message says what is wrong and what is allowed, in terms safe to show
	// to a client.
	Message string
	// Allowed describes the allowed values, encoded as the "allowed" field
	// of the JSON body: a Range for page and size, a SortAllowed for sort,
	// a string for cursor.
	Allowed any
	// Err is the underlying error, if any: for a cursor it matches
	// ErrInvalidCursor.
	Err error
}

// Error implements error.
func (e *ParamError) Error() string {
	return "pagination: invalid parameter " + e.Parameter + ": " + e.Message
}

// Unwrap returns the underlying error.
func (e *ParamError) Unwrap() error { return e.Err }

// Range is an inclusive range of integers, the Allowed value of page and
// size errors.
type Range struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// SortAllowed is the Allowed value of sort errors.
type SortAllowed struct {
	// Properties are the properties this request may sort by.
	Properties []string `json:"properties"`
	// Directions are the accepted directions: asc and desc.
	Directions []string `json:"directions"`
	// Indexes, when known, tells which index sorts by which properties.
	Indexes SortIndexes `json:"indexes,omitempty"`
}

const cursorAllowed = "the unmodified nextCursor of a previous page of the same query"

// cursorParamError turns a cursor decoding error into a ParamError for the
// "cursor" parameter that still matches ErrInvalidCursor.
func cursorParamError(err error) *ParamError {
	msg := "cursor is invalid"
	var ce *cursorError
	if errors.As(err, &ce) {
		msg += ": " + ce.reason
	}
	return &ParamError{Parameter: "cursor", Message: msg, Allowed: cursorAllowed, Err: err}
}

// errorBody is the JSON body of an error response.
type errorBody struct {
	Error     string `json:"error"`
	Parameter string `json:"parameter,omitempty"`
	Message   string `json:"message"`
	Allowed   any    `json:"allowed,omitempty"`
}

// WriteError writes err as a JSON response. A *ParamError (or any error
// matching ErrInvalidCursor) becomes a 400 with the body
//
//	{"error": "invalid_parameter", "parameter": "size", "message": "...", "allowed": {...}}
//
// Any other error becomes a 500 with {"error": "internal_error", "message":
// "internal server error"}: its text is not sent to the client.
func WriteError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	var body errorBody
	var pe *ParamError
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, ErrInvalidCursor):
		pe = cursorParamError(err)
	default:
		status = http.StatusInternalServerError
		body = errorBody{Error: "internal_error", Message: "internal server error"}
	}
	if pe != nil {
		body = errorBody{Error: "invalid_parameter", Parameter: pe.Parameter, Message: pe.Message, Allowed: pe.Allowed}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
