package faultinject_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// client returns an SDK client for DynamoDB Local through ft, making at most
// attempts attempts per call with a 1 ms pause between them.
func client(t *testing.T, ft *faultinject.Transport, attempts int) *dynamodb.Client {
	t.Helper()
	return dynamodb.New(dynamodb.Options{
		Region:       dynamotest.Region,
		BaseEndpoint: aws.String(dynamotest.MustEndpoint(t)),
		Credentials:  credentials.NewStaticCredentialsProvider(dynamotest.AccessKey, dynamotest.AccessKey, ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.RateLimiter = ratelimit.None
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		}),
	}, ft.ClientOption())
}

func insert(table, id string) *string {
	return aws.String(fmt.Sprintf(`INSERT INTO %q VALUE {'id': '%s'}`, table, id))
}

// exists reports whether table holds the item id, read without faults.
func exists(t *testing.T, table, id string) bool {
	t.Helper()
	out, err := dynamotest.Client(t).GetItem(dynamotest.Context(t), &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	require.NoError(t, err)
	return out.Item != nil
}

func TestStatusAndThrottleBodies(t *testing.T) {
	ctx := dynamotest.Context(t)
	for _, tc := range []struct {
		fault  faultinject.Fault
		code   string
		status int
		target any
	}{
		{faultinject.Status(500), "InternalServerError", 500, new(*types.InternalServerError)},
		{faultinject.Status(503), "ServiceUnavailable", 503, nil},
		{faultinject.Throttling(""), "ProvisionedThroughputExceededException", 400, new(*types.ProvisionedThroughputExceededException)},
		{faultinject.Throttling("ThrottlingException"), "ThrottlingException", 400, new(*types.ThrottlingException)},
		{faultinject.Throttling("RequestLimitExceeded"), "RequestLimitExceeded", 400, new(*types.RequestLimitExceeded)},
		{faultinject.Error(400, "ValidationException", "One or more parameter values were invalid"), "ValidationException", 400, nil},
	} {
		t.Run(tc.code, func(t *testing.T) {
			ft := faultinject.New(nil)
			ft.Inject(faultinject.Rule{Op: "ListTables", Fault: tc.fault})
			_, err := client(t, ft, 1).ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
			require.Error(t, err)
			var ae smithy.APIError
			require.True(t, errors.As(err, &ae), "%v", err)
			assert.Equal(t, tc.code, ae.ErrorCode())
			var re *smithyhttp.ResponseError
			require.True(t, errors.As(err, &re))
			assert.Equal(t, tc.status, re.HTTPStatusCode())
			if tc.target != nil {
				assert.True(t, errors.As(err, tc.target), "the SDK's modelled error type: %v", err)
			}
			assert.Equal(t, 1, ft.Injected(tc.fault.Kind))
			assert.Equal(t, 1, ft.Requests("ListTables"))
		})
	}
}

func TestSDKRetriesTransientFaults(t *testing.T) {
	ctx := dynamotest.Context(t)
	ft := faultinject.New(nil)
	ft.Inject(faultinject.Rule{Op: "ListTables", Times: 1, Fault: faultinject.Status(503)})
	ft.Inject(faultinject.Rule{Op: "ListTables", Times: 1, Fault: faultinject.Throttling("ThrottlingException")})
	ft.Inject(faultinject.Rule{Op: "ListTables", Times: 1, Fault: faultinject.Reset()})
	_, err := client(t, ft, 4).ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
	require.NoError(t, err)
	assert.Equal(t, 4, ft.Requests("ListTables"))
	assert.Equal(t, 3, ft.TotalInjected())
	assert.Equal(t, 1, ft.Injected(faultinject.KindStatus))
	assert.Equal(t, 1, ft.Injected(faultinject.KindThrottle))
	assert.Equal(t, 1, ft.Injected(faultinject.KindReset))
}

func TestResetSendsNothing(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "fi_reset", "id", "")
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.Reset()})
	_, err := client(t, ft, 1).ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: insert(table, "a")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection reset")
	assert.False(t, exists(t, table, "a"))
}

func TestDropResponseAppliesTheRequest(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "fi_drop", "id", "")
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 1, Fault: faultinject.DropResponse()})
	c := client(t, ft, 1)
	_, err := c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: insert(table, "a")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection reset")
	assert.True(t, exists(t, table, "a"), "DynamoDB applied the request whose response was lost")
	assert.Equal(t, 1, ft.Injected(faultinject.KindDropResponse))

	// Resending a non-idempotent INSERT now fails: the reason the driver
	// only resends what is safe to repeat.
	_, err = c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: insert(table, "a")})
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae))
	assert.Contains(t, ae.ErrorCode(), "DuplicateItem")
}

func TestBreakBody(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "fi_break", "id", "")
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.BreakBody()})
	_, err := client(t, ft, 1).ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
		Statement: aws.String(fmt.Sprintf(`SELECT * FROM %q WHERE id = 'x'`, table)),
	})
	require.Error(t, err)
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected EOF"), "%v", err)
	assert.Equal(t, 1, ft.Injected(faultinject.KindBreakBody))
}

func TestLatency(t *testing.T) {
	ctx := dynamotest.Context(t)
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "ListTables", Fault: faultinject.Latency(150 * time.Millisecond)})
	start := time.Now()
	_, err := client(t, ft, 1).ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	// The wait honours the request's context.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = client(t, ft, 1).ListTables(short, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCancelTx(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "fi_tx", "id", "")
	ft := faultinject.New(nil).Inject(faultinject.Rule{
		Op: "ExecuteTransaction", Times: 1,
		Fault: faultinject.CancelTx("None", "TransactionConflict"),
	})
	c := client(t, ft, 3)
	in := &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		{Statement: insert(table, "a")}, {Statement: insert(table, "b")}, {Statement: insert(table, "c")},
	}}
	_, err := c.ExecuteTransaction(ctx, in)
	var tce *types.TransactionCanceledException
	require.True(t, errors.As(err, &tce), "%v", err)
	assert.Contains(t, tce.ErrorMessage(), "[None, TransactionConflict, None]")
	require.Len(t, tce.CancellationReasons, 3)
	assert.Equal(t, "None", aws.ToString(tce.CancellationReasons[0].Code))
	assert.Equal(t, "TransactionConflict", aws.ToString(tce.CancellationReasons[1].Code))
	assert.NotEmpty(t, aws.ToString(tce.CancellationReasons[1].Message))
	assert.Equal(t, "None", aws.ToString(tce.CancellationReasons[2].Code))
	assert.Equal(t, 1, ft.Requests("ExecuteTransaction"), "the SDK does not retry a cancelled transaction")
	assert.False(t, exists(t, table, "a"))

	// The rule is used up: the same transaction now goes through.
	_, err = c.ExecuteTransaction(ctx, in)
	require.NoError(t, err)
	assert.True(t, exists(t, table, "c"))
}

func TestThrottleBatch(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "fi_batch", "id", "")
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "BatchExecuteStatement", Times: 1, Fault: faultinject.ThrottleBatch(1, 3)})
	c := client(t, ft, 1)
	var reqs []types.BatchStatementRequest
	for _, id := range []string{"a", "b", "c", "d"} {
		reqs = append(reqs, types.BatchStatementRequest{Statement: insert(table, id)})
	}
	out, err := c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: reqs})
	require.NoError(t, err)
	require.Len(t, out.Responses, 4)
	for i, r := range out.Responses {
		if i == 1 || i == 3 {
			require.NotNil(t, r.Error, "statement %d", i)
			assert.Equal(t, types.BatchStatementErrorCodeEnumThrottlingError, r.Error.Code)
			assert.NotEmpty(t, aws.ToString(r.Error.Message))
			assert.Equal(t, table, aws.ToString(r.TableName))
		} else {
			assert.Nil(t, r.Error, "statement %d", i)
		}
	}
	assert.True(t, exists(t, table, "a"))
	assert.False(t, exists(t, table, "b"), "a throttled statement is not applied")
	assert.True(t, exists(t, table, "c"))
	assert.False(t, exists(t, table, "d"))

	// Every statement throttled: nothing reaches DynamoDB.
	ft.Inject(faultinject.Rule{Op: "BatchExecuteStatement", Fault: faultinject.ThrottleBatch()})
	out, err = c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: reqs[1:2]})
	require.NoError(t, err)
	require.Len(t, out.Responses, 1)
	assert.Equal(t, types.BatchStatementErrorCodeEnumThrottlingError, out.Responses[0].Error.Code)
	assert.False(t, exists(t, table, "b"))
	assert.Equal(t, 2, ft.Injected(faultinject.KindBatchThrottle))
}

// fakeBase answers every request with 200 {} and counts them.
type fakeBase struct{ n atomic.Int64 }

func (f *fakeBase) RoundTrip(req *http.Request) (*http.Response, error) {
	f.n.Add(1)
	rec := httptest.NewRecorder()
	rec.WriteString("{}")
	return rec.Result(), nil
}

func send(t *testing.T, ft *faultinject.Transport, op, body string) error {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://dynamodb.invalid/", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	resp, err := ft.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func TestRuleSelection(t *testing.T) {
	base := &fakeBase{}
	ft := faultinject.New(base)
	var observed atomic.Int64
	ft.Observe(func(op string, body []byte) {
		if op == "GetItem" && string(body) == "{}" {
			observed.Add(1)
		}
	})
	ft.Inject(faultinject.Rule{Op: "GetItem", Skip: 1, Times: 2, Fault: faultinject.Status(500)})
	ft.Inject(faultinject.Rule{Op: "PutItem", Match: func(_ string, body []byte) bool { return strings.Contains(string(body), "boom") }, Fault: faultinject.Reset()})

	var got []bool
	for range 5 {
		got = append(got, send(t, ft, "GetItem", "{}") != nil)
	}
	assert.Equal(t, []bool{false, true, true, false, false}, got, "skip 1, then 2 faults, then none")
	assert.Error(t, send(t, ft, "PutItem", `{"x":"boom"}`))
	assert.NoError(t, send(t, ft, "PutItem", `{"x":"calm"}`))
	assert.NoError(t, send(t, ft, "Query", `{}`))

	assert.Equal(t, 5, ft.Requests("GetItem"))
	assert.Equal(t, 2, ft.Requests("PutItem"))
	assert.Equal(t, 8, ft.Requests(""))
	assert.Equal(t, 2, ft.Injected(faultinject.KindStatus))
	assert.Equal(t, 1, ft.Injected(faultinject.KindReset))
	assert.Equal(t, 3, ft.TotalInjected())
	assert.EqualValues(t, 5, observed.Load())
	assert.EqualValues(t, 5, base.n.Load(), "faults answered 3 requests themselves")

	ft.ResetCounts()
	assert.Zero(t, ft.Requests(""))
	assert.Zero(t, ft.TotalInjected())
	ft.Clear()
	assert.NoError(t, send(t, ft, "PutItem", `{"x":"boom"}`))
}

func TestRateIsSeeded(t *testing.T) {
	pattern := func(seed uint64) []bool {
		ft := faultinject.New(&fakeBase{}).Seed(seed)
		ft.Inject(faultinject.Rule{Rate: 0.3, Fault: faultinject.Status(503)})
		var p []bool
		for range 200 {
			p = append(p, send(t, ft, "Query", "{}") != nil)
		}
		return p
	}
	a, b := pattern(42), pattern(42)
	assert.Equal(t, a, b, "the same seed injects the same faults")
	n := 0
	for _, f := range a {
		if f {
			n++
		}
	}
	assert.InDelta(t, 60, n, 25, "about 30%% of 200 requests")
	assert.NotEqual(t, a, pattern(7))
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "drop-response", faultinject.KindDropResponse.String())
	assert.Equal(t, "Kind(99)", faultinject.Kind(99).String())
}
