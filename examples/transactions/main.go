// Command transactions shows DynamoDB transactions through database/sql:
// a user registration that writes five tables in one atomic commit, then a
// registration that fails (the e-mail address is taken) and leaves every
// table as it was.
//
// The registration runs in dynamosql.RunInTx: the writes are buffered and
// sent as one ExecuteTransaction when the function returns nil; DynamoDB
// applies all of them or none. RunInTx retries the whole function when
// DynamoDB cancels the transaction for a conflict or throttling.
//
// It runs against DYNAMODB_ENDPOINT, or DynamoDB Local on 127.0.0.1 at
// DYNAMODB_LOCAL_PORT (default 8000; `make local-start` starts it), and
// creates, then deletes, its own tables.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
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

// tables are the names of the example's tables.
type tables struct {
	users, profiles, wallets, auditLogs, tempRegistrations string
}

func (t tables) all() []string {
	return []string{t.users, t.profiles, t.wallets, t.auditLogs, t.tempRegistrations}
}

// registration is a sign-up to complete: it turns the pending
// temp_registrations rows into a user with a profile and a wallet.
type registration struct {
	userID string
	email  string
	name   string
	temp   []string // temp_registrations ids to delete
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

	suffix := fmt.Sprint(time.Now().UnixNano())
	tb := tables{
		users:             "tx_users_" + suffix,
		profiles:          "tx_profiles_" + suffix,
		wallets:           "tx_wallets_" + suffix,
		auditLogs:         "tx_audit_logs_" + suffix,
		tempRegistrations: "tx_temp_registrations_" + suffix,
	}
	keys := map[string][]string{
		tb.users:             {"email"},
		tb.profiles:          {"userId"},
		tb.wallets:           {"userId"},
		tb.auditLogs:         {"userId", "seq"},
		tb.tempRegistrations: {"id"},
	}
	for _, name := range tb.all() {
		defer dropTable(db, name)
		if err := createTable(ctx, db, name, keys[name]...); err != nil {
			return err
		}
	}

	// Two sign-ups are pending.
	for _, id := range []string{"reg-1", "reg-2", "reg-3", "reg-4"} {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'createdAt': ?}`, tb.tempRegistrations),
			id, time.Now().UTC()); err != nil {
			return err
		}
	}

	// 1. Alice registers: 8 statements, one commit.
	alice := registration{userID: "u-1001", email: "alice@example.com", name: "Alice", temp: []string{"reg-1", "reg-2"}}
	if err := register(ctx, db, tb, alice); err != nil {
		return err
	}
	fmt.Fprintf(out, "registered %s: 8 statements in one transaction\n", alice.email)
	before, err := counts(ctx, db, tb)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "tables: %s\n", before)
	if want := "users=1 profiles=1 wallets=1 audit_logs=3 temp_registrations=2"; before.String() != want {
		return fmt.Errorf("after the registration the tables hold %s, want %s", before, want)
	}

	// The three new items, read in one atomic snapshot.
	items, err := dynamosql.ReadItems(ctx, db,
		dynamosql.Read(fmt.Sprintf(`SELECT * FROM %q WHERE email = ?`, tb.users), alice.email),
		dynamosql.Read(fmt.Sprintf(`SELECT displayName FROM %q WHERE userId = ?`, tb.profiles), alice.userID),
		dynamosql.Read(fmt.Sprintf(`SELECT balance, currency FROM %q WHERE userId = ?`, tb.wallets), alice.userID))
	if err != nil {
		return err
	}
	var user struct {
		Email  string `dynamodbav:"email"`
		UserID string `dynamodbav:"userId"`
	}
	var profile struct {
		DisplayName string `dynamodbav:"displayName"`
	}
	var wallet struct {
		Balance  int    `dynamodbav:"balance"`
		Currency string `dynamodbav:"currency"`
	}
	for i, dest := range []any{&user, &profile, &wallet} {
		if err := items[i].Scan(dest); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "read atomically: user %s (%s), profile %q, wallet %d %s\n",
		user.UserID, user.Email, profile.DisplayName, wallet.Balance, wallet.Currency)

	// 2. Bob signs up with Alice's e-mail address: the INSERT into users
	// fails, so DynamoDB cancels the whole transaction.
	bob := registration{userID: "u-1002", email: "alice@example.com", name: "Bob", temp: []string{"reg-3", "reg-4"}}
	err = register(ctx, db, tb, bob)
	var txErr *dynamosql.TxError
	if !errors.As(err, &txErr) || !errors.Is(err, dynamosql.ErrDuplicateItem) {
		return fmt.Errorf("the duplicate registration should fail with a duplicate item, got %v", err)
	}
	// errors.Is says what happened, whatever code DynamoDB used: the
	// service reports DuplicateItem, DynamoDB Local a ValidationError
	// "Duplicate primary key exists in table". The raw reason stays in
	// the failure for logs.
	fmt.Fprintf(out, "duplicate registration refused: the e-mail address %s is taken (dynamosql.ErrDuplicateItem); nothing was written\n", bob.email)
	for _, f := range txErr.Failures {
		reason := f.Code
		if f.Message != "" {
			reason += ": " + f.Message
		}
		fmt.Fprintf(out, "  failed statement %d: %s (DynamoDB's reason: %s)\n", f.Index, shorten(f.Statement), reason)
	}
	after, err := counts(ctx, db, tb)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "tables unchanged: %s\n", after)
	if after != before {
		return fmt.Errorf("the failed transaction changed the tables: %s, before %s", after, before)
	}
	return nil
}

// statement is a statement and its arguments.
type statement struct {
	query string
	args  []any
}

// register completes a registration in one transaction: the user, the
// profile, the wallet, three audit log entries, and the removal of the
// temporary registration rows.
func register(ctx context.Context, db *sql.DB, tb tables, r registration) error {
	return dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		now := time.Now().UTC()
		stmts := []statement{
			{fmt.Sprintf(`INSERT INTO %q VALUE {'email': ?, 'userId': ?, 'status': 'active', 'createdAt': ?}`, tb.users), []any{r.email, r.userID, now}},
			{fmt.Sprintf(`INSERT INTO %q VALUE {'userId': ?, 'displayName': ?}`, tb.profiles), []any{r.userID, r.name}},
			{fmt.Sprintf(`INSERT INTO %q VALUE {'userId': ?, 'balance': 0, 'currency': 'EUR'}`, tb.wallets), []any{r.userID}},
		}
		for i, event := range []string{"user.created", "profile.created", "wallet.opened"} {
			stmts = append(stmts, statement{fmt.Sprintf(`INSERT INTO %q VALUE {'userId': ?, 'seq': ?, 'event': ?, 'at': ?}`, tb.auditLogs),
				[]any{r.userID, fmt.Sprint(i + 1), event, now}})
		}
		for _, id := range r.temp {
			stmts = append(stmts, statement{fmt.Sprintf(`DELETE FROM %q WHERE id = ?`, tb.tempRegistrations), []any{id}})
		}
		for _, s := range stmts {
			// Buffered: nothing is sent before the commit.
			if _, err := tx.ExecContext(ctx, s.query, s.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// tableCounts holds the number of items of each table.
type tableCounts struct {
	users, profiles, wallets, auditLogs, temp int
}

func (c tableCounts) String() string {
	return fmt.Sprintf("users=%d profiles=%d wallets=%d audit_logs=%d temp_registrations=%d",
		c.users, c.profiles, c.wallets, c.auditLogs, c.temp)
}

// counts counts the items of every table with strongly consistent scans.
func counts(ctx context.Context, db *sql.DB, tb tables) (tableCounts, error) {
	client, err := dynamosql.Client(ctx, db)
	if err != nil {
		return tableCounts{}, err
	}
	var c tableCounts
	for _, x := range []struct {
		table string
		n     *int
	}{{tb.users, &c.users}, {tb.profiles, &c.profiles}, {tb.wallets, &c.wallets}, {tb.auditLogs, &c.auditLogs}, {tb.tempRegistrations, &c.temp}} {
		p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{
			TableName: aws.String(x.table), Select: types.SelectCount, ConsistentRead: aws.Bool(true),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return c, err
			}
			*x.n += int(page.Count)
		}
	}
	return c, nil
}

// createTable creates a table with string key attributes (partition key,
// then sort key) using the connector's DynamoDB client: PartiQL has no
// CREATE TABLE.
func createTable(ctx context.Context, db *sql.DB, table string, key ...string) error {
	client, err := dynamosql.Client(ctx, db)
	if err != nil {
		return err
	}
	in := &dynamodb.CreateTableInput{TableName: aws.String(table), BillingMode: types.BillingModePayPerRequest}
	for i, k := range key {
		kt := types.KeyTypeHash
		if i > 0 {
			kt = types.KeyTypeRange
		}
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(k), AttributeType: types.ScalarAttributeTypeS})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k), KeyType: kt})
	}
	if _, err := client.CreateTable(ctx, in); err != nil {
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

// shorten cuts a statement before its VALUE map, for printing.
func shorten(s string) string {
	if i := strings.IndexByte(s, '{'); i > 0 {
		return strings.TrimSpace(s[:i]) + " ..."
	}
	return s
}
