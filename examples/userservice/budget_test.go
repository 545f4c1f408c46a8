package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCostlyFilterReadsInLargeRequests is issue 18 §3: a filter that
// matches nothing on 5,000 users, one item a page. Filling the page must
// read in growing requests, not one item per request.
func TestCostlyFilterReadsInLargeRequests(t *testing.T) {
	t.Parallel()
	table := tableName(t)
	s := startService(t, table, nil)
	users := make([]User, 5000)
	for i := range users {
		users[i] = User{ID: fmt.Sprintf("c%04d", i), Firstname: "Some", Lastname: fmt.Sprintf("Body%04d", i), Age: 20 + i%50}
	}
	require.NoError(t, s.app.users.PutMany(ctxT(t), users))

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
}
