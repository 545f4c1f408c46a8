package mapper_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
	"github.com/dynamosql/dynamosql/mapper"
	"github.com/dynamosql/dynamosql/pagination"
)

// Issue 19 §3: the DynamoDB requests a FindPage cursor walk costs per
// page, counted on the wire (faultinject with no rules counts every
// request; latency does not change the count).

// walkCost is a repository of 250 users aged 30 (and 40 of other ages)
// whose requests are counted.
type walkCost struct {
	repo *mapper.Repository[User]
	ft   *faultinject.Transport
	all  []User // the users aged 30, in the index's order
}

// newWalkCost writes the users and returns the counted repository; tb's
// cleanup deletes the table.
func newWalkCost(tb testing.TB) *walkCost {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	table := dynamotest.UniqueName("mapper_walkcost")
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = dynamotest.Client(tb).DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	e, err := mapper.Register[User](mapper.Table(table), mapper.GSI("ageIndex", mapper.Key("age"), mapper.Key("lastname", "firstname")))
	require.NoError(tb, err)
	cfg, err := dynamosql.ParseDSN(dynamotest.DSN(tb))
	require.NoError(tb, err)
	ft := faultinject.New(nil)
	cfg.ClientOptions = append(cfg.ClientOptions, ft.ClientOption())
	c, err := dynamosql.NewConnector(cfg)
	require.NoError(tb, err)
	db := sql.OpenDB(c)
	tb.Cleanup(func() { db.Close() })
	_, err = mapper.Sync(ctx, db, mapper.SyncOptions{Logger: quiet, PollInterval: 50 * time.Millisecond}, e)
	require.NoError(tb, err)
	repo, err := mapper.NewRepository(ctx, db, e, mapper.RepositoryOptions{
		Paging: pagination.PageOptions{Cache: pagination.NewBoundaryCache(0)},
	})
	require.NoError(tb, err)
	r := rand.New(rand.NewPCG(19, 3))
	var users []User
	for i := range 250 {
		// Visits 0 for one user in ten (in an order unrelated to the
		// index's): the filter visits <> 0 rejects 10%.
		users = append(users, User{ID: fmt.Sprintf("w%06d", r.IntN(1000)*1000+i), Age: 30,
			Firstname: fmt.Sprintf("F%03d", i), Lastname: fmt.Sprintf("L%02d", r.IntN(30)), Visits: i % 10})
	}
	for i := range 40 {
		users = append(users, User{ID: fmt.Sprintf("o%03d", i), Age: 31 + i%3, Firstname: "X", Lastname: "Y"})
	}
	require.NoError(tb, repo.PutMany(ctx, users))
	all, err := repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 30)}})
	require.NoError(tb, err)
	require.Len(tb, all, 250)
	return &walkCost{repo: repo, ft: ft, all: all}
}

// walk reads every page of q by cursor at size, and returns the pages and
// the ExecuteStatement requests they cost.
func (w *walkCost) walk(tb testing.TB, q mapper.Query, size int) ([]pagination.Page[User], int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := w.ft.Requests("ExecuteStatement")
	var pages []pagination.Page[User]
	p := pagination.Pageable{Size: size}
	for {
		page, err := w.repo.FindPage(ctx, q, p)
		require.NoError(tb, err)
		pages = append(pages, page)
		if !page.HasNext {
			require.Empty(tb, page.NextCursor)
			break
		}
		require.Len(tb, page.Content, size, "page %d is full", len(pages)-1)
		require.Less(tb, len(pages), 1000, "runaway walk")
		p = pagination.Pageable{Cursor: page.NextCursor}
	}
	return pages, w.ft.Requests("ExecuteStatement") - before
}

var (
	walkAge      = mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 30)}}
	walkFiltered = mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 30), mapper.Ne("visits", 0)}}
)

// TestFindPageRequestsPerPage walks 250 users at size 20 by cursor,
// without a filter and with one that rejects 10% of them, and counts the
// requests per page: at most 1.2 without a filter, 1.6 with it. The walks
// are exact (every user once, in order, every page but the last full) and
// page=N without a cursor equals the walk's page N.
func TestFindPageRequestsPerPage(t *testing.T) {
	t.Parallel()
	w := newWalkCost(t)
	for _, c := range []struct {
		name   string
		q      mapper.Query
		keep   func(User) bool
		target float64
	}{
		{"no filter", walkAge, func(User) bool { return true }, 1.2},
		{"filter rejecting 10%", walkFiltered, func(u User) bool { return u.Visits != 0 }, 1.6},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []User
			for _, u := range w.all {
				if c.keep(u) {
					want = append(want, u)
				}
			}
			pages, requests := w.walk(t, c.q, 20)
			var got []User
			for _, p := range pages {
				got = append(got, p.Content...)
			}
			require.Equal(t, want, got, "every user once, in the index's order")
			require.Len(t, pages, (len(want)+19)/20)
			perPage := float64(requests) / float64(len(pages))
			t.Logf("%s: %d items, %d pages, %d ExecuteStatement requests: %.2f requests per page (target %.1f)",
				c.name, len(got), len(pages), requests, perPage, c.target)
			require.LessOrEqual(t, perPage, c.target)

			for _, n := range []int{3, len(pages) - 1} {
				pg, err := w.repo.FindPage(dynamotest.Context(t), c.q, pagination.Pageable{Page: n, Size: 20})
				require.NoError(t, err)
				require.Equal(t, pages[n].Content, pg.Content, "page=%d", n)
				require.Equal(t, pages[n].HasNext, pg.HasNext, "page=%d", n)
			}
		})
	}
}

// BenchmarkFindPageWalk walks the 250 users at size 20 by cursor and
// reports the DynamoDB requests per page (requests/page), without a
// filter and with one that rejects 10% of the users. It runs against
// internal/dynamotest's endpoint.
func BenchmarkFindPageWalk(b *testing.B) {
	w := newWalkCost(b)
	for _, c := range []struct {
		name string
		q    mapper.Query
	}{{"NoFilter", walkAge}, {"Filter10pc", walkFiltered}} {
		b.Run(c.name, func(b *testing.B) {
			requests, pages := 0, 0
			b.ReportAllocs()
			for b.Loop() {
				ps, n := w.walk(b, c.q, 20)
				requests += n
				pages += len(ps)
			}
			b.ReportMetric(float64(requests)/float64(pages), "requests/page")
		})
	}
}
