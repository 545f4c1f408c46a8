package dynamosql

import "fmt"

// UseIndex makes a SELECT read index name of its table (a global or local
// secondary index) whatever its WHERE clause: the index is written into
// FROM, and conditions and ORDER BY on composite columns are rewritten for
// it. The statement fails with ErrBadOption when the table has no such
// index (the message lists the ones it has) or FROM names another index.
// The scan policy still applies: a SELECT without a condition on the
// index's partition key scans the index. DynamoDB refuses consistent reads
// (ConsistentRead, transactions) on a global index.
func UseIndex(name string) Option {
	return optionFunc(func(o *stmtOptions) error {
		if name == "" {
			return fmt.Errorf("%w: UseIndex(\"\"): name an index, or pass NoIndexHint() to read the table as written", ErrBadOption)
		}
		o.index = name
		return nil
	})
}

// NoIndexHint sends a SELECT as written: no index chosen, no composite
// column rewritten. The scan policy still applies.
func NoIndexHint() Option {
	return optionFunc(func(o *stmtOptions) error { o.noHint = true; return nil })
}

// AllowScan lets one SELECT read a whole table or index under scan=deny,
// and keeps scan=warn from logging it.
func AllowScan() Option {
	return optionFunc(func(o *stmtOptions) error { o.allowScan = true; return nil })
}
