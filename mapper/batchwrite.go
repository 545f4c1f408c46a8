package mapper

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// CodeUnprocessed is the BatchFailure.Code of an item that DynamoDB kept
// returning in BatchWriteItem's UnprocessedItems (it throttled the item)
// until BatchAttempts ran out.
const CodeUnprocessed = "UnprocessedItems"

// errUnprocessed is the error of an item BatchWriteItem left unprocessed.
var errUnprocessed = errors.New("DynamoDB left the item unprocessed (throttled; resubmitted with backoff)")

// throttlingCodes are request-level error codes that say DynamoDB
// refused the whole request before applying any of it: resending is
// safe for every statement.
var throttlingCodes = map[string]bool{
	"ThrottlingException":                    true,
	"ProvisionedThroughputExceededException": true,
	"RequestLimitExceeded":                   true,
}

// batchState is what the requests of one PutMany or DeleteMany share.
type batchState struct {
	mu sync.Mutex
	// Single-item requests that DynamoDB rejected as invalid, and that it
	// accepted, after their batch was rejected. When every item of the
	// first BatchSize was invalid, the request is at fault rather than
	// its items (wrong key types for the table, say): rejected batches
	// are then no longer split.
	aloneRejected, aloneAccepted int
	// option records the batch's requests (internal/obshook); nil when
	// the repository's *sql.DB is not the driver's.
	option func(*dynamodb.Options)
}

// options returns the client options of the batch's requests.
func (st *batchState) options() []func(*dynamodb.Options) {
	if st.option == nil {
		return nil
	}
	return []func(*dynamodb.Options){st.option}
}

// splitRejected reports whether a rejected batch should be resent one
// item per request.
func (st *batchState) splitRejected() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.aloneAccepted > 0 || st.aloneRejected < BatchSize
}

func (st *batchState) alone(accepted bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if accepted {
		st.aloneAccepted++
	} else {
		st.aloneRejected++
	}
}

// sendWriteChunk sends a chunk of whole-item puts or deletes with
// BatchWriteItem. Items left unprocessed are resubmitted after a
// backoff; a chunk rejected as invalid is resent one item per request.
func (r *Repository[T]) sendWriteChunk(ctx context.Context, st *batchState, chunk []*batchOp) {
	reqs := make([]types.WriteRequest, len(chunk))
	for i, o := range chunk {
		o.ok, o.retry, o.again = false, false, false
		if o.kind == opPutItem {
			reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: o.it}}
		} else {
			reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: r.m.keyMap(o.key)}}
		}
	}
	out, err := r.batch.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{r.m.Table: reqs},
	}, st.options()...)
	alone := len(chunk) == 1 && chunk[0].alone
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" {
			if alone {
				st.alone(false)
			} else if ctx.Err() == nil && st.splitRejected() {
				// One invalid item rejects the whole batch, and nothing
				// of it is written: find the invalid ones.
				for _, o := range chunk {
					o.err, o.code = fmt.Errorf("BatchWriteItem: %w", err), ae.ErrorCode()
					o.again, o.alone = true, true
				}
				return
			}
		}
		requestFailed(ctx, chunk, "BatchWriteItem", err)
		return
	}
	if alone {
		st.alone(true)
	}
	for _, o := range chunk {
		o.ok, o.err, o.code = true, nil, ""
	}
	left := out.UnprocessedItems[r.m.Table]
	if len(left) == 0 && len(out.UnprocessedItems) == 0 {
		return
	}
	byKey := make(map[string]*batchOp, len(chunk))
	var buf []byte
	for _, o := range chunk {
		buf = appendKeyText(buf[:0], o.key)
		byKey[string(buf)] = o
	}
	matched := 0
	for _, wr := range left {
		var key []types.AttributeValue
		switch {
		case wr.PutRequest != nil:
			key = r.m.appendKey(key, wr.PutRequest.Item)
		case wr.DeleteRequest != nil:
			key = r.m.appendKey(key, wr.DeleteRequest.Key)
		}
		buf = appendKeyText(buf[:0], key)
		if o := byKey[string(buf)]; o != nil && o.ok {
			unprocessed(o)
			matched++
		}
	}
	if matched != len(left) || len(out.UnprocessedItems) > 1 || (len(out.UnprocessedItems) == 1 && len(left) == 0) {
		// An answer that does not match what was sent: resend the chunk
		// (puts and deletes of whole items are idempotent).
		for _, o := range chunk {
			unprocessed(o)
		}
	}
}

// unprocessed marks o for resubmission after a backoff.
func unprocessed(o *batchOp) {
	o.ok, o.retry = false, true
	o.err, o.code = errUnprocessed, CodeUnprocessed
	o.attempts++
}

// keyMap is the key of a DeleteRequest.
func (m *Metadata) keyMap(key []types.AttributeValue) map[string]types.AttributeValue {
	k := map[string]types.AttributeValue{m.PartitionKey: key[0]}
	if m.SortKey != "" {
		k[m.SortKey] = key[1]
	}
	return k
}

// requestFailed records a batch request that failed as a whole for every
// op of its chunk, and marks for resubmission those that may be resent:
// all of them when DynamoDB throttled the request (nothing of it was
// applied), the idempotent ones when the request failed on the server's
// side or broke off without an answer (it may or may not have been
// applied).
func requestFailed(ctx context.Context, chunk []*batchOp, api string, err error) {
	var ae smithy.APIError
	isAPI := errors.As(err, &ae)
	throttled := isAPI && throttlingCodes[ae.ErrorCode()]
	unsure := !isAPI || ae.ErrorFault() == smithy.FaultServer
	live := ctx.Err() == nil
	for _, o := range chunk {
		o.err, o.code = fmt.Errorf("%s: %w", api, err), ""
		if isAPI {
			o.code = ae.ErrorCode()
		}
		if live && (throttled || (unsure && o.idempotent())) {
			o.retry = true
			o.attempts++
		}
	}
}
