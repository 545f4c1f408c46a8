package dynamotest

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var tableNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

func TestUniqueName(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		n := UniqueName("users")
		if !strings.HasPrefix(n, "users_") || !tableNameRE.MatchString(n) {
			t.Fatalf("UniqueName(users) = %q, want users_<suffix>, a valid table name", n)
		}
		if seen[n] {
			t.Fatalf("UniqueName returned %q twice", n)
		}
		seen[n] = true
	}
	if n := UniqueName(""); !strings.HasPrefix(n, "t_") || !tableNameRE.MatchString(n) {
		t.Fatalf("UniqueName(\"\") = %q, want t_<suffix>", n)
	}
	if n := UniqueName("TestX/sub case"); !strings.HasPrefix(n, "TestX_sub_case_") || !tableNameRE.MatchString(n) {
		t.Fatalf("UniqueName(TestX/sub case) = %q, want TestX_sub_case_<suffix>", n)
	}
	if n := UniqueName(strings.Repeat("a", 300)); !tableNameRE.MatchString(n) {
		t.Fatalf("UniqueName(300 a's) = %q (%d chars), not a valid table name", n, len(n))
	}
}

func describe(t *testing.T, name string) (*types.TableDescription, error) {
	t.Helper()
	out, err := Client(t).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return nil, err
	}
	return out.Table, nil
}

func TestSimpleTableLifecycle(t *testing.T) {
	var name string
	t.Run("create", func(t *testing.T) {
		name = SimpleTable(t, "lifecycle", "pk", "sk")
		if !strings.HasPrefix(name, "lifecycle_") {
			t.Fatalf("SimpleTable name = %q, want lifecycle_<suffix>", name)
		}
		d, err := describe(t, name)
		if err != nil {
			t.Fatalf("DescribeTable(%s): %v", name, err)
		}
		if d.TableStatus != types.TableStatusActive {
			t.Fatalf("status = %s, want ACTIVE", d.TableStatus)
		}
		if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
			t.Fatalf("billing mode = %+v, want PAY_PER_REQUEST", d.BillingModeSummary)
		}
		keys := map[types.KeyType]string{}
		for _, k := range d.KeySchema {
			keys[k.KeyType] = aws.ToString(k.AttributeName)
		}
		if len(keys) != 2 || keys[types.KeyTypeHash] != "pk" || keys[types.KeyTypeRange] != "sk" {
			t.Fatalf("key schema = %v, want HASH pk, RANGE sk", keys)
		}
		for _, a := range d.AttributeDefinitions {
			if a.AttributeType != types.ScalarAttributeTypeS {
				t.Fatalf("attribute %s has type %s, want S", aws.ToString(a.AttributeName), a.AttributeType)
			}
		}
		// The table is usable.
		_, err = Client(t).PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String(name),
			Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "a"},
				"sk": &types.AttributeValueMemberS{Value: "b"},
			},
		})
		if err != nil {
			t.Fatalf("PutItem: %v", err)
		}
	})
	if name == "" {
		t.Fatal("subtest created no table")
	}
	// The subtest's cleanup has deleted the table.
	_, err := describe(t, name)
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("DescribeTable(%s) after cleanup: err = %v, want ResourceNotFoundException", name, err)
	}
}

func TestSimpleTableWithoutSortKey(t *testing.T) {
	name := SimpleTable(t, "", "id", "")
	if !strings.HasPrefix(name, "t_") {
		t.Fatalf("name = %q, want t_<suffix>", name)
	}
	d, err := describe(t, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.KeySchema) != 1 || aws.ToString(d.KeySchema[0].AttributeName) != "id" || d.KeySchema[0].KeyType != types.KeyTypeHash {
		t.Fatalf("key schema = %+v, want HASH id only", d.KeySchema)
	}
}

func TestCreateTableProvisioned(t *testing.T) {
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String("prov"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeN}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		ProvisionedThroughput: &types.ProvisionedThroughput{
			ReadCapacityUnits:  aws.Int64(5),
			WriteCapacityUnits: aws.Int64(5),
		},
	}
	name := CreateTable(t, in)
	if aws.ToString(in.TableName) != "prov" || in.BillingMode != "" {
		t.Fatalf("CreateTable modified its input: TableName %q, BillingMode %q", aws.ToString(in.TableName), in.BillingMode)
	}
	d, err := describe(t, name)
	if err != nil {
		t.Fatal(err)
	}
	if d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode == types.BillingModePayPerRequest {
		t.Fatalf("billing mode = PAY_PER_REQUEST, want provisioned")
	}
	if pt := d.ProvisionedThroughput; pt == nil || aws.ToInt64(pt.ReadCapacityUnits) != 5 {
		t.Fatalf("provisioned throughput = %+v, want 5 read units", pt)
	}
}

func TestClientShared(t *testing.T) {
	if a, b := Client(t), Client(t); a != b {
		t.Fatal("Client returned two different clients")
	}
}

func FuzzUniqueName(f *testing.F) {
	for _, s := range []string{"", "users", "Test/sub", "ä€", strings.Repeat("x", 256), "a.b-c_d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		n := UniqueName(prefix)
		if !tableNameRE.MatchString(n) {
			t.Fatalf("UniqueName(%q) = %q, not a valid table name", prefix, n)
		}
		if tableNameRE.MatchString(prefix+"_x") && len(prefix) <= maxPrefix && !strings.HasPrefix(n, prefix+"_") {
			t.Fatalf("UniqueName(%q) = %q, want the prefix kept", prefix, n)
		}
	})
}
