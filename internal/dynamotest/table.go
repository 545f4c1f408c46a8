package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// tableTimeout bounds each table operation of the helpers.
const tableTimeout = 30 * time.Second

// maxPrefix keeps UniqueName's result well under DynamoDB's 255-character
// limit on table names.
const maxPrefix = 200

var nameSeq atomic.Uint64

// UniqueName returns prefix + "_" + a short suffix that is unique across
// processes (random, plus a per-process counter). Characters that a table
// name may not hold are replaced with '_', an empty prefix becomes "t", and a
// long prefix is cut, so the result is always a valid DynamoDB table name.
func UniqueName(prefix string) string {
	if prefix == "" {
		prefix = "t"
	}
	prefix = strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9',
			r == '_', r == '-', r == '.':
			return r
		}
		return '_'
	}, prefix)
	if len(prefix) > maxPrefix {
		prefix = prefix[:maxPrefix]
	}
	var b [5]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + "_" + hex.EncodeToString(b[:]) + strconv.FormatUint(nameSeq.Add(1), 36)
}

// CreateTable creates a table from in, waits until it is ACTIVE and deletes it
// when the test ends; it returns the table's name. The name is
// UniqueName(in.TableName) ("t" when TableName is empty), so tests never
// collide. BillingMode defaults to PAY_PER_REQUEST when in gives no
// ProvisionedThroughput. in itself is not modified.
func CreateTable(tb testing.TB, in *dynamodb.CreateTableInput) string {
	tb.Helper()
	c := Client(tb)
	req := *in
	name := UniqueName(aws.ToString(in.TableName))
	req.TableName = aws.String(name)
	if req.BillingMode == "" && req.ProvisionedThroughput == nil {
		req.BillingMode = types.BillingModePayPerRequest
	}

	ctx, cancel := context.WithTimeout(context.Background(), tableTimeout)
	defer cancel()
	if _, err := c.CreateTable(ctx, &req); err != nil {
		tb.Fatalf("dynamotest: create table %s: %v", name, err)
	}
	tb.Cleanup(func() { deleteTable(tb, c, name) })

	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: req.TableName}, tableTimeout); err != nil {
		tb.Fatalf("dynamotest: wait for table %s: %v", name, err)
	}
	return name
}

// deleteTable deletes the table name; a table the test already deleted is
// fine.
func deleteTable(tb testing.TB, c *dynamodb.Client, name string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tableTimeout)
	defer cancel()
	_, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	var notFound *types.ResourceNotFoundException
	if err != nil && !errors.As(err, &notFound) {
		tb.Errorf("dynamotest: delete table %s: %v", name, err)
	}
}

// SimpleTable creates a table, named after prefix as in CreateTable, with the
// string partition key pk and, unless sk is "", the string sort key sk. It
// returns the table's name; the table is deleted when the test ends.
func SimpleTable(tb testing.TB, prefix, pk string, sk string) string {
	tb.Helper()
	in := &dynamodb.CreateTableInput{
		TableName: aws.String(prefix),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(pk), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
		},
	}
	if sk != "" {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String(sk), AttributeType: types.ScalarAttributeTypeS})
		in.KeySchema = append(in.KeySchema,
			types.KeySchemaElement{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange})
	}
	return CreateTable(tb, in)
}
