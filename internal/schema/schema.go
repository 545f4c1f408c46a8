// Package schema builds DynamoDB's control-plane requests (CreateTable,
// UpdateTable) from a declaration of a table and its indexes, reads a
// table's description back into one, and waits until DynamoDB has applied
// a change. The driver's table and index statements (CREATE TABLE, CREATE
// GSI, ALTER ..., DROP ...) and mapper.Sync share it, so that a table is
// created and waited for in one way only.
package schema

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DescribeAPI is the part of the DynamoDB client that reads a table's
// description.
type DescribeAPI interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// API is the part of the DynamoDB client that creates, changes and deletes
// tables and indexes.
type API interface {
	DescribeAPI
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTable(ctx context.Context, in *dynamodb.UpdateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTableOutput, error)
	DeleteTable(ctx context.Context, in *dynamodb.DeleteTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteTableOutput, error)
}

// Attr is a key attribute: its name and type. A zero Attr stands for no
// key (a table or index without a sort key).
type Attr struct {
	Name string
	Type types.ScalarAttributeType
}

// Capacity is provisioned throughput. The zero Capacity stands for
// on-demand (PAY_PER_REQUEST) billing, or for an index without capacity of
// its own.
type Capacity struct {
	Read, Write int64
}

// IsZero reports whether c is on-demand.
func (c Capacity) IsZero() bool { return c == Capacity{} }

func (c Capacity) throughput() *types.ProvisionedThroughput {
	if c.IsZero() {
		return nil
	}
	return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(c.Read), WriteCapacityUnits: aws.Int64(c.Write)}
}

// Index is a secondary index. A local index's PartitionKey is its table's.
type Index struct {
	Name         string
	Global       bool
	PartitionKey Attr
	SortKey      Attr
	// Projection is ALL, KEYS_ONLY or INCLUDE (with NonKeyAttributes);
	// "" means ALL.
	Projection       types.ProjectionType
	NonKeyAttributes []string
	// Capacity is a global index's own throughput; a global index of a
	// provisioned table needs one.
	Capacity Capacity
}

func (ix *Index) projection() *types.Projection {
	p := &types.Projection{ProjectionType: ix.Projection}
	if p.ProjectionType == "" {
		p.ProjectionType = types.ProjectionTypeAll
	}
	if p.ProjectionType == types.ProjectionTypeInclude {
		p.NonKeyAttributes = append([]string(nil), ix.NonKeyAttributes...)
	}
	return p
}

// Table declares a table: its key, indexes, billing and class.
type Table struct {
	Name         string
	PartitionKey Attr
	SortKey      Attr
	Indexes      []Index
	// Capacity is the table's provisioned throughput; zero means
	// on-demand (PAY_PER_REQUEST).
	Capacity Capacity
	// Class is the table class; "" leaves DynamoDB's default (STANDARD).
	Class types.TableClass
}

// KeySchema returns the key schema of a partition key and an optional
// sort key.
func KeySchema(pk, sk string) []types.KeySchemaElement {
	ks := []types.KeySchemaElement{{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash}}
	if sk != "" {
		ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange})
	}
	return ks
}

// KeyNames returns the partition and sort key names of a key schema ("" for
// none).
func KeyNames(ks []types.KeySchemaElement) (pk, sk string) {
	for _, e := range ks {
		switch e.KeyType {
		case types.KeyTypeHash:
			pk = aws.ToString(e.AttributeName)
		case types.KeyTypeRange:
			sk = aws.ToString(e.AttributeName)
		}
	}
	return pk, sk
}

// definitions collects the attribute definitions of key attributes, once
// each, in order, refusing an attribute declared with two types.
type definitions struct {
	list  []types.AttributeDefinition
	types map[string]types.ScalarAttributeType
}

func (d *definitions) add(a Attr) error {
	if a.Name == "" {
		return nil
	}
	if d.types == nil {
		d.types = map[string]types.ScalarAttributeType{}
	}
	if prev, ok := d.types[a.Name]; ok {
		if prev != a.Type {
			return fmt.Errorf("key attribute %q is declared as %s and as %s: an attribute has one type in all the keys of a table and its indexes", a.Name, prev, a.Type)
		}
		return nil
	}
	d.types[a.Name] = a.Type
	d.list = append(d.list, types.AttributeDefinition{AttributeName: aws.String(a.Name), AttributeType: a.Type})
	return nil
}

// CreateInput returns the CreateTable request of t: its key and index key
// attributes defined once each, on-demand billing unless t has a
// capacity, and its class when set. It refuses an attribute declared with
// two types, and a global index without capacity on a provisioned table.
func (t *Table) CreateInput() (*dynamodb.CreateTableInput, error) {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(t.Name),
		KeySchema:   KeySchema(t.PartitionKey.Name, t.SortKey.Name),
		BillingMode: types.BillingModePayPerRequest,
		TableClass:  t.Class,
	}
	provisioned := !t.Capacity.IsZero()
	if provisioned {
		in.BillingMode = types.BillingModeProvisioned
		in.ProvisionedThroughput = t.Capacity.throughput()
	}
	var defs definitions
	if err := errors.Join(defs.add(t.PartitionKey), defs.add(t.SortKey)); err != nil {
		return nil, err
	}
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if err := errors.Join(defs.add(ix.PartitionKey), defs.add(ix.SortKey)); err != nil {
			return nil, err
		}
		if !ix.Global {
			in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
				IndexName:  aws.String(ix.Name),
				KeySchema:  KeySchema(ix.PartitionKey.Name, ix.SortKey.Name),
				Projection: ix.projection(),
			})
			continue
		}
		if provisioned && ix.Capacity.IsZero() {
			return nil, fmt.Errorf("global index %q of provisioned table %q needs a capacity of its own", ix.Name, t.Name)
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:             aws.String(ix.Name),
			KeySchema:             KeySchema(ix.PartitionKey.Name, ix.SortKey.Name),
			Projection:            ix.projection(),
			ProvisionedThroughput: ix.Capacity.throughput(),
		})
	}
	in.AttributeDefinitions = defs.list
	return in, nil
}

// AddIndex returns the UpdateTable request that adds global index ix to
// table, with the definitions of its key attributes.
func AddIndex(table string, ix Index) (*dynamodb.UpdateTableInput, error) {
	var defs definitions
	if err := errors.Join(defs.add(ix.PartitionKey), defs.add(ix.SortKey)); err != nil {
		return nil, err
	}
	return &dynamodb.UpdateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: defs.list,
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:             aws.String(ix.Name),
			KeySchema:             KeySchema(ix.PartitionKey.Name, ix.SortKey.Name),
			Projection:            ix.projection(),
			ProvisionedThroughput: ix.Capacity.throughput(),
		}}},
	}, nil
}

// DropIndex returns the UpdateTable request that deletes global index
// index of table.
func DropIndex(table, index string) *dynamodb.UpdateTableInput {
	return &dynamodb.UpdateTableInput{
		TableName:                   aws.String(table),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String(index)}}},
	}
}

// ErrIndexNotFound reports a global index the table does not have.
var ErrIndexNotFound = errors.New("no such global index")

// ErrOnDemand reports a capacity change of an index of an on-demand
// table, which has none.
var ErrOnDemand = errors.New("the table is on-demand (PAY_PER_REQUEST): its indexes have no capacity of their own")

// SetIndexCapacity returns the UpdateTable request that gives global index
// index of the table d describes capacity c, or nil when it has it
// already.
func SetIndexCapacity(d *types.TableDescription, index string, c Capacity) (*dynamodb.UpdateTableInput, error) {
	if OnDemand(d) {
		return nil, ErrOnDemand
	}
	for _, g := range d.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) != index {
			continue
		}
		if capacityOf(g.ProvisionedThroughput) == c {
			return nil, nil
		}
		return &dynamodb.UpdateTableInput{
			TableName: d.TableName,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Update: &types.UpdateGlobalSecondaryIndexAction{
				IndexName: aws.String(index), ProvisionedThroughput: c.throughput(),
			}}},
		}, nil
	}
	return nil, ErrIndexNotFound
}

// AlterTable returns the UpdateTable request that gives the table d
// describes the billing c (nil: unchanged; zero: on-demand) and class
// (unchanged when ""), or nil when it has them already. Switching to
// provisioned billing gives each global index the table's capacity too:
// DynamoDB requires one for each.
func AlterTable(d *types.TableDescription, c *Capacity, class types.TableClass) *dynamodb.UpdateTableInput {
	in := &dynamodb.UpdateTableInput{TableName: d.TableName}
	changed := false
	if c != nil {
		onDemand := OnDemand(d)
		switch {
		case c.IsZero() && !onDemand:
			in.BillingMode = types.BillingModePayPerRequest
			changed = true
		case !c.IsZero() && onDemand:
			in.BillingMode = types.BillingModeProvisioned
			in.ProvisionedThroughput = c.throughput()
			for _, g := range d.GlobalSecondaryIndexes {
				in.GlobalSecondaryIndexUpdates = append(in.GlobalSecondaryIndexUpdates, types.GlobalSecondaryIndexUpdate{
					Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: g.IndexName, ProvisionedThroughput: c.throughput()},
				})
			}
			changed = true
		case !c.IsZero() && capacityOf(d.ProvisionedThroughput) != *c:
			in.ProvisionedThroughput = c.throughput()
			changed = true
		}
	}
	if class != "" && class != ClassOf(d) {
		in.TableClass = class
		changed = true
	}
	if !changed {
		return nil
	}
	return in
}

// OnDemand reports whether the table d describes bills per request.
func OnDemand(d *types.TableDescription) bool {
	return d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode == types.BillingModePayPerRequest
}

// ClassOf returns the table class of the table d describes: STANDARD when
// DynamoDB reports none (DynamoDB Local never does).
func ClassOf(d *types.TableDescription) types.TableClass {
	if d.TableClassSummary != nil && d.TableClassSummary.TableClass != "" {
		return d.TableClassSummary.TableClass
	}
	return types.TableClassStandard
}

func capacityOf(p *types.ProvisionedThroughputDescription) Capacity {
	if p == nil {
		return Capacity{}
	}
	return Capacity{Read: aws.ToInt64(p.ReadCapacityUnits), Write: aws.ToInt64(p.WriteCapacityUnits)}
}

// FromDescription reads a table's declaration back from DynamoDB's
// description: key, key attribute types, indexes with their projections
// and (on a provisioned table) capacities, billing and class (Class is ""
// when DynamoDB reports none). Local indexes come first, then global
// ones, each in DynamoDB's order.
func FromDescription(d *types.TableDescription) *Table {
	typeOf := map[string]types.ScalarAttributeType{}
	for _, a := range d.AttributeDefinitions {
		typeOf[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	attr := func(name string) Attr {
		if name == "" {
			return Attr{}
		}
		return Attr{Name: name, Type: typeOf[name]}
	}
	keys := func(ks []types.KeySchemaElement) (Attr, Attr) {
		pk, sk := KeyNames(ks)
		return attr(pk), attr(sk)
	}
	t := &Table{Name: aws.ToString(d.TableName)}
	t.PartitionKey, t.SortKey = keys(d.KeySchema)
	provisioned := !OnDemand(d)
	if provisioned {
		t.Capacity = capacityOf(d.ProvisionedThroughput)
	}
	if d.TableClassSummary != nil {
		t.Class = d.TableClassSummary.TableClass
	}
	projection := func(ix *Index, p *types.Projection) {
		if p != nil {
			ix.Projection = p.ProjectionType
			ix.NonKeyAttributes = append([]string(nil), p.NonKeyAttributes...)
		}
		if ix.Projection == "" {
			ix.Projection = types.ProjectionTypeAll
		}
	}
	for _, l := range d.LocalSecondaryIndexes {
		ix := Index{Name: aws.ToString(l.IndexName)}
		ix.PartitionKey, ix.SortKey = keys(l.KeySchema)
		projection(&ix, l.Projection)
		t.Indexes = append(t.Indexes, ix)
	}
	for _, g := range d.GlobalSecondaryIndexes {
		ix := Index{Name: aws.ToString(g.IndexName), Global: true}
		ix.PartitionKey, ix.SortKey = keys(g.KeySchema)
		projection(&ix, g.Projection)
		if provisioned {
			ix.Capacity = capacityOf(g.ProvisionedThroughput)
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return t
}

// Describe returns the description of table name, or nil (and no error)
// when the table does not exist.
func Describe(ctx context.Context, api DescribeAPI, name string) (*types.TableDescription, error) {
	out, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return out.Table, nil
}

// IsNotFound reports whether err is DynamoDB's ResourceNotFoundException.
func IsNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// IsInUse reports whether err is DynamoDB's ResourceInUseException (a
// table that exists already, or is being created, changed or deleted).
func IsInUse(err error) bool {
	var iu *types.ResourceInUseException
	return errors.As(err, &iu)
}
