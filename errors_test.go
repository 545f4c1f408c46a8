package dynamosql

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"

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
