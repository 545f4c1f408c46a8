package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/pagination"
)

// retryAfter is the Retry-After of a 503: DynamoDB outages seen by a
// service are mostly seconds long (a lost connection, a throttled burst).
const retryAfter = 2 * time.Second

// failure is how a request whose work failed is answered.
type failure struct {
	status  int
	code    string
	message string
	level   slog.Level
}

// fail answers a request whose work failed:
//
//   - a paging error (bad page, size, sort or cursor): 400 with the
//     pagination package's JSON body;
//   - the client went away: nobody reads the answer (a 503 is written);
//     the access log says 499 and nothing more is read from DynamoDB;
//   - a write whose outcome is unknown (dynamosql.ErrWriteOutcomeUnknown:
//     DynamoDB may have applied it): 502 outcome_unknown, saying so;
//   - DynamoDB could not be reached (dynamosql.ErrUnavailable), or it
//     throttled the request beyond the SDK's retries: 503 unavailable with
//     Retry-After; for a write, nothing was written;
//   - the request's deadline (config.RequestTimeout) or the driver's
//     timeout passed: 504 timeout;
//   - anything else: a generic 500 whose cause is logged, not sent.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pagination.ParamError
	if errors.As(err, &pe) || errors.Is(err, pagination.ErrInvalidCursor) {
		pagination.WriteError(w, err)
		return
	}
	f := classify(r, err)
	a.log.Log(r.Context(), f.level, "request failed", "method", r.Method, "path", r.URL.Path, "status", f.status, "err", err)
	if f.status == http.StatusInternalServerError {
		pagination.WriteError(w, err) // 500 {"error":"internal_error","message":"internal server error"}
		return
	}
	if f.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	}
	writeError(w, f.status, f.code, "", f.message)
}

// isWrite reports whether r's method writes.
func isWrite(r *http.Request) bool { return r.Method != http.MethodGet && r.Method != http.MethodHead }

// classify maps the error of r's work to its answer.
func classify(r *http.Request, err error) failure {
	write := isWrite(r)
	nothing := ""
	if write {
		nothing = "; nothing was written"
	}
	switch {
	case errors.Is(r.Context().Err(), context.Canceled):
		return failure{http.StatusServiceUnavailable, "cancelled", "the request was cancelled", slog.LevelInfo}
	case errors.Is(err, dynamosql.ErrWriteOutcomeUnknown):
		return failure{http.StatusBadGateway, "outcome_unknown",
			"DynamoDB may or may not have applied this write: its answer was lost. Read the user to find out; " +
				"PUT and DELETE can be sent again with the same id, and a POST sent again answers 409 if the first one was applied",
			slog.LevelError}
	case errors.Is(err, dynamosql.ErrUnavailable) || throttled(err):
		return failure{http.StatusServiceUnavailable, "unavailable",
			fmt.Sprintf("DynamoDB could not be reached or is throttling requests%s; try again in %v", nothing, retryAfter), slog.LevelWarn}
	case errors.Is(err, context.DeadlineExceeded):
		return failure{http.StatusGatewayTimeout, "timeout", "DynamoDB did not answer in time" + nothing, slog.LevelWarn}
	case !write && transient(err):
		return failure{http.StatusServiceUnavailable, "unavailable",
			fmt.Sprintf("DynamoDB failed to answer; try again in %v", retryAfter), slog.LevelWarn}
	}
	return failure{http.StatusInternalServerError, "internal_error", "internal server error", slog.LevelError}
}

// throttleCodes are DynamoDB's throttling errors: the request was refused
// and not applied.
var throttleCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
}

func throttled(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && throttleCodes[ae.ErrorCode()]
}

// transient reports a failure of a read that trying again may cure: a
// connection lost, an HTTP 5xx from DynamoDB.
func transient(err error) bool {
	var se *smithyhttp.RequestSendError
	if errors.As(err, &se) {
		return true
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() >= 500
}
