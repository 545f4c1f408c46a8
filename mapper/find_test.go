package mapper_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/mapper"
	"github.com/dynamosql/dynamosql/pagination"
)

// TestPutManyThousand writes 1,000 items in batches (twice: the second
// run replaces them), checks that all are there exactly once with their
// composite, then deletes them in batches; with whole-item writes
// (BatchWriteItem) and with PartiQL statements (KeepUnknownAttributes).
func TestPutManyThousand(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("KeepUnknownAttributes=%v", keep), func(t *testing.T) {
			t.Parallel()
			ctx := dynamotest.Context(t)
			db := dynamotest.OpenDB(t)
			table := tableName(t, "many")
			repo := syncRepo(t, db, userEntity(t, table), mapper.RepositoryOptions{KeepUnknownAttributes: keep})
			users := make([]User, 1000)
			for i := range users {
				users[i] = User{ID: fmt.Sprintf("u%04d", i), Age: i % 7, Firstname: fmt.Sprintf("F%d", i), Lastname: "L"}
			}
			require.NoError(t, repo.PutMany(ctx, users))
			for i := range users {
				users[i].Lastname = "M"
			}
			require.NoError(t, repo.PutMany(ctx, users), "a second PutMany replaces")

			items := scanAll(t, table)
			require.Len(t, items, 1000)
			seen := map[string]bool{}
			for _, it := range items {
				id := attrS(it, "id")
				require.False(t, seen[id], "item %s twice", id)
				seen[id] = true
				require.Equal(t, "M#"+attrS(it, "firstname"), attrS(it, "lastname#firstname"), "composite of %s", id)
			}

			// Duplicate keys are refused before anything is sent.
			err := repo.PutMany(ctx, []User{{ID: "x", Firstname: "a", Lastname: "b"}, {ID: "x", Firstname: "c", Lastname: "d"}})
			require.ErrorContains(t, err, "same key")

			ids := make([]mapper.ID, len(users))
			for i, u := range users {
				ids[i] = mapper.ID{u.ID}
			}
			require.NoError(t, repo.DeleteMany(ctx, ids))
			require.Empty(t, scanAll(t, table))
		})
	}
}

// Rec has composite keys of every kind on real GSIs.
type Rec struct {
	ID string    `dynamodbav:"id" dynamo:"pk"`
	G  string    `dynamodbav:"g"`
	S  string    `dynamodbav:"s"`
	N  int64     `dynamodbav:"n"`
	T  time.Time `dynamodbav:"t"`
}

// TestCompositeSortOrder writes items whose composite components are
// strings with separators and escapes, negative and positive integers
// and times in several zones, and checks that DynamoDB returns them in
// the components' order, ascending and descending, on real GSIs.
func TestCompositeSortOrder(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	e, err := mapper.Register[Rec](mapper.Table(tableName(t, "order")),
		mapper.GSI("byStrNum", mapper.Key("g"), mapper.Key("s", "n")),
		mapper.GSI("byNumStr", mapper.Key("g"), mapper.Key("n", "s")),
		mapper.GSI("byTimeID", mapper.Key("g"), mapper.Key("t", "id")),
	)
	require.NoError(t, err)
	repo := syncRepo(t, db, e)

	strs := []string{"", "a", "a b", "a!", "a#", "a#b", "a$", "a%", "ab", "Smith", "Smith Jones", "Smithson", "é", "\x01", "z"}
	nums := []int64{-9223372036854775808, -1000, -10, -5, -1, 0, 3, 10, 1000, 9223372036854775807}
	zones := []*time.Location{time.UTC, time.FixedZone("+0530", 19800), time.FixedZone("-0800", -28800)}
	r := rand.New(rand.NewPCG(1, 1))
	var recs []Rec
	for i := range 120 {
		recs = append(recs, Rec{
			ID: fmt.Sprintf("r%03d", i), G: "g",
			S: strs[r.IntN(len(strs))], N: nums[r.IntN(len(nums))],
			T: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(5000)) * time.Millisecond).In(zones[r.IntN(3)]),
		})
	}
	require.NoError(t, repo.PutMany(ctx, recs))

	check := func(index string, sort pagination.Sort, less func(a, b Rec) int) {
		t.Helper()
		got, err := repo.FindAll(ctx, mapper.Query{Index: index, Where: []mapper.Cond{mapper.Eq("g", "g")}, Sort: sort})
		require.NoError(t, err)
		want := slices.Clone(recs)
		slices.SortStableFunc(want, less)
		if sort[0].Direction == pagination.Desc {
			slices.Reverse(want)
		}
		require.Len(t, got, len(want))
		for i := range got {
			// Ties (equal composites) may come in any order: compare keys.
			require.Zero(t, less(got[i], want[i]), "%s %v: position %d: got %+v want %+v", index, sort, i, got[i], want[i])
		}
	}
	byStrNum := func(a, b Rec) int { return cmp.Or(strings.Compare(a.S, b.S), cmp.Compare(a.N, b.N)) }
	byNumStr := func(a, b Rec) int { return cmp.Or(cmp.Compare(a.N, b.N), strings.Compare(a.S, b.S)) }
	byTimeID := func(a, b Rec) int { return cmp.Or(a.T.Compare(b.T), strings.Compare(a.ID, b.ID)) }
	for _, dir := range []func(...string) pagination.Sort{mapper.Asc, mapper.Desc} {
		check("byStrNum", dir("s", "n"), byStrNum)
		check("byNumStr", dir("n", "s"), byNumStr)
		check("byTimeID", dir("t", "id"), byTimeID)
		check("", dir("n"), byNumStr) // chosen by the sort: byNumStr
	}

	// Key conditions on components, each compared with a filter in Go.
	conds := []struct {
		where []mapper.Cond
		match func(Rec) bool
	}{
		{[]mapper.Cond{mapper.Eq("s", "a#")}, func(r Rec) bool { return r.S == "a#" }},
		{[]mapper.Cond{mapper.Eq("s", "Smith"), mapper.Gt("n", -5)}, func(r Rec) bool { return r.S == "Smith" && r.N > -5 }},
		{[]mapper.Cond{mapper.Gt("s", "Smith")}, func(r Rec) bool { return r.S > "Smith" }},
		{[]mapper.Cond{mapper.Le("s", "a#")}, func(r Rec) bool { return r.S <= "a#" }},
		{[]mapper.Cond{mapper.Lt("s", "a#")}, func(r Rec) bool { return r.S < "a#" }},
		{[]mapper.Cond{mapper.BeginsWith("s", "a")}, func(r Rec) bool { return strings.HasPrefix(r.S, "a") }},
		{[]mapper.Cond{mapper.Between("s", "a", "ab")}, func(r Rec) bool { return r.S >= "a" && r.S <= "ab" }},
		{[]mapper.Cond{mapper.Eq("s", "a"), mapper.Lt("n", 10)}, func(r Rec) bool { return r.S == "a" && r.N < 10 }},
		{[]mapper.Cond{mapper.Eq("n", int64(-5))}, func(r Rec) bool { return r.N == -5 }},
	}
	for _, c := range conds {
		q := mapper.Query{Index: "byStrNum", Where: append([]mapper.Cond{mapper.Eq("g", "g")}, c.where...)}
		if c.where[0].String()[0] == 'n' {
			q.Index = "byNumStr"
		}
		got, err := repo.FindAll(ctx, q)
		require.NoError(t, err)
		var want []string
		for _, r := range recs {
			if c.match(r) {
				want = append(want, r.ID)
			}
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		assert.ElementsMatch(t, want, ids, "%v", c.where)
	}
}

// TestFindPage walks 250 users of one age by cursor, 20 a page, in
// lastname, firstname order, both ways; page=N without a cursor equals the
// cursor walk; a filter still gives full pages.
func TestFindPage(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	table := tableName(t, "page")
	repo := syncRepo(t, db, userEntity(t, table), mapper.RepositoryOptions{
		Paging: pagination.PageOptions{Cache: pagination.NewBoundaryCache(0)},
	})
	r := rand.New(rand.NewPCG(2, 2))
	var users []User
	for i := range 250 {
		users = append(users, User{ID: fmt.Sprintf("p%03d", i), Age: 30, Firstname: fmt.Sprintf("F%02d", r.IntN(40)), Lastname: fmt.Sprintf("L%02d", r.IntN(20)), Visits: i % 3})
	}
	for i := range 40 {
		users = append(users, User{ID: fmt.Sprintf("o%03d", i), Age: 31, Firstname: "X", Lastname: "Y"})
	}
	require.NoError(t, repo.PutMany(ctx, users))
	q := mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 30)}}

	for _, dir := range []pagination.Direction{pagination.Asc, pagination.Desc} {
		sort := pagination.Sort{{Property: "lastname", Direction: dir}, {Property: "firstname", Direction: dir}}
		var walked []User
		var pages []pagination.Page[User]
		p := pagination.Pageable{Size: 20, Sort: sort}
		for {
			page, err := repo.FindPage(ctx, q, p)
			require.NoError(t, err)
			pages = append(pages, page)
			walked = append(walked, page.Content...)
			if !page.HasNext {
				require.Empty(t, page.NextCursor)
				break
			}
			require.Len(t, page.Content, 20)
			p = pagination.Pageable{Cursor: page.NextCursor, Sort: sort}
		}
		require.Len(t, walked, 250)
		require.Len(t, pages, 13)
		seen := map[string]bool{}
		for i, u := range walked {
			require.False(t, seen[u.ID], "user %s twice", u.ID)
			seen[u.ID] = true
			require.Equal(t, 30, u.Age)
			if i > 0 {
				c := cmp.Or(strings.Compare(walked[i-1].Lastname, u.Lastname), strings.Compare(walked[i-1].Firstname, u.Firstname))
				if dir == pagination.Desc {
					c = -c
				}
				require.LessOrEqual(t, c, 0, "order at %d", i)
			}
		}
		page3, err := repo.FindPage(ctx, q, pagination.Pageable{Page: 3, Size: 20, Sort: sort})
		require.NoError(t, err)
		require.Equal(t, pages[3].Content, page3.Content, "page=3 is the fourth page of the walk")

		// A cursor from another query is refused.
		_, err = repo.FindPage(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 31)}}, pagination.Pageable{Cursor: pages[0].NextCursor, Sort: sort})
		require.ErrorIs(t, err, pagination.ErrInvalidCursor)
	}

	// A filter that rejects two items of three still fills pages.
	fq := mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 30), mapper.Eq("visits", 1)}}
	total := 0
	p := pagination.Pageable{Size: 20}
	for {
		page, err := repo.FindPage(ctx, fq, p)
		require.NoError(t, err)
		for _, u := range page.Content {
			require.Equal(t, 1, u.Visits)
		}
		total += len(page.Content)
		if !page.HasNext {
			break
		}
		require.Len(t, page.Content, 20)
		p = pagination.Pageable{Cursor: page.NextCursor}
	}
	require.Equal(t, 83, total) // i%3 == 1 for i < 250

	// Sorting by something no index sorts by is a 400-style ParamError.
	_, err := repo.FindPage(ctx, q, pagination.Pageable{Size: 5, Sort: mapper.Asc("visits")})
	var pe *pagination.ParamError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "sort", pe.Parameter)
	require.Contains(t, pe.Message, "visits")
}

// Sparse has attributes that most items lack, so that the first page's
// columns miss them.
type Sparse struct {
	ID    string  `dynamodbav:"id" dynamo:"pk"`
	Seq   int     `dynamodbav:"seq" dynamo:"sk"`
	Extra *string `dynamodbav:"extra,omitempty"`
	More  []int   `dynamodbav:"more,omitempty"`
}

// TestFindSparseAttributes reads items whose attributes appear only on
// later pages, with small pages: nothing is lost, nothing duplicated.
func TestFindSparseAttributes(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	e, err := mapper.Register[Sparse](mapper.Table(tableName(t, "sparse")))
	require.NoError(t, err)
	repo := syncRepo(t, db, e, mapper.RepositoryOptions{PageSize: 3})
	var items []Sparse
	for i := range 20 {
		s := Sparse{ID: "a", Seq: i}
		if i%7 == 6 {
			s.Extra = ptr(fmt.Sprint("x", i))
		}
		if i == 19 {
			s.More = []int{1, 2}
		}
		items = append(items, s)
	}
	require.NoError(t, repo.PutMany(ctx, items))
	got, err := repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("id", "a")}})
	require.NoError(t, err)
	require.Equal(t, items, got)

	desc, err := repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("id", "a")}, Sort: mapper.Desc("seq")})
	require.NoError(t, err)
	slices.Reverse(desc)
	require.Equal(t, items, desc)

	var walked []Sparse
	p := pagination.Pageable{Size: 4}
	for {
		page, err := repo.FindPage(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("id", "a")}}, p)
		require.NoError(t, err)
		walked = append(walked, page.Content...)
		if !page.HasNext {
			break
		}
		p = pagination.Pageable{Cursor: page.NextCursor}
	}
	require.Equal(t, items, walked)

	// Find stops when the loop does.
	n := 0
	for _, err := range repo.Find(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("id", "a")}}) {
		require.NoError(t, err)
		if n++; n == 5 {
			break
		}
	}
	require.Equal(t, 5, n)

	// A scan (no key condition) reads everything too.
	all, err := repo.FindAll(ctx, mapper.Query{AllowScan: true})
	require.NoError(t, err)
	require.Len(t, all, 20)
}
