// Command sqlx is the README's first example: a struct written and read
// back with sqlx, with a string set (dynamosql.StringSet) and a list of
// strings (dynamosql.StringList) among its fields. It deletes the item
// before inserting it, so it can run any number of times.
//
// It runs against DYNAMODB_ENDPOINT, or DynamoDB Local on 127.0.0.1 at
// DYNAMODB_LOCAL_PORT (default 8000; `make local-start` starts it), and
// creates the table "people" (partition key id) when it is missing.
package main

import (
	"context"
	"fmt"
	"log"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jmoiron/sqlx"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/localenv"
)

// docs:begin
type Person struct {
	ID    string               `db:"id"`
	Name  string               `db:"name"`
	Roles dynamosql.StringSet  `db:"roles"` // an SS: a set of strings
	Tags  dynamosql.StringList `db:"tags"`  // an L: a list of strings, in order
}

func main() {
	ctx := context.Background()
	db := sqlx.MustOpen("dynamosql", "region=us-east-1;akid=local;secret_key=local;endpoint="+endpoint())
	createTable(ctx, db, "people") // with the AWS SDK: PartiQL has no CREATE TABLE
	ada := Person{ID: "ada", Name: "Ada Lovelace", Roles: dynamosql.StringSet{"admin"}, Tags: dynamosql.StringList{"math", "engines"}}
	// INSERT refuses a key that exists: start afresh (a DELETE of a missing key succeeds).
	db.MustExecContext(ctx, `DELETE FROM "people" WHERE id = ?`, ada.ID)
	_, err := db.NamedExecContext(ctx, `INSERT INTO "people" (id, name, roles, tags) VALUES (:id, :name, :roles, :tags)`, ada)
	check(err)
	var p Person
	check(db.GetContext(ctx, &p, `SELECT id, name, roles, tags FROM "people" WHERE id = ?`, ada.ID))
	fmt.Printf("%s: roles %v, tags %v\n", p.Name, p.Roles, p.Tags)
}

// docs:end

// endpoint returns DYNAMODB_ENDPOINT, or DynamoDB Local's URL on
// DYNAMODB_LOCAL_PORT, or http://127.0.0.1:8000.
func endpoint() string {
	ep, err := localenv.Endpoint()
	check(err)
	return ep
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// createTable creates table, with the string partition key id, through the
// connector's DynamoDB client unless ListTables lists it, and waits until it
// is active. (Asking DescribeTable or CreateTable instead would get an error
// answer, which the SDK logs a warning about on DynamoDB Local.)
func createTable(ctx context.Context, db *sqlx.DB, table string) {
	client, err := dynamosql.Client(ctx, db.DB)
	check(err)
	for p := dynamodb.NewListTablesPaginator(client, &dynamodb.ListTablesInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		check(err)
		if slices.Contains(page.TableNames, table) {
			return
		}
	}
	_, err = client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	check(err)
	check(dynamodb.NewTableExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute))
}
