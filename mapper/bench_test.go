package mapper

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests and benchmarks of the batch write path's own cost (statement
// text, parameters, preparation), without a network. The end-to-end
// comparison with hand-written SDK code is BenchmarkCanned/PutMany10000
// and BenchmarkLocal/PutMany10000 in the root package.

type benchThing struct {
	PK   string `dynamodbav:"pk" dynamo:"pk"`
	SK   string `dynamodbav:"sk" dynamo:"sk"`
	Age  int64  `dynamodbav:"age"`
	Nick string `dynamodbav:"nick,omitempty"`
}

func TestWriteQuotedMatchesQuote(t *testing.T) {
	for _, s := range []string{"", "a", `we"ird`, "it's", `"'"`, `''""`, "naïve"} {
		var b strings.Builder
		writeQuoted(&b, '"', s)
		assert.Equal(t, quoteName(s), b.String())
		b.Reset()
		writeQuoted(&b, '\'', s)
		assert.Equal(t, `'`+strings.ReplaceAll(s, `'`, `''`)+`'`, b.String())
	}
}

func TestInsertRequestMatchesInsertStatement(t *testing.T) {
	e, err := Register[benchThing](Table("odd.table-name"))
	require.NoError(t, err)
	m := e.m
	marshal := func(v benchThing) item {
		it, err := m.marshal(reflect.ValueOf(v))
		require.NoError(t, err)
		return it
	}
	full := marshal(benchThing{PK: "p", SK: "1", Age: 3, Nick: "n"})
	fullToo := marshal(benchThing{PK: "p", SK: "2", Age: 4, Nick: "m"})
	short := marshal(benchThing{PK: "p", SK: "3", Age: 5}) // nick omitted

	var last *insertText
	for _, it := range []item{full, fullToo, short, full} {
		var text string
		var params []types.AttributeValue
		prev := last
		text, params, last = m.insertRequest(it, last)
		s := m.insertStatement(it)
		assert.Equal(t, s.String(), text)
		assert.Equal(t, s.params(), params)
		if prev != nil && len(prev.names) == len(it) {
			assert.Same(t, prev, last, "the text is reused for the same attributes")
		}
	}
	_, _, a := m.insertRequest(full, nil)
	_, _, b := m.insertRequest(short, a)
	assert.NotSame(t, a, b)
	assert.NotEqual(t, a.text, b.text)
}

// nopBatch answers every statement of every batch with success at once.
type nopBatch struct{ requests int }

func (n *nopBatch) BatchExecuteStatement(_ context.Context, in *dynamodb.BatchExecuteStatementInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchExecuteStatementOutput, error) {
	out := &dynamodb.BatchExecuteStatementOutput{Responses: make([]types.BatchStatementResponse, len(in.Statements))}
	n.requests++ // BatchConcurrency 1 in these tests: no race
	return out, nil
}

func (n *nopBatch) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	n.requests++
	return &dynamodb.BatchWriteItemOutput{}, nil
}

func benchThings(n int) []benchThing {
	out := make([]benchThing, n)
	for i := range out {
		out[i] = benchThing{PK: "p", SK: fmt.Sprintf("%07d", i), Age: int64(i % 50), Nick: "x"}
	}
	return out
}

func TestPreparePutsReportsFirstFailure(t *testing.T) {
	f := &nopBatch{}
	e, err := Register[benchThing](Table("things"))
	require.NoError(t, err)
	r := &Repository[benchThing]{m: e.m, batch: f, opts: RepositoryOptions{BatchConcurrency: 1}}
	things := benchThings(3000) // prepared on several goroutines when GOMAXPROCS > 1
	things[2900].PK = ""
	things[1700].PK = ""
	err = r.PutMany(context.Background(), things)
	require.ErrorContains(t, err, "item 1700:")
	assert.Zero(t, f.requests, "nothing is sent when an item is invalid")

	things[1700].PK, things[2900].PK = "p", "p"
	things[2999].SK = things[5].SK
	require.ErrorContains(t, r.PutMany(context.Background(), things), "same key")
	assert.Zero(t, f.requests)

	things[2999].SK = "x"
	require.NoError(t, r.PutMany(context.Background(), things))
	assert.Equal(t, 3000/BatchSize, f.requests)
}

func TestPutManyLargeVersioned(t *testing.T) {
	f := &fakeBatch{}
	r := fakeRepo[item1](t, f, RepositoryOptions{BatchConcurrency: 4})
	things := make([]item1, 2000)
	for i := range things {
		things[i] = item1{ID: fmt.Sprintf("v%04d", i), Name: "n"}
	}
	require.NoError(t, r.PutMany(context.Background(), things))
	for i, it := range things {
		require.Equal(t, 1, it.Version, "item %d", i)
	}
}

func BenchmarkInsertStatement(b *testing.B) {
	e := MustRegister[benchThing](Table("things"))
	it, err := e.m.marshal(reflect.ValueOf(benchThings(1)[0]))
	require.NoError(b, err)
	b.Run("insertStatement", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s := e.m.insertStatement(it)
			_, _ = s.String(), s.params()
		}
	})
	b.Run("insertRequest", func(b *testing.B) {
		b.ReportAllocs()
		var last *insertText
		for b.Loop() {
			_, _, last = e.m.insertRequest(it, last)
		}
	})
}

// BenchmarkPutManyNoNetwork is PutMany of 10,000 items against a batch
// client that answers at once: the mapper's own cost (preparation,
// duplicate check, statements, chunking).
func BenchmarkPutManyNoNetwork(b *testing.B) {
	e := MustRegister[benchThing](Table("things"))
	r := &Repository[benchThing]{m: e.m, batch: &nopBatch{}, opts: RepositoryOptions{BatchConcurrency: 1}}
	things := benchThings(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.PutMany(context.Background(), things); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAppendKeyTextComparesKeysByValue(t *testing.T) {
	sv := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	nv := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	text := func(key ...types.AttributeValue) string { return string(appendKeyText(nil, key)) }
	// DynamoDB compares numbers by value: so do batch keys.
	assert.Equal(t, text(nv("10")), text(nv("1E1")))
	assert.Equal(t, text(nv("10")), text(nv("10.000")))
	assert.NotEqual(t, text(nv("10")), text(sv("10")), "a string is not a number")
	assert.NotEqual(t, text(sv("ab"), sv("c")), text(sv("a"), sv("bc")), "the parts of a key stay apart")
	assert.NotEqual(t, text(&types.AttributeValueMemberB{Value: []byte("a")}), text(sv("a")), "binary is not a string")
	// Values no key can hold still give a text (DynamoDB refuses them).
	assert.NotEmpty(t, text(&types.AttributeValueMemberBOOL{Value: true}))
}

func TestFindDuplicateWithCollidingHashes(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	ops := []*batchOp{
		{index: 0, key: []types.AttributeValue{s("a"), s("1")}},
		{index: 1, key: []types.AttributeValue{s("b"), s("1")}},
		{index: 2, key: []types.AttributeValue{s("c"), s("1")}},
		{index: 3, key: []types.AttributeValue{s("b"), s("1")}},
	}
	o, j, dup := findDuplicate(ops, true)
	require.True(t, dup)
	assert.Equal(t, 3, o.index)
	assert.Equal(t, 1, j)

	o, j, dup = findDuplicate(ops[:3], true)
	assert.False(t, dup, "%v %d", o, j)

	o, j, dup = firstDuplicate(ops)
	require.True(t, dup)
	assert.Equal(t, 3, o.index)
	assert.Equal(t, 1, j)
	_, _, dup = firstDuplicate(ops[:3])
	assert.False(t, dup)
}
