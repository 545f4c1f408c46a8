package mapper

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/schema"
)

// SyncOptions configures Sync. The zero value creates on-demand tables,
// waits up to 5 minutes for each change and logs progress with
// slog.Default().
type SyncOptions struct {
	// Timeout bounds the wait for each table or index to become ACTIVE;
	// 0 means 5 minutes.
	Timeout time.Duration
	// PollInterval is the time between two DescribeTable calls while
	// waiting; 0 means 1 second.
	PollInterval time.Duration
	// BillingMode of created tables: PAY_PER_REQUEST (on demand, the
	// default) or PROVISIONED.
	BillingMode types.BillingMode
	// ReadCapacity and WriteCapacity are the provisioned throughput of a
	// PROVISIONED table and of each of its global indexes (also of
	// indexes added to an existing provisioned table); 0 means 5.
	ReadCapacity, WriteCapacity int64
	// DropUnknownIndexes deletes global secondary indexes that exist on a
	// table but that no entity declares. Without it they are reported as
	// drift.
	DropUnknownIndexes bool
	// RecreateChangedIndexes deletes and recreates a global secondary
	// index whose key differs from the declaration (the index is
	// unavailable while it is rebuilt). Without it the difference is
	// reported as drift.
	RecreateChangedIndexes bool
	// Progress, when set, receives an event for every step and every poll
	// while waiting. When nil, events are logged through Logger.
	Progress func(SyncEvent)
	// Logger logs events when Progress is nil; nil means slog.Default().
	Logger *slog.Logger
}

// SyncEvent is one step of Sync, for SyncOptions.Progress.
type SyncEvent struct {
	// Table is the table concerned.
	Table string
	// Index is the index concerned, "" for the table.
	Index string
	// Step is "create-table", "add-index", "drop-index", "wait", "ready"
	// or "drift".
	Step string
	// Status is DynamoDB's status while waiting (CREATING, UPDATING...).
	Status string
	// Elapsed is the time waited so far in this step.
	Elapsed time.Duration
	// Message describes the step.
	Message string
}

// SyncReport says what Sync did and found, table by table.
type SyncReport struct {
	Tables []TableReport
}

// TableReport is what Sync did to one table.
type TableReport struct {
	// Table is the table's name.
	Table string
	// Created is true when Sync created the table.
	Created bool
	// AddedIndexes and DroppedIndexes name the global indexes Sync added
	// and deleted (a recreated index is in both).
	AddedIndexes   []string
	DroppedIndexes []string
	// Drift lists the differences Sync found and did not fix.
	Drift []string
}

// Sync makes the tables of models exist as declared (the seed's
// "synchronize: true"): it creates missing tables with their keys,
// attribute definitions (composite columns as strings), global and local
// secondary indexes (all attributes projected) and the billing mode, and
// waits until they are ACTIVE. On an existing table it adds the missing
// global indexes, one at a time, waiting for each, and reports the
// differences it will not fix without an explicit option (SyncOptions):
// another key or key type, missing local indexes (only creatable with the
// table), extra indexes, indexes with other keys or projections.
// Progress goes to SyncOptions.Progress or the logger. Entities sharing a
// table are merged.
//
// Sync uses the connector's DynamoDB client and builds its requests, and
// waits, with the same code as the driver's CREATE TABLE and CREATE GSI
// statements; it records the models' composite columns in the connector's
// catalog (see Attach), forgetting cached descriptions of the tables.
//
// Existing items do not gain a composite column that a newly added index
// needs until they are written again through the mapper.
func Sync(ctx context.Context, db *sql.DB, opts SyncOptions, models ...Model) (*SyncReport, error) {
	c, err := dynamosql.ConnectorOf(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("mapper: Sync: %w", err)
	}
	rep, err := syncTables(ctx, c.Client(), opts, models)
	for _, mo := range models {
		c.Catalog().Invalidate(mo.Metadata().Table)
		if aerr := attach(c, mo.Metadata()); aerr != nil && err == nil {
			err = aerr
		}
	}
	return rep, err
}

// tableDecl is the merged declaration of one table.
type tableDecl struct {
	name     string
	entities []string
	pk, sk   string
	types    map[string]types.ScalarAttributeType
	indexes  []Index
}

func mergeTables(models []Model) ([]*tableDecl, error) {
	var out []*tableDecl
	byName := map[string]*tableDecl{}
	for _, mo := range models {
		m := mo.Metadata()
		t := byName[m.Table]
		if t == nil {
			t = &tableDecl{name: m.Table, pk: m.PartitionKey, sk: m.SortKey, types: map[string]types.ScalarAttributeType{}}
			byName[m.Table] = t
			out = append(out, t)
		} else if t.pk != m.PartitionKey || t.sk != m.SortKey {
			return nil, fmt.Errorf("mapper: Sync: entities %s and %s share table %q with different keys (%s, %s) and (%s, %s)",
				t.entities[0], m.Entity, m.Table, t.pk, orNone(t.sk), m.PartitionKey, orNone(m.SortKey))
		}
		t.entities = append(t.entities, m.Entity)
		typeOf := func(attr string) types.ScalarAttributeType {
			if _, ok := m.Composite(attr); ok {
				return types.ScalarAttributeTypeS
			}
			a, _ := m.Attribute(attr)
			return a.KeyType
		}
		addType := func(attr string) error {
			if attr == "" {
				return nil
			}
			typ := typeOf(attr)
			if prev, ok := t.types[attr]; ok && prev != typ {
				return fmt.Errorf("mapper: Sync: table %q: entity %s stores key attribute %q as %s, another entity as %s", m.Table, m.Entity, attr, typ, prev)
			}
			t.types[attr] = typ
			return nil
		}
		for _, attr := range []string{m.PartitionKey, m.SortKey} {
			if err := addType(attr); err != nil {
				return nil, err
			}
		}
		for _, ix := range m.Indexes {
			if err := addType(ix.PartitionKey); err != nil {
				return nil, err
			}
			if err := addType(ix.SortKey); err != nil {
				return nil, err
			}
			i := slices.IndexFunc(t.indexes, func(x Index) bool { return x.Name == ix.Name })
			if i < 0 {
				t.indexes = append(t.indexes, ix)
				continue
			}
			if prev := t.indexes[i]; prev.Global != ix.Global || prev.PartitionKey != ix.PartitionKey || prev.SortKey != ix.SortKey {
				return nil, fmt.Errorf("mapper: Sync: table %q: entity %s declares index %q with another key than another entity", m.Table, m.Entity, ix.Name)
			}
		}
	}
	return out, nil
}

func orNone(s string) string {
	if s == "" {
		return "no sort key"
	}
	return s
}

// syncer carries one Sync run.
type syncer struct {
	api  schema.API
	opts SyncOptions
}

func syncTables(ctx context.Context, api schema.API, opts SyncOptions, models []Model) (*SyncReport, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Minute
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.BillingMode == "" {
		opts.BillingMode = types.BillingModePayPerRequest
	}
	if opts.ReadCapacity <= 0 {
		opts.ReadCapacity = 5
	}
	if opts.WriteCapacity <= 0 {
		opts.WriteCapacity = 5
	}
	if opts.Progress == nil {
		logger := opts.Logger
		if logger == nil {
			logger = slog.Default()
		}
		opts.Progress = func(e SyncEvent) {
			level := slog.LevelInfo
			if e.Step == "drift" {
				level = slog.LevelWarn
			}
			logger.Log(context.Background(), level, "dynamosql/mapper sync: "+e.Message,
				"table", e.Table, "index", e.Index, "step", e.Step, "status", e.Status, "elapsed", e.Elapsed)
		}
	}
	tables, err := mergeTables(models)
	if err != nil {
		return nil, err
	}
	s := &syncer{api: api, opts: opts}
	rep := &SyncReport{}
	for _, t := range tables {
		tr, err := s.table(ctx, t)
		if tr != nil {
			rep.Tables = append(rep.Tables, *tr)
		}
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (s *syncer) event(e SyncEvent) { s.opts.Progress(e) }

// capacity is the throughput of provisioned tables and their global
// indexes; zero (on-demand) otherwise.
func (s *syncer) capacity() schema.Capacity {
	if s.opts.BillingMode != types.BillingModeProvisioned {
		return schema.Capacity{}
	}
	return schema.Capacity{Read: s.opts.ReadCapacity, Write: s.opts.WriteCapacity}
}

func (t *tableDecl) attr(name string) schema.Attr {
	if name == "" {
		return schema.Attr{}
	}
	return schema.Attr{Name: name, Type: t.types[name]}
}

// index declares ix, projecting all attributes (the mapper reads whole
// items); a global index of a provisioned table gets capacity c.
func (t *tableDecl) index(ix Index, c schema.Capacity) schema.Index {
	si := schema.Index{
		Name: ix.Name, Global: ix.Global,
		PartitionKey: t.attr(ix.PartitionKey), SortKey: t.attr(ix.SortKey),
		Projection: types.ProjectionTypeAll,
	}
	if ix.Global {
		si.Capacity = c
	}
	return si
}

func (s *syncer) table(ctx context.Context, t *tableDecl) (*TableReport, error) {
	tr := &TableReport{Table: t.name}
	desc, err := s.describe(ctx, t.name)
	if err != nil {
		return tr, err
	}
	if desc == nil {
		if err := s.create(ctx, t); err != nil {
			return tr, err
		}
		tr.Created = true
		return tr, nil
	}
	return tr, s.update(ctx, t, desc, tr)
}

// describe returns the table's description, nil when it does not exist.
func (s *syncer) describe(ctx context.Context, name string) (*types.TableDescription, error) {
	d, err := schema.Describe(ctx, s.api, name)
	if err != nil {
		return nil, fmt.Errorf("mapper: Sync: DescribeTable %q: %w", name, err)
	}
	return d, nil
}

func (s *syncer) create(ctx context.Context, t *tableDecl) error {
	spec := &schema.Table{Name: t.name, PartitionKey: t.attr(t.pk), SortKey: t.attr(t.sk), Capacity: s.capacity()}
	var names []string
	for _, ix := range t.indexes {
		spec.Indexes = append(spec.Indexes, t.index(ix, spec.Capacity))
		names = append(names, ix.Name)
	}
	in, err := spec.CreateInput()
	if err != nil {
		return fmt.Errorf("mapper: Sync: table %q: %w", t.name, err)
	}
	msg := fmt.Sprintf("creating table %s (key %s, %s)", t.name, t.pk, orNone(t.sk))
	if len(names) > 0 {
		msg += ", indexes " + strings.Join(names, ", ")
	}
	s.event(SyncEvent{Table: t.name, Step: "create-table", Message: msg})
	var last *types.TableDescription
	out, err := s.api.CreateTable(ctx, in)
	switch {
	case err == nil:
		last = out.TableDescription
	case !schema.IsInUse(err):
		return fmt.Errorf("mapper: Sync: CreateTable %q: %w", t.name, err)
	}
	// (In use: created meanwhile by someone else; wait for it like ours.)
	_, err = s.wait(ctx, schema.Target{Table: t.name}, last)
	return err
}

// wait waits, within the timeout, until DynamoDB has applied the change tg
// names (see schema.Waiter), reporting each poll.
func (s *syncer) wait(ctx context.Context, tg schema.Target, last *types.TableDescription) (*types.TableDescription, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	start := time.Now()
	w := schema.Waiter{Poll: s.opts.PollInterval, Progress: func(p schema.Progress) {
		s.event(SyncEvent{Table: tg.Table, Index: tg.Index, Step: "wait", Status: p.Status, Elapsed: p.Elapsed,
			Message: fmt.Sprintf("waiting for table %s: %s", tg.Table, p.Status)})
	}}
	desc, err := w.Wait(ctx, s.api, tg, last)
	if err != nil {
		var we *schema.WaitError
		if errors.As(err, &we) && ctx.Err() != nil {
			return nil, fmt.Errorf("mapper: Sync: table %q not ACTIVE after %v (status %s): %w", tg.Table, s.opts.Timeout, we.Status, err)
		}
		return nil, fmt.Errorf("mapper: Sync: %w", err)
	}
	s.event(SyncEvent{Table: tg.Table, Index: tg.Index, Step: "ready", Status: "ACTIVE", Elapsed: time.Since(start),
		Message: fmt.Sprintf("table %s is ACTIVE after %v", tg.Table, time.Since(start).Round(time.Millisecond))})
	return desc, nil
}

func (s *syncer) drift(tr *TableReport, index, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	tr.Drift = append(tr.Drift, msg)
	s.event(SyncEvent{Table: tr.Table, Index: index, Step: "drift", Message: msg})
}

func (s *syncer) update(ctx context.Context, t *tableDecl, desc *types.TableDescription, tr *TableReport) error {
	if pk, sk := schema.KeyNames(desc.KeySchema); pk != t.pk || sk != t.sk {
		s.drift(tr, "", "table %s has key (%s, %s) but %s declares (%s, %s); a table's key cannot change: migrate the data to a new table",
			t.name, pk, orNone(sk), strings.Join(t.entities, ", "), t.pk, orNone(t.sk))
		return nil
	}
	existing := map[string]types.ScalarAttributeType{}
	for _, d := range desc.AttributeDefinitions {
		existing[aws.ToString(d.AttributeName)] = d.AttributeType
	}
	for attr, typ := range t.types {
		if have, ok := existing[attr]; ok && have != typ {
			s.drift(tr, "", "attribute %s is defined as %s in table %s but declared as %s", attr, have, t.name, typ)
		}
	}
	provisioned := !schema.OnDemand(desc)
	// Local indexes: compare only.
	haveLSI := map[string]types.LocalSecondaryIndexDescription{}
	for _, l := range desc.LocalSecondaryIndexes {
		haveLSI[aws.ToString(l.IndexName)] = l
	}
	haveGSI := map[string]types.GlobalSecondaryIndexDescription{}
	for _, g := range desc.GlobalSecondaryIndexes {
		haveGSI[aws.ToString(g.IndexName)] = g
	}
	declared := map[string]bool{}
	var toAdd []Index
	for _, ix := range t.indexes {
		declared[ix.Name] = true
		if !ix.Global {
			l, ok := haveLSI[ix.Name]
			switch {
			case !ok:
				s.drift(tr, ix.Name, "local index %s is missing from table %s; local indexes can only be created with the table", ix.Name, t.name)
			default:
				if _, sk := schema.KeyNames(l.KeySchema); sk != ix.SortKey {
					s.drift(tr, ix.Name, "local index %s sorts by %s but is declared with %s", ix.Name, sk, ix.SortKey)
				}
				checkProjection(s, tr, ix.Name, l.Projection)
			}
			continue
		}
		g, ok := haveGSI[ix.Name]
		if !ok {
			if _, isLSI := haveLSI[ix.Name]; isLSI {
				s.drift(tr, ix.Name, "index %s is a local index in table %s but declared global", ix.Name, t.name)
				continue
			}
			toAdd = append(toAdd, ix)
			continue
		}
		pk, sk := schema.KeyNames(g.KeySchema)
		if pk != ix.PartitionKey || sk != ix.SortKey {
			if !s.opts.RecreateChangedIndexes {
				s.drift(tr, ix.Name, "global index %s has key (%s, %s) but is declared with (%s, %s); set RecreateChangedIndexes to rebuild it",
					ix.Name, pk, orNone(sk), ix.PartitionKey, orNone(ix.SortKey))
				continue
			}
			if err := s.dropIndex(ctx, t, ix.Name, tr); err != nil {
				return err
			}
			toAdd = append(toAdd, ix)
			continue
		}
		checkProjection(s, tr, ix.Name, g.Projection)
	}
	for name := range haveLSI {
		if !declared[name] {
			s.drift(tr, name, "local index %s of table %s is not declared by %s (local indexes cannot be deleted)", name, t.name, strings.Join(t.entities, ", "))
		}
	}
	var extra []string
	for name := range haveGSI {
		if !declared[name] {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		if !s.opts.DropUnknownIndexes {
			s.drift(tr, name, "global index %s of table %s is not declared by %s; set DropUnknownIndexes to delete it", name, t.name, strings.Join(t.entities, ", "))
			continue
		}
		if err := s.dropIndex(ctx, t, name, tr); err != nil {
			return err
		}
	}
	for _, ix := range toAdd {
		conflict := false
		for _, attr := range []string{ix.PartitionKey, ix.SortKey} {
			if have, ok := existing[attr]; ok && attr != "" && have != t.types[attr] {
				s.drift(tr, ix.Name, "cannot add index %s: attribute %s is already defined as %s, not %s", ix.Name, attr, have, t.types[attr])
				conflict = true
			}
		}
		if conflict {
			continue
		}
		s.event(SyncEvent{Table: t.name, Index: ix.Name, Step: "add-index",
			Message: fmt.Sprintf("adding global index %s to table %s (key %s, %s)", ix.Name, t.name, ix.PartitionKey, orNone(ix.SortKey))})
		var c schema.Capacity
		if provisioned {
			c = schema.Capacity{Read: s.opts.ReadCapacity, Write: s.opts.WriteCapacity}
		}
		in, err := schema.AddIndex(t.name, t.index(ix, c))
		if err != nil {
			return fmt.Errorf("mapper: Sync: adding index %q to table %q: %w", ix.Name, t.name, err)
		}
		out, err := s.api.UpdateTable(ctx, in)
		if err != nil {
			return fmt.Errorf("mapper: Sync: adding index %q to table %q: %w", ix.Name, t.name, err)
		}
		if _, err := s.wait(ctx, schema.Target{Table: t.name, Index: ix.Name}, out.TableDescription); err != nil {
			return err
		}
		for _, attr := range []string{ix.PartitionKey, ix.SortKey} {
			if attr != "" {
				existing[attr] = t.types[attr]
			}
		}
		tr.AddedIndexes = append(tr.AddedIndexes, ix.Name)
	}
	return nil
}

func checkProjection(s *syncer, tr *TableReport, index string, p *types.Projection) {
	if p != nil && p.ProjectionType != "" && p.ProjectionType != types.ProjectionTypeAll {
		s.drift(tr, index, "index %s projects %s, but the mapper reads whole items: items read through it miss attributes", index, p.ProjectionType)
	}
}

func (s *syncer) dropIndex(ctx context.Context, t *tableDecl, name string, tr *TableReport) error {
	s.event(SyncEvent{Table: t.name, Index: name, Step: "drop-index", Message: fmt.Sprintf("deleting global index %s of table %s", name, t.name)})
	out, err := s.api.UpdateTable(ctx, schema.DropIndex(t.name, name))
	if err != nil {
		return fmt.Errorf("mapper: Sync: deleting index %q of table %q: %w", name, t.name, err)
	}
	if _, err := s.wait(ctx, schema.Target{Table: t.name, Index: name, Gone: true}, out.TableDescription); err != nil {
		return err
	}
	tr.DroppedIndexes = append(tr.DroppedIndexes, name)
	return nil
}
