package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// Issue 18, "Done when": the user service under 64 concurrent clients,
// on DynamoDB Local behind a TCP proxy (adding 20 ms to each answer) that
// twice drops every connection and refuses new ones for 3 s. Afterwards, read directly from DynamoDB
// Local:
//
//   - every write answered 2xx is there (a created or replaced user with
//     the values sent, a deleted user gone);
//   - every write answered 503 unavailable, which says nothing was written
//     (the README's Reliability section: a connection that could not be
//     made means nothing was applied), is not (no such user, the old
//     values, the user still there);
//   - a write answered 502 outcome_unknown may be either; they are
//     counted.
//
// Nothing here depends on timing but the outages' schedule, which only
// decides how many requests meet an outage.

// outageClients is the number of concurrent clients.
const outageClients = 64

// A write of the load and its answer.
type loadWrite struct {
	op     string // create (POST), put-new, put-replace (PUT), delete (DELETE)
	user   User   // what was sent (for delete: the user as seeded)
	status int    // 0 when the service gave no answer
	code   string // the error code of a JSON error answer
}

// applied reports what the write's answer says about DynamoDB: true
// (2xx: applied), false (503 unavailable: nothing was written), or
// unknown.
func (w loadWrite) claim() (applied, known bool) {
	switch {
	case w.status >= 200 && w.status < 300:
		return true, true
	case w.status == http.StatusServiceUnavailable && w.code == "unavailable":
		return false, true
	}
	return false, false
}

func TestWritesAcrossOutages(t *testing.T) {
	t.Parallel()
	table := tableName(t)
	// DynamoDB's answers take 20 ms more to come back (a slow network):
	// at each drop, most of the writes in flight have reached DynamoDB and
	// await their answer, whatever the machine's load.
	proxy := startTCPProxy(t, 20*time.Millisecond)
	s := startServiceAt(t, proxy.URL(), table, nil)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: outageClients}}
	t.Cleanup(client.CloseIdleConnections)

	// Users to replace and delete, seeded before the load; the first GET
	// describes the table (see TestDynamoDBUnreachable).
	seeded := make([]User, 1600)
	for i := range seeded {
		seeded[i] = User{ID: fmt.Sprintf("s%04d", i), Firstname: "Seed", Lastname: "Old", Age: 20 + i%60}
	}
	require.NoError(t, s.app.users.PutMany(dynamotest.Context(t), seeded))
	require.Equal(t, http.StatusOK, s.do(http.MethodGet, "/users/s0000", "").status)
	victims := make(chan User, len(seeded))
	for _, u := range seeded {
		victims <- u
	}
	close(victims)

	send := func(method, path string, body any) (int, string) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		}
		req, err := http.NewRequest(method, s.srv.URL+path, rd)
		if err != nil {
			panic(err)
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var e errorJSON
		_ = json.Unmarshal(b, &e)
		return res.StatusCode, e.Error
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var mu sync.Mutex
	var writes []loadWrite
	reads := map[int]int{}
	var wg sync.WaitGroup
	for c := range outageClients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), 18))
			for n := 0; ctx.Err() == nil; n++ {
				w := loadWrite{user: User{ID: fmt.Sprintf("c%02d-%05d", c, n), Firstname: "Load", Lastname: fmt.Sprintf("L%02d-%05d", c, n), Age: 20 + r.IntN(60)}}
				switch k := r.IntN(100); {
				case k < 35:
					w.op = "create"
					w.status, w.code = send(http.MethodPost, "/users", w.user)
				case k < 45:
					w.op = "put-new"
					w.status, w.code = send(http.MethodPut, "/users/"+w.user.ID, w.user)
				case k < 60:
					v, ok := <-victims
					if !ok {
						continue
					}
					w.op, w.user.ID, w.user.Age = "put-replace", v.ID, v.Age
					w.status, w.code = send(http.MethodPut, "/users/"+w.user.ID, w.user)
				case k < 75:
					v, ok := <-victims
					if !ok {
						continue
					}
					w.op, w.user = "delete", v
					w.status, w.code = send(http.MethodDelete, "/users/"+v.ID, nil)
				case k < 90:
					status, _ := send(http.MethodGet, fmt.Sprintf("/users/s%04d", r.IntN(len(seeded))), nil)
					mu.Lock()
					reads[status]++
					mu.Unlock()
					continue
				default:
					status, _ := send(http.MethodGet, fmt.Sprintf("/users?age=%d&size=10", 20+r.IntN(60)), nil)
					mu.Lock()
					reads[status]++
					mu.Unlock()
					continue
				}
				mu.Lock()
				writes = append(writes, w)
				mu.Unlock()
				if w.status == http.StatusServiceUnavailable {
					// A client that backs off a little (the answer's
					// Retry-After is 2 s).
					time.Sleep(time.Duration(50+r.IntN(100)) * time.Millisecond)
				}
			}
		})
	}

	// Two outages of 3 s, 2 s and 7 s into the load, which ends at 12 s.
	start := time.Now()
	for _, at := range []time.Duration{2 * time.Second, 7 * time.Second} {
		time.Sleep(time.Until(start.Add(at)))
		proxy.down()
		time.Sleep(3 * time.Second)
		proxy.up()
	}
	time.Sleep(time.Until(start.Add(12 * time.Second)))
	stop()
	wg.Wait()
	t.Logf("load: %v, %d writes, reads by status %v; the proxy accepted %d connections and dropped %d, %d of them with a request unanswered",
		time.Since(start).Round(time.Millisecond), len(writes), reads, proxy.accepted.Load(), proxy.dropped.Load(), proxy.inFlight.Load())

	// What DynamoDB holds, read directly.
	var keys []string
	for _, w := range writes {
		keys = append(keys, w.user.ID)
	}
	stored := batchGetUsers(t, table, keys)

	byStatus := map[string]int{}
	var violations []string
	unknown := map[string]int{}
	unanswered := 0
	for _, w := range writes {
		if w.status == 0 {
			unanswered++
			byStatus[w.op+" no answer"]++
		} else {
			byStatus[fmt.Sprintf("%s %d %s", w.op, w.status, w.code)]++
		}
		got, present := stored[w.user.ID]
		applied, known := w.claim()
		if !known {
			unknown[w.op]++
			continue
		}
		var ok bool
		switch w.op {
		case "create", "put-new":
			ok = present == applied && (!present || got == w.user)
		case "put-replace":
			ok = present && (got.Lastname == w.user.Lastname) == applied && (applied || got.Lastname == "Old")
		case "delete":
			ok = present != applied
		}
		if !ok {
			msg := fmt.Sprintf("%s %s answered %d %s, but DynamoDB has %+v (present: %v)", w.op, w.user.ID, w.status, w.code, got, present)
			if len(violations) < 3 {
				// The error the service logged for it.
				for line := range strings.Lines(s.log.String()) {
					if strings.Contains(line, `msg="request failed"`) && strings.Contains(line, fmt.Sprintf(`[\"%s\"]`, w.user.ID)) {
						msg += "\n    logged: " + strings.TrimSpace(line)
					}
				}
			}
			violations = append(violations, msg)
		}
	}
	statuses := make([]string, 0, len(byStatus))
	for k, n := range byStatus {
		statuses = append(statuses, fmt.Sprintf("%s: %d", k, n))
	}
	slices.Sort(statuses)
	t.Logf("writes by answer:\n  %s", strings.Join(statuses, "\n  "))
	t.Logf("writes whose outcome the answer left open (502 and other 5xx, no answer): %v", unknown)
	if len(violations) > 0 {
		t.Errorf("%d of %d writes are not what their answer said; the first ones:\n%s",
			len(violations), len(writes), strings.Join(violations[:min(len(violations), 10)], "\n"))
	}
	require.Zero(t, unanswered, "every request got an answer")
}

// batchGetUsers reads the users with ids (consistently, straight from
// DynamoDB Local) and returns those that exist.
func batchGetUsers(t *testing.T, table string, ids []string) map[string]User {
	t.Helper()
	c := dynamotest.Client(t)
	out := map[string]User{}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for chunk := range slices.Chunk(ids, 100) {
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}
		}
		req := map[string]types.KeysAndAttributes{table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
		for len(req) > 0 {
			res, err := c.BatchGetItem(dynamotest.Context(t), &dynamodb.BatchGetItemInput{RequestItems: req})
			require.NoError(t, err)
			for _, it := range res.Responses[table] {
				var u User
				require.NoError(t, attributevalue.UnmarshalMap(it, &u))
				out[u.ID] = u
			}
			req = res.UnprocessedKeys
		}
	}
	return out
}
