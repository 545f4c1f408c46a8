// Command repository shows the mapper with the seed system's UserService:
// a User entity with a global secondary index ageIndex whose sort key is
// the composite ["lastname", "firstname"], a table created by mapper.Sync,
// and get, put, delete and findPage through a mapper.Repository.
//
// It runs against DYNAMODB_ENDPOINT, or DynamoDB Local on 127.0.0.1 at
// DYNAMODB_LOCAL_PORT (default 8000; `make local-start` starts it), and
// creates, then deletes, its own table.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/localenv"
	"github.com/dynamosql/dynamosql/mapper"
	"github.com/dynamosql/dynamosql/pagination"
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

// User is the seed's user entity. The dynamodbav tags name the
// attributes; dynamo:"pk" marks the partition key.
type User struct {
	ID        string `dynamodbav:"id" dynamo:"pk" json:"id"`
	Firstname string `dynamodbav:"firstname" json:"firstname"`
	Lastname  string `dynamodbav:"lastname" json:"lastname"`
	Age       int    `dynamodbav:"age" json:"age"`
}

// userEntity declares the table and its index, like the seed's
// @GlobalSecondaryIndex({ name: 'ageIndex', partitionKey: 'age',
// sortKey: ['lastname', 'firstname'] }).
func userEntity(table string) (*mapper.Entity[User], error) {
	return mapper.Register[User](
		mapper.Table(table),
		mapper.GSI("ageIndex", mapper.Key("age"), mapper.Key("lastname", "firstname")),
	)
}

// UserService is the seed's service: every method is one repository call.
// Wrapped in a transaction (a context from dynamosql.WithTx or the
// transaction runner), the same calls join it without changes.
type UserService struct {
	users *mapper.Repository[User]
}

// Get returns the user with the given id, or an error matching
// mapper.ErrNotFound.
func (s *UserService) Get(ctx context.Context, id string) (User, error) {
	return s.users.Get(ctx, id)
}

// Put creates or replaces a user; the composite "lastname#firstname" is
// written with it.
func (s *UserService) Put(ctx context.Context, u User) error {
	return s.users.Put(ctx, &u)
}

// Delete deletes a user.
func (s *UserService) Delete(ctx context.Context, id string) error {
	return s.users.Delete(ctx, id)
}

// FindPage returns a page of the users of an age through ageIndex, sorted
// by the pageable's sort (lastname, firstname).
func (s *UserService) FindPage(ctx context.Context, age int, p pagination.Pageable) (pagination.Page[User], error) {
	return s.users.FindPage(ctx, mapper.Query{Index: "ageIndex", Where: []mapper.Cond{mapper.Eq("age", age)}}, p)
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

	table := fmt.Sprintf("repository_user_%d", time.Now().UnixNano())
	users, err := userEntity(table)
	if err != nil {
		return err
	}
	// The seed's "synchronize: true": create the table and its index.
	report, err := mapper.Sync(ctx, db, mapper.SyncOptions{
		PollInterval: 100 * time.Millisecond,
		Progress: func(e mapper.SyncEvent) {
			if e.Step != "wait" {
				fmt.Fprintf(out, "sync: %s\n", e.Message)
			}
		},
	}, users)
	if err != nil {
		return err
	}
	defer dropTable(db, table)
	fmt.Fprintf(out, "table created: %v\n", report.Tables[0].Created)

	repo, err := mapper.NewRepository(ctx, db, users)
	if err != nil {
		return err
	}
	svc := &UserService{users: repo}

	for _, u := range []User{
		{ID: "u1", Firstname: "John", Lastname: "Smith", Age: 42},
		{ID: "u2", Firstname: "Jane", Lastname: "Smith", Age: 42},
		{ID: "u3", Firstname: "Ann", Lastname: "Smithson", Age: 42},
		{ID: "u4", Firstname: "Bob", Lastname: "Brown", Age: 42},
		{ID: "u5", Firstname: "Eve", Lastname: "Adams", Age: 37},
	} {
		if err := svc.Put(ctx, u); err != nil {
			return err
		}
	}
	// Put again replaces.
	if err := svc.Put(ctx, User{ID: "u1", Firstname: "Johnny", Lastname: "Smith", Age: 42}); err != nil {
		return err
	}

	u, err := svc.Get(ctx, "u1")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "get u1: %s %s, %d\n", u.Firstname, u.Lastname, u.Age)

	// The composite column the mapper keeps up to date, read with plain SQL.
	var composite string
	err = db.QueryRowContext(ctx, fmt.Sprintf(`SELECT "lastname#firstname" FROM %q WHERE id = ?`, table), "u1").Scan(&composite)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "u1 lastname#firstname = %s\n", composite)

	// Pages of two users aged 42, by lastname then firstname, following
	// the cursor.
	sort := mapper.Asc("lastname", "firstname")
	p := pagination.Pageable{Size: 2, Sort: sort}
	for {
		page, err := svc.FindPage(ctx, 42, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "page %d:", page.Page)
		for _, u := range page.Content {
			fmt.Fprintf(out, " %s %s;", u.Lastname, u.Firstname)
		}
		fmt.Fprintf(out, " hasNext=%v\n", page.HasNext)
		if !page.HasNext {
			break
		}
		p = pagination.Pageable{Cursor: page.NextCursor, Sort: sort}
	}

	if err := svc.Delete(ctx, "u1"); err != nil {
		return err
	}
	if _, err := svc.Get(ctx, "u1"); errors.Is(err, mapper.ErrNotFound) {
		fmt.Fprintln(out, "u1 deleted: not found")
	} else {
		return fmt.Errorf("get after delete: %v", err)
	}
	return nil
}

// dropTable deletes the example's table with the connector's client.
func dropTable(db *sql.DB, table string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if client, err := dynamosql.Client(ctx, db); err == nil {
		_, _ = client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	}
}
