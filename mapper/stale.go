package mapper

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql"
)

// StaleVersionError is the error of a versioned write (Update, Put,
// Patch with IfVersion) outside a transaction whose expected version was
// not the stored one. It carries the stored item and its version, which
// DynamoDB returns with the failed condition (the driver's
// ReturnItemOnConditionFailure): no second read is needed to learn them.
// errors.Is matches ErrStaleVersion.
type StaleVersionError struct {
	// Expected is the version the write expected.
	Expected int64
	// Stored is the version of the stored item (0 when it has none).
	Stored int64
	// Item is the stored item.
	Item dynamosql.Item
}

// Error names both versions.
func (e *StaleVersionError) Error() string {
	return fmt.Sprintf("%v: expected version %d, stored version %d", ErrStaleVersion, e.Expected, e.Stored)
}

// Is matches ErrStaleVersion.
func (e *StaleVersionError) Is(target error) bool { return target == ErrStaleVersion }

// checked is what a write that asked for the item behind its failed
// condition learned.
type checked struct {
	failed bool           // the condition failed
	item   dynamosql.Item // the item as stored; nil when no item has the key
}

// execChecked runs s like exec. Outside a transaction, on a *sql.DB of
// the driver, a failed condition comes back as c.failed with the stored
// item (one request), instead of 0 rows affected.
func (r *Repository[T]) execChecked(ctx context.Context, s *statement) (affected int64, buffered bool, c checked, err error) {
	if r.conn == nil || r.inTx(ctx) {
		affected, buffered, err = r.exec(ctx, s)
		return affected, buffered, c, err
	}
	args := append(append([]any(nil), s.args...), dynamosql.ReturnItemOnConditionFailure())
	res, err := r.querier(ctx).ExecContext(ctx, s.String(), args...)
	var ce *dynamosql.ConditionError
	if errors.As(err, &ce) {
		return 0, false, checked{failed: true, item: ce.Item}, nil
	}
	if err != nil {
		return 0, false, c, err
	}
	affected, err = res.RowsAffected()
	return affected, false, c, err
}

// staleVersion returns the StaleVersionError of a write that expected
// version expected and found item.
func (m *Metadata) staleVersion(expected int64, item dynamosql.Item) error {
	return &StaleVersionError{Expected: expected, Stored: m.storedVersion(item), Item: item}
}

// storedVersion returns the version attribute of an item, 0 when it has
// none.
func (m *Metadata) storedVersion(item map[string]types.AttributeValue) int64 {
	n, ok := item[m.Version].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	v, _ := strconv.ParseInt(n.Value, 10, 64)
	return v
}
