package dynamosql

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// Sentinel errors. Every error the driver returns either is one of these or
// wraps one, so callers can test with errors.Is. Errors from the AWS SDK are
// wrapped too, so errors.As with *types.ConditionalCheckFailedException and
// friends keeps working.
var (
	// ErrDuplicateItem reports an INSERT whose key already exists. It matches
	// both the service's DuplicateItemException and DynamoDB Local's
	// DuplicateItem code.
	ErrDuplicateItem = errors.New("dynamosql: an item with this key already exists")

	// ErrConditionFailed reports a write whose condition was not met.
	ErrConditionFailed = errors.New("dynamosql: the condition of the write was not met")

	// ErrArgCount reports a statement run with a number of arguments that
	// differs from its number of ? placeholders.
	ErrArgCount = errors.New("dynamosql: wrong number of arguments")

	// ErrUnsupportedType reports an argument whose Go type has no DynamoDB
	// representation.
	ErrUnsupportedType = errors.New("dynamosql: unsupported argument type")

	// ErrStatementTooLong reports a statement over DynamoDB's 8,192 character
	// limit.
	ErrStatementTooLong = errors.New("dynamosql: statement too long")

	// ErrNamedArgs reports a sql.Named argument: PartiQL parameters are
	// positional.
	ErrNamedArgs = errors.New("dynamosql: named arguments are not supported")

	// ErrNotQuery reports Exec of a statement that returns rows (a SELECT).
	ErrNotQuery = errors.New("dynamosql: statement returns rows")

	// ErrNoLastInsertID is returned by Result.LastInsertId: DynamoDB has no
	// generated keys.
	ErrNoLastInsertID = errors.New("dynamosql: LastInsertId is not supported: DynamoDB has no auto-generated keys; choose the key yourself")

	// ErrInvalidDSN reports a malformed data source name or Config.
	ErrInvalidDSN = errors.New("dynamosql: invalid DSN")

	// ErrBadOption reports a per-statement option that cannot be honoured.
	ErrBadOption = errors.New("dynamosql: invalid statement option")

	// ErrEmptyStatement reports an empty statement text.
	ErrEmptyStatement = errors.New("dynamosql: empty statement")

	// ErrNotExec reports Query of a statement that returns no rows: a
	// CREATE, ALTER or DROP of a table or an index. Run it with Exec,
	// whose Result has RowsAffected.
	ErrNotExec = errors.New("dynamosql: statement returns no rows")

	// ErrDDLInTx reports a CREATE, ALTER or DROP of a table or an index
	// inside a transaction: DynamoDB transactions hold only item writes
	// (INSERT, UPDATE, DELETE and EXISTS checks). Run it on the *sql.DB,
	// outside the transaction; the transaction stays usable.
	ErrDDLInTx = errors.New("dynamosql: table and index statements cannot run in a transaction: DynamoDB transactions hold only item writes")

	// ErrInvalidDDL reports a table or index statement that DynamoDB could
	// not apply to the table as it is, found before anything is changed:
	// a global index without capacity on a provisioned table, a capacity
	// for an index of an on-demand table, ALTER GSI of an index the table
	// does not have.
	ErrInvalidDDL = errors.New("dynamosql: invalid table or index statement")
)

// Error codes DynamoDB (or DynamoDB Local) returns for a duplicate INSERT.
var duplicateCodes = map[string]bool{
	"DuplicateItemException": true,
	"DuplicateItem":          true,
}

// wrapErr turns an error from the SDK into a driver error that still
// unwraps to the SDK error and also matches the driver's sentinels.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Err: err}
}

// Error is an error returned by DynamoDB for a statement or call. It wraps
// the SDK's error (so errors.As with SDK error types works) and matches the
// driver's sentinels (errors.Is(err, ErrDuplicateItem) and so on).
type Error struct {
	// Op is the DynamoDB operation that failed, for example
	// "ExecuteStatement".
	Op string
	// Err is the error the AWS SDK returned.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	return "dynamosql: " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the SDK error.
func (e *Error) Unwrap() error { return e.Err }

// Code returns DynamoDB's error code, such as
// "ConditionalCheckFailedException", or "" when the error has none.
func (e *Error) Code() string {
	var ae smithy.APIError
	if errors.As(e.Err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Is maps DynamoDB error codes onto the driver's sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrDuplicateItem:
		return isDuplicate(e.Err)
	case ErrConditionFailed:
		var ccf *types.ConditionalCheckFailedException
		return errors.As(e.Err, &ccf)
	}
	return false
}

func isDuplicate(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	if duplicateCodes[ae.ErrorCode()] {
		return true
	}
	// DynamoDB Local reports a duplicate inside a transaction as a
	// ValidationException mentioning a duplicate primary key.
	return ae.ErrorCode() == "ValidationException" &&
		strings.Contains(strings.ToLower(ae.ErrorMessage()), "duplicate primary key")
}

// argError builds an error about argument n (1-based) wrapping sentinel.
func argError(sentinel error, n int, format string, a ...any) error {
	return fmt.Errorf("%w: argument %d: %s", sentinel, n, fmt.Sprintf(format, a...))
}
