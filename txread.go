package dynamosql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// ReadStatement is one statement of ReadItems: a SELECT naming the full
// primary key of one item with equalities in its WHERE clause, and its
// arguments.
type ReadStatement struct {
	// Query is the SELECT, with ? placeholders.
	Query string
	// Args are the values of the placeholders.
	Args []any
}

// Read returns the ReadStatement of query and args.
func Read(query string, args ...any) ReadStatement {
	return ReadStatement{Query: query, Args: args}
}

// Item is an item ReadItems returned, as DynamoDB sent it; nil when the
// statement found no item.
type Item map[string]types.AttributeValue

// Found reports whether the statement found an item.
func (it Item) Found() bool { return it != nil }

// Scan stores the item in dest, a pointer to a struct (fields named by
// their dynamodbav tags, as the SDK's attributevalue package does), a map
// or another type attributevalue.UnmarshalMap accepts. It returns
// sql.ErrNoRows when the statement found no item.
func (it Item) Scan(dest any) error {
	if it == nil {
		return sql.ErrNoRows
	}
	if err := attributevalue.UnmarshalMap(it, dest); err != nil {
		return fmt.Errorf("%w: Item.Scan: %w", ErrScan, err)
	}
	return nil
}

// ReadItems reads up to MaxTxStatements items atomically, from one or
// several tables, in one all-SELECT ExecuteTransaction: the items are a
// consistent snapshot, none changed by a write transaction halfway. Each
// statement must name the full primary key of one item (DynamoDB refuses
// anything else), and no two statements may read the same item. It returns
// one Item per statement, in order, nil for an item that does not exist.
//
//	items, err := dynamosql.ReadItems(ctx, db,
//		dynamosql.Read(`SELECT * FROM "users" WHERE id = ?`, "u1"),
//		dynamosql.Read(`SELECT balance FROM "wallets" WHERE userId = ?`, "u1"))
//	var u User
//	err = items[0].Scan(&u) // sql.ErrNoRows when there is no user u1
//
// ReadItems runs on its own, outside any transaction the context carries
// (it does not see a transaction's buffered writes), on a connection it
// borrows from db's pool for the call. It is safe to resend, and it is
// resent when its response breaks off. A read cancelled by DynamoDB (for
// example because a write transaction is changing one of the items)
// returns a *TxError. When two statements read the same table, the table's
// key schema is looked up (DescribeTable, cached) to refuse reading one
// item twice, which DynamoDB does not allow, with ErrTxDuplicateKey.
func ReadItems(ctx context.Context, db *sql.DB, stmts ...ReadStatement) ([]Item, error) {
	if len(stmts) == 0 {
		return nil, fmt.Errorf("%w: ReadItems needs at least one statement", ErrArgCount)
	}
	if len(stmts) > MaxTxStatements {
		return nil, fmt.Errorf("%w: ReadItems got %d statements and DynamoDB reads at most %d items in one transaction: split the read (each part is atomic on its own)",
			ErrTxTooLarge, len(stmts), MaxTxStatements)
	}
	sc, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	var items []Item
	err = sc.Raw(func(dc any) error {
		c, ok := dc.(*conn)
		if !ok {
			return errNotOurs
		}
		items, err = c.readItems(ctx, stmts)
		return err
	})
	return items, err
}

func (c *conn) readItems(ctx context.Context, stmts []ReadStatement) ([]Item, error) {
	send := txSend{stmts: make([]types.ParameterizedStatement, len(stmts)), texts: make([]string, len(stmts)), read: true}
	check := keyCheck{cat: c.c.catalog}
	for i, rs := range stmts {
		a := c.analysisOf(rs.Query) // analyse.go
		if a.err != nil {
			return nil, fmt.Errorf("dynamosql: ReadItems statement %d: %w", i, a.err)
		}
		if a.kind != partiql.KindSelect {
			return nil, fmt.Errorf("%w: ReadItems statement %d is a %s: only SELECTs of one item by its full key can be read atomically", ErrTxStatement, i, a.kind)
		}
		for j, arg := range rs.Args {
			if _, ok := arg.(Option); ok {
				return nil, fmt.Errorf("%w: ReadItems statement %d, argument %d: statement options do not apply to an atomic read (it is always strongly consistent)", ErrBadOption, i, j+1)
			}
		}
		if a.params != len(rs.Args) {
			return nil, fmt.Errorf("%w: ReadItems statement %d has %d ? placeholder(s) but %d argument(s) were given",
				ErrArgCount, i, a.params, len(rs.Args))
		}
		var params []types.AttributeValue
		if len(rs.Args) > 0 {
			params = make([]types.AttributeValue, len(rs.Args))
		}
		for j, arg := range rs.Args {
			av, err := convertValue(arg)
			if err != nil {
				return nil, fmt.Errorf("dynamosql: ReadItems statement %d, argument %d: %w", i, j+1, err)
			}
			params[j] = av
		}
		send.stmts[i] = types.ParameterizedStatement{Statement: &a.text, Parameters: params}
		send.texts[i] = a.text
		if j, dup := check.add(ctx, keyed{table: a.table, keys: a.keys, params: params}); dup {
			return nil, check.duplicateError(i, j, a.table)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tables := make([]string, len(check.stmts))
	for i, k := range check.stmts {
		tables[i] = k.table
	}
	send.table = check.onlyTable()
	ctx, rec := c.beginTx(ctx, "BATCH SELECT", send.texts, tables, false) // observe.go
	out, err := c.sendTx(ctx, send)                                       // send.go
	if err != nil {
		return nil, rec.end(err)
	}
	_ = rec.end(nil)
	if len(out.Responses) != len(stmts) {
		return nil, fmt.Errorf("%w: ReadItems: DynamoDB answered %d items for %d statements", ErrUnexpectedResponse, len(out.Responses), len(stmts))
	}
	items := make([]Item, len(stmts))
	for i, r := range out.Responses {
		if len(r.Item) > 0 {
			items[i] = Item(r.Item)
		}
	}
	return items, nil
}
