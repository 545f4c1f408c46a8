package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/stretchr/testify/require"
)

// writeSomeBodies writes n users named Some Body0000, Some Body0001, ...
// (ids b0000, b0001, ...; aged 20 to 69) to table, straight through the
// service's repository.
func writeSomeBodies(t *testing.T, table string, n int) {
	t.Helper()
	s := startService(t, table, nil)
	users := make([]User, n)
	for i := range users {
		users[i] = User{ID: fmt.Sprintf("b%04d", i), Firstname: "Some", Lastname: fmt.Sprintf("Body%04d", i), Age: 20 + i%50}
	}
	require.NoError(t, s.app.users.PutMany(dynamotest.Context(t), users))
}

// TestCostlyFilterReadsInLargeRequests is issue 18 §3: a filter that
// matches nothing on 5,000 users, one item a page. Filling the page must
// read in growing requests, not one item per request.
func TestCostlyFilterReadsInLargeRequests(t *testing.T) {
	t.Parallel()
	table := tableName(t)
	writeSomeBodies(t, table, 5000)

	endpoint, stats := countingProxy(t)
	watched := startServiceAt(t, endpoint, table, nil)
	stats.reset()
	start := time.Now()
	r := watched.do(http.MethodGet, "/users?firstname=Nobody&size=1", "")
	elapsed := time.Since(start)
	reads := stats.snapshot()
	t.Logf("GET /users?firstname=Nobody&size=1 on 5,000 users: status %d, %d DynamoDB requests, %v; body %.200s", r.status, len(reads), elapsed, r.body)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.LessOrEqual(t, len(reads), 36, "at most a few dozen requests")
	// Within the route's budget (10,000 items): the whole table was read,
	// and the answer is complete.
	require.JSONEq(t, `{"content":[],"page":0,"size":1,"numberOfElements":0,"hasNext":false}`, string(r.body))
}
