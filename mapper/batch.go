package mapper

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/backoff"
	"github.com/dynamosql/dynamosql/internal/itemkey"
	"github.com/dynamosql/dynamosql/internal/obshook"
)

// Batch limits and defaults.
const (
	// BatchSize is DynamoDB's limit on the statements of one
	// BatchExecuteStatement.
	BatchSize = 25

	defaultBatchConcurrency = 4
	defaultBatchAttempts    = 8
	defaultBatchBackoff     = 50 * time.Millisecond
	maxBatchBackoff         = 5 * time.Second
)

// retryableCodes are the statement error codes worth resubmitting.
var retryableCodes = map[string]bool{
	string(types.BatchStatementErrorCodeEnumProvisionedThroughputExceeded): true,
	string(types.BatchStatementErrorCodeEnumRequestLimitExceeded):          true,
	string(types.BatchStatementErrorCodeEnumThrottlingError):               true,
	string(types.BatchStatementErrorCodeEnumInternalServerError):           true,
	string(types.BatchStatementErrorCodeEnumTransactionConflict):           true,
}

// opKind is what a batch statement does.
type opKind int

const (
	opInsert          opKind = iota + 1 // Put, first try: INSERT
	opReplace                           // Put of an existing item: UPDATE of all attributes
	opVersionedInsert                   // Put with version 0
	opVersionedUpdate                   // Put with a version
	opPutItem                           // PutMany, whole item: BatchWriteItem PutRequest
	opDeleteItem                        // DeleteMany: BatchWriteItem DeleteRequest
)

// batchOp is the state of one item in a batch write.
type batchOp struct {
	index    int
	it       item
	key      []types.AttributeValue
	keyBuf   [2]types.AttributeValue // backs key (PutMany)
	kind     opKind
	old      int64 // stored version expected (versioned update)
	next     int64 // version written
	attempts int   // retryable failures of the current statement
	rounds   int   // INSERT -> UPDATE -> INSERT rounds of a Put
	alone    bool  // send in a request of its own (its batch was rejected)

	// outcome of the last send
	ok    bool
	retry bool // resubmit after a backoff
	again bool // resubmit at once (another statement)
	err   error
	code  string
}

func (o *batchOp) statement(m *Metadata) *statement {
	switch o.kind {
	case opInsert, opVersionedInsert:
		return m.insertStatement(o.it)
	case opReplace:
		return m.replaceStatement(o.it, versionCond{})
	default:
		return m.replaceStatement(o.it, versionCond{set: true, old: o.old})
	}
}

func (o *batchOp) idempotent() bool {
	return o.kind != opVersionedInsert && o.kind != opVersionedUpdate
}

// writeItem reports whether the op is sent with BatchWriteItem rather
// than as a PartiQL statement.
func (o *batchOp) writeItem() bool {
	return o.kind == opPutItem || o.kind == opDeleteItem
}

// PutMany writes every item: it creates the missing ones and replaces
// the existing ones.
//
// Outside a transaction it writes with DynamoDB's batch APIs, which
// database/sql has no equivalent for (it takes the connector's client):
// chunks of 25 items, RepositoryOptions.BatchConcurrency requests at a
// time. Which API depends on the entity:
//
//   - Without a version attribute (the default): BatchWriteItem, whose
//     PutRequest writes each item whole in one write, new or not, like
//     PutItem. Unlike Put, attributes of an existing item that the entity
//     does not know are removed. Set RepositoryOptions.KeepUnknownAttributes
//     to keep them, at the price of PartiQL statements (below).
//   - With a version attribute, or with KeepUnknownAttributes:
//     BatchExecuteStatement with Put's statements and semantics (an INSERT,
//     then an UPDATE for an item that exists; versions checked).
//
// Items DynamoDB leaves unprocessed, statements it throttles or reports
// as retryable, and requests it throttles as a whole are resubmitted
// with exponential backoff, up to BatchAttempts times. A batch DynamoDB
// rejects as invalid (ValidationException, an item too large for
// instance) is resent one item per request, so that only the invalid
// items fail. Batch writes are not atomic: the items that were not
// written are reported in a *BatchError (every other item was written),
// and the versions of the written items are updated in items. Two items
// with the same key are refused before anything is sent.
//
// Inside a transaction each item is added to the transaction with Put
// (at most 100 statements per transaction).
func (r *Repository[T]) PutMany(ctx context.Context, items []T) error {
	if r.inTx(ctx) {
		for i := range items {
			if err := r.Put(ctx, &items[i]); err != nil {
				return fmt.Errorf("mapper: PutMany: item %d: %w", i, err)
			}
		}
		return nil
	}
	ops := make([]*batchOp, len(items))
	if err := r.preparePuts(items, ops); err != nil {
		return err
	}
	if err := r.runBatch(ctx, "PutMany", ops); err != nil {
		r.storeBatchVersions(items, ops)
		return err
	}
	r.storeBatchVersions(items, ops)
	return nil
}

// preparePuts fills ops with the operation of each item (marshalled,
// key checked, next version), before anything is sent. A large batch is
// prepared on up to GOMAXPROCS goroutines, each taking a contiguous range
// of items; the error reported is that of the first item that fails.
func (r *Repository[T]) preparePuts(items []T, ops []*batchOp) error {
	const perWorker = 512
	workers := max(1, min(runtime.GOMAXPROCS(0), len(items)/perWorker))
	errs := make([]error, workers)
	prepare := func(w, lo, hi int) {
		for i := lo; i < hi; i++ {
			it, old, next, err := r.prepare("PutMany", &items[i], func(old int64) int64 { return old + 1 })
			if err != nil {
				errs[w] = fmt.Errorf("mapper: PutMany: item %d: %w", i, err)
				return
			}
			op := &batchOp{index: i, it: it, kind: opInsert, old: old, next: next}
			op.key = r.m.appendKey(op.keyBuf[:0], it)
			if r.m.Version == "" && !r.opts.KeepUnknownAttributes {
				op.kind = opPutItem
			}
			if r.m.Version != "" {
				op.kind = opVersionedInsert
				if old != 0 {
					op.kind = opVersionedUpdate
				}
			}
			ops[i] = op
		}
	}
	if workers == 1 {
		prepare(0, 0, len(items))
		return errs[0]
	}
	size := (len(items) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { prepare(w, w*size, min((w+1)*size, len(items))) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err // ranges ascend: the first error is the first item's
		}
	}
	return nil
}

func (r *Repository[T]) storeBatchVersions(items []T, ops []*batchOp) {
	if r.m.Version == "" {
		return
	}
	for _, op := range ops {
		if op.ok {
			r.m.setVersion(reflect.ValueOf(&items[op.index]).Elem(), op.next)
		}
	}
}

// DeleteMany deletes the items with the given keys (each the partition
// key's value, then the sort key's). Missing items are not an error.
// Outside a transaction it uses BatchWriteItem like PutMany (with the
// same resubmissions, and failures reported in a *BatchError); inside
// one, each DELETE is added to the transaction.
func (r *Repository[T]) DeleteMany(ctx context.Context, ids []ID) error {
	if r.inTx(ctx) {
		for i, id := range ids {
			if err := r.Delete(ctx, id...); err != nil {
				return fmt.Errorf("mapper: DeleteMany: item %d: %w", i, err)
			}
		}
		return nil
	}
	ops := make([]*batchOp, len(ids))
	for i, id := range ids {
		key, err := r.keyValues("DeleteMany", id)
		if err != nil {
			return fmt.Errorf("mapper: DeleteMany: item %d: %w", i, err)
		}
		ops[i] = &batchOp{index: i, key: key, kind: opDeleteItem}
	}
	return r.runBatch(ctx, "DeleteMany", ops)
}

// runBatch sends ops in rounds until each is written or has failed.
func (r *Repository[T]) runBatch(ctx context.Context, op string, ops []*batchOp) (err error) {
	if len(ops) == 0 {
		return nil
	}
	if r.batch == nil {
		return fmt.Errorf("mapper: %s: %w", op, ErrNoBatchClient)
	}
	if o, j, dup := firstDuplicate(ops); dup {
		return fmt.Errorf("mapper: %s %s: items %d and %d have the same key %s: a batch writes each item once", op, r.m.Entity, j, o.index, formatKey(o.key))
	}
	concurrency := r.opts.BatchConcurrency
	if concurrency == 0 {
		concurrency = defaultBatchConcurrency
	}
	attempts := r.opts.BatchAttempts
	if attempts == 0 {
		attempts = defaultBatchAttempts
	}
	pause := backoff.Policy{Base: r.opts.BatchBackoff, Max: maxBatchBackoff}
	if pause.Base == 0 {
		pause.Base = defaultBatchBackoff
	}
	verb := "BATCH PUT"
	if op == "DeleteMany" {
		verb = "BATCH DELETE"
	}
	st := &batchState{}
	if r.conn != nil && obshook.Batch != nil {
		var end func(error) error
		ctx, st.option, end = obshook.Batch(r.conn, ctx, verb, r.m.Table, len(ops))
		defer func() { _ = end(err) }()
	}
	pending := ops
	waits := 0
	for len(pending) > 0 {
		if err := ctx.Err(); err != nil {
			for _, o := range pending {
				o.err, o.code = err, ""
			}
			break
		}
		r.sendRound(ctx, st, pending, concurrency)
		var next []*batchOp
		wait := false
		for _, o := range pending {
			switch {
			case o.ok:
			case o.again:
				next = append(next, o)
			case o.retry && o.attempts < attempts:
				next = append(next, o)
				wait = true
			case o.retry:
				o.err = fmt.Errorf("still failing after %d attempts: %w", o.attempts, o.err)
			}
		}
		pending = next
		if wait {
			waits++
			_ = pause.Sleep(ctx, waits) // a cancelled context ends the loop above
		}
	}
	var failures []BatchFailure
	for _, o := range ops {
		if !o.ok {
			failures = append(failures, BatchFailure{Index: o.index, ID: idOf(o.key), Code: o.code, Err: o.err})
		}
	}
	if len(failures) > 0 {
		return &BatchError{Op: op, Total: len(ops), Failures: failures}
	}
	return nil
}

// firstDuplicate finds the first op whose key an earlier op has, and that
// earlier op's index.
func firstDuplicate(ops []*batchOp) (*batchOp, int, bool) {
	return findDuplicate(ops, false)
}

// findDuplicate is firstDuplicate; collide makes every key hash alike
// (tests of the collision path).
func findDuplicate(ops []*batchOp, collide bool) (*batchOp, int, bool) {
	x := itemkey.Index{Collide: collide}
	var buf []byte
	for i, o := range ops {
		buf = appendKeyText(buf[:0], o.key)
		j, dup := x.Add(buf, i, func(j int) []byte { return appendKeyText(nil, ops[j].key) })
		if dup {
			return o, ops[j].index, true
		}
	}
	return nil, 0, false
}

// appendKeyText appends the canonical text of an item key (see itemkey) to
// b: equal for equal keys, numbers compared by value.
func appendKeyText(b []byte, key []types.AttributeValue) []byte {
	for _, k := range key {
		var ok bool
		if b, ok = itemkey.Append(b, k); !ok {
			// Not a key type: DynamoDB will refuse it; any text will do.
			var sb strings.Builder
			writeAV(&sb, k)
			b = append(b, sb.String()...)
		}
	}
	return b
}

// idOf turns key attribute values back into an ID for reports.
func idOf(key []types.AttributeValue) ID {
	id := make(ID, len(key))
	for i, av := range key {
		switch v := av.(type) {
		case *types.AttributeValueMemberS:
			id[i] = v.Value
		case *types.AttributeValueMemberN:
			id[i] = v.Value
		case *types.AttributeValueMemberB:
			id[i] = v.Value
		default:
			id[i] = av
		}
	}
	return id
}

// sendRound sends the pending ops in chunks of at most BatchSize,
// concurrency requests at a time, and records each op's outcome. A chunk
// holds ops of one API (BatchWriteItem or BatchExecuteStatement); an op
// whose batch was rejected as invalid goes alone.
func (r *Repository[T]) sendRound(ctx context.Context, st *batchState, pending []*batchOp, concurrency int) {
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	send := func(chunk []*batchOp) {
		sem <- struct{}{}
		if o := chunk[0]; o.alone && !st.splitRejected() {
			// Every item sent alone so far was rejected too: the request
			// is at fault, not the item. Report it with its batch's error.
			<-sem
			o.again = false
			return
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if chunk[0].writeItem() {
				r.sendWriteChunk(ctx, st, chunk)
			} else {
				r.sendChunk(ctx, st, chunk)
			}
		}()
	}
	start := 0
	for i, o := range pending {
		if o.alone || i-start == BatchSize || (i > start && o.writeItem() != pending[start].writeItem()) {
			if i > start {
				send(pending[start:i])
			}
			start = i
		}
		if o.alone {
			send(pending[i : i+1])
			start = i + 1
		}
	}
	if start < len(pending) {
		send(pending[start:])
	}
	wg.Wait()
}

// sendChunk sends a chunk of statements with BatchExecuteStatement.
func (r *Repository[T]) sendChunk(ctx context.Context, st *batchState, chunk []*batchOp) {
	in := &dynamodb.BatchExecuteStatementInput{Statements: make([]types.BatchStatementRequest, len(chunk))}
	texts := make([]string, len(chunk))
	var last *insertText
	for i, o := range chunk {
		o.ok, o.retry, o.again = false, false, false
		var params []types.AttributeValue
		if o.kind == opInsert || o.kind == opVersionedInsert {
			// Items with the same attributes share the INSERT's text.
			texts[i], params, last = r.m.insertRequest(o.it, last)
		} else {
			s := o.statement(r.m)
			texts[i], params = s.String(), s.params()
		}
		in.Statements[i] = types.BatchStatementRequest{Statement: &texts[i], Parameters: params}
		if o.kind == opVersionedUpdate {
			// A stale version then comes back with the stored item.
			in.Statements[i].ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
		}
	}
	out, err := r.batch.BatchExecuteStatement(ctx, in, st.options()...)
	if err == nil && len(out.Responses) != len(chunk) {
		err = fmt.Errorf("mapper: BatchExecuteStatement returned %d responses for %d statements", len(out.Responses), len(chunk))
	}
	if err != nil {
		requestFailed(ctx, chunk, "BatchExecuteStatement", err)
		return
	}
	for i, o := range chunk {
		r.outcome(o, out.Responses[i].Error)
	}
}

// outcome records what DynamoDB answered for one statement and decides
// what comes next.
func (r *Repository[T]) outcome(o *batchOp, e *types.BatchStatementError) {
	if e == nil {
		o.ok, o.err, o.code = true, nil, ""
		return
	}
	code := string(e.Code)
	msg := ""
	if e.Message != nil {
		msg = *e.Message
	}
	o.code = code
	o.err = &StatementError{Code: code, Message: msg}
	switch {
	case code == string(types.BatchStatementErrorCodeEnumDuplicateItem) && o.kind == opInsert:
		o.kind, o.again, o.attempts = opReplace, true, 0
	case code == string(types.BatchStatementErrorCodeEnumConditionalCheckFailed) && o.kind == opReplace:
		// Deleted after the INSERT found it: insert again.
		o.rounds++
		if o.rounds < maxPutRounds {
			o.kind, o.again, o.attempts = opInsert, true, 0
		} else {
			o.err = fmt.Errorf("gave up after %d rounds: the item was deleted after each INSERT found it: %w", maxPutRounds, o.err)
		}
	case o.kind == opVersionedInsert && code == string(types.BatchStatementErrorCodeEnumDuplicateItem):
		o.err = fmt.Errorf("%w: version 0 means a new item, but the item exists: %w", ErrStaleVersion, o.err)
	case o.kind == opVersionedUpdate && code == string(types.BatchStatementErrorCodeEnumConditionalCheckFailed):
		if len(e.Item) > 0 {
			o.err = fmt.Errorf("%w: %w", r.m.staleVersion(o.old, e.Item), o.err) // stale.go
		} else {
			o.err = fmt.Errorf("%w: %w", ErrStaleVersion, o.err)
		}
	case retryableCodes[code]:
		o.retry = true
		o.attempts++
	}
}
