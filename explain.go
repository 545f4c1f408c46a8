package dynamosql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Plan is what Explain reports: what the driver would send for a statement
// and how DynamoDB would read it.
type Plan struct {
	// Statement is the PartiQL the driver would send, after the SQL
	// translations and index hints.
	Statement string
	// Params is the number of parameters sent with it.
	Params int
	// Rewritten reports that Statement differs from the query given.
	Rewritten bool
	// Table is the table the statement reads or writes.
	Table string
	// Index is the index read, "" for the table.
	Index string
	// Access is how DynamoDB would read the items: AccessItem, AccessQuery
	// or AccessScan (AccessUnknown when the driver cannot tell).
	Access Access
	// Reason says why, for people.
	Reason string
	// Refused is the error the statement would fail with before anything
	// is sent (ErrFullScan under scan=deny), nil when it would be sent.
	Refused error
	// Calls lists the control-plane calls of a table or index statement
	// (CREATE TABLE, ...: see docs/tables.md), in order; nil for PartiQL.
	Calls []string
}

// Explain tells what the driver would do with query and args on db
// without sending the statement: the final PartiQL (with the index chosen
// and composite columns rewritten), the number of parameters, the index,
// the access path (single item, query or scan) and why, and whether the
// scan policy would refuse it. args are the statement's arguments (their
// values matter for composite columns) and per-statement options
// (UseIndex, NoIndexHint, AllowScan, ConsistentRead...), as for Query.
// It may call DescribeTable (through the connector's catalog, which caches
// it); it never runs the statement.
//
//	plan, err := dynamosql.Explain(ctx, db, `SELECT * FROM "user" WHERE age = ?`, 42)
//	fmt.Println(plan)
func Explain(ctx context.Context, db *sql.DB, query string, args ...any) (*Plan, error) {
	cn, err := ConnectorOf(ctx, db)
	if err != nil {
		return nil, err
	}
	if ex, ok, err := explainDDL(query, args); ok { // ddl.go
		return ex, err
	}
	ex := &Plan{}
	c := &conn{c: cn, explain: ex}
	var named []driver.NamedValue
	for _, a := range args {
		if o, ok := a.(Option); ok {
			if err := o.apply(&c.opts); err != nil {
				return nil, err
			}
			continue
		}
		named = append(named, driver.NamedValue{Ordinal: len(named) + 1, Value: a})
	}
	p := &prepared{}
	if err := c.prepare(ctx, query, named, p); err != nil {
		return nil, err
	}
	ex.Statement = p.query
	ex.Params = len(p.params)
	ex.Rewritten = p.query != query
	if ex.Table == "" {
		ex.Table = p.sum.Table
	}
	var notes []string
	if p.count {
		notes = append(notes, "COUNT(*): the driver counts the items returned")
	}
	if p.offset > 0 {
		notes = append(notes, fmt.Sprintf("OFFSET: the driver skips the first %d items", p.offset))
	}
	if p.opts.maxRows > 0 {
		notes = append(notes, fmt.Sprintf("the driver stops after %d rows", p.opts.maxRows))
	}
	if len(notes) > 0 {
		ex.Reason = strings.Join(append([]string{ex.Reason}, notes...), "; ")
	}
	return ex, nil
}

// describeOther fills e for a statement other than a SELECT.
func (e *Plan) describeOther(p *prepared) {
	e.Table = p.sum.Table
	switch p.sum.Kind {
	case partiql.KindInsert, partiql.KindUpdate, partiql.KindDelete:
		e.Access = AccessItem
		if p.multi != nil {
			e.Reason = fmt.Sprintf("a multi-row INSERT: %d INSERT statements in one transaction", len(p.multi))
		} else {
			e.Reason = fmt.Sprintf("%s writes the one item its key names; sent as written", p.sum.Kind)
		}
	case partiql.KindExists:
		e.Access = AccessItem
		e.Reason = "EXISTS is a condition check on one item inside a transaction"
	default:
		e.Access = AccessUnknown
		e.Reason = "not a statement the driver knows: sent as written"
	}
}

// String returns the plan on a few labelled lines.
func (e *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "statement: %s\n", e.Statement)
	fmt.Fprintf(&b, "params:    %d\n", e.Params)
	where := fmt.Sprintf("table %q", e.Table)
	if e.Index != "" {
		where = fmt.Sprintf("index %q of table %q", e.Index, e.Table)
	}
	fmt.Fprintf(&b, "access:    %s on %s\n", e.Access, where)
	fmt.Fprintf(&b, "reason:    %s", e.Reason)
	if len(e.Calls) > 0 {
		fmt.Fprintf(&b, "\ncalls:     %s", strings.Join(e.Calls, "; "))
	}
	if e.Refused != nil {
		fmt.Fprintf(&b, "\nrefused:   %v", e.Refused)
	}
	return b.String()
}
