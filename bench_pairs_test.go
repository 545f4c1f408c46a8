package dynamosql_test

// The work of each driver/SDK benchmark pair, shared by BenchmarkCanned and
// BenchmarkLocal so that both endpoints run exactly the same code.

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/mapper"
)

// Bulk write settings: items per PutMany, write requests per
// BatchWriteItem (DynamoDB's maximum) and requests in flight, the same for
// the mapper and the hand-written SDK code.
const (
	bulkItems       = 10_000
	batchChunk      = mapper.BatchSize
	batchConcurrent = 4
	txStatements    = 100
)

// op is one operation of a benchmark: nil, or the error that ends it.
type op func() error

// warmTime is how long warm runs each side of a pair before it is
// measured.
const warmTime = 200 * time.Millisecond

// warm runs each op, untimed, for warmTime: otherwise the first benchmark
// of a pair pays for what its twin then finds done (the heap grown to its
// working size, caches filled, connections open, table metadata fetched),
// which showed as a 15-20% penalty for whichever side ran first. Lost
// answers are tolerated here as in the benchmarks.
func warm(b *testing.B, ops ...op) {
	b.Helper()
	for _, o := range ops {
		for start := time.Now(); time.Since(start) < warmTime; {
			if err := o(); err != nil && !isBroken(err) {
				b.Fatal(err)
			}
		}
	}
}

// measure runs o as benchmark b, with the CPU clock, counting lost answers
// (see brokenCounter) and failing on any other error. Behind a latency
// proxy it also reports the requests per operation and the TCP
// connections opened (see proxyCount).
func measure(b *testing.B, e *benchEnv, o op) {
	clk := startClock(b)
	cnt := e.count()
	var lost brokenCounter
	for b.Loop() {
		lost.failed(b, o())
	}
	clk.report()
	cnt.report(b)
	lost.report(b)
}

// runPair warms both sides up, then measures each as a sub-benchmark
// named after it (driver, driver-sqlx, ..., sdk), in the order given, or
// in the reverse order when reversed() says so.
func runPair(b *testing.B, names []string, ops ...op) {
	runPairOn(b, nil, names, ops...)
}

// runPairOn is runPair for work against e, whose latency proxy, if any,
// counts requests and connections.
func runPairOn(b *testing.B, e *benchEnv, names []string, ops ...op) {
	warm(b, ops...)
	for _, i := range order(len(names)) {
		b.Run(names[i], func(b *testing.B) { measure(b, e, ops[i]) })
	}
}

// envSDKFirst names the environment variable that reverses the order of
// the two sides of every pair: make bench sets it to 1 in every other
// round. Whichever side of a pair runs first meets the process in another
// state (heap size and garbage collector pacing left by the benchmark
// before, the machine's load drifting), which biased a whole run's
// medians towards one side; alternating the order cancels that out.
const envSDKFirst = "BENCH_SDK_FIRST"

// order returns 0..n-1, or n-1..0 when BENCH_SDK_FIRST=1.
func order(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if os.Getenv(envSDKFirst) == "1" {
		slices.Reverse(idx)
	}
	return idx
}

// pairEnvs makes the environments of a set of pairs: canned returns an
// env whose endpoint answers each operation with the given body, paged
// one that serves the first n items of the queried partition in one page.
type pairEnvs struct {
	canned func(b *testing.B, bodies map[string]string) *benchEnv
	paged  func(b *testing.B, n int) *benchEnv
}

// runPairSet runs every driver/SDK pair (PointRead, Query100, Query1000,
// Insert, Tx100, PutMany10000) on the environments of envs: BenchmarkCanned,
// BenchmarkNoNet and BenchmarkLatency differ only in those.
func runPairSet(b *testing.B, envs pairEnvs) {
	b.Run("PointRead", func(b *testing.B) {
		benchPointRead(b, envs.canned(b, map[string]string{
			"ExecuteStatement": `{"Items":[` + itemJSON(queryPK, 500) + `]}`,
		}))
	})
	for _, n := range []int{100, queryItems} {
		b.Run(fmt.Sprintf("Query%d", n), func(b *testing.B) { benchQuery(b, envs.paged(b, n), n) })
	}
	b.Run("Insert", func(b *testing.B) {
		benchInsert(b, envs.canned(b, map[string]string{"ExecuteStatement": `{}`}))
	})
	b.Run("Tx100", func(b *testing.B) {
		benchTx100(b, envs.canned(b, map[string]string{"ExecuteTransaction": `{}`}))
	})
	b.Run("PutMany10000", func(b *testing.B) {
		benchPutMany(b, envs.canned(b, map[string]string{"BatchWriteItem": `{"UnprocessedItems":{}}`}), bulkItems, false)
	})
}

// checkPoint checks the item the point read reads.
func checkPoint(it benchItem) error {
	if it.SK != pointSK || it.Age != 20+500%50 {
		return fmt.Errorf("read %+v", it)
	}
	return nil
}

// pointReadOps returns the two sides of a point read: QueryRow + Scan
// through the driver of e, and ExecuteStatement through client +
// attributevalue.UnmarshalMap.
func pointReadOps(ctx context.Context, e *benchEnv, client *dynamodb.Client) (driver, sdk op) {
	driver = func() error {
		var it benchItem
		if err := e.db.QueryRowContext(ctx, e.pointQ, queryPK, pointSK).Scan(&it.PK, &it.SK, &it.Age, &it.Name); err != nil {
			return err
		}
		return checkPoint(it)
	}
	sdk = func() error {
		var it benchItem
		out, err := client.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
			Statement: &e.pointQ,
			Parameters: []types.AttributeValue{
				&types.AttributeValueMemberS{Value: queryPK},
				&types.AttributeValueMemberS{Value: pointSK},
			},
		})
		if err != nil {
			return err
		}
		if len(out.Items) != 1 {
			return fmt.Errorf("%d items", len(out.Items))
		}
		if err := attributevalue.UnmarshalMap(out.Items[0], &it); err != nil {
			return err
		}
		return checkPoint(it)
	}
	return driver, sdk
}

// benchPointRead reads one item by its full key: QueryRow + Scan through
// the driver against ExecuteStatement + attributevalue.UnmarshalMap.
func benchPointRead(b *testing.B, e *benchEnv) {
	driver, sdk := pointReadOps(context.Background(), e, e.raw)
	runPairOn(b, e, []string{"driver", "sdk"}, driver, sdk)
}

// checkQuery checks the n items the query reads.
func checkQuery(items []benchItem, n int) error {
	if len(items) != n || items[n-1].Age != int64(20+(n-1)%50) {
		return fmt.Errorf("%d items", len(items))
	}
	return nil
}

// benchQuery reads the n items of a partition into structs: sqlx's
// Select and a plain rows.Scan loop through the driver against
// ExecuteStatement (page by page) + attributevalue.UnmarshalListOfMaps.
func benchQuery(b *testing.B, e *benchEnv, n int) {
	ctx := context.Background()
	sqlx := func() error {
		var items []benchItem
		if err := e.xdb.SelectContext(ctx, &items, e.queryQ, queryPK); err != nil {
			return err
		}
		return checkQuery(items, n)
	}
	scan := func() error {
		var items []benchItem
		rows, err := e.db.QueryContext(ctx, e.queryQ, queryPK)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it benchItem
			if err := rows.Scan(&it.PK, &it.SK, &it.Age, &it.Name); err != nil {
				return err
			}
			items = append(items, it)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
		return checkQuery(items, n)
	}
	sdk := func() error {
		var items []benchItem
		in := &dynamodb.ExecuteStatementInput{
			Statement:  &e.queryQ,
			Parameters: []types.AttributeValue{&types.AttributeValueMemberS{Value: queryPK}},
		}
		for {
			out, err := e.raw.ExecuteStatement(ctx, in)
			if err != nil {
				return err
			}
			var page []benchItem
			if err := attributevalue.UnmarshalListOfMaps(out.Items, &page); err != nil {
				return err
			}
			if items == nil {
				items = page
			} else {
				items = append(items, page...)
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		return checkQuery(items, n)
	}
	runPairOn(b, e, []string{"driver-sqlx", "driver-scan", "sdk"}, sqlx, scan, sdk)
}

// marshalParams marshals each value with attributevalue.Marshal, as
// hand-written SDK code does.
func marshalParams(values ...any) ([]types.AttributeValue, error) {
	params := make([]types.AttributeValue, len(values))
	for i, v := range values {
		av, err := attributevalue.Marshal(v)
		if err != nil {
			return nil, err
		}
		params[i] = av
	}
	return params, nil
}

// insertOps returns the two sides of an insert of one item with four
// parameters: ExecContext through the driver of e, and
// attributevalue.Marshal of each value + ExecuteStatement through client.
func insertOps(ctx context.Context, e *benchEnv, client *dynamodb.Client) (driver, sdk op) {
	driver = func() error {
		_, err := e.db.ExecContext(ctx, e.insertQ, "ins", e.key(), 42, "Ada Lovelace")
		return err
	}
	sdk = func() error {
		params, err := marshalParams("ins", e.key(), 42, "Ada Lovelace")
		if err != nil {
			return err
		}
		_, err = client.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: &e.insertQ, Parameters: params})
		return err
	}
	return driver, sdk
}

// benchInsert inserts one item with four parameters: ExecContext through
// the driver against attributevalue.Marshal of each value +
// ExecuteStatement.
func benchInsert(b *testing.B, e *benchEnv) {
	driver, sdk := insertOps(context.Background(), e, e.raw)
	runPairOn(b, e, []string{"driver", "sdk"}, driver, sdk)
}

// benchTx100 commits a transaction of 100 INSERTs: sql.Tx with 100
// ExecContext + Commit through the driver against an ExecuteTransaction
// built by hand with attributevalue-marshalled parameters.
func benchTx100(b *testing.B, e *benchEnv) {
	ctx := context.Background()
	driver := txOfInserts(ctx, e, (*sql.Tx).Commit)
	sdk := func() error {
		stmts := make([]types.ParameterizedStatement, txStatements)
		for i := range stmts {
			params, err := marshalParams("tx", e.key(), 42, "Ada Lovelace")
			if err != nil {
				return err
			}
			stmts[i] = types.ParameterizedStatement{Statement: &e.insertQ, Parameters: params}
		}
		_, err := e.raw.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: stmts})
		return err
	}
	runPairOn(b, e, []string{"driver", "sdk"}, driver, sdk)
}

// txOfInserts returns the driver side of Tx100: a transaction of
// txStatements INSERTs through database/sql, ended with end (Commit, or
// Rollback to send nothing).
func txOfInserts(ctx context.Context, e *benchEnv, end func(*sql.Tx) error) op {
	return func() error {
		tx, err := e.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for range txStatements {
			if _, err := tx.ExecContext(ctx, e.insertQ, "tx", e.key(), 42, "Ada Lovelace"); err != nil {
				_ = tx.Rollback()
				return err
			}
		}
		return end(tx)
	}
}

// bulkSet is the items of one bulk write, in a partition of their own.
type bulkSet struct {
	pk    string
	items []benchItem
}

// fill makes items a fresh partition of n items.
func (e *benchEnv) fill(s *bulkSet, n int) {
	s.pk = "bulk" + e.key()
	if len(s.items) != n {
		s.items = make([]benchItem, n)
	}
	for i := range s.items {
		s.items[i] = benchItem{PK: s.pk, SK: fmt.Sprintf("%07d", i), Age: int64(20 + i%50), Name: fmt.Sprintf("Name %d", i)}
	}
}

// verify counts the items of partition pk with the raw client (strongly
// consistent reads) and fails the benchmark unless there are want of them.
// It does nothing on the canned endpoint, which stores nothing.
func (e *benchEnv) verify(b *testing.B, pk string, want int) {
	if !e.local {
		return
	}
	ctx := context.Background()
	in := &dynamodb.ExecuteStatementInput{
		Statement:      aws.String(fmt.Sprintf(`SELECT sk FROM %q WHERE pk = ?`, e.table)),
		Parameters:     []types.AttributeValue{&types.AttributeValueMemberS{Value: pk}},
		ConsistentRead: aws.Bool(true),
	}
	n := 0
	for {
		out, err := e.raw.ExecuteStatement(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		n += len(out.Items)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if n != want {
		b.Fatalf("partition %s holds %d items after the bulk write, want %d", pk, n, want)
	}
}

// sdkPutMany is the hand-written bulk write: PutRequests of
// attributevalue.MarshalMap'ed items in chunks of batchChunk,
// batchConcurrent BatchWriteItem requests at a time, sending the
// unprocessed items again until none is left. A chunk whose answer was
// lost is counted and sent again (whole-item puts are safe to resend).
func sdkPutMany(ctx context.Context, b *testing.B, e *benchEnv, items []benchItem, lost *brokenCounter) {
	sem := make(chan struct{}, batchConcurrent)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	for start := 0; start < len(items); start += batchChunk {
		chunk := items[start:min(start+batchChunk, len(items))]
		reqs := make([]types.WriteRequest, len(chunk))
		for i := range chunk {
			av, err := attributevalue.MarshalMap(chunk[i])
			if err != nil {
				b.Fatal(err)
			}
			reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: av}}
		}
		in := &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{e.table: reqs}}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			for attempt := 0; ; attempt++ {
				out, err := e.raw.BatchWriteItem(ctx, in)
				if err != nil {
					if isBroken(err) && attempt < 3 {
						mu.Lock()
						lost.n++
						mu.Unlock()
						continue
					}
					fail(err)
					return
				}
				if len(out.UnprocessedItems) == 0 {
					return
				}
				if attempt == 8 {
					fail(fmt.Errorf("%d items still unprocessed", len(out.UnprocessedItems[e.table])))
					return
				}
				in = &dynamodb.BatchWriteItemInput{RequestItems: out.UnprocessedItems}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
}

// benchPutMany writes n new items: mapper.Repository.PutMany against the
// hand-written BatchWriteItem code, with the same chunks and
// parallelism. With execEach (DynamoDB Local) it also inserts the same
// items one ExecContext at a time and reports that time as a multiple of
// PutMany's (x_putmany, the bulk speed-up). On DynamoDB Local every write
// is verified by counting the items afterwards (outside the timer).
func benchPutMany(b *testing.B, e *benchEnv, n int, execEach bool) {
	ctx := context.Background()
	entity, err := mapper.Register[benchItem](mapper.Table(e.table))
	if err != nil {
		b.Fatal(err)
	}
	repo, err := mapper.NewRepository(ctx, e.db, entity, mapper.RepositoryOptions{BatchConcurrency: batchConcurrent})
	if err != nil {
		b.Fatal(err)
	}
	var set bulkSet
	// Warm both sides up with a smaller write each (see warm).
	const warmItems = 40 * batchChunk
	e.fill(&set, warmItems)
	if err := repo.PutMany(ctx, set.items); err != nil {
		b.Fatal(err)
	}
	e.verify(b, set.pk, warmItems)
	e.fill(&set, warmItems)
	sdkPutMany(ctx, b, e, set.items, &brokenCounter{})
	e.verify(b, set.pk, warmItems)

	var putMany float64 // ns per PutMany in this run
	runDriver := func() {
		b.Run("driver", func(b *testing.B) {
			clk := startClock(b)
			cnt := e.count()
			for b.Loop() {
				clk.pause()
				e.fill(&set, n)
				clk.resume()
				if err := repo.PutMany(ctx, set.items); err != nil {
					b.Fatal(err)
				}
				clk.pause()
				e.verify(b, set.pk, n)
				clk.resume()
			}
			clk.report()
			cnt.report(b)
			putMany = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
	}
	runSDK := func() {
		b.Run("sdk", func(b *testing.B) {
			clk := startClock(b)
			cnt := e.count()
			var lost brokenCounter
			for b.Loop() {
				clk.pause()
				e.fill(&set, n)
				clk.resume()
				sdkPutMany(ctx, b, e, set.items, &lost)
				clk.pause()
				e.verify(b, set.pk, n)
				clk.resume()
			}
			clk.report()
			cnt.report(b)
			lost.report(b)
		})
	}
	for _, side := range order(2) {
		[]func(){runDriver, runSDK}[side]()
	}
	if !execEach {
		return
	}
	b.Run("exec-each", func(b *testing.B) {
		clk := startClock(b)
		for b.Loop() {
			clk.pause()
			e.fill(&set, n)
			clk.resume()
			for i := range set.items {
				it := &set.items[i]
				if _, err := e.db.ExecContext(ctx, e.insertQ, it.PK, it.SK, it.Age, it.Name); err != nil {
					b.Fatal(err)
				}
			}
			clk.pause()
			e.verify(b, set.pk, n)
			clk.resume()
		}
		clk.report()
		if putMany > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/putMany, "x_putmany")
		}
	})
}
