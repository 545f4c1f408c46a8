package faultinject_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}
}

func putReq(id string) types.WriteRequest {
	return types.WriteRequest{PutRequest: &types.PutRequest{Item: key(id)}}
}

func deleteReq(id string) types.WriteRequest {
	return types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(id)}}
}

// ids returns the ids of the write requests, prefixed "put:" or "delete:".
func ids(t *testing.T, ws []types.WriteRequest) []string {
	t.Helper()
	var out []string
	for _, w := range ws {
		switch {
		case w.PutRequest != nil:
			v, ok := w.PutRequest.Item["id"].(*types.AttributeValueMemberS)
			require.True(t, ok, "put request without a string id: %#v", w.PutRequest.Item)
			out = append(out, "put:"+v.Value)
		case w.DeleteRequest != nil:
			v, ok := w.DeleteRequest.Key["id"].(*types.AttributeValueMemberS)
			require.True(t, ok, "delete request without a string id: %#v", w.DeleteRequest.Key)
			out = append(out, "delete:"+v.Value)
		default:
			t.Fatalf("empty write request %#v", w)
		}
	}
	return out
}

// puts returns put requests for the ids prefix0 .. prefix(n-1).
func puts(prefix string, n int) []types.WriteRequest {
	var ws []types.WriteRequest
	for i := range n {
		ws = append(ws, putReq(fmt.Sprint(prefix, i)))
	}
	return ws
}

func TestUnprocessBatchIndexes(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "fi_unproc", "id", "")
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "BatchWriteItem", Times: 1, Fault: faultinject.UnprocessBatch(1, 3)})
	out, err := client(t, ft, 1).BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems:           map[string][]types.WriteRequest{table: puts("u", 5)},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	require.NoError(t, err)
	assert.Equal(t, []string{table}, slices.Collect(maps.Keys(out.UnprocessedItems)))
	assert.Equal(t, []string{"put:u1", "put:u3"}, ids(t, out.UnprocessedItems[table]))
	require.Len(t, out.ConsumedCapacity, 1, "DynamoDB's ConsumedCapacity is kept")
	assert.Equal(t, table, aws.ToString(out.ConsumedCapacity[0].TableName))
	for i, want := range []bool{true, false, true, false, true} {
		assert.Equal(t, want, exists(t, table, fmt.Sprint("u", i)), "item u%d", i)
	}
	assert.Equal(t, 1, ft.Injected(faultinject.KindUnprocessed))
	assert.Equal(t, "unprocessed", faultinject.KindUnprocessed.String())
}

func TestUnprocessBatchAll(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "fi_unproc_all", "id", "")
	base := &recordingBase{base: http.DefaultTransport}
	ft := faultinject.New(base).Inject(faultinject.Rule{Op: "BatchWriteItem", Fault: faultinject.UnprocessBatch()})
	out, err := client(t, ft, 1).BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{table: puts("a", 5)},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"put:a0", "put:a1", "put:a2", "put:a3", "put:a4"}, ids(t, out.UnprocessedItems[table]))
	assert.Empty(t, base.bodies(), "nothing is forwarded when every write request is unprocessed")
	scan, err := dynamotest.Client(t).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	assert.Empty(t, scan.Items)
	assert.Equal(t, 1, ft.Injected(faultinject.KindUnprocessed))
}

func TestUnprocessBatchRate(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "fi_unproc_rate", "id", "")
	const seed = 42
	in := &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: puts("r", 25)}}
	ft := faultinject.New(nil).Seed(seed).Inject(faultinject.Rule{Op: "BatchWriteItem", Fault: faultinject.UnprocessBatchRate(0.5)})
	out, err := client(t, ft, 1).BatchWriteItem(ctx, in)
	require.NoError(t, err)
	unprocessed := ids(t, out.UnprocessedItems[table])
	assert.NotEmpty(t, unprocessed)
	assert.Less(t, len(unprocessed), 25)

	scan, err := dynamotest.Client(t).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, 25, len(scan.Items)+len(unprocessed), "written + unprocessed")
	for _, id := range unprocessed {
		assert.False(t, exists(t, table, id[len("put:"):]), "unprocessed %s is not written", id)
	}
	// Injected counts requests given the fault, not write requests.
	assert.Equal(t, 1, ft.Injected(faultinject.KindUnprocessed))
	assert.Equal(t, ft.Requests("BatchWriteItem"), ft.Injected(faultinject.KindUnprocessed))

	// The same seed picks the same write requests.
	again := faultinject.New(&fakeBase{}).Seed(seed).Inject(faultinject.Rule{Op: "BatchWriteItem", Fault: faultinject.UnprocessBatchRate(0.5)})
	out2, err := client(t, again, 1).BatchWriteItem(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, unprocessed, ids(t, out2.UnprocessedItems[table]))
}

func TestUnprocessBatchDelete(t *testing.T) {
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "fi_unproc_del", "id", "")
	for _, id := range []string{"d0", "d1", "d2"} {
		_, err := dynamotest.Client(t).PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: key(id)})
		require.NoError(t, err)
	}
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "BatchWriteItem", Fault: faultinject.UnprocessBatch(1, 2)})
	out, err := client(t, ft, 1).BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{table: {deleteReq("d0"), deleteReq("d1"), putReq("p0")}},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"delete:d1", "put:p0"}, ids(t, out.UnprocessedItems[table]))
	assert.False(t, exists(t, table, "d0"), "the processed delete is applied")
	assert.True(t, exists(t, table, "d1"), "the unprocessed delete is not applied")
	assert.True(t, exists(t, table, "d2"))
	assert.False(t, exists(t, table, "p0"), "the unprocessed put is not applied")
}

// TestUnprocessBatchTableOrder numbers write requests by table name, then
// by each table's order.
func TestUnprocessBatchTableOrder(t *testing.T) {
	ctx := dynamotest.Context(t)
	t1 := dynamotest.SimpleTable(t, "fi_unproc_x", "id", "")
	t2 := dynamotest.SimpleTable(t, "fi_unproc_y", "id", "")
	first, second := min(t1, t2), max(t1, t2)
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "BatchWriteItem", Fault: faultinject.UnprocessBatch(1, 2, 99, -1)})
	out, err := client(t, ft, 1).BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{second: puts("s", 2), first: puts("f", 2)},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"put:f1"}, ids(t, out.UnprocessedItems[first]))
	assert.Equal(t, []string{"put:s0"}, ids(t, out.UnprocessedItems[second]))
	assert.True(t, exists(t, first, "f0"))
	assert.False(t, exists(t, first, "f1"))
	assert.False(t, exists(t, second, "s0"))
	assert.True(t, exists(t, second, "s1"))
}

// TestUnprocessBatchMergesServerAnswer checks that the write requests the
// server itself left unprocessed are kept, with the rest of its answer.
func TestUnprocessBatchMergesServerAnswer(t *testing.T) {
	ctx := dynamotest.Context(t)
	base := &recordingBase{answer: `{"UnprocessedItems":{"Tbl":[{"PutRequest":{"Item":{"id":{"S":"x2"}}}}]},` +
		`"ConsumedCapacity":[{"TableName":"Tbl","CapacityUnits":2}]}`}
	ft := faultinject.New(base).Inject(faultinject.Rule{Op: "BatchWriteItem", Fault: faultinject.UnprocessBatch(0)})
	out, err := client(t, ft, 1).BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{"Tbl": puts("x", 3)},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"put:x2", "put:x0"}, ids(t, out.UnprocessedItems["Tbl"]))
	require.Len(t, out.ConsumedCapacity, 1)
	assert.Equal(t, 2.0, aws.ToFloat64(out.ConsumedCapacity[0].CapacityUnits))

	bodies := base.bodies()
	require.Len(t, bodies, 1)
	var fwd struct{ RequestItems map[string][]json.RawMessage }
	require.NoError(t, json.Unmarshal(bodies[0], &fwd))
	require.Len(t, fwd.RequestItems["Tbl"], 2, "the unprocessed write request is not forwarded")
	assert.NotContains(t, string(bodies[0]), `"x0"`)
}

// TestUnprocessBatchPassesErrors checks that an error answer to the
// forwarded request comes back unchanged.
func TestUnprocessBatchPassesErrors(t *testing.T) {
	ctx := dynamotest.Context(t)
	ft := faultinject.New(nil).Inject(faultinject.Rule{Op: "BatchWriteItem", Fault: faultinject.UnprocessBatch(0)})
	_, err := client(t, ft, 1).BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{dynamotest.UniqueName("fi_missing"): puts("m", 2)},
	})
	var rnf *types.ResourceNotFoundException
	require.True(t, errors.As(err, &rnf), "%v", err)
	assert.Equal(t, 1, ft.Injected(faultinject.KindUnprocessed))
}

// recordingBase records the bodies it is sent; it forwards them to base, or
// answers 200 with answer when base is nil.
type recordingBase struct {
	base   http.RoundTripper
	answer string

	mu   sync.Mutex
	seen [][]byte
}

func (r *recordingBase) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	r.mu.Lock()
	r.seen = append(r.seen, body)
	r.mu.Unlock()
	if r.base != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		return r.base.RoundTrip(req)
	}
	rec := httptest.NewRecorder()
	rec.WriteString(r.answer)
	return rec.Result(), nil
}

func (r *recordingBase) bodies() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}
