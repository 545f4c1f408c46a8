// Command quickstart shows dynamosql end to end: open a *sql.DB on
// DynamoDB, insert items with ? parameters, query them back by key and scan
// them into Go values.
//
// It runs against DYNAMODB_ENDPOINT, or DynamoDB Local on 127.0.0.1 at
// DYNAMODB_LOCAL_PORT (default 8000; `make local-start` starts it), and
// creates, then deletes, its own table.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/localenv"
)

func main() {
	endpoint, err := localenv.Endpoint()
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, endpoint); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer, endpoint string) error {
	dsn := "region=us-east-1;endpoint=" + endpoint + ";akid=local;secret_key=local"
	db, err := sql.Open("dynamosql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("is DynamoDB running at %s? %w", endpoint, err)
	}

	table := fmt.Sprintf("quickstart_user_%d", time.Now().UnixNano())
	if err := createTable(ctx, db, table); err != nil {
		return err
	}
	defer dropTable(db, table)

	insert := fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'age': ?, 'tags': ?, 'joined': ?}`, table)
	for _, u := range []struct {
		id   string
		age  int
		tags []string
	}{{"u1", 42, []string{"admin"}}, {"u2", 37, []string{"dev", "ops"}}} {
		if _, err := db.ExecContext(ctx, insert, u.id, u.age, u.tags, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)); err != nil {
			return err
		}
	}

	res, err := db.ExecContext(ctx, fmt.Sprintf(`UPDATE %q SET age = age + 1 WHERE id = ?`, table), "u1")
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	fmt.Fprintf(out, "birthday for u1: %d row updated\n", n)

	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, table), "u1",
		dynamosql.ConsistentRead())
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	fmt.Fprintf(out, "columns: %v\n", cols)
	for rows.Next() {
		var id, joined string
		var age int
		var tags []any
		if err := rows.Scan(&id, &age, &joined, &tags); err != nil {
			return err
		}
		fmt.Fprintf(out, "user %s: age %d, joined %s, tags %v\n", id, age, joined, tags)
	}
	return rows.Err()
}

// createTable uses the connector's DynamoDB client: PartiQL has no CREATE
// TABLE.
func createTable(ctx context.Context, db *sql.DB, table string) error {
	client, err := dynamosql.Client(ctx, db)
	if err != nil {
		return err
	}
	_, err = client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		return err
	}
	return dynamodb.NewTableExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute)
}

func dropTable(db *sql.DB, table string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if client, err := dynamosql.Client(ctx, db); err == nil {
		_, _ = client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	}
}
