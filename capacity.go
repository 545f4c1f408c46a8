package dynamosql

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Consumed capacity: what DynamoDB says each request cost, summed per
// statement (the Capacity option), per context (CapacityMeter) and per
// connector (Connector.Stats). See docs/observability.md.

// CapacityMode says which consumed capacity the driver asks DynamoDB to
// report with every request (ReturnConsumedCapacity): none (the default),
// the total per table, or the total with a breakdown per index. A
// statement with the Capacity option, or run with a context that carries a
// CapacityMeter, asks for the breakdown whatever the mode.
type CapacityMode int

const (
	// CapacityNone asks for nothing (DSN capacity=none, the default).
	CapacityNone CapacityMode = iota
	// CapacityTotal asks for the capacity consumed per table (DSN
	// capacity=total).
	CapacityTotal
	// CapacityIndexes asks for the capacity consumed per table and per
	// index (DSN capacity=indexes).
	CapacityIndexes
)

// String returns the DSN spelling of the mode: none, total or indexes.
func (m CapacityMode) String() string {
	switch m {
	case CapacityTotal:
		return "total"
	case CapacityIndexes:
		return "indexes"
	default:
		return "none"
	}
}

// ParseCapacityMode parses none, total or indexes (case-insensitive).
func ParseCapacityMode(s string) (CapacityMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "":
		return CapacityNone, nil
	case "total":
		return CapacityTotal, nil
	case "indexes":
		return CapacityIndexes, nil
	}
	return CapacityNone, fmt.Errorf("%w: capacity=%q: use none, total or indexes", ErrInvalidDSN, s)
}

// request returns DynamoDB's spelling of the mode.
func (m CapacityMode) request() types.ReturnConsumedCapacity {
	switch m {
	case CapacityTotal:
		return types.ReturnConsumedCapacityTotal
	case CapacityIndexes:
		return types.ReturnConsumedCapacityIndexes
	}
	return ""
}

// CapacityUnits are read and write capacity units.
type CapacityUnits struct {
	// Read is the read capacity units consumed.
	Read float64
	// Write is the write capacity units consumed.
	Write float64
}

// Total returns Read + Write.
func (u CapacityUnits) Total() float64 { return u.Read + u.Write }

// String formats the units as "0.5 RCU", "2 WCU" or "0.5 RCU + 2 WCU".
func (u CapacityUnits) String() string {
	var parts []string
	if u.Read > 0 || u.Write == 0 {
		parts = append(parts, formatUnits(u.Read)+" RCU")
	}
	if u.Write > 0 {
		parts = append(parts, formatUnits(u.Write)+" WCU")
	}
	return strings.Join(parts, " + ")
}

func formatUnits(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", f), "0"), ".")
}

// plus adds o to u.
func (u *CapacityUnits) plus(o CapacityUnits) {
	u.Read += o.Read
	u.Write += o.Write
}

// add adds the units of c, or units of one kind (write or read) when c
// does not tell them apart.
func (u *CapacityUnits) add(total, read, write *float64, isWrite bool) {
	switch {
	case read != nil || write != nil:
		u.Read += aws.ToFloat64(read)
		u.Write += aws.ToFloat64(write)
	case isWrite:
		u.Write += aws.ToFloat64(total)
	default:
		u.Read += aws.ToFloat64(total)
	}
}

// ConsumedCapacity is the capacity DynamoDB reported for some requests: in
// all (Read, Write), and per table and index.
//
// DynamoDB reports capacity only when asked (see CapacityMode, Capacity,
// CapacityMeter). When a response gives a total without telling reads
// from writes (DynamoDB does that for most operations), the units count as
// reads for a SELECT or a read transaction and as writes for every other
// statement. DynamoDB Local reports no capacity for PartiQL calls
// (ExecuteStatement, ExecuteTransaction, BatchExecuteStatement).
type ConsumedCapacity struct {
	// CapacityUnits are the units consumed in all tables and indexes.
	CapacityUnits
	// Requests counts the responses that reported capacity.
	Requests int
	// Tables holds the units per table name; nil when nothing was
	// reported.
	Tables map[string]TableCapacity
}

// TableCapacity is the capacity consumed in one table.
type TableCapacity struct {
	// CapacityUnits are the units of the table and its indexes.
	CapacityUnits
	// Table holds the units of the table alone, and Indexes those of each
	// index (global or local), by name, when DynamoDB broke them down
	// (capacity=indexes, the Capacity option or a CapacityMeter).
	Table   CapacityUnits
	Indexes map[string]CapacityUnits
}

// String formats the total as CapacityUnits does.
func (c ConsumedCapacity) String() string { return c.CapacityUnits.String() }

// add adds what one response reported. write tells how to count units
// that DynamoDB did not split into reads and writes.
func (c *ConsumedCapacity) add(list []types.ConsumedCapacity, write bool) {
	if len(list) == 0 {
		return
	}
	c.Requests++
	for i := range list {
		cc := &list[i]
		c.CapacityUnits.add(cc.CapacityUnits, cc.ReadCapacityUnits, cc.WriteCapacityUnits, write)
		name := aws.ToString(cc.TableName)
		if c.Tables == nil {
			c.Tables = make(map[string]TableCapacity)
		}
		t := c.Tables[name]
		t.CapacityUnits.add(cc.CapacityUnits, cc.ReadCapacityUnits, cc.WriteCapacityUnits, write)
		if cc.Table != nil {
			t.Table.add(cc.Table.CapacityUnits, cc.Table.ReadCapacityUnits, cc.Table.WriteCapacityUnits, write)
		}
		for _, m := range []map[string]types.Capacity{cc.GlobalSecondaryIndexes, cc.LocalSecondaryIndexes} {
			for idx, u := range m {
				if t.Indexes == nil {
					t.Indexes = make(map[string]CapacityUnits)
				}
				x := t.Indexes[idx]
				x.add(u.CapacityUnits, u.ReadCapacityUnits, u.WriteCapacityUnits, write)
				t.Indexes[idx] = x
			}
		}
		c.Tables[name] = t
	}
}

// merge adds o to c.
func (c *ConsumedCapacity) merge(o *ConsumedCapacity) {
	c.CapacityUnits.plus(o.CapacityUnits)
	c.Requests += o.Requests
	for name, ot := range o.Tables {
		if c.Tables == nil {
			c.Tables = make(map[string]TableCapacity)
		}
		t := c.Tables[name]
		t.CapacityUnits.plus(ot.CapacityUnits)
		t.Table.plus(ot.Table)
		for idx, u := range ot.Indexes {
			if t.Indexes == nil {
				t.Indexes = make(map[string]CapacityUnits)
			}
			x := t.Indexes[idx]
			x.plus(u)
			t.Indexes[idx] = x
		}
		c.Tables[name] = t
	}
}

// clone returns a deep copy of c.
func (c ConsumedCapacity) clone() ConsumedCapacity {
	if c.Tables == nil {
		return c
	}
	tables := make(map[string]TableCapacity, len(c.Tables))
	for name, t := range c.Tables {
		t.Indexes = maps.Clone(t.Indexes)
		tables[name] = t
	}
	c.Tables = tables
	return c
}

// Capacity makes the statement ask DynamoDB for the capacity each of its
// requests consumed, per table and per index, and sums it into c: after
// Exec returns, or as the rows of a Query are read (every page adds its
// capacity; all of it is there once the rows are closed). c is reset when
// the statement starts. It works whatever the DSN's capacity setting.
//
//	var cc dynamosql.ConsumedCapacity
//	rows, err := db.QueryContext(ctx, `SELECT * FROM "user" WHERE id = ?`, "u1", dynamosql.Capacity(&cc))
//	// ... read and close rows, then cc.Read, cc.Tables["user"] ...
//
// A statement buffered in a transaction sends nothing and is refused the
// option: use a CapacityMeter on the transaction's context, which counts
// the commit.
func Capacity(c *ConsumedCapacity) Option {
	return optionFunc(func(o *stmtOptions) error {
		if c == nil {
			return fmt.Errorf("%w: Capacity(nil): pass a *ConsumedCapacity to fill", ErrBadOption)
		}
		*c = ConsumedCapacity{}
		o.capacity = c
		return nil
	})
}

// CapacityMeter sums the capacity consumed by every request made with a
// context that carries it (WithCapacityMeter): statements, transaction
// commits (the context given to BeginTx), RunInTx, ReadItems, and the
// mapper's batch writes. It is safe for concurrent use.
type CapacityMeter struct {
	mu sync.Mutex
	c  ConsumedCapacity
}

// NewCapacityMeter returns an empty meter.
func NewCapacityMeter() *CapacityMeter { return &CapacityMeter{} }

// WithCapacityMeter returns a context that makes every request sent with
// it ask DynamoDB for its consumed capacity, per table and per index, and
// add it to m.
//
//	m := dynamosql.NewCapacityMeter()
//	tx, err := db.BeginTx(dynamosql.WithCapacityMeter(ctx, m), nil)
//	// ... statements, then tx.Commit(), then m.Consumed()
func WithCapacityMeter(ctx context.Context, m *CapacityMeter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

type meterKey struct{}

// meterOf returns the meter ctx carries, or nil.
func meterOf(ctx context.Context) *CapacityMeter {
	m, _ := ctx.Value(meterKey{}).(*CapacityMeter)
	return m
}

// Consumed returns a copy of what the meter summed so far.
func (m *CapacityMeter) Consumed() ConsumedCapacity {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.c.clone()
}

// Reset sets the meter back to zero.
func (m *CapacityMeter) Reset() {
	m.mu.Lock()
	m.c = ConsumedCapacity{}
	m.mu.Unlock()
}

func (m *CapacityMeter) add(list []types.ConsumedCapacity, write bool) {
	m.mu.Lock()
	m.c.add(list, write)
	m.mu.Unlock()
}
