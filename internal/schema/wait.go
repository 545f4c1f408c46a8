package schema

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Polling intervals of a Waiter without a fixed one: the first poll comes
// after minPoll, each next one after 1.5 times as long, up to maxPoll.
// DynamoDB Local finishes most changes at once and builds an index in
// about a second; the service takes seconds for a table and minutes for
// an index on a large table.
const (
	minPoll = 50 * time.Millisecond
	maxPoll = 2 * time.Second
)

// Target is what a Waiter waits for.
type Target struct {
	// Table is the table.
	Table string
	// Index names the global index the change is about: without Gone,
	// the wait also needs DynamoDB to list it; with Gone, to list it no
	// longer.
	Index string
	// Gone waits until the table (or Index) no longer exists. Otherwise
	// the wait ends when the table and all its global indexes are ACTIVE.
	Gone bool
}

func (tg Target) what() string {
	if tg.Index != "" {
		return "index " + strconv.Quote(tg.Index) + " of table " + strconv.Quote(tg.Table)
	}
	return "table " + strconv.Quote(tg.Table)
}

// Progress is one poll of a wait that has not ended.
type Progress struct {
	Table, Index string
	// Status is DynamoDB's status as a phrase: "CREATING", "index x
	// CREATING", "MISSING" (not listed yet), ...
	Status  string
	Elapsed time.Duration
}

// Waiter polls DescribeTable until a change is applied.
type Waiter struct {
	// Poll is the time between two polls; 0 polls after 50 ms, then 1.5
	// times as long each time, up to 2 s.
	Poll time.Duration
	// Progress, when set, is called after each poll that finds the change
	// not applied yet.
	Progress func(Progress)
}

// WaitError reports a wait that ended before DynamoDB finished the change:
// the context ended (errors.Is(err, context.Canceled) or
// context.DeadlineExceeded), or DescribeTable failed. The change itself
// goes on on the server.
type WaitError struct {
	Target
	// Status is the last status seen.
	Status  string
	Elapsed time.Duration
	// Err is the context's error or DescribeTable's.
	Err error
}

// Error says what was waited for, how long, the last status and why the
// wait ended.
func (e *WaitError) Error() string {
	want := "ACTIVE"
	if e.Gone {
		want = "deleted"
	}
	status := e.Status
	if status == "" {
		status = "not described yet"
	}
	return fmt.Sprintf("%s not %s after %v (status %s): %v; the operation continues on the server",
		e.what(), want, e.Elapsed.Round(time.Millisecond), status, e.Err)
}

// Unwrap returns the context's or DescribeTable's error.
func (e *WaitError) Unwrap() error { return e.Err }

// Wait returns when DynamoDB has applied the change tg names, or when ctx
// ends (with a *WaitError). last, when not nil, is the table's description
// as the request that made the change returned it: when it shows the
// change applied (DynamoDB Local creates tables at once), Wait returns it
// without a call. It returns the final description (nil for a table gone).
//
// A table that is not listed yet is waited for (DescribeTable is
// eventually consistent right after CreateTable); one that disappears or
// starts being deleted while Wait waits for it to be ACTIVE is an error,
// as is an awaited index that disappears.
func (w Waiter) Wait(ctx context.Context, api DescribeAPI, tg Target, last *types.TableDescription) (*types.TableDescription, error) {
	start := time.Now()
	var st waitState
	delay := w.Poll
	if delay <= 0 {
		delay = minPoll
	}
	desc := last
	for polled := false; ; polled = true {
		if polled || last != nil {
			ready, err := st.check(tg, desc)
			if ready || err != nil {
				return desc, err
			}
			if w.Progress != nil {
				w.Progress(Progress{Table: tg.Table, Index: tg.Index, Status: st.status, Elapsed: time.Since(start)})
			}
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, &WaitError{Target: tg, Status: st.status, Elapsed: time.Since(start), Err: ctx.Err()}
			case <-t.C:
			}
			if w.Poll <= 0 {
				delay = min(delay*3/2, maxPoll)
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, &WaitError{Target: tg, Status: st.status, Elapsed: time.Since(start), Err: err}
		}
		var err error
		if desc, err = Describe(ctx, api, tg.Table); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return nil, &WaitError{Target: tg, Status: st.status, Elapsed: time.Since(start), Err: err}
		}
	}
}

// waitState is what a wait has seen so far.
type waitState struct {
	status    string
	seenTable bool
	seenIndex bool
}

// check reports whether d (nil: the table does not exist) shows the change
// applied, and records the status.
func (st *waitState) check(tg Target, d *types.TableDescription) (bool, error) {
	if d == nil {
		if tg.Gone && tg.Index == "" {
			return true, nil
		}
		if st.seenTable {
			return false, fmt.Errorf("table %q was deleted while waiting for %s", tg.Table, tg.what())
		}
		st.status = "MISSING"
		return false, nil
	}
	st.seenTable = true
	st.status = string(d.TableStatus)
	if tg.Gone && tg.Index == "" {
		return false, nil
	}
	if d.TableStatus == types.TableStatusDeleting {
		return false, fmt.Errorf("table %q is being deleted: %s will not be ACTIVE", tg.Table, tg.what())
	}
	ready := d.TableStatus == types.TableStatusActive
	found := false
	for _, g := range d.GlobalSecondaryIndexes {
		name := aws.ToString(g.IndexName)
		switch {
		case name == tg.Index:
			found = true
			if tg.Gone {
				ready, st.status = false, "deleting index "+name+" ("+string(g.IndexStatus)+")"
			} else if g.IndexStatus != types.IndexStatusActive {
				ready, st.status = false, "index "+name+" "+string(g.IndexStatus)
			}
		case g.IndexStatus != types.IndexStatusActive:
			ready, st.status = false, "index "+name+" "+string(g.IndexStatus)
		}
	}
	if tg.Index != "" && !tg.Gone {
		if found {
			st.seenIndex = true
		} else if st.seenIndex {
			return false, fmt.Errorf("index %q disappeared from table %q while waiting for it to be ACTIVE: DynamoDB did not create it", tg.Index, tg.Table)
		} else {
			ready, st.status = false, "index "+tg.Index+" not listed yet"
		}
	}
	return ready, nil
}
