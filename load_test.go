package dynamosql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
	"github.com/dynamosql/dynamosql/mapper"
	"github.com/dynamosql/dynamosql/pagination"
)

// Size of the load test: loadWorkers goroutines share one *sql.DB, each
// runs loadIterations operations.
const (
	loadWorkers    = 64
	loadIterations = 36
	loadAccounts   = 16
	loadBalance    = 1000
	loadCounters   = 8
	loadPageItems  = 40
	loadPageRows   = 7
)

// loadSplice watches every request body for argument values spliced into
// a statement: each string argument the load test passes is registered,
// and no Statement may contain one.
type loadSplice struct {
	mu         sync.Mutex
	statements map[string]bool // distinct statement texts seen
	values     map[string]bool // string arguments passed
	params     int             // parameters seen on the wire
}

func (s *loadSplice) arg(v string) string {
	s.mu.Lock()
	s.values[v] = true
	s.mu.Unlock()
	return v
}

func (s *loadSplice) observe(op string, body []byte) {
	var in struct {
		Statement          string
		Parameters         []json.RawMessage
		TransactStatements []struct {
			Statement  string
			Parameters []json.RawMessage
		}
	}
	if json.Unmarshal(body, &in) != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.Statement != "" {
		s.statements[in.Statement] = true
		s.params += len(in.Parameters)
	}
	for _, ts := range in.TransactStatements {
		s.statements[ts.Statement] = true
		s.params += len(ts.Parameters)
	}
}

// loadPage is the mapper entity of the paged partition.
type loadPage struct {
	PK string `dynamodbav:"pk" dynamo:"pk"`
	SK string `dynamodbav:"sk" dynamo:"sk"`
	V  string `dynamodbav:"v"`
}

// loadOps counts the operations the load test ran, by kind.
type loadOps struct {
	reads, inserts, updates, transfers, pageWalks, pages atomic.Int64
}

// TestLoad runs reads, writes, transactions and page walks from 64
// goroutines on one *sql.DB against DynamoDB Local: no errors, no leaked
// goroutines or connections, and the final state checked item by item.
func TestLoad(t *testing.T) {
	ctx := dynamotest.Context(t)
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConns, base.MaxIdleConnsPerHost = 256, 256
	ft := faultinject.New(base)
	splice := &loadSplice{statements: map[string]bool{}, values: map[string]bool{}}
	ft.Observe(splice.observe)

	raw := dynamotest.Client(t)
	accounts := dynamotest.SimpleTable(t, "ldacct", "id", "")
	counters := dynamotest.SimpleTable(t, "ldcount", "id", "")
	items := dynamotest.SimpleTable(t, "lditem", "id", "")
	pages := dynamotest.SimpleTable(t, "ldpage", "pk", "sk")
	for i := range loadAccounts {
		_, err := raw.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(accounts), Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: fmt.Sprintf("acct-%02d", i)}, "balance": &types.AttributeValueMemberN{Value: fmt.Sprint(loadBalance)},
		}})
		require.NoError(t, err)
	}
	for i := range loadCounters {
		_, err := raw.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(counters), Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: fmt.Sprintf("ctr-%d", i)}, "n": &types.AttributeValueMemberN{Value: "0"},
		}})
		require.NoError(t, err)
	}
	for i := range loadPageItems {
		_, err := raw.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(pages), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "walk"}, "sk": &types.AttributeValueMemberS{Value: fmt.Sprintf("%03d", i)},
			"v": &types.AttributeValueMemberS{Value: fmt.Sprintf("page-value-%03d", i)},
		}})
		require.NoError(t, err)
	}

	goroutinesBefore := runtime.NumGoroutine()
	db := faultDB(t, ft)
	pageEntity, err := mapper.Register[loadPage](mapper.Table(pages))
	require.NoError(t, err)
	pageRepo, err := mapper.NewRepository(ctx, db, pageEntity)
	require.NoError(t, err)

	var ops loadOps
	var increments [loadCounters]atomic.Int64
	insertQ := fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'owner': ?, 'v': ?, 'note': ?}`, items)
	// The same INSERT in standard SQL, which the driver translates.
	insertSQL := fmt.Sprintf(`INSERT INTO %q (id, owner, v, note) VALUES (?, ?, ?, ?)`, items)
	updateQ := fmt.Sprintf(`UPDATE %q SET v = v + ?, note = ? WHERE id = ?`, items)
	readQ := fmt.Sprintf(`SELECT id, owner, v, note FROM %q WHERE id = ?`, items)
	readLimitQ := readQ + " LIMIT ?" // translated: the driver stops after the rows
	counterQ := fmt.Sprintf(`UPDATE %q SET n = n + ? WHERE id = ?`, counters)
	debitQ := fmt.Sprintf(`UPDATE %q SET balance = balance - ? WHERE id = ?`, accounts)
	creditQ := fmt.Sprintf(`UPDATE %q SET balance = balance + ? WHERE id = ?`, accounts)
	pageQ := fmt.Sprintf(`SELECT sk, v FROM %q WHERE pk = ?`, pages)

	// Each worker inserts its own items (then updates and reads them back),
	// bumps shared counters, moves amounts between shared accounts and
	// walks the paged partition.
	worker := func(w int) error {
		mine := 0 // items this worker inserted
		for i := range loadIterations {
			switch i % 6 {
			case 0, 3: // INSERT
				id := splice.arg(fmt.Sprintf("item-w%02d-%03d", w, mine))
				note := splice.arg(fmt.Sprintf("note '%d' \"%d\" ?", w, i))
				q := insertQ
				if w%2 == 1 {
					q = insertSQL
				}
				if _, err := db.ExecContext(ctx, q, id, splice.arg(fmt.Sprintf("owner-%02d", w)), 0, note); err != nil {
					return fmt.Errorf("insert %s: %w", id, err)
				}
				mine++
				ops.inserts.Add(1)
			case 1: // UPDATE own item, then shared counter
				id := fmt.Sprintf("item-w%02d-%03d", w, mine-1)
				res, err := db.ExecContext(ctx, updateQ, 1, splice.arg(fmt.Sprintf("updated-w%02d-%d", w, i)), id)
				if err != nil {
					return fmt.Errorf("update %s: %w", id, err)
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return fmt.Errorf("update %s: %d rows", id, n)
				}
				c := (w + i) % loadCounters
				if _, err := db.ExecContext(ctx, counterQ, w+1, splice.arg(fmt.Sprintf("ctr-%d", c))); err != nil {
					return fmt.Errorf("counter: %w", err)
				}
				increments[c].Add(int64(w + 1))
				ops.updates.Add(2)
			case 2, 5: // point read of an own item
				id := fmt.Sprintf("item-w%02d-%03d", w, mine-1)
				var gotID, owner, note string
				var v int64
				var row *sql.Row
				if w%2 == 0 {
					row = db.QueryRowContext(ctx, readQ, id, dynamosql.ConsistentRead())
				} else {
					row = db.QueryRowContext(ctx, readLimitQ, id, 1, dynamosql.ConsistentRead())
				}
				if err := row.Scan(&gotID, &owner, &v, &note); err != nil {
					return fmt.Errorf("read %s: %w", id, err)
				}
				if gotID != id || owner != fmt.Sprintf("owner-%02d", w) {
					return fmt.Errorf("read %s: got %s of %s", id, gotID, owner)
				}
				ops.reads.Add(1)
			case 4: // transfer between accounts, then a page walk
				from, to := (w+i)%loadAccounts, (w+i+1+w%5)%loadAccounts
				amount := 1 + (w*7+i)%50
				err := dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, debitQ, amount, splice.arg(fmt.Sprintf("acct-%02d", from))); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, creditQ, amount, splice.arg(fmt.Sprintf("acct-%02d", to)))
					return err
				}, dynamosql.WithMaxAttempts(20), dynamosql.WithBackoff(time.Millisecond, 50*time.Millisecond))
				if err != nil {
					return fmt.Errorf("transfer: %w", err)
				}
				ops.transfers.Add(1)
				walk := func() error { return loadWalk(ctx, db, pageQ, splice.arg("walk"), &ops) }
				if w%2 == 1 {
					walk = func() error { return loadFindPages(ctx, pageRepo, &ops) }
				}
				if err := walk(); err != nil {
					return fmt.Errorf("page walk: %w", err)
				}
			}
		}
		return nil
	}

	// Sample the pool while the load runs.
	var peakOpen, peakInUse int
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tk := time.NewTicker(5 * time.Millisecond)
		defer tk.Stop()
		for {
			st := db.Stats()
			peakOpen, peakInUse = max(peakOpen, st.OpenConnections), max(peakInUse, st.InUse)
			select {
			case <-stopSampling:
				return
			case <-tk.C:
			}
		}
	}()

	start := time.Now()
	errs := make(chan error, loadWorkers)
	var wg sync.WaitGroup
	for w := range loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := worker(w); err != nil {
				errs <- fmt.Errorf("worker %d: %w", w, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	elapsed := time.Since(start)
	close(stopSampling)
	<-sampled
	for err := range errs {
		t.Error(err)
	}

	// No leaked connections.
	st := db.Stats()
	assert.Zero(t, st.InUse, "connections in use after the load")
	assert.LessOrEqual(t, peakOpen, loadWorkers, "open connections bounded by the workers")
	assert.LessOrEqual(t, st.OpenConnections, 2, "only database/sql's idle pool stays open")
	require.NoError(t, db.Close())
	assert.Zero(t, db.Stats().OpenConnections)

	// No leaked goroutines: after closing the DB and the idle HTTP
	// connections, the count returns to what it was before.
	base.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	goroutinesAfter := runtime.NumGoroutine()
	for goroutinesAfter > goroutinesBefore && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		base.CloseIdleConnections()
		goroutinesAfter = runtime.NumGoroutine()
	}
	if !assert.LessOrEqual(t, goroutinesAfter, goroutinesBefore, "goroutines leaked") {
		buf := make([]byte, 1<<20)
		t.Logf("%s", buf[:runtime.Stack(buf, true)])
	}

	// Final state, item by item, with the raw client.
	inserted := 0 // items each worker inserted: iterations 0 and 3 of each 6
	for i := range loadIterations {
		if i%6 == 0 || i%6 == 3 {
			inserted++
		}
	}
	for w := range loadWorkers {
		for k := range inserted {
			id := fmt.Sprintf("item-w%02d-%03d", w, k)
			it := item(t, items, key(id))
			require.NotNil(t, it, id)
			assert.Equal(t, fmt.Sprint(loadUpdatesOf(k)), numberAttr(t, it, "v"), "%s updated exactly as often as the worker did", id)
		}
		assert.Nil(t, item(t, items, key(fmt.Sprintf("item-w%02d-%03d", w, inserted))), "no extra item")
	}
	assert.Equal(t, loadWorkers*inserted, count(t, items), "no duplicate or stray item")
	for c := range loadCounters {
		assert.Equal(t, fmt.Sprint(increments[c].Load()), numberAttr(t, item(t, counters, key(fmt.Sprintf("ctr-%d", c))), "n"), "counter %d", c)
	}
	total := 0
	for a := range loadAccounts {
		total += mustAtoi(t, numberAttr(t, item(t, accounts, key(fmt.Sprintf("acct-%02d", a))), "balance"))
	}
	assert.Equal(t, loadAccounts*loadBalance, total, "transfers conserve the total balance")

	// Generated PartiQL never splices values: no argument appears in a
	// statement text; they all travel as parameters.
	splice.mu.Lock()
	for stmt := range splice.statements {
		for v := range splice.values {
			assert.NotContains(t, stmt, v, "argument value spliced into a statement")
		}
	}
	assert.Positive(t, splice.params)
	t.Logf("load: %d workers x %d iterations in %v: %d inserts, %d updates, %d point reads, %d transfers, %d page walks (%d pages); %d requests (%d ExecuteStatement, %d ExecuteTransaction, %d DescribeTable); %d distinct statements, %d parameters, %d argument values checked; peak %d open / %d in use connections; goroutines %d before, %d after",
		loadWorkers, loadIterations, elapsed.Round(time.Millisecond),
		ops.inserts.Load(), ops.updates.Load(), ops.reads.Load(), ops.transfers.Load(), ops.pageWalks.Load(), ops.pages.Load(),
		ft.Requests(""), ft.Requests("ExecuteStatement"), ft.Requests("ExecuteTransaction"), ft.Requests("DescribeTable"),
		len(splice.statements), splice.params, len(splice.values), peakOpen, peakInUse, goroutinesBefore, goroutinesAfter)
	splice.mu.Unlock()
}

// loadUpdatesOf is how often the load test updates the k-th item a worker
// inserts: iteration 1 of each 6 updates the item iteration 0 inserted
// (k even); the one iteration 3 inserts (k odd) is never updated.
func loadUpdatesOf(k int) int {
	if k%2 == 0 {
		return 1
	}
	return 0
}

// loadWalk reads the paged partition loadPageRows rows at a time, resuming
// each run at the NextToken the previous one ended on, and checks every
// row comes once, in order.
func loadWalk(ctx context.Context, db *sql.DB, q, partition string, ops *loadOps) error {
	next := 0
	token := ""
	for {
		var pos dynamosql.Position
		args := []any{partition, dynamosql.MaxRows(loadPageRows), dynamosql.Track(&pos)}
		if token != "" {
			args = append(args, dynamosql.StartToken(token))
		}
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var sk, v string
			if err := rows.Scan(&sk, &v); err != nil {
				rows.Close()
				return err
			}
			if want := fmt.Sprintf("%03d", next); sk != want || v != "page-value-"+want {
				rows.Close()
				return fmt.Errorf("row %d: got %s %s", next, sk, v)
			}
			next++
			n++
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		ops.pages.Add(1)
		if n > loadPageRows {
			return fmt.Errorf("a page of %d rows", n)
		}
		if pos.Done {
			break
		}
		token = pos.NextToken
	}
	if next != loadPageItems {
		return fmt.Errorf("walked %d rows, want %d", next, loadPageItems)
	}
	ops.pageWalks.Add(1)
	return nil
}

// loadFindPages walks the paged partition with the mapper's FindPage and
// its cursors, loadPageRows items a page, and checks every item comes
// once, in order.
func loadFindPages(ctx context.Context, repo *mapper.Repository[loadPage], ops *loadOps) error {
	q := mapper.Query{Where: []mapper.Cond{mapper.Eq("pk", "walk")}, Sort: mapper.Asc("sk")}
	p := pagination.Pageable{Size: loadPageRows}
	next := 0
	for {
		page, err := repo.FindPage(ctx, q, p)
		if err != nil {
			return err
		}
		ops.pages.Add(1)
		for _, it := range page.Content {
			if want := fmt.Sprintf("%03d", next); it.SK != want || it.V != "page-value-"+want {
				return fmt.Errorf("item %d: got %s %s", next, it.SK, it.V)
			}
			next++
		}
		if !page.HasNext {
			break
		}
		p = pagination.Pageable{Cursor: page.NextCursor}
	}
	if next != loadPageItems {
		return fmt.Errorf("walked %d items, want %d", next, loadPageItems)
	}
	ops.pageWalks.Add(1)
	return nil
}
