package mapper_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/mapper"
	"github.com/dynamosql/dynamosql/pagination"
)

// Weird has names with double and single quotes, spaces, '#' and reserved
// words, in a table whose name has '.' and '-'.
type Weird struct {
	Key   string `dynamodbav:"the \"key\"" dynamo:"pk"`
	Sort  string `dynamodbav:"sort key" dynamo:"sk"`
	Sel   string `dynamodbav:"select"`
	Hash  string `dynamodbav:"a#b"`
	Apos  string `dynamodbav:"it's"`
	Order int    `dynamodbav:"order"`
	Note  string `dynamodbav:"from,omitempty"`
}

func TestQuotedNames(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	e, err := mapper.Register[Weird](mapper.Table(tableName(t, "we.ird-names")),
		mapper.GSI("select-idx", mapper.Key("select"), mapper.Key("it's", "order")),
		mapper.GSI("hash.idx", mapper.Key("a#b", "select"), mapper.Key("order")),
	)
	require.NoError(t, err)
	repo := syncRepo(t, db, e)

	w := Weird{Key: `k"1'`, Sort: "s 1", Sel: "x", Hash: "h#", Apos: "O'Neil", Order: -3, Note: "n"}
	require.NoError(t, repo.Insert(ctx, &w))
	got, err := repo.Get(ctx, `k"1'`, "s 1")
	require.NoError(t, err)
	assert.Equal(t, w, got)

	w.Apos = `it's "quoted"`
	w.Note = ""
	require.NoError(t, repo.Put(ctx, &w))
	require.NoError(t, repo.Update(ctx, &w))
	require.ErrorContains(t, repo.Patch(ctx, mapper.ID{w.Key, w.Sort}, mapper.Set("order", 5), mapper.Set("it's", "z"), mapper.Add("order", 0)), "changed twice")
	require.NoError(t, repo.Patch(ctx, mapper.ID{w.Key, w.Sort}, mapper.Set("order", 5), mapper.Set("it's", "z")))
	require.NoError(t, repo.PutMany(ctx, []Weird{
		{Key: "k2", Sort: "s", Sel: "x", Hash: "h#", Apos: "a", Order: 1},
		{Key: "k3", Sort: "s", Sel: "x", Hash: "h#", Apos: "z", Order: -1},
	}))

	all, err := repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("select", "x"), mapper.Eq("it's", "z")}, Sort: mapper.Desc("it's", "order")})
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, []int{5, -1}, []int{all[0].Order, all[1].Order})

	all, err = repo.FindAll(ctx, mapper.Query{Index: "hash.idx", Where: []mapper.Cond{mapper.Eq("a#b", "h#"), mapper.Eq("select", "x"), mapper.Gt("order", -2)}, Sort: mapper.Asc("order")})
	require.NoError(t, err)
	var orders []int
	for _, x := range all {
		orders = append(orders, x.Order)
	}
	assert.Equal(t, []int{-1, 1, 5}, orders)

	page, err := repo.FindPage(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("select", "x"), mapper.NotExists("from")}}, pagination.Pageable{Size: 2, Sort: mapper.Asc("it's")})
	require.NoError(t, err)
	assert.Len(t, page.Content, 2)
	assert.True(t, page.HasNext)

	require.NoError(t, repo.DeleteMany(ctx, []mapper.ID{{"k2", "s"}, {"k3", "s"}}))
	require.NoError(t, repo.Delete(ctx, w.Key, w.Sort))
	all, err = repo.FindAll(ctx, mapper.Query{AllowScan: true})
	require.NoError(t, err)
	assert.Empty(t, all)
}

// Big items make a result longer than DynamoDB's 1 MB page.
type Big struct {
	ID  string `dynamodbav:"id" dynamo:"pk"`
	Seq int    `dynamodbav:"seq" dynamo:"sk"`
	Pad string `dynamodbav:"pad"`
}

// TestDescendingBeyondOnePage documents DynamoDB Local's ORDER BY DESC
// paging: ascending results longer than a page are right, descending ones
// are refused rather than returned out of order.
func TestDescendingBeyondOnePage(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	e := mapper.MustRegister[Big](mapper.Table(tableName(t, "big")))
	repo := syncRepo(t, db, e)
	items := make([]Big, 300)
	for i := range items {
		items[i] = Big{ID: "a", Seq: i, Pad: strings.Repeat("x", 8000)}
	}
	require.NoError(t, repo.PutMany(ctx, items))

	asc, err := repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("id", "a")}, Sort: mapper.Asc("seq")})
	require.NoError(t, err)
	require.Len(t, asc, 300)
	for i, x := range asc {
		require.Equal(t, i, x.Seq)
	}
	_, err = repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("id", "a")}, Sort: mapper.Desc("seq")})
	require.ErrorContains(t, err, "out of order")

	// Within one page descending order is right.
	desc, err := repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("id", "a"), mapper.Ge("seq", 250)}, Sort: mapper.Desc("seq")})
	require.NoError(t, err)
	require.Len(t, desc, 50)
	for i, x := range desc {
		require.Equal(t, 299-i, x.Seq)
	}
}

// TestDescendingPagesBeyondOnePage: FindPage over a descending result
// longer than one DynamoDB page fails at the page boundary on DynamoDB
// Local instead of going on out of order.
func TestDescendingPagesBeyondOnePage(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	e := mapper.MustRegister[Big](mapper.Table(tableName(t, "bigpages")))
	repo := syncRepo(t, db, e)
	items := make([]Big, 300)
	for i := range items {
		items[i] = Big{ID: "a", Seq: i, Pad: strings.Repeat("y", 8000)}
	}
	require.NoError(t, repo.PutMany(ctx, items))
	q := mapper.Query{Where: []mapper.Cond{mapper.Eq("id", "a")}}
	_, err := repo.FindPage(ctx, q, pagination.Pageable{Page: 2, Size: 100, Sort: mapper.Desc("seq")})
	require.ErrorContains(t, err, "out of order")

	// Ascending pages are exact.
	page, err := repo.FindPage(ctx, q, pagination.Pageable{Page: 2, Size: 100, Sort: mapper.Asc("seq")})
	require.NoError(t, err)
	require.Len(t, page.Content, 100)
	require.Equal(t, 200, page.Content[0].Seq)
	require.False(t, page.HasNext)
}
