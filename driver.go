// Package dynamosql is a database/sql driver for Amazon DynamoDB that speaks
// PartiQL.
//
//	import _ "github.com/dynamosql/dynamosql"
//
//	db, err := sql.Open("dynamodb", "region=us-east-1")
//	rows, err := db.QueryContext(ctx, `SELECT * FROM "user" WHERE id = ?`, "u1")
//
// Every statement is sent with DynamoDB's ExecuteStatement; results stream
// page by page over NextToken; values map losslessly both ways; a sql.Tx is
// one atomic ExecuteTransaction. See the README for the DSN keys, the type
// mapping, RowsAffected semantics, per-statement options and DynamoDB's
// limits.
package dynamosql

import (
	"context"
	"database/sql"
	"database/sql/driver"
)

// DriverName is the name the driver registers with database/sql.
const DriverName = "dynamodb"

func init() {
	sql.Register(DriverName, &Driver{})
}

// Driver is the database/sql driver. It is registered as "dynamodb"; use
// sql.Open("dynamodb", dsn), or NewConnector with sql.OpenDB.
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
