// Package dynamosql is a database/sql driver for Amazon DynamoDB that speaks
// PartiQL.
//
//	import _ "github.com/dynamosql/dynamosql"
//
//	db, err := sql.Open("dynamosql", "region=us-east-1")
//	rows, err := db.QueryContext(ctx, `SELECT * FROM "user" WHERE id = ?`, "u1")
//
// Every statement is sent with DynamoDB's ExecuteStatement; results stream
// page by page over NextToken (the next page read ahead); values map
// losslessly both ways; a sql.Tx is one atomic ExecuteTransaction. Table
// and index statements (CREATE TABLE, LIST TABLES, DESCRIBE, ...) run with
// the control-plane API instead.
//
// The driver registers itself as "dynamosql", and also as "dynamodb" when no
// other driver has taken that name (see DriverName and AliasName).
//
// ARCHITECTURE.md in the repository says how a statement flows through the
// driver, file by file. RunInTx and its propagation modes stay in this
// package rather than a package of their own: they retry on the driver's
// own errors (TxError reasons, ErrTxOutcomeUnknown with the commit's
// ClientRequestToken kept), which another package could only reach through
// more exported API, and users look for them next to sql.Tx.
//
// The reference lives in the repository's docs directory, one page per
// topic: docs/dsn.md (DSN keys and driver names), docs/statements.md
// (RowsAffected, columns, per-statement options), docs/values.md (the type
// mapping), docs/transactions.md, docs/indexes.md (index hints and the scan
// policy), docs/sql.md (SQL beyond PartiQL), docs/tables.md (table and
// index statements), docs/errors.md, docs/reliability.md, docs/network.md
// (connections, timeouts, retries), docs/observability.md (capacity,
// OpenTelemetry, statement logs), docs/cost.md and docs/limits.md
// (DynamoDB's limits).
package dynamosql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"slices"
)

// DriverName is the name the driver always registers with database/sql:
// sql.Open("dynamosql", dsn) opens this driver whatever else is imported.
const DriverName = "dynamosql"

// AliasName is a second name the driver registers, at package
// initialization, only when no other driver has registered it by then.
// Other DynamoDB drivers (github.com/mightyguava/dynamosql,
// github.com/viant/dyndb, github.com/xo/dbimp) register "dynamodb"
// unconditionally, so with one of them in the same program:
//
//   - if it is initialized before this package, it keeps the name:
//     sql.Open("dynamodb", dsn) opens that driver, and this one is reached
//     as "dynamosql";
//   - if it is initialized after this package, it panics in its own init
//     with "sql: Register called twice for driver dynamodb". Build with
//     -tags dynamosql_nodynamodb: this package then registers only
//     "dynamosql" and leaves "dynamodb" to the other driver.
//
// Which comes first depends on the two packages' imports: Go initializes,
// at each step, the first package in import-path order whose imports are
// all initialized. Use DriverName in new code.
const AliasName = "dynamodb"

func init() {
	for _, name := range registerNames(sql.Drivers(), registerAlias) {
		sql.Register(name, &Driver{})
	}
}

// registerNames returns the names to register given the drivers already
// registered: DriverName, then AliasName when alias is set and the name is
// free.
func registerNames(registered []string, alias bool) []string {
	names := []string{DriverName}
	if alias && !slices.Contains(registered, AliasName) {
		names = append(names, AliasName)
	}
	return names
}

// Driver is the database/sql driver. It is registered as "dynamosql" (and
// as "dynamodb" when that name is free, see AliasName); use
// sql.Open("dynamosql", dsn), or NewConnector with sql.OpenDB.
type Driver struct{}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.DriverContext = (*Driver)(nil)
)

// Open opens a connection from a DSN. database/sql calls OpenConnector
// instead, so that all connections of a *sql.DB share one DynamoDB client.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses the DSN and returns a connector owning one DynamoDB
// client.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return NewConnector(cfg)
}
