//go:build go1.27

package dynamosql

import (
	"database/sql"
	"database/sql/driver"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// From Go 1.27, database/sql scans through driver.RowsColumnScanner when
// the driver has it: NextRow steps to the next item without converting
// anything, and ScanColumn converts one attribute straight into the
// destination Scan was given. A string attribute scanned into a *string
// (or *sql.NullString, *any, ...) is then assigned, not boxed into a
// driver.Value first: the allocation per string cell that returning the
// string from Next costs is gone, without the unsafe tricks this package
// refuses. Every other pair goes through the same decoding as Next and
// sql.ConvertAssign, so results and errors are Next's.

var _ driver.RowsColumnScanner = (*rows)(nil)

// NextRow advances to the next item; ScanColumn reads its attributes.
func (r *rows) NextRow() error {
	item, err := r.advance()
	if err != nil {
		r.cur = nil
		return err
	}
	r.cur = item
	return nil
}

// ScanColumn stores column index of the current item in dest.
func (r *rows) ScanColumn(sc driver.ScanContext, index int, dest any) error {
	av, ok := r.cols[index].lookup(r.cur)
	if !ok {
		return sql.ConvertAssign(sc, dest, r.absent)
	}
	if s, isS := av.(*types.AttributeValueMemberS); isS && !r.dec.parseTime {
		switch d := dest.(type) {
		case *string:
			*d = s.Value
			return nil
		case *sql.NullString:
			d.String, d.Valid = s.Value, true
			return nil
		}
	}
	return sql.ConvertAssign(sc, dest, decodeValue(av, r.dec))
}
