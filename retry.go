package dynamosql

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// maxResends bounds how often the driver resends a request that is safe to
// repeat after its response body broke off (see isBrokenResponse).
const maxResends = 3

// isBrokenResponse reports an error the AWS SDK returns when a response
// body breaks off after an HTTP 200 ("failed to decode response body ...
// use of closed network connection", "unexpected EOF"). The SDK never
// retries those because it cannot know whether the operation is idempotent
// (aws-sdk-go-v2 issues 1825, 2737, 2935). The driver knows: it resends
// reads, read transactions and commits that carry their ClientRequestToken.
func isBrokenResponse(err error) bool {
	if err == nil {
		return false
	}
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "failed to decode response body") ||
		strings.Contains(msg, "use of closed network connection")
}

// resend runs fn, and runs it again (up to maxResends times, with a short
// growing pause) while it fails with a broken response. Only call it for
// operations that are safe to repeat.
func resend(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = fn()
		if err == nil || attempt >= maxResends || !isBrokenResponse(err) || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(time.Duration(attempt+1) * 5 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
