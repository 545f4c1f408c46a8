package dynamosql

import "database/sql/driver"

// result is the driver.Result of a statement sent on its own.
type result struct {
	affected int64
}

var _ driver.Result = result{}

// LastInsertId returns ErrNoLastInsertID: DynamoDB has no generated keys.
func (r result) LastInsertId() (int64, error) { return 0, ErrNoLastInsertID }

// RowsAffected returns the exact number of items the statement changed:
// INSERT 1; UPDATE 1, or 0 when no item matched its key and condition;
// DELETE 1 or 0.
func (r result) RowsAffected() (int64, error) { return r.affected, nil }
