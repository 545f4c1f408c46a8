package dynamosql

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// The item behind a failed condition. DynamoDB returns the item a failed
// condition was checked against when the request asks for it
// (ReturnValuesOnConditionCheckFailure = ALL_OLD): ExecuteStatement puts
// it in its ConditionalCheckFailedException, ExecuteTransaction in the
// cancellation reason of each failed statement. A duplicate INSERT's
// DuplicateItemException carries no item: the driver reads it.

// ReturnItemOnConditionFailure makes a single INSERT, UPDATE or DELETE
// (outside a transaction) whose condition fails return a *ConditionError
// carrying the item as it is now, instead of its usual outcome:
//
//   - an UPDATE or DELETE whose WHERE clause matched no item fails with a
//     *ConditionError (errors.Is ErrConditionFailed) instead of reporting
//     0 rows affected. Its Item is the item with the statement's key,
//     which DynamoDB returns with the failure (no extra request), or nil
//     when no item has the key;
//   - an INSERT of a key that exists fails with a *ConditionError
//     (errors.Is ErrDuplicateItem) whose Item is the existing item.
//     DynamoDB does not return it with this failure: the driver reads it
//     with a strongly consistent SELECT (one more request, and its read
//     capacity), when the INSERT shows the item's whole key.
//
// Without the option, RowsAffected of such an UPDATE or DELETE is 0 and
// nothing else is asked of DynamoDB.
//
// On a statement buffered in a transaction, the option makes the commit
// ask for the item its condition is checked against: when DynamoDB
// cancels the transaction, that statement's TxFailure.Item holds it
// (DynamoDB returns none for a duplicate INSERT in a transaction).
func ReturnItemOnConditionFailure() Option {
	return optionFunc(func(o *stmtOptions) error { o.conditionItem = true; return nil })
}

// ConditionError is the error of a single write whose condition failed,
// run with ReturnItemOnConditionFailure: it carries the item the
// condition was checked against. errors.Is matches ErrConditionFailed (an
// UPDATE or DELETE) or ErrDuplicateItem (an INSERT), and errors.As still
// finds the SDK's error.
type ConditionError struct {
	// Statement is the statement's text (never its argument values).
	Statement string
	// Item is the item as DynamoDB holds it now; nil when no item has the
	// statement's key (or, for an INSERT, when the driver cannot tell the
	// key from the statement).
	Item Item
	// Err is DynamoDB's error, as an *Error.
	Err error
}

// Error describes the failure and whether an item exists.
func (e *ConditionError) Error() string {
	state := "no item has its key"
	if e.Item != nil {
		state = "the item exists (ConditionError.Item holds it)"
	}
	return "dynamosql: the condition of (" + statementText(e.Statement) + ") failed, " + state + ": " + e.Err.Error()
}

// Unwrap returns DynamoDB's error.
func (e *ConditionError) Unwrap() error { return e.Err }

// itemOnFailure returns what a statement of a transaction asks DynamoDB
// to return when its condition fails.
func (p *prepared) itemOnFailure() types.ReturnValuesOnConditionCheckFailure {
	if p.opts.conditionItem {
		return types.ReturnValuesOnConditionCheckFailureAllOld
	}
	return ""
}

// conditionError returns the *ConditionError of a write whose condition
// failed with err, a ConditionalCheckFailedException.
func conditionError(text string, err error) error {
	e := &ConditionError{Statement: text, Err: wrapErr("ExecuteStatement", err)}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) && len(ccf.Item) > 0 {
		e.Item = Item(ccf.Item)
	}
	return e
}

// duplicateError returns the *ConditionError of an INSERT refused as a
// duplicate with err, with the existing item read by its key.
func (c *conn) duplicateError(ctx context.Context, p *prepared, err error) error {
	e := &ConditionError{Statement: p.query, Err: wrapErr("ExecuteStatement", err)}
	item, rerr := c.readByKey(ctx, p)
	if rerr != nil {
		e.Err = fmt.Errorf("%w (and reading the existing item failed: %w)", e.Err, rerr)
		return e
	}
	e.Item = item
	return e
}

// readByKey reads, strongly consistent, the item whose key statement p
// shows (its text's key parts, or those of the item an INSERT ... VALUE ?
// was expanded from); nil when it shows no whole key or no item has it.
func (c *conn) readByKey(ctx context.Context, p *prepared) (Item, error) {
	if p.keys == nil || p.a.table == "" {
		return nil, nil
	}
	t, err := c.c.catalog.Table(ctx, p.a.table)
	if err != nil {
		return nil, err
	}
	sel := &partiql.Select{Star: true, Table: p.a.table, TableQuoted: true}
	var conds []partiql.Expr
	var params []types.AttributeValue
	for _, attr := range []string{t.Key.PartitionKey, t.Key.SortKey} {
		if attr == "" {
			continue
		}
		v, ok := p.keys.value(p.params, attr)
		if !ok {
			return nil, nil
		}
		conds = append(conds, &partiql.Binary{Op: partiql.OpEq, L: partiql.NewPath(attr), R: &partiql.Param{N: len(params)}})
		params = append(params, v)
	}
	sel.Where = partiql.And(conds...)
	text := partiql.Print(sel)
	out, err := c.fetch(ctx, &dynamodb.ExecuteStatementInput{Statement: &text, Parameters: params, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, wrapErr("ExecuteStatement", err)
	}
	if len(out.Items) == 0 {
		return nil, nil
	}
	return Item(out.Items[0]), nil
}
