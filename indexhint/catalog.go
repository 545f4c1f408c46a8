// Package indexhint knows the tables and indexes of a DynamoDB database:
// the Catalog caches DescribeTable answers per connector and holds the
// composite columns the mapper registers from entity metadata; the
// composite codec (EncodeComposite, Composite.Condition...) writes and
// reads composite attribute values. The driver uses that knowledge to route
// a SELECT to the right index, to rewrite composite sort columns and to
// guard against full scans (see the driver's Explain and its scan policy);
// Access names the access paths it reports.
package indexhint

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DescribeTableAPI is the part of *dynamodb.Client the catalog needs.
type DescribeTableAPI interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// KeySchema is the key of a table or index.
type KeySchema struct {
	// PartitionKey is the partition (HASH) key attribute.
	PartitionKey string
	// SortKey is the sort (RANGE) key attribute, "" when there is none.
	SortKey string
}

// Index describes a secondary index.
type Index struct {
	// Name is the index name.
	Name string
	// Global is true for a GSI, false for an LSI.
	Global bool
	// Key is the index's key schema.
	Key KeySchema
	// Projection is ALL, KEYS_ONLY or INCLUDE.
	Projection types.ProjectionType
	// NonKeyAttributes lists the attributes an INCLUDE projection carries.
	NonKeyAttributes []string
}

// Table describes a table, its key and its indexes.
type Table struct {
	// Name is the table name.
	Name string
	// Key is the table's primary key.
	Key KeySchema
	// AttributeTypes maps each key attribute (of the table and its indexes)
	// to S, N or B.
	AttributeTypes map[string]string
	// Indexes lists the GSIs and LSIs.
	Indexes []Index
}

// Index returns the index named name, or nil.
func (t *Table) Index(name string) *Index {
	for i := range t.Indexes {
		if t.Indexes[i].Name == name {
			return &t.Indexes[i]
		}
	}
	return nil
}

// Catalog caches table metadata learned from DescribeTable. It is safe for
// concurrent use. One catalog belongs to one connector.
type Catalog struct {
	api    DescribeTableAPI
	mu     sync.RWMutex
	tables map[string]*Table
	group  callGroup
	// composites holds the composite columns registered per table
	// (composite.go), guarded by mu.
	composites map[string][]Composite
	// gen counts the changes of tables and composites (see Generation).
	gen atomic.Uint64
}

// Generation returns a number that changes whenever the catalog's content
// changes: a table described, forgotten or composites registered. Work
// derived from the catalog (a plan) is current while the generation it was
// made under is.
func (c *Catalog) Generation() uint64 { return c.gen.Load() }

// NewCatalog returns an empty catalog that describes tables with api.
func NewCatalog(api DescribeTableAPI) *Catalog {
	return &Catalog{api: api, tables: make(map[string]*Table)}
}

// ErrTableNotFound reports a table that DynamoDB does not know.
var ErrTableNotFound = errors.New("indexhint: table not found")

// Table returns the metadata of table name, calling DescribeTable once and
// caching the answer. Concurrent callers for the same table share one call.
func (c *Catalog) Table(ctx context.Context, name string) (*Table, error) {
	c.mu.RLock()
	t := c.tables[name]
	c.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	v, err := c.group.do(name, func() (any, error) {
		// A call that ended between the look-up above and this group
		// call has described the table already.
		c.mu.RLock()
		t := c.tables[name]
		c.mu.RUnlock()
		if t != nil {
			return t, nil
		}
		out, err := c.api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
		if err != nil {
			var nf *types.ResourceNotFoundException
			if errors.As(err, &nf) {
				return nil, fmt.Errorf("%w: %q: %w", ErrTableNotFound, name, err)
			}
			return nil, err
		}
		t = FromDescription(out.Table)
		c.mu.Lock()
		c.tables[name] = t
		c.gen.Add(1)
		c.mu.Unlock()
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Table), nil
}

// Invalidate forgets table name, so that the next use describes it again
// (call it when DynamoDB says a table or index is missing).
func (c *Catalog) Invalidate(name string) {
	c.mu.Lock()
	if _, ok := c.tables[name]; ok {
		delete(c.tables, name)
		c.gen.Add(1)
	}
	c.mu.Unlock()
}

// FromDescription converts DynamoDB's table description.
func FromDescription(d *types.TableDescription) *Table {
	t := &Table{AttributeTypes: make(map[string]string)}
	if d == nil {
		return t
	}
	if d.TableName != nil {
		t.Name = *d.TableName
	}
	t.Key = keySchema(d.KeySchema)
	for _, a := range d.AttributeDefinitions {
		if a.AttributeName != nil {
			t.AttributeTypes[*a.AttributeName] = string(a.AttributeType)
		}
	}
	for _, g := range d.GlobalSecondaryIndexes {
		t.Indexes = append(t.Indexes, index(g.IndexName, true, g.KeySchema, g.Projection))
	}
	for _, l := range d.LocalSecondaryIndexes {
		t.Indexes = append(t.Indexes, index(l.IndexName, false, l.KeySchema, l.Projection))
	}
	return t
}

func index(name *string, global bool, ks []types.KeySchemaElement, p *types.Projection) Index {
	ix := Index{Global: global, Key: keySchema(ks), Projection: types.ProjectionTypeAll}
	if name != nil {
		ix.Name = *name
	}
	if p != nil {
		if p.ProjectionType != "" {
			ix.Projection = p.ProjectionType
		}
		ix.NonKeyAttributes = append(ix.NonKeyAttributes, p.NonKeyAttributes...)
	}
	return ix
}

func keySchema(ks []types.KeySchemaElement) KeySchema {
	var k KeySchema
	for _, e := range ks {
		if e.AttributeName == nil {
			continue
		}
		switch e.KeyType {
		case types.KeyTypeHash:
			k.PartitionKey = *e.AttributeName
		case types.KeyTypeRange:
			k.SortKey = *e.AttributeName
		}
	}
	return k
}

// callGroup runs one call per key at a time and shares its result (a tiny
// singleflight).
type callGroup struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

func (g *callGroup) do(key string, fn func() (any, error)) (any, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = make(map[string]*call)
	}
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &call{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()
	c.val, c.err = fn()
	close(c.done)
	g.mu.Lock()
	delete(g.calls, key)
	g.mu.Unlock()
	return c.val, c.err
}
