package dynamosql

import (
	"database/sql/driver"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

func TestDescribeRowsTypesAndValues(t *testing.T) {
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	d := &types.TableDescription{
		TableName:                 aws.String("tbl"),
		TableStatus:               types.TableStatusActive,
		ItemCount:                 aws.Int64(42),
		CreationDateTime:          &created,
		DeletionProtectionEnabled: aws.Bool(true),
		KeySchema:                 []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingModeSummary:        &types.BillingModeSummary{BillingMode: types.BillingModePayPerRequest},
	}
	r := describeRows(d, true)
	cols := r.Columns()
	require.NotEmpty(t, cols)
	assert.IsIncreasing(t, cols)
	row := make([]driver.Value, len(cols))
	require.NoError(t, r.Next(row))
	got := map[string]driver.Value{}
	typeOf := map[string]string{}
	for i, c := range cols {
		got[c] = row[i]
		typeOf[c] = r.ColumnTypeDatabaseTypeName(i)
		nullable, ok := r.ColumnTypeNullable(i)
		assert.True(t, nullable && ok)
		for _, v := range []driver.Value{row[i]} {
			if v != nil {
				assert.Equal(t, r.ColumnTypeScanType(i), reflect.TypeOf(v), c)
			}
		}
	}
	assert.Equal(t, "tbl", got["TableName"])
	assert.Equal(t, "ACTIVE", got["TableStatus"])
	assert.Equal(t, int64(42), got["ItemCount"])
	assert.Equal(t, created, got["CreationDateTime"])
	assert.Equal(t, true, got["DeletionProtectionEnabled"])
	assert.Equal(t, `[{"AttributeName":"id","KeyType":"HASH"}]`, got["KeySchema"])
	assert.JSONEq(t, `{"BillingMode":"PAY_PER_REQUEST","LastUpdateToPayPerRequestDateTime":null}`, got["BillingModeSummary"].(string))
	assert.Nil(t, got["TableSizeBytes"], "absent: NULL")
	assert.Nil(t, got["GlobalSecondaryIndexes"])
	assert.Nil(t, got["MultiRegionConsistency"], "an empty enum is NULL")
	assert.Equal(t, map[string]string{"TableName": "S", "ItemCount": "N", "CreationDateTime": "TIMESTAMP", "DeletionProtectionEnabled": "BOOL", "KeySchema": "JSON"},
		map[string]string{"TableName": typeOf["TableName"], "ItemCount": typeOf["ItemCount"], "CreationDateTime": typeOf["CreationDateTime"],
			"DeletionProtectionEnabled": typeOf["DeletionProtectionEnabled"], "KeySchema": typeOf["KeySchema"]})
	assert.Equal(t, io.EOF, r.Next(row))
	require.NoError(t, r.Close())
	assert.Equal(t, io.EOF, r.Next(row))

	empty := describeRows(&types.GlobalSecondaryIndexDescription{}, false)
	assert.Contains(t, empty.Columns(), "IndexStatus")
	assert.Equal(t, io.EOF, empty.Next(make([]driver.Value, len(empty.Columns()))))
}

func TestShowCreateTableText(t *testing.T) {
	def := func(n string, typ types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: typ}
	}
	hash := func(n string) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(n), KeyType: types.KeyTypeHash}
	}
	rng := func(n string) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(n), KeyType: types.KeyTypeRange}
	}
	d := &types.TableDescription{
		TableName:            aws.String("select"),
		AttributeDefinitions: []types.AttributeDefinition{def("the id", "S"), def("n", "N"), def("all", "B")},
		KeySchema:            []types.KeySchemaElement{hash("the id"), rng("n")},
		BillingModeSummary:   &types.BillingModeSummary{BillingMode: types.BillingModePayPerRequest},
		TableClassSummary:    &types.TableClassSummary{TableClass: types.TableClassStandardInfrequentAccess},
		LocalSecondaryIndexes: []types.LocalSecondaryIndexDescription{{IndexName: aws.String("by-all"), KeySchema: []types.KeySchemaElement{hash("the id"), rng("all")},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"ALL"}}}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndexDescription{{IndexName: aws.String("byN"), KeySchema: []types.KeySchemaElement{hash("n")},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			ProvisionedThroughput: &types.ProvisionedThroughputDescription{ReadCapacityUnits: aws.Int64(0), WriteCapacityUnits: aws.Int64(0)}}},
		StreamSpecification:       &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
		SSEDescription:            &types.SSEDescription{SSEType: types.SSETypeKms, Status: types.SSEStatusEnabled},
		DeletionProtectionEnabled: aws.Bool(true),
		OnDemandThroughput:        &types.OnDemandThroughput{MaxReadRequestUnits: aws.Int64(10)},
	}
	want := `CREATE TABLE "select" WITH PK="the id":STRING WITH SK=n:NUMBER WITH LSI=by-all:"all":BINARY:"ALL" WITH CLASS=STANDARD_IA;
CREATE GSI byN ON "select" WITH PK=n:NUMBER;
-- not reproduced: DynamoDB Streams (NEW_IMAGE), encryption with a KMS key, deletion protection, on-demand maximum throughput`
	got := showCreateTable(d)
	assert.Equal(t, want, got)
	// Each statement parses back to what it says.
	for _, s := range []string{
		`CREATE TABLE "select" WITH PK="the id":STRING WITH SK=n:NUMBER WITH LSI=by-all:"all":BINARY:"ALL" WITH CLASS=STANDARD_IA`,
		`CREATE GSI byN ON "select" WITH PK=n:NUMBER`,
	} {
		st, err := partiql.Parse(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, partiql.Print(st))
	}
	st, err := partiql.Parse(`CREATE TABLE "select" WITH PK="the id":STRING WITH SK=n:NUMBER WITH LSI=by-all:"all":BINARY:"ALL"`)
	require.NoError(t, err)
	l := st.(*partiql.CreateTable).LocalIndexes[0]
	assert.Equal(t, partiql.ProjectInclude, l.Projection.Type, `"ALL" quoted is an attribute`)

	d.TableClassSummary.TableClass = "FUTURE_CLASS"
	d.StreamSpecification, d.SSEDescription, d.DeletionProtectionEnabled, d.OnDemandThroughput = nil, nil, nil, nil
	assert.Contains(t, showCreateTable(d), "-- not reproduced: table class FUTURE_CLASS")
	assert.NotContains(t, showCreateTable(d), "WITH CLASS")
}
