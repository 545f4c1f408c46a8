package dynamosql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
)

func TestMayHaveApplied(t *testing.T) {
	send := func(err error) error {
		return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "ExecuteStatement",
			Err: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{}}, Err: &smithyhttp.RequestSendError{Err: err}}}
	}
	answer := func(status int, err error) error {
		return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "ExecuteStatement",
			Err: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}}
	}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connection reset after sending", send(reset), true},
		{"context deadline while in flight", send(&url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}), true},
		{"body broken off after HTTP 200", answer(200, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), true},
		{"HTTP 500", answer(500, &smithy.GenericAPIError{Code: "InternalServerError"}), true},
		{"HTTP 503", answer(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"}), true},
		{"HTTP 400 throttling", answer(400, &smithy.GenericAPIError{Code: "ThrottlingException"}), false},
		{"HTTP 400 duplicate", answer(400, &smithy.GenericAPIError{Code: "DuplicateItem"}), false},
		{"connection refused", send(&url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}), false},
		{"unknown host", send(&url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}}), false},
		{"invalid header", send(&url.Error{Op: "Post", URL: "http://x", Err: fmt.Errorf("net/http: invalid header field value for %q", "X-Amz-Security-Token")}), false},
		{"before sending (credentials)", &smithy.OperationError{Err: errors.New("failed to retrieve credentials")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, mayHaveApplied(tc.err))
		})
	}
}

// FuzzErrorMessagesAreValidUTF8 feeds arbitrary statement texts and
// arguments (invalid UTF-8 included) through the stages that precede
// sending, and through the errors that quote statement texts, and checks
// that no error message holds invalid UTF-8 (a message cut in the middle of
// a character, or a statement's bytes copied as they are).
func FuzzErrorMessagesAreValidUTF8(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM \"t\" WHERE a = '\xff'",
		"INSERT INTO t VALUE {'é': '\xc3'}",
		"SELECT * FROM \xe2\x82 WHERE x = ?",
		"UPDATE \"tbl\" SET v = 'ü' WHERE id = ? " + strings.Repeat("é", 80),
		"SELECT * FROM t LIMIT 'x'",
		"DELETE FROM \"a/b\" WHERE k = 1",
	} {
		f.Add(s, "v\xff", 100)
	}
	c, _ := translateConn()
	f.Fuzz(func(t *testing.T, q, arg string, n int) {
		check := func(what string, err error) {
			if err != nil && !utf8.ValidString(err.Error()) {
				t.Fatalf("%s: invalid UTF-8 in %q", what, err.Error())
			}
		}
		var args []driver.NamedValue
		if a := analyse(q); a.err == nil {
			for i := range a.params {
				nv := driver.NamedValue{Ordinal: i + 1, Value: arg}
				if err := c.CheckNamedValue(&nv); err != nil {
					check("CheckNamedValue", err)
					return
				}
				args = append(args, nv)
			}
		}
		var p prepared
		check("stages", c.stages(context.Background(), q, args, &p))
		check("OutcomeError", &OutcomeError{Statement: q, Attempts: 1, Cause: errors.New("reset")})
		check("TxError", &TxError{Err: errors.New("x"), Failures: []TxFailure{{Statement: q, Code: "ConditionalCheckFailed"}}})
		if s := shorten(q, n%200); !utf8.ValidString(s) || len(s) > max(n%200, 0)+len("...") {
			t.Fatalf("shorten(%q, %d) = %q", q, n%200, s)
		}
	})
}

// TestErrorMessage: *Error names the operation once, then DynamoDB's code
// and message (with the SDK's attempts and retry quota), the send error,
// or the SDK's text; the request ID stays reachable.
func TestErrorMessage(t *testing.T) {
	op := func(err error) error {
		return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "ExecuteStatement", Err: err}
	}
	answer := func(status int, err error) error {
		return &awshttp.ResponseError{RequestID: "rid-1",
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}}
	}
	refused := &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}}
	validation := &smithy.GenericAPIError{Code: "ValidationException", Message: "Statement wasn't well formed"}
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	for _, tc := range []struct {
		name  string
		err   error
		table string
		want  string
		rid   string
	}{
		{"answer", op(answer(400, validation)), "", "dynamosql: ExecuteStatement: ValidationException: Statement wasn't well formed", "rid-1"},
		{"answer after retries", op(&retry.MaxAttemptsError{Attempt: 3, Err: answer(400, throttled)}), "",
			"dynamosql: ExecuteStatement: ThrottlingException: Rate exceeded (the SDK gave up after 3 attempts)", "rid-1"},
		{"retry quota", op(errors.Join(answer(400, throttled), ratelimit.QuotaExceededError{Available: 0, Requested: 5})), "",
			"dynamosql: ExecuteStatement: ThrottlingException: Rate exceeded (the SDK's retry quota ran out: retry quota exceeded, 0 available, 5 requested)", "rid-1"},
		{"missing table", op(answer(400, &types.ResourceNotFoundException{Message: aws.String("Cannot do operations on a non-existent table")})), "users",
			`dynamosql: ExecuteStatement: table "users" does not exist (ResourceNotFoundException: Cannot do operations on a non-existent table); SHOW TABLES lists the tables this connection sees (names are case-sensitive, and tables belong to one region)`, "rid-1"},
		{"unreachable", op(&retry.MaxAttemptsError{Attempt: 2, Err: refused}), "",
			`dynamosql: ExecuteStatement: DynamoDB could not be reached, nothing was sent: request send failed, Post "http://x": dial tcp: connect: connection refused (the SDK gave up after 2 attempts)`, ""},
		{"HTTP 500", op(answer(500, &smithy.GenericAPIError{Code: "InternalServerError", Message: "boom"})), "",
			"dynamosql: ExecuteStatement: https response error StatusCode: 500, RequestID: rid-1, api error InternalServerError: boom", "rid-1"},
		{"no operation error", errors.New("failed to retrieve credentials"), "", "dynamosql: ExecuteStatement: failed to retrieve credentials", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Error{Op: "ExecuteStatement", Table: tc.table, Err: tc.err}
			assert.Equal(t, tc.want, e.Error())
			assert.Equal(t, tc.rid, e.RequestID())
			assert.Equal(t, tc.name == "missing table", errors.Is(e, ErrTableNotFound))
			assert.Equal(t, tc.name == "unreachable", errors.Is(e, ErrUnavailable))
		})
	}
}
