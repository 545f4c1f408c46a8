package dynamosql

import (
	"bytes"
	"context"
	"hash/crc32"
	"io"
	"strconv"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DynamoDB Local answers errors without the X-Amz-Crc32 header that the
// service sends with every response. The AWS SDK's checksum middleware
// then compares the body with a checksum of 0 and, when it closes the
// body, logs "WARN failed to close HTTP response body ... response did not
// match expected checksum" for every error (the request's own error is
// reported either way). The connector's client gives such an error
// response the checksum of the body it did receive: the SDK's check stays
// on, unchanged, for every response that carries the header, so a
// corrupted answer of the service is still caught, and the SDK's logger
// (the user's, when configured) is left alone.

// crc32Header is DynamoDB's response checksum header.
const crc32Header = "X-Amz-Crc32"

// maxChecksummedError bounds the error bodies the middleware reads to
// checksum them; DynamoDB's are a few hundred bytes.
const maxChecksummedError = 1 << 20

// errorChecksum adds the checksum to error responses that lack one.
type errorChecksum struct{}

func (errorChecksum) ID() string { return "dynamosql.ErrorResponseChecksum" }

// HandleDeserialize runs inside the SDK's checksum middleware: it sees
// the raw response before the SDK wraps its body.
func (errorChecksum) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp.StatusCode < 300 || resp.Header.Get(crc32Header) != "" || resp.Body == nil {
		return out, md, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxChecksummedError+1))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil || len(body) > maxChecksummedError {
		// Leave the answer as it is: the SDK reports what it can.
		return out, md, err
	}
	resp.Header.Set(crc32Header, strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	return out, md, err
}

// addErrorChecksum installs errorChecksum right after (inside) the SDK's
// checksum validation, or at the end of the deserialize step when the
// client has none (checksums disabled).
func addErrorChecksum(stack *middleware.Stack) error {
	const sdkChecksum = "DynamoDB:ResponseChecksumValidation"
	if _, ok := stack.Deserialize.Get(sdkChecksum); !ok {
		return nil
	}
	return stack.Deserialize.Insert(errorChecksum{}, sdkChecksum, middleware.After)
}
