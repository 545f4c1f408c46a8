package mapper

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
)

type item1 struct {
	ID      string `dynamodbav:"id" dynamo:"pk"`
	Name    string `dynamodbav:"name"`
	Version int    `dynamodbav:"v" dynamo:"version"`
}

type item2 struct {
	ID   string `dynamodbav:"id" dynamo:"pk"`
	Name string `dynamodbav:"name"`
}

// fakeBatch answers BatchExecuteStatement with answer(statement, id, n),
// where n counts the times this exact statement text and id were sent.
type fakeBatch struct {
	mu       sync.Mutex
	sent     map[string]int
	requests int
	sizes    []int
	inFlight atomic.Int32
	maxIn    atomic.Int32
	answer   func(stmt, id string, n int) *types.BatchStatementError
	fail     func(req int) error
	// unprocess says whether BatchWriteItem leaves the n-th sending of
	// kind (PUT or DELETE) for id unprocessed; reject whether it rejects
	// the request with a ValidationException because of that item.
	unprocess func(kind, id string, n int) bool
	reject    func(id string) bool
}

// enter counts a request in flight and the largest number in flight.
func (f *fakeBatch) enter() func() {
	cur := f.inFlight.Add(1)
	for {
		m := f.maxIn.Load()
		if cur <= m || f.maxIn.CompareAndSwap(m, cur) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond) // let requests overlap
	return func() { f.inFlight.Add(-1) }
}

// BatchWriteItem answers with the items unprocess picks as unprocessed.
func (f *fakeBatch) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	defer f.enter()()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.sent == nil {
		f.sent = map[string]int{}
	}
	reqs := in.RequestItems["things"]
	if len(in.RequestItems) != 1 || len(reqs) == 0 {
		return nil, fmt.Errorf("fake: want one table \"things\", got %d tables", len(in.RequestItems))
	}
	f.sizes = append(f.sizes, len(reqs))
	if f.fail != nil {
		if err := f.fail(f.requests); err != nil {
			return nil, err
		}
	}
	for _, wr := range reqs {
		if id := writeID(wr); f.reject != nil && f.reject(id) {
			return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: "item " + id + " is invalid, says the fake"}
		}
	}
	out := &dynamodb.BatchWriteItemOutput{UnprocessedItems: map[string][]types.WriteRequest{}}
	for _, wr := range reqs {
		kind := "PUT"
		if wr.DeleteRequest != nil {
			kind = "DELETE"
		}
		id := writeID(wr)
		f.sent[kind+" "+id]++
		if f.unprocess != nil && f.unprocess(kind, id, f.sent[kind+" "+id]) {
			out.UnprocessedItems["things"] = append(out.UnprocessedItems["things"], wr)
		}
	}
	if len(out.UnprocessedItems["things"]) == 0 {
		out.UnprocessedItems = nil
	}
	return out, nil
}

// writeID is the "id" of a write request's item or key.
func writeID(wr types.WriteRequest) string {
	m := map[string]types.AttributeValue{}
	if wr.PutRequest != nil {
		m = wr.PutRequest.Item
	} else if wr.DeleteRequest != nil {
		m = wr.DeleteRequest.Key
	}
	if v, ok := m["id"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func (f *fakeBatch) BatchExecuteStatement(ctx context.Context, in *dynamodb.BatchExecuteStatementInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchExecuteStatementOutput, error) {
	defer f.enter()()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	f.sizes = append(f.sizes, len(in.Statements))
	if f.fail != nil {
		if err := f.fail(f.requests); err != nil {
			return nil, err
		}
	}
	if f.sent == nil {
		f.sent = map[string]int{}
	}
	out := &dynamodb.BatchExecuteStatementOutput{}
	for _, st := range in.Statements {
		id := idParam(st)
		kind := strings.Fields(*st.Statement)[0]
		f.sent[kind+" "+id]++
		var e *types.BatchStatementError
		if f.answer != nil {
			e = f.answer(kind, id, f.sent[kind+" "+id])
		}
		out.Responses = append(out.Responses, types.BatchStatementResponse{Error: e})
	}
	return out, nil
}

// idParam finds the value of the "id" key among the parameters: the first
// parameter of an INSERT, the last of an UPDATE (without version) or
// DELETE.
func idParam(st types.BatchStatementRequest) string {
	ps := st.Parameters
	text := *st.Statement
	var av types.AttributeValue
	switch {
	case strings.HasPrefix(text, "INSERT"):
		av = ps[0]
	case strings.Contains(text, `"v" = ?`) && strings.HasPrefix(text, "UPDATE"):
		av = ps[len(ps)-2]
	default:
		av = ps[len(ps)-1]
	}
	return av.(*types.AttributeValueMemberS).Value
}

func stmtErr(code types.BatchStatementErrorCodeEnum) *types.BatchStatementError {
	return &types.BatchStatementError{Code: code, Message: aws.String(string(code) + " says the fake")}
}

func fakeRepo[T any](t *testing.T, f *fakeBatch, opts RepositoryOptions) *Repository[T] {
	t.Helper()
	e, err := Register[T](Table("things"))
	require.NoError(t, err)
	if opts.BatchBackoff == 0 {
		opts.BatchBackoff = time.Millisecond
	}
	return &Repository[T]{m: e.m, batch: f, opts: opts}
}

func items(n int) []item2 {
	out := make([]item2, n)
	for i := range out {
		out[i] = item2{ID: fmt.Sprintf("i%03d", i), Name: "n"}
	}
	return out
}

func TestBatchChunksAndConcurrency(t *testing.T) {
	f := &fakeBatch{}
	r := fakeRepo[item2](t, f, RepositoryOptions{BatchConcurrency: 2, KeepUnknownAttributes: true})
	require.NoError(t, r.PutMany(context.Background(), items(60)))
	assert.ElementsMatch(t, []int{25, 25, 10}, f.sizes)
	assert.LessOrEqual(t, f.maxIn.Load(), int32(2))
	assert.Equal(t, 60, f.sent["INSERT i000"]+59)
}

func TestBatchRetriesThrottled(t *testing.T) {
	f := &fakeBatch{answer: func(kind, id string, n int) *types.BatchStatementError {
		if id[len(id)-1]%3 == 0 && n <= 2 {
			return stmtErr(types.BatchStatementErrorCodeEnumThrottlingError)
		}
		if id == "i007" && n == 1 {
			return stmtErr(types.BatchStatementErrorCodeEnumInternalServerError)
		}
		return nil
	}}
	r := fakeRepo[item2](t, f, RepositoryOptions{KeepUnknownAttributes: true})
	require.NoError(t, r.PutMany(context.Background(), items(30)))
	assert.Equal(t, 3, f.sent["INSERT i000"], "throttled twice, then written")
	assert.Equal(t, 1, f.sent["INSERT i001"])
	assert.Equal(t, 2, f.sent["INSERT i007"])
	assert.Equal(t, 4, f.requests, "25+5, then the 13 retried together, then the 12 throttled twice")
}

func TestBatchReportsFinalFailures(t *testing.T) {
	f := &fakeBatch{answer: func(kind, id string, n int) *types.BatchStatementError {
		switch id {
		case "i003":
			return stmtErr(types.BatchStatementErrorCodeEnumProvisionedThroughputExceeded)
		case "i005":
			return stmtErr(types.BatchStatementErrorCodeEnumValidationError)
		}
		return nil
	}}
	r := fakeRepo[item2](t, f, RepositoryOptions{BatchAttempts: 4, KeepUnknownAttributes: true})
	err := r.PutMany(context.Background(), items(10))
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "PutMany", be.Op)
	assert.Equal(t, 10, be.Total)
	require.Len(t, be.Failures, 2)
	assert.Equal(t, 3, be.Failures[0].Index)
	assert.Equal(t, ID{"i003"}, be.Failures[0].ID)
	assert.Equal(t, "ProvisionedThroughputExceeded", be.Failures[0].Code)
	assert.Contains(t, be.Failures[0].Err.Error(), "after 4 attempts")
	assert.Equal(t, 5, be.Failures[1].Index)
	assert.Equal(t, "ValidationError", be.Failures[1].Code)
	assert.Equal(t, 4, f.sent["INSERT i003"])
	assert.Equal(t, 1, f.sent["INSERT i005"], "not retryable: sent once")
	assert.Contains(t, err.Error(), "2 of 10 items failed")
	assert.Contains(t, err.Error(), "item 3 (i003)")
}

func TestBatchPutExistingBecomesUpdate(t *testing.T) {
	f := &fakeBatch{answer: func(kind, id string, n int) *types.BatchStatementError {
		switch {
		case kind == "INSERT" && (id == "i001" || id == "i002"):
			return stmtErr(types.BatchStatementErrorCodeEnumDuplicateItem)
		case kind == "UPDATE" && id == "i002" && n == 1:
			return stmtErr(types.BatchStatementErrorCodeEnumConditionalCheckFailed) // deleted meanwhile
		case kind == "UPDATE" && id == "i002":
			return nil
		}
		return nil
	}}
	r := fakeRepo[item2](t, f, RepositoryOptions{KeepUnknownAttributes: true})
	require.NoError(t, r.PutMany(context.Background(), items(3)))
	assert.Equal(t, 1, f.sent["INSERT i000"])
	assert.Equal(t, 1, f.sent["UPDATE i001"])
	assert.Equal(t, 2, f.sent["INSERT i002"], "INSERT, UPDATE (item gone), INSERT again")
	assert.Equal(t, 2, f.sent["UPDATE i002"])

	// An item that keeps vanishing gives up after three rounds.
	f2 := &fakeBatch{answer: func(kind, id string, n int) *types.BatchStatementError {
		if kind == "INSERT" {
			return stmtErr(types.BatchStatementErrorCodeEnumDuplicateItem)
		}
		return stmtErr(types.BatchStatementErrorCodeEnumConditionalCheckFailed)
	}}
	r2 := fakeRepo[item2](t, f2, RepositoryOptions{KeepUnknownAttributes: true})
	err := r2.PutMany(context.Background(), items(1))
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.Contains(t, be.Failures[0].Err.Error(), "gave up after 3 rounds")
	assert.ErrorIs(t, err, dynamosql.ErrConditionFailed)
}

func TestBatchVersions(t *testing.T) {
	f := &fakeBatch{answer: func(kind, id string, n int) *types.BatchStatementError {
		switch id {
		case "b":
			return stmtErr(types.BatchStatementErrorCodeEnumDuplicateItem)
		case "c":
			return stmtErr(types.BatchStatementErrorCodeEnumConditionalCheckFailed)
		}
		return nil
	}}
	r := fakeRepo[item1](t, f, RepositoryOptions{})
	in := []item1{{ID: "a"}, {ID: "b"}, {ID: "c", Version: 4}, {ID: "d", Version: 2}}
	err := r.PutMany(context.Background(), in)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Failures, 2)
	assert.ErrorIs(t, err, ErrStaleVersion)
	assert.ErrorIs(t, be.Failures[0].Err, ErrStaleVersion)
	assert.ErrorIs(t, be.Failures[1].Err, ErrStaleVersion)
	assert.Equal(t, []int{1, 0, 4, 3}, []int{in[0].Version, in[1].Version, in[2].Version, in[3].Version}, "only written items get their new version")
	assert.Equal(t, 1, f.sent["INSERT b"], "a versioned write is never turned into another")
}

func TestBatchRequestErrors(t *testing.T) {
	// A request that breaks off (no API error) is resent for idempotent
	// statements.
	f := &fakeBatch{fail: func(req int) error {
		if req == 1 {
			return errors.New("use of closed network connection")
		}
		return nil
	}}
	r := fakeRepo[item2](t, f, RepositoryOptions{KeepUnknownAttributes: true})
	require.NoError(t, r.PutMany(context.Background(), items(5)))
	assert.Equal(t, 2, f.requests)

	// Not for versioned ones, nor for API errors.
	fv := &fakeBatch{fail: func(req int) error {
		if req == 1 {
			return errors.New("use of closed network connection")
		}
		return nil
	}}
	rv := fakeRepo[item1](t, fv, RepositoryOptions{})
	err := rv.PutMany(context.Background(), []item1{{ID: "a"}})
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 1, fv.requests)

	fa := &fakeBatch{fail: func(int) error {
		return &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"}
	}}
	ra := fakeRepo[item2](t, fa, RepositoryOptions{})
	err = ra.DeleteMany(context.Background(), []ID{{"a"}, {"b"}})
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "DeleteMany", be.Op)
	assert.Len(t, be.Failures, 2)
	assert.Equal(t, "AccessDeniedException", be.Failures[0].Code)
	assert.Equal(t, 1, fa.requests)
}

func TestBatchContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeBatch{answer: func(kind, id string, n int) *types.BatchStatementError {
		cancel()
		return stmtErr(types.BatchStatementErrorCodeEnumThrottlingError)
	}}
	r := fakeRepo[item2](t, f, RepositoryOptions{BatchBackoff: time.Hour, KeepUnknownAttributes: true})
	start := time.Now()
	err := r.PutMany(ctx, items(3))
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), time.Minute)
	assert.Equal(t, 1, f.requests)
}

func TestBatchEmptyAndInvalid(t *testing.T) {
	f := &fakeBatch{}
	r := fakeRepo[item2](t, f, RepositoryOptions{})
	require.NoError(t, r.PutMany(context.Background(), nil))
	require.NoError(t, r.DeleteMany(context.Background(), nil))
	assert.Zero(t, f.requests)
	require.Error(t, r.DeleteMany(context.Background(), []ID{{"a", "b"}}))
	require.ErrorContains(t, r.DeleteMany(context.Background(), []ID{{"a"}, {"a"}}), "same key")
	require.ErrorContains(t, r.PutMany(context.Background(), []item2{{ID: ""}}), "empty")
	assert.Zero(t, f.requests)
}

func TestBatchWriteItemChunks(t *testing.T) {
	f := &fakeBatch{}
	r := fakeRepo[item2](t, f, RepositoryOptions{BatchConcurrency: 2})
	require.NoError(t, r.PutMany(context.Background(), items(60)))
	assert.ElementsMatch(t, []int{25, 25, 10}, f.sizes)
	assert.LessOrEqual(t, f.maxIn.Load(), int32(2))
	for i := range 60 {
		assert.Equal(t, 1, f.sent[fmt.Sprintf("PUT i%03d", i)])
	}
	assert.Zero(t, f.sent["INSERT i000"], "no PartiQL statement")

	f2 := &fakeBatch{}
	r2 := fakeRepo[item2](t, f2, RepositoryOptions{})
	require.NoError(t, r2.DeleteMany(context.Background(), []ID{{"a"}, {"b"}, {"c"}}))
	assert.Equal(t, map[string]int{"DELETE a": 1, "DELETE b": 1, "DELETE c": 1}, f2.sent)
	assert.Equal(t, 1, f2.requests)
}

func TestBatchWriteItemUnprocessed(t *testing.T) {
	f := &fakeBatch{unprocess: func(kind, id string, n int) bool {
		return id[len(id)-1]%3 == 0 && n <= 2
	}}
	r := fakeRepo[item2](t, f, RepositoryOptions{})
	require.NoError(t, r.PutMany(context.Background(), items(30)))
	assert.Equal(t, 3, f.sent["PUT i000"], "unprocessed twice, then written")
	assert.Equal(t, 1, f.sent["PUT i001"])
	assert.Equal(t, 3, f.sent["PUT i029"])
	assert.Equal(t, 4, f.requests, "25+5, then the 12 unprocessed together, twice")

	// Items that stay unprocessed fail after BatchAttempts sends.
	f2 := &fakeBatch{unprocess: func(kind, id string, n int) bool { return id == "i003" }}
	r2 := fakeRepo[item2](t, f2, RepositoryOptions{BatchAttempts: 4})
	err := r2.PutMany(context.Background(), items(10))
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Failures, 1)
	assert.Equal(t, 3, be.Failures[0].Index)
	assert.Equal(t, CodeUnprocessed, be.Failures[0].Code)
	assert.Contains(t, be.Failures[0].Err.Error(), "after 4 attempts")
	assert.Contains(t, be.Failures[0].Err.Error(), "unprocessed")
	assert.Equal(t, 4, f2.sent["PUT i003"])
}

func TestBatchWriteItemRejectedBatchIsSplit(t *testing.T) {
	f := &fakeBatch{reject: func(id string) bool { return id == "i005" }}
	r := fakeRepo[item2](t, f, RepositoryOptions{BatchConcurrency: 1})
	err := r.PutMany(context.Background(), items(30))
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Failures, 1, "only the invalid item fails")
	assert.Equal(t, 5, be.Failures[0].Index)
	assert.Equal(t, "ValidationException", be.Failures[0].Code)
	assert.Contains(t, be.Failures[0].Err.Error(), "i005 is invalid")
	for i := range 30 {
		if i != 5 {
			assert.Equal(t, 1, f.sent[fmt.Sprintf("PUT i%03d", i)], "i%03d written once", i)
		}
	}
	assert.Equal(t, 2+25, f.requests, "two batches, then the rejected one's 25 items one by one")
}

func TestBatchWriteItemRejectedEverywhereStopsSplitting(t *testing.T) {
	// Every item invalid (say, the table's key type differs): after
	// BatchSize single-item requests all rejected, the rest is reported
	// without sending each item alone.
	f := &fakeBatch{reject: func(string) bool { return true }}
	r := fakeRepo[item2](t, f, RepositoryOptions{BatchConcurrency: 1})
	err := r.PutMany(context.Background(), items(200))
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.Len(t, be.Failures, 200)
	for _, fl := range be.Failures {
		assert.Equal(t, "ValidationException", fl.Code)
	}
	assert.Equal(t, 200/BatchSize+BatchSize, f.requests)
}
