package faultinject

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Consumed capacity. DynamoDB Local ignores ReturnConsumedCapacity on its
// PartiQL operations (ExecuteStatement, ExecuteTransaction,
// BatchExecuteStatement answer without ConsumedCapacity); the service
// answers with it. ReportCapacity forwards a request to DynamoDB Local and
// adds ConsumedCapacity to its answer in the service's documented shape
// (see the DynamoDB API reference, ConsumedCapacity):
//
//   - ReturnConsumedCapacity TOTAL: {"TableName": t, "CapacityUnits": u};
//   - INDEXES: the same, plus "Table": {"CapacityUnits": u} for a read
//     or write of the table, or "GlobalSecondaryIndexes": {i:
//     {"CapacityUnits": u}} (and "Table": {"CapacityUnits": 0}) for a
//     read of index i;
//   - NONE or absent: nothing is added.
//
// ExecuteStatement answers one object; ExecuteTransaction,
// BatchExecuteStatement and BatchWriteItem a list with one object per
// table. Each statement (or write request) costs units; a table's object
// sums its statements'. An answer whose status is not 200 is returned
// unchanged. What was added is summed per table (Capacity).

// KindCapacity forwards the request and adds ConsumedCapacity to a
// successful answer, as the service does (see ReportCapacity). It is not
// a fault: the answer is DynamoDB Local's, completed.
const KindCapacity Kind = 100

func init() { kindNames[KindCapacity] = "capacity" }

// ReportCapacity returns a rule fault that makes every matching request's
// answer report units capacity units per statement or write request, in
// the shape the request's ReturnConsumedCapacity asks for.
func ReportCapacity(units float64) Fault { return Fault{Kind: KindCapacity, Units: units} }

// capacityLedger sums the capacity the transport added, per table.
type capacityLedger struct {
	mu     sync.Mutex
	tables map[string]float64
	index  map[string]float64 // "table.index"
}

func (t *Transport) ledger() *capacityLedger {
	l := &t.capacity
	l.mu.Lock()
	if l.tables == nil {
		l.tables, l.index = map[string]float64{}, map[string]float64{}
	}
	l.mu.Unlock()
	return l
}

// Capacity returns the capacity units the transport added to answers for
// table (every table when ""), and for index of it when index is not "".
func (t *Transport) Capacity(table, index string) float64 {
	l := t.ledger()
	l.mu.Lock()
	defer l.mu.Unlock()
	if index != "" {
		return l.index[table+"."+index]
	}
	if table != "" {
		return l.tables[table]
	}
	n := 0.0
	for _, v := range l.tables {
		n += v
	}
	return n
}

// reportCapacity forwards req and adds ConsumedCapacity to its answer.
func (t *Transport) reportCapacity(req *http.Request, op string, body []byte, units float64) (*http.Response, error) {
	var in struct {
		ReturnConsumedCapacity string
		Statement              string
		TransactStatements     []struct{ Statement string }
		Statements             []struct{ Statement string }
		RequestItems           map[string][]json.RawMessage
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &in); err != nil || json.Unmarshal(body, &raw) != nil {
		return nil, fmt.Errorf("faultinject: %s body: %v", op, err)
	}
	if in.ReturnConsumedCapacity != "TOTAL" && in.ReturnConsumedCapacity != "INDEXES" {
		return t.forward(req, body)
	}
	out, passOn, err := t.forwardJSON(req, raw, op)
	if err != nil || passOn != nil {
		return passOn, err
	}
	// The units per table and per "table\x00index" of the request.
	type target struct{ table, index string }
	var order []string
	perTable := map[string]float64{}
	perIndex := map[target]float64{}
	addStatement := func(text string) {
		a, err := partiql.Analyze(text)
		if err != nil || a.Table == "" {
			return
		}
		idx := ""
		if sel, ok := a.Stmt.(*partiql.Select); ok {
			idx = sel.Index
		}
		if _, ok := perTable[a.Table]; !ok {
			order = append(order, a.Table)
		}
		perTable[a.Table] += units
		perIndex[target{a.Table, idx}] += units
	}
	switch op {
	case "ExecuteStatement":
		addStatement(in.Statement)
	case "ExecuteTransaction":
		for _, s := range in.TransactStatements {
			addStatement(s.Statement)
		}
	case "BatchExecuteStatement":
		for _, s := range in.Statements {
			addStatement(s.Statement)
		}
	case "BatchWriteItem":
		for _, tbl := range slices.Sorted(maps.Keys(in.RequestItems)) {
			order = append(order, tbl)
			n := float64(len(in.RequestItems[tbl])) * units
			perTable[tbl] += n
			perIndex[target{tbl, ""}] += n
		}
	}
	if len(order) == 0 {
		data, _ := json.Marshal(out)
		return jsonResponse(req, http.StatusOK, data), nil
	}
	var list []map[string]any
	l := t.ledger()
	l.mu.Lock()
	for _, tbl := range order {
		cc := map[string]any{"TableName": tbl, "CapacityUnits": perTable[tbl]}
		l.tables[tbl] += perTable[tbl]
		if in.ReturnConsumedCapacity == "INDEXES" {
			cc["Table"] = map[string]any{"CapacityUnits": perIndex[target{tbl, ""}]}
			gsi := map[string]any{}
			for tg, u := range perIndex {
				if tg.table == tbl && tg.index != "" {
					gsi[tg.index] = map[string]any{"CapacityUnits": u}
					l.index[tbl+"."+tg.index] += u
				}
			}
			if len(gsi) > 0 {
				cc["GlobalSecondaryIndexes"] = gsi
			}
		}
		list = append(list, cc)
	}
	l.mu.Unlock()
	if op == "ExecuteStatement" {
		out["ConsumedCapacity"], _ = json.Marshal(list[0])
	} else {
		out["ConsumedCapacity"], _ = json.Marshal(list)
	}
	data, _ := json.Marshal(out)
	return jsonResponse(req, http.StatusOK, data), nil
}
