package dynamosql

import (
	"errors"
	"fmt"
)

// Errors of statements the driver refuses to send because it cannot read
// them or DynamoDB could not run them.
var (
	// ErrSyntax reports a statement the driver cannot read: an unterminated
	// string, quoted name or block comment, or a form the driver
	// translates (INSERT ... VALUES, LIMIT, OFFSET, COUNT(*)) written
	// wrongly. The error gives the line and column. Nothing is sent.
	// Statements the driver does not translate are checked by DynamoDB,
	// whose ValidationException is a *Error.
	ErrSyntax = errors.New("dynamosql: syntax error")

	// ErrInvalidTableName reports a table name DynamoDB cannot hold: more
	// than 255 characters, or a character other than a-z, A-Z, 0-9, '_',
	// '-' and '.'. Nothing is sent.
	ErrInvalidTableName = errors.New("dynamosql: invalid table name")
)

// syntaxError marks an error of the statement parser as ErrSyntax and
// keeps its message as it is.
type syntaxError struct{ err error }

func (e *syntaxError) Error() string   { return e.err.Error() }
func (e *syntaxError) Unwrap() []error { return []error{ErrSyntax, e.err} }

// syntaxErr returns err marked as ErrSyntax.
func syntaxErr(err error) error {
	if err == nil {
		return nil
	}
	return &syntaxError{err: err}
}

// maxTableName is DynamoDB's limit on the length of a table name.
const maxTableName = 255

// checkTableName refuses a table name DynamoDB cannot hold; "" (no table
// found) passes. Too short names are left to DynamoDB, which names them.
func checkTableName(name string) error {
	if len(name) > maxTableName {
		return fmt.Errorf("%w: the table name has %d characters and DynamoDB allows at most %d", ErrInvalidTableName, len(name), maxTableName)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == '.':
		default:
			return fmt.Errorf("%w: %q: DynamoDB table names hold only a-z, A-Z, 0-9, '_', '-' and '.'", ErrInvalidTableName, name)
		}
	}
	return nil
}
