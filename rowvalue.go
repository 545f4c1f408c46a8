package dynamosql

import (
	"database/sql/driver"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// rowValue is decodeValue for the attributes of a result row.
//
// A string attribute, the most common kind, is returned without copying
// its string header to a new heap object, which converting a string to an
// interface does: the interface points at the Value field of the
// *types.AttributeValueMemberS the SDK decoded. That saves an allocation
// per string column per row. It is sound because the result's items
// belong to the rows alone (they come from a DynamoDB response and are
// never handed out), so the string is never changed after it is returned;
// the interface keeps the attribute value alive for as long as it is
// used. Every other kind goes through decodeValue.
func rowValue(av types.AttributeValue, o decodeOptions) driver.Value {
	if s, ok := av.(*types.AttributeValueMemberS); ok && s != nil && !o.parseTime {
		return stringAt(&s.Value)
	}
	return decodeValue(av, o)
}

// eface is the layout of an empty interface value (runtime.eface): a type
// pointer and a data pointer. For a string the data pointer points at a
// string header.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// stringType is the type pointer of a string held in an interface.
var stringType = func() unsafe.Pointer {
	var v any = ""
	return (*eface)(unsafe.Pointer(&v)).typ
}()

// stringAt returns the string *p as an interface value that points at *p
// instead of a copy of it. *p must never change afterwards.
func stringAt(p *string) any {
	e := eface{typ: stringType, data: unsafe.Pointer(p)}
	return *(*any)(unsafe.Pointer(&e))
}
