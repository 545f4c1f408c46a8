package mapper

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dynamosql/dynamosql"
)

// Errors of the mapper. Errors from the driver are wrapped, so errors.Is
// with the driver's sentinels (dynamosql.ErrConditionFailed, ...) and
// errors.As with the AWS SDK's error types keep working.
var (
	// ErrNotFound reports that no item has the key: Get of a missing item,
	// Update or Patch of one.
	ErrNotFound = errors.New("mapper: item not found")

	// ErrStaleVersion reports an optimistic-locking conflict: the item's
	// stored version is not the one the write expected (another writer
	// changed, created or deleted it since it was read). Read it again and
	// redo the change.
	ErrStaleVersion = errors.New("mapper: stale version: the item was changed since it was read")

	// ErrPartialComposite reports a Patch that changes some components of
	// a composite key but not all of them: the composite cannot be
	// rebuilt without the others' values.
	ErrPartialComposite = errors.New("mapper: partial change of a composite key")

	// ErrDuplicateItem reports an Insert of a key that exists. It is the
	// driver's sentinel, so either name matches.
	ErrDuplicateItem = dynamosql.ErrDuplicateItem

	// ErrNoBatchClient reports PutMany or DeleteMany outside a transaction
	// on a *sql.DB that was not opened with the dynamodb driver: batch
	// writes need the connector's DynamoDB client.
	ErrNoBatchClient = errors.New("mapper: batch writes need a *sql.DB opened with the dynamodb driver")
)

// BatchError reports the items of PutMany or DeleteMany that were not
// written after all retries; every other item was. errors.Is matches the
// failures' errors (ErrStaleVersion, ErrDuplicateItem, ...).
type BatchError struct {
	// Op is "PutMany" or "DeleteMany".
	Op string
	// Total is the number of items the call was given.
	Total int
	// Failures lists the failed items in the order they were given.
	Failures []BatchFailure
}

// BatchFailure is one item a batch write did not write.
type BatchFailure struct {
	// Index is the item's position in the slice given to the call.
	Index int
	// ID is the item's key.
	ID ID
	// Code is DynamoDB's error code for the last attempt
	// (ConditionalCheckFailed, ThrottlingError, ...), "" when the request
	// as a whole failed.
	Code string
	// Err says why.
	Err error
}

// Error lists the first failures.
func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mapper: %s: %d of %d items failed", e.Op, len(e.Failures), e.Total)
	for i, f := range e.Failures {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Failures)-i)
			break
		}
		sep := ": "
		if i > 0 {
			sep = "; "
		}
		fmt.Fprintf(&b, "%sitem %d (%s): %v", sep, f.Index, f.ID, f.Err)
	}
	return b.String()
}

// Unwrap returns the failures' errors.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		errs[i] = f.Err
	}
	return errs
}

// StatementError is the error DynamoDB reported for one statement of a
// BatchExecuteStatement.
type StatementError struct {
	// Code is DynamoDB's code, such as ThrottlingError.
	Code string
	// Message is DynamoDB's message.
	Message string
}

// Error implements error.
func (e *StatementError) Error() string {
	if e.Message == "" {
		return "mapper: " + e.Code
	}
	return "mapper: " + e.Code + ": " + e.Message
}

// Is matches the driver's sentinels by code.
func (e *StatementError) Is(target error) bool {
	switch target {
	case dynamosql.ErrConditionFailed:
		return e.Code == "ConditionalCheckFailed"
	case dynamosql.ErrDuplicateItem:
		return e.Code == "DuplicateItem"
	}
	return false
}
