package indexhint

// Access is how DynamoDB reads the items of a SELECT.
type Access int

// The access paths.
const (
	// AccessUnknown: the driver could not tell (the statement names an
	// index the catalog does not know, or is not a SELECT).
	AccessUnknown Access = iota
	// AccessItem reads one item: WHERE gives the whole primary key with =.
	AccessItem
	// AccessQuery reads the items of the partitions WHERE names with = or
	// IN on the partition key of the table or index read.
	AccessQuery
	// AccessScan reads the whole table or index.
	AccessScan
)

// String returns "single item", "query", "scan" or "unknown".
func (a Access) String() string {
	switch a {
	case AccessItem:
		return "single item"
	case AccessQuery:
		return "query"
	case AccessScan:
		return "scan"
	}
	return "unknown"
}
