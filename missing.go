package dynamosql

// Missing is the value a result column holds, under the MarkMissing
// option, for an item that does not have the column's attribute.
// DynamoDB items need not share attributes, so a column of a SELECT may be
// absent from some items; without MarkMissing an absent attribute reads as
// nil, exactly like an attribute holding NULL.
type Missing struct{}

// String returns "MISSING", PartiQL's name for an absent value.
func (Missing) String() string { return "MISSING" }

// MarkMissing makes a SELECT return Missing{} instead of nil for a column
// whose attribute an item does not have, so that a reader can tell a
// missing attribute from one that holds NULL (nil) or an empty string.
// Scan such columns into *any: database/sql cannot convert Missing into
// other types. Results of a write's RETURNING clause and of COUNT(*) are
// not affected.
//
//	rows, err := db.QueryContext(ctx, `SELECT id, nick FROM "user"`, dynamosql.MarkMissing())
func MarkMissing() Option {
	return optionFunc(func(o *stmtOptions) error { o.markMissing = true; return nil })
}
