package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql"
)

// tableCatalog answers the meta-commands \dt, \d and \di. clientCatalog
// implements it with the connector's DynamoDB client (ListTables,
// DescribeTable) until the driver runs SHOW TABLES and DESCRIBE TABLE as
// SQL; then an implementation that sends those statements replaces it
// here, and nothing else in the shell changes.
type tableCatalog interface {
	// Tables returns the names of all tables, sorted.
	Tables(ctx context.Context) ([]string, error)
	// Describe returns what \d and \di show about one table.
	Describe(ctx context.Context, table string) (*tableInfo, error)
}

// tableInfo is what the shell shows about a table.
type tableInfo struct {
	Name         string
	Status       string
	PartitionKey keyAttr
	SortKey      keyAttr // Name "" when the table has no sort key
	Indexes      []indexInfo
	ItemCount    int64 // DynamoDB updates it about every six hours
	SizeBytes    int64 // likewise
	Billing      string
	Class        string
}

// keyAttr is a key attribute and its type (S, N or B).
type keyAttr struct {
	Name string
	Type string
}

func (k keyAttr) String() string {
	if k.Name == "" {
		return ""
	}
	return k.Name + " (" + k.Type + ")"
}

// indexInfo is one secondary index.
type indexInfo struct {
	Name         string
	Kind         string // GSI or LSI
	PartitionKey keyAttr
	SortKey      keyAttr
	Projection   string // ALL, KEYS_ONLY, or INCLUDE a, b
	Status       string // a GSI's status; "" for an LSI
}

// clientCatalog is tableCatalog on the DynamoDB client the driver's
// connector owns (dynamosql.Client).
type clientCatalog struct{ db *sql.DB }

func (c clientCatalog) client(ctx context.Context) (*dynamodb.Client, error) {
	return dynamosql.Client(ctx, c.db)
}

// Tables implements tableCatalog with ListTables.
func (c clientCatalog) Tables(ctx context.Context) ([]string, error) {
	cl, err := c.client(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	p := dynamodb.NewListTablesPaginator(cl, &dynamodb.ListTablesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing tables: %w", err)
		}
		names = append(names, out.TableNames...)
	}
	slices.Sort(names)
	return names, nil
}

// Describe implements tableCatalog with DescribeTable.
func (c clientCatalog) Describe(ctx context.Context, table string) (*tableInfo, error) {
	cl, err := c.client(ctx)
	if err != nil {
		return nil, err
	}
	out, err := cl.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("table %q does not exist (\\dt lists the tables)", table)
		}
		return nil, fmt.Errorf("describing table %q: %w", table, err)
	}
	return tableInfoOf(out.Table), nil
}

// tableInfoOf converts DynamoDB's description of a table.
func tableInfoOf(d *types.TableDescription) *tableInfo {
	attrTypes := map[string]string{}
	for _, a := range d.AttributeDefinitions {
		attrTypes[aws.ToString(a.AttributeName)] = string(a.AttributeType)
	}
	keys := func(schema []types.KeySchemaElement) (pk, sk keyAttr) {
		for _, k := range schema {
			a := keyAttr{Name: aws.ToString(k.AttributeName), Type: attrTypes[aws.ToString(k.AttributeName)]}
			if k.KeyType == types.KeyTypeHash {
				pk = a
			} else {
				sk = a
			}
		}
		return pk, sk
	}
	t := &tableInfo{
		Name:      aws.ToString(d.TableName),
		Status:    string(d.TableStatus),
		ItemCount: aws.ToInt64(d.ItemCount),
		SizeBytes: aws.ToInt64(d.TableSizeBytes),
		Billing:   billing(d),
		Class:     string(types.TableClassStandard),
	}
	t.PartitionKey, t.SortKey = keys(d.KeySchema)
	if d.TableClassSummary != nil && d.TableClassSummary.TableClass != "" {
		t.Class = string(d.TableClassSummary.TableClass)
	}
	for _, g := range d.GlobalSecondaryIndexes {
		ix := indexInfo{Name: aws.ToString(g.IndexName), Kind: "GSI", Projection: projection(g.Projection), Status: string(g.IndexStatus)}
		ix.PartitionKey, ix.SortKey = keys(g.KeySchema)
		t.Indexes = append(t.Indexes, ix)
	}
	for _, l := range d.LocalSecondaryIndexes {
		ix := indexInfo{Name: aws.ToString(l.IndexName), Kind: "LSI", Projection: projection(l.Projection)}
		ix.PartitionKey, ix.SortKey = keys(l.KeySchema)
		t.Indexes = append(t.Indexes, ix)
	}
	slices.SortFunc(t.Indexes, func(a, b indexInfo) int { return strings.Compare(a.Name, b.Name) })
	return t
}

// billing describes the billing mode: on-demand, or provisioned with its
// read and write capacity units. DynamoDB leaves BillingModeSummary out
// for tables that were always provisioned.
func billing(d *types.TableDescription) string {
	mode := types.BillingModeProvisioned
	if d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode != "" {
		mode = d.BillingModeSummary.BillingMode
	}
	if mode == types.BillingModePayPerRequest {
		return string(mode)
	}
	if pt := d.ProvisionedThroughput; pt != nil {
		return fmt.Sprintf("%s (read %d, write %d)", mode, aws.ToInt64(pt.ReadCapacityUnits), aws.ToInt64(pt.WriteCapacityUnits))
	}
	return string(mode)
}

// projection describes an index's projection.
func projection(p *types.Projection) string {
	if p == nil {
		return ""
	}
	s := string(p.ProjectionType)
	if len(p.NonKeyAttributes) > 0 {
		s += " " + strings.Join(p.NonKeyAttributes, ", ")
	}
	return s
}
