package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// tableCatalog answers the meta-commands \dt, \d and \di. sqlCatalog
// implements it with the driver's own statements, SHOW TABLES and DESCRIBE
// TABLE (see docs/tables.md): what the shell shows, any program can ask
// for through database/sql.
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

// sqlCatalog is tableCatalog on the driver's table statements.
type sqlCatalog struct{ db *sql.DB }

// Tables implements tableCatalog with SHOW TABLES.
func (c sqlCatalog) Tables(ctx context.Context) ([]string, error) {
	rows, err := c.db.QueryContext(ctx, "SHOW TABLES")
	if err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("listing tables: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// Describe implements tableCatalog with DESCRIBE TABLE, whose one row holds
// the fields of DynamoDB's table description (nested ones as JSON text);
// they are read back into the SDK's TableDescription.
func (c sqlCatalog) Describe(ctx context.Context, table string) (*tableInfo, error) {
	rows, err := c.db.QueryContext(ctx, `DESCRIBE TABLE "`+strings.ReplaceAll(table, `"`, `""`)+`"`)
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("table %q does not exist (\\dt lists the tables)", table)
		}
		return nil, fmt.Errorf("describing table %q: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("describing table %q: %w", table, err)
		}
		return nil, fmt.Errorf("describing table %q: no description returned", table)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("describing table %q: %w", table, err)
	}
	fields := make(map[string]json.RawMessage, len(cols))
	for i, col := range cols {
		if vals[i] == nil {
			continue
		}
		var raw []byte
		if s, ok := vals[i].(string); ok && types[i].DatabaseTypeName() == "JSON" {
			raw = []byte(s)
		} else if raw, err = json.Marshal(vals[i]); err != nil {
			return nil, fmt.Errorf("describing table %q: column %s: %w", table, col, err)
		}
		fields[col] = raw
	}
	doc, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	var d ddbtypes.TableDescription
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("describing table %q: reading the description: %w", table, err)
	}
	return tableInfoOf(&d), nil
}

// isNotFound reports DynamoDB's answer for a table that does not exist.
func isNotFound(err error) bool {
	var nf *ddbtypes.ResourceNotFoundException
	return errors.As(err, &nf)
}

// tableInfoOf converts DynamoDB's description of a table.
func tableInfoOf(d *ddbtypes.TableDescription) *tableInfo {
	attrTypes := map[string]string{}
	for _, a := range d.AttributeDefinitions {
		attrTypes[aws.ToString(a.AttributeName)] = string(a.AttributeType)
	}
	keys := func(schema []ddbtypes.KeySchemaElement) (pk, sk keyAttr) {
		for _, k := range schema {
			a := keyAttr{Name: aws.ToString(k.AttributeName), Type: attrTypes[aws.ToString(k.AttributeName)]}
			if k.KeyType == ddbtypes.KeyTypeHash {
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
		Class:     string(ddbtypes.TableClassStandard),
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
func billing(d *ddbtypes.TableDescription) string {
	mode := ddbtypes.BillingModeProvisioned
	if d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode != "" {
		mode = d.BillingModeSummary.BillingMode
	}
	if mode == ddbtypes.BillingModePayPerRequest {
		return string(mode)
	}
	if pt := d.ProvisionedThroughput; pt != nil {
		return fmt.Sprintf("%s (read %d, write %d)", mode, aws.ToInt64(pt.ReadCapacityUnits), aws.ToInt64(pt.WriteCapacityUnits))
	}
	return string(mode)
}

// projection describes an index's projection.
func projection(p *ddbtypes.Projection) string {
	if p == nil {
		return ""
	}
	s := string(p.ProjectionType)
	if len(p.NonKeyAttributes) > 0 {
		s += " " + strings.Join(p.NonKeyAttributes, ", ")
	}
	return s
}
