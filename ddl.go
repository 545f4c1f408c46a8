package dynamosql

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
	"github.com/dynamosql/dynamosql/internal/schema"
)

// Table and index statements (CREATE TABLE, CREATE GSI, ALTER ..., DROP
// ..., LIST TABLES, DESCRIBE ..., SHOW CREATE TABLE; see docs/tables.md).
// DynamoDB's PartiQL has none of them: the driver parses them
// (internal/partiql) and runs them with the control-plane API, never with
// ExecuteStatement. Changes wait until DynamoDB reports the table or index
// ACTIVE (or gone), bounded by the statement's context; each call is
// bounded by Config.Timeout.

// checkDDL refuses a table or index statement where it cannot run: with
// arguments, or, for a change, in a transaction.
func (c *conn) checkDDL(a *analysis, args int) error {
	if args > 0 {
		return fmt.Errorf("%w: %s takes no arguments but %d were given: write the names and values in the statement",
			ErrArgCount, a.kind, args)
	}
	if c.tx != nil && a.kind.ChangesSchema() {
		return fmt.Errorf("%w (INSERT, UPDATE, DELETE, EXISTS): run the %s on the *sql.DB, outside the transaction",
			ErrDDLInTx, a.kind)
	}
	return nil
}

// ddlError explains a table or index statement the parser cannot read.
func ddlError(err error) error {
	if isUnsupported(err) {
		return unsupported(strings.TrimPrefix(err.Error(), "partiql: "))
	}
	var se *partiql.SyntaxError
	if errors.As(err, &se) && strings.HasPrefix(se.Msg, "malformed number") {
		return fmt.Errorf("dynamosql: %w (write a name whose part after '-' or '.' starts with a digit in double quotes, as in \"orders-2nd\")", syntaxErr(err))
	}
	return fmt.Errorf("dynamosql: %w", syntaxErr(err))
}

// execDDL runs a CREATE, ALTER or DROP (Exec of a LIST, DESCRIBE or SHOW
// is refused).
func (c *conn) execDDL(ctx context.Context, st partiql.Statement) (driver.Result, error) {
	if !st.Kind().ChangesSchema() {
		return nil, fmt.Errorf("%w: Exec of %s: use Query (QueryContext), which returns its rows", ErrNotQuery, st.Kind())
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n, err := c.changeSchema(ctx, st)
	if err != nil {
		return nil, err
	}
	return result{affected: n}, nil
}

// queryDDL runs a LIST, DESCRIBE or SHOW (Query of a CREATE, ALTER or
// DROP is refused).
func (c *conn) queryDDL(ctx context.Context, st partiql.Statement) (driver.Rows, error) {
	if st.Kind().ChangesSchema() {
		return nil, fmt.Errorf("%w: Query of %s: use Exec (ExecContext), whose Result has RowsAffected", ErrNotExec, st.Kind())
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.readSchema(ctx, st)
}

// ---- changes ----

// changeSchema runs a CREATE, ALTER or DROP and returns its RowsAffected:
// 1, or 0 when IF [NOT] EXISTS found nothing to do or ALTER nothing to
// change. The connector's catalog forgets the table, so that the next
// statement's index hints see the change.
func (c *conn) changeSchema(ctx context.Context, st partiql.Statement) (int64, error) {
	table, _ := partiql.DDLTable(st)
	defer c.c.catalog.Invalidate(table)
	api := ddlAPI{c}
	switch s := st.(type) {
	case *partiql.CreateTable:
		return api.createTable(ctx, s)
	case *partiql.AlterTable:
		return api.alterTable(ctx, s)
	case *partiql.DropTable:
		return api.dropTable(ctx, s)
	case *partiql.CreateGSI:
		return api.createGSI(ctx, s)
	case *partiql.AlterGSI:
		return api.alterGSI(ctx, s)
	case *partiql.DropGSI:
		return api.dropGSI(ctx, s)
	}
	return 0, fmt.Errorf("dynamosql: %s changes no table", st.Kind())
}

// ddlAPI is the connector's client as table and index statements use it:
// each call is bounded by Config.Timeout, and reads are resent after a
// response that broke off.
type ddlAPI struct{ c *conn }

var _ schema.API = ddlAPI{}

// DescribeTable calls DescribeTable.
func (a ddlAPI) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	ctx, cancel := a.c.callContext(ctx)
	defer cancel()
	var out *dynamodb.DescribeTableOutput
	err := resend(ctx, maxReadResends, isBrokenResponse, func() (err error) {
		out, err = a.c.c.client.DescribeTable(ctx, in, append(optFns, a.c.c.obs.option)...)
		return err
	})
	return out, err
}

// CreateTable calls CreateTable.
func (a ddlAPI) CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	ctx, cancel := a.c.callContext(ctx)
	defer cancel()
	return a.c.c.client.CreateTable(ctx, in, append(optFns, a.c.c.obs.option)...)
}

// UpdateTable calls UpdateTable.
func (a ddlAPI) UpdateTable(ctx context.Context, in *dynamodb.UpdateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTableOutput, error) {
	ctx, cancel := a.c.callContext(ctx)
	defer cancel()
	return a.c.c.client.UpdateTable(ctx, in, append(optFns, a.c.c.obs.option)...)
}

// DeleteTable calls DeleteTable.
func (a ddlAPI) DeleteTable(ctx context.Context, in *dynamodb.DeleteTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteTableOutput, error) {
	ctx, cancel := a.c.callContext(ctx)
	defer cancel()
	return a.c.c.client.DeleteTable(ctx, in, append(optFns, a.c.c.obs.option)...)
}

// describe returns the description of table (an *Error wrapping
// ResourceNotFoundException when it does not exist).
func (a ddlAPI) describe(ctx context.Context, table string) (*types.TableDescription, error) {
	out, err := a.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, tableErr("DescribeTable", table, err)
	}
	return out.Table, nil
}

// changeErr wraps the error of a request that changes a table: when the
// statement's context ended during the request, DynamoDB may have received
// it and then goes on with the change.
func changeErr(ctx context.Context, kind partiql.Kind, op, table string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("dynamosql: %s: the context ended during %s: %w; DynamoDB may have received the request, and then the operation continues on the server (DESCRIBE shows it)",
			kind, op, tableErr(op, table, err))
	}
	return tableErr(op, table, err)
}

// wait waits until DynamoDB has applied the change tg names.
func (a ddlAPI) wait(ctx context.Context, kind partiql.Kind, tg schema.Target, last *types.TableDescription) error {
	if _, err := (schema.Waiter{}).Wait(ctx, a, tg, last); err != nil {
		return fmt.Errorf("dynamosql: %s: %w", kind, err)
	}
	return nil
}

// tableClass returns DynamoDB's name of a table class of the statements:
// STANDARD_IA is STANDARD_INFREQUENT_ACCESS.
func tableClass(class string) types.TableClass {
	if class == "STANDARD_IA" {
		return types.TableClassStandardInfrequentAccess
	}
	return types.TableClass(class)
}

func keyAttr(k partiql.KeyAttr) schema.Attr {
	if k.IsZero() {
		return schema.Attr{}
	}
	return schema.Attr{Name: k.Name.Name, Type: types.ScalarAttributeType(k.Type)}
}

// capacity returns the capacity of WITH wcu=, rcu= (zero when not given:
// the parser accepts both or neither).
func capacity(wcu, rcu *int64) schema.Capacity {
	if wcu == nil || rcu == nil {
		return schema.Capacity{}
	}
	return schema.Capacity{Read: *rcu, Write: *wcu}
}

func names(ids []partiql.Ident) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Name
	}
	return out
}

// tableSpec declares the table of a CREATE TABLE.
func tableSpec(s *partiql.CreateTable) *schema.Table {
	t := &schema.Table{
		Name:         s.Table.Name,
		PartitionKey: keyAttr(s.PartitionKey),
		SortKey:      keyAttr(s.SortKey),
		Capacity:     capacity(s.WCU, s.RCU),
		Class:        tableClass(s.Class),
	}
	for _, l := range s.LocalIndexes {
		t.Indexes = append(t.Indexes, schema.Index{
			Name:             l.Name.Name,
			PartitionKey:     t.PartitionKey,
			SortKey:          keyAttr(l.SortKey),
			Projection:       types.ProjectionType(l.Projection.Type),
			NonKeyAttributes: names(l.Projection.Attrs),
		})
	}
	return t
}

func (a ddlAPI) createTable(ctx context.Context, s *partiql.CreateTable) (int64, error) {
	in, err := tableSpec(s).CreateInput()
	if err != nil { // the parser checks what CreateInput refuses
		return 0, fmt.Errorf("%w: %v", ErrInvalidDDL, err)
	}
	tg := schema.Target{Table: s.Table.Name}
	out, err := a.CreateTable(ctx, in)
	if err != nil {
		if s.IfNotExists && schema.IsInUse(err) {
			// It exists (or is being created): wait until it is ACTIVE.
			return 0, a.wait(ctx, s.Kind(), tg, nil)
		}
		return 0, changeErr(ctx, s.Kind(), "CreateTable", s.Table.Name, err)
	}
	return 1, a.wait(ctx, s.Kind(), tg, out.TableDescription)
}

func (a ddlAPI) createGSI(ctx context.Context, s *partiql.CreateGSI) (int64, error) {
	d, err := a.describe(ctx, s.Table.Name)
	if err != nil {
		return 0, err
	}
	tg := schema.Target{Table: s.Table.Name, Index: s.Index.Name}
	if s.IfNotExists {
		for _, g := range d.GlobalSecondaryIndexes {
			if aws.ToString(g.IndexName) == s.Index.Name {
				return 0, a.wait(ctx, s.Kind(), tg, d)
			}
		}
		for _, l := range d.LocalSecondaryIndexes {
			if aws.ToString(l.IndexName) == s.Index.Name {
				return 0, nil
			}
		}
	}
	c := capacity(s.WCU, s.RCU)
	switch onDemand := schema.OnDemand(d); {
	case !onDemand && c.IsZero():
		return 0, fmt.Errorf("%w: CREATE GSI %s: table %q has provisioned capacity, so each global index needs its own: add WITH wcu=n, WITH rcu=n",
			ErrInvalidDDL, s.Index.Name, s.Table.Name)
	case onDemand && !c.IsZero():
		return 0, fmt.Errorf("%w: CREATE GSI %s: table %q is on-demand (PAY_PER_REQUEST), so its indexes have no capacity of their own: remove WITH wcu and WITH rcu",
			ErrInvalidDDL, s.Index.Name, s.Table.Name)
	}
	in, err := schema.AddIndex(s.Table.Name, schema.Index{
		Name:             s.Index.Name,
		Global:           true,
		PartitionKey:     keyAttr(s.PartitionKey),
		SortKey:          keyAttr(s.SortKey),
		Projection:       types.ProjectionType(s.Projection.Type),
		NonKeyAttributes: names(s.Projection.Attrs),
		Capacity:         c,
	})
	if err != nil {
		return 0, fmt.Errorf("%w: CREATE GSI %s: %v", ErrInvalidDDL, s.Index.Name, err)
	}
	out, err := a.UpdateTable(ctx, in)
	if err != nil {
		if s.IfNotExists && (schema.IsInUse(err) || strings.Contains(err.Error(), "already exist")) {
			return 0, a.wait(ctx, s.Kind(), tg, nil) // created meanwhile
		}
		return 0, changeErr(ctx, s.Kind(), "UpdateTable", s.Table.Name, err)
	}
	return 1, a.wait(ctx, s.Kind(), tg, out.TableDescription)
}

func (a ddlAPI) alterTable(ctx context.Context, s *partiql.AlterTable) (int64, error) {
	d, err := a.describe(ctx, s.Table.Name)
	if err != nil {
		return 0, err
	}
	var c *schema.Capacity
	if s.WCU != nil {
		cc := capacity(s.WCU, s.RCU)
		c = &cc
	}
	in := schema.AlterTable(d, c, tableClass(s.Class))
	if in == nil {
		return 0, nil // nothing to change
	}
	out, err := a.UpdateTable(ctx, in)
	if err != nil {
		return 0, changeErr(ctx, s.Kind(), "UpdateTable", s.Table.Name, err)
	}
	return 1, a.wait(ctx, s.Kind(), schema.Target{Table: s.Table.Name}, out.TableDescription)
}

func (a ddlAPI) alterGSI(ctx context.Context, s *partiql.AlterGSI) (int64, error) {
	d, err := a.describe(ctx, s.Table.Name)
	if err != nil {
		return 0, err
	}
	in, err := schema.SetIndexCapacity(d, s.Index.Name, capacity(s.WCU, s.RCU))
	switch {
	case errors.Is(err, schema.ErrOnDemand):
		return 0, fmt.Errorf("%w: ALTER GSI %s: table %q is on-demand (PAY_PER_REQUEST), so its indexes have no capacity of their own (ALTER TABLE %s WITH wcu=n, WITH rcu=n makes it provisioned)",
			ErrInvalidDDL, s.Index.Name, s.Table.Name, s.Table.Name)
	case errors.Is(err, schema.ErrIndexNotFound):
		return 0, fmt.Errorf("%w: ALTER GSI %s: table %q has no global index %q", ErrInvalidDDL, s.Index.Name, s.Table.Name, s.Index.Name)
	case err != nil:
		return 0, err
	case in == nil:
		return 0, nil // it has this capacity already
	}
	out, err := a.UpdateTable(ctx, in)
	if err != nil {
		return 0, changeErr(ctx, s.Kind(), "UpdateTable", s.Table.Name, err)
	}
	return 1, a.wait(ctx, s.Kind(), schema.Target{Table: s.Table.Name, Index: s.Index.Name}, out.TableDescription)
}

func (a ddlAPI) dropTable(ctx context.Context, s *partiql.DropTable) (int64, error) {
	_, err := a.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(s.Table.Name)})
	if err != nil {
		if s.IfExists && schema.IsNotFound(err) {
			return 0, nil
		}
		return 0, changeErr(ctx, s.Kind(), "DeleteTable", s.Table.Name, err)
	}
	// DeleteTable's answer says DELETING (DynamoDB Local's says ACTIVE):
	// only DescribeTable tells when it is gone.
	return 1, a.wait(ctx, s.Kind(), schema.Target{Table: s.Table.Name, Gone: true}, nil)
}

func (a ddlAPI) dropGSI(ctx context.Context, s *partiql.DropGSI) (int64, error) {
	if s.IfExists {
		d, err := schema.Describe(ctx, a, s.Table.Name)
		if err != nil {
			return 0, tableErr("DescribeTable", s.Table.Name, err)
		}
		found := false
		if d != nil {
			for _, g := range d.GlobalSecondaryIndexes {
				found = found || aws.ToString(g.IndexName) == s.Index.Name
			}
		}
		if !found {
			return 0, nil
		}
	}
	out, err := a.UpdateTable(ctx, schema.DropIndex(s.Table.Name, s.Index.Name))
	if err != nil {
		if s.IfExists && schema.IsNotFound(err) {
			return 0, nil // deleted meanwhile
		}
		return 0, changeErr(ctx, s.Kind(), "UpdateTable", s.Table.Name, err)
	}
	return 1, a.wait(ctx, s.Kind(), schema.Target{Table: s.Table.Name, Index: s.Index.Name, Gone: true}, out.TableDescription)
}

// ---- reads ----

// listTablesColumn is the column of LIST TABLES, named as godynamo names it.
const listTablesColumn = "$1"

// showCreateColumns are the columns of SHOW CREATE TABLE, as MySQL names
// them.
var showCreateColumns = []string{"Table", "Create Table"}

// readSchema runs a LIST, DESCRIBE or SHOW statement.
func (c *conn) readSchema(ctx context.Context, st partiql.Statement) (driver.Rows, error) {
	api := ddlAPI{c}
	switch s := st.(type) {
	case *partiql.ListTables:
		return api.listTables(ctx)
	case *partiql.DescribeTable:
		d, err := api.describe(ctx, s.Table.Name)
		if err != nil {
			return nil, err
		}
		return describeRows(d, true), nil
	case *partiql.DescribeIndex:
		d, err := api.describe(ctx, s.Table.Name)
		if err != nil {
			return nil, err
		}
		return describeIndexRows(d, s), nil
	case *partiql.ShowCreateTable:
		d, err := api.describe(ctx, s.Table.Name)
		if err != nil {
			return nil, err
		}
		text := showCreateTable(d)
		return &memRows{
			cols: []memColumn{{name: showCreateColumns[0], typeName: "S", scan: scanTypeString}, {name: showCreateColumns[1], typeName: "S", scan: scanTypeString}},
			rows: [][]driver.Value{{aws.ToString(d.TableName), text}},
		}, nil
	}
	return nil, fmt.Errorf("dynamosql: %s returns no rows", st.Kind())
}

func (a ddlAPI) listTables(ctx context.Context) (driver.Rows, error) {
	r := &memRows{cols: []memColumn{{name: listTablesColumn, typeName: "S", scan: scanTypeString}}}
	in := &dynamodb.ListTablesInput{}
	for {
		ctx, cancel := a.c.callContext(ctx)
		var out *dynamodb.ListTablesOutput
		err := resend(ctx, maxReadResends, isBrokenResponse, func() (err error) {
			out, err = a.c.c.client.ListTables(ctx, in, a.c.c.obs.option)
			return err
		})
		cancel()
		if err != nil {
			return nil, wrapErr("ListTables", err)
		}
		for _, n := range out.TableNames {
			r.rows = append(r.rows, []driver.Value{n})
		}
		if out.LastEvaluatedTableName == nil {
			return r, nil
		}
		in.ExclusiveStartTableName = out.LastEvaluatedTableName
	}
}

// describeRows returns one row holding the fields of d (a pointer to a
// description struct of the AWS SDK), one column per field, sorted by
// name, as godynamo returns DESCRIBE: strings, numbers (int64), booleans
// and times as themselves, nested values as JSON text, absent values as
// NULL. Without a row (withRow false), only the columns.
func describeRows(d any, withRow bool) *memRows {
	v := reflect.ValueOf(d)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	t := v.Type()
	var fields []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() {
			fields = append(fields, f)
		}
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Name < fields[j].Name })
	r := &memRows{cols: make([]memColumn, len(fields))}
	var row []driver.Value
	if withRow {
		row = make([]driver.Value, len(fields))
	}
	for i, f := range fields {
		r.cols[i] = describeColumn(f)
		if withRow {
			row[i] = describeValue(v.FieldByIndex(f.Index), r.cols[i].typeName)
		}
	}
	if withRow {
		r.rows = [][]driver.Value{row}
	}
	return r
}

var (
	scanTypeString = reflect.TypeFor[string]()
	scanTypeInt64  = reflect.TypeFor[int64]()
	scanTypeBool   = reflect.TypeFor[bool]()
	scanTypeTime   = reflect.TypeFor[time.Time]()
	typeTime       = reflect.TypeFor[time.Time]()
)

// describeColumn types the column of a description field: S (a string or
// an enum), N (an integer, as int64), BOOL, TIMESTAMP (time.Time) or JSON
// (nested structures, as JSON text).
func describeColumn(f reflect.StructField) memColumn {
	ft := f.Type
	if ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	c := memColumn{name: f.Name, nullable: true}
	switch {
	case ft == typeTime:
		c.typeName, c.scan = "TIMESTAMP", scanTypeTime
	case ft.Kind() == reflect.String:
		c.typeName, c.scan = "S", scanTypeString
	case ft.Kind() == reflect.Int64 || ft.Kind() == reflect.Int32 || ft.Kind() == reflect.Int:
		c.typeName, c.scan = "N", scanTypeInt64
	case ft.Kind() == reflect.Bool:
		c.typeName, c.scan = "BOOL", scanTypeBool
	default:
		c.typeName, c.scan = "JSON", scanTypeString
	}
	return c
}

// describeValue converts a description field to the value of a column of
// type typeName: nil for an absent value or an empty enum.
func describeValue(v reflect.Value, typeName string) driver.Value {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		if v.IsNil() {
			return nil
		}
	}
	if typeName != "JSON" && v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	switch typeName {
	case "TIMESTAMP":
		return v.Interface().(time.Time)
	case "S":
		if v.String() == "" {
			return nil
		}
		return v.String()
	case "N":
		return v.Int()
	case "BOOL":
		return v.Bool()
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil // not reached: descriptions are plain data
	}
	return string(b)
}

// describeIndexRows returns the description of the index s names as one
// row, or no row (with the columns) when the table has no such index.
func describeIndexRows(d *types.TableDescription, s *partiql.DescribeIndex) *memRows {
	if s.Local {
		for i := range d.LocalSecondaryIndexes {
			if aws.ToString(d.LocalSecondaryIndexes[i].IndexName) == s.Index.Name {
				return describeRows(&d.LocalSecondaryIndexes[i], true)
			}
		}
		return describeRows(&types.LocalSecondaryIndexDescription{}, false)
	}
	for i := range d.GlobalSecondaryIndexes {
		if aws.ToString(d.GlobalSecondaryIndexes[i].IndexName) == s.Index.Name {
			return describeRows(&d.GlobalSecondaryIndexes[i], true)
		}
	}
	return describeRows(&types.GlobalSecondaryIndexDescription{}, false)
}

// showCreateTable returns the statements that create a table like the
// one d describes: a CREATE TABLE with its key, local indexes, capacity
// and class, then a CREATE GSI for each global index, one statement per
// line, each ending with ';'. A last comment line names what the
// statements do not reproduce (streams, encryption with a customer key,
// deletion protection, ...).
func showCreateTable(d *types.TableDescription) string {
	t := schema.FromDescription(d)
	ident := func(name string) partiql.Ident { return partiql.Ident{Name: name} }
	key := func(a schema.Attr) partiql.KeyAttr {
		if a.Name == "" {
			return partiql.KeyAttr{}
		}
		return partiql.KeyAttr{Name: ident(a.Name), Type: string(a.Type)}
	}
	projection := func(ix schema.Index) partiql.Projection {
		p := partiql.Projection{Type: string(ix.Projection)}
		for _, a := range ix.NonKeyAttributes {
			p.Attrs = append(p.Attrs, ident(a))
		}
		return p
	}
	capacity := func(c schema.Capacity) (wcu, rcu *int64) {
		if c.IsZero() {
			return nil, nil
		}
		return aws.Int64(c.Write), aws.Int64(c.Read)
	}
	var notes []string
	ct := &partiql.CreateTable{Table: ident(t.Name), PartitionKey: key(t.PartitionKey), SortKey: key(t.SortKey)}
	ct.WCU, ct.RCU = capacity(t.Capacity)
	switch t.Class {
	case "":
	case types.TableClassStandard:
		ct.Class = "STANDARD"
	case types.TableClassStandardInfrequentAccess:
		ct.Class = "STANDARD_IA"
	default:
		notes = append(notes, "table class "+string(t.Class))
	}
	stmts := []partiql.Statement{ct}
	for _, ix := range t.Indexes {
		if !ix.Global {
			ct.LocalIndexes = append(ct.LocalIndexes, partiql.LocalIndex{Name: ident(ix.Name), SortKey: key(ix.SortKey), Projection: projection(ix)})
			continue
		}
		g := &partiql.CreateGSI{Index: ident(ix.Name), Table: ident(t.Name), PartitionKey: key(ix.PartitionKey), SortKey: key(ix.SortKey), Projection: projection(ix)}
		g.WCU, g.RCU = capacity(ix.Capacity)
		stmts = append(stmts, g)
	}
	var b strings.Builder
	for _, s := range stmts {
		b.WriteString(partiql.Print(s))
		b.WriteString(";\n")
	}
	if s := d.StreamSpecification; s != nil && aws.ToBool(s.StreamEnabled) {
		notes = append(notes, "DynamoDB Streams ("+string(s.StreamViewType)+")")
	}
	if s := d.SSEDescription; s != nil && s.SSEType == types.SSETypeKms {
		notes = append(notes, "encryption with a KMS key")
	}
	if aws.ToBool(d.DeletionProtectionEnabled) {
		notes = append(notes, "deletion protection")
	}
	if d.OnDemandThroughput != nil {
		notes = append(notes, "on-demand maximum throughput")
	}
	if len(d.Replicas) > 0 {
		notes = append(notes, "global table replicas")
	}
	if len(notes) > 0 {
		b.WriteString("-- not reproduced: " + strings.Join(notes, ", ") + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ---- rows ----

// ---- Explain ----

// ddlCalls fills e with the control-plane calls a table or index
// statement makes (Explain).
func ddlCalls(e *Plan, st partiql.Statement) {
	e.Access = AccessUnknown
	e.Table, e.Index = partiql.DDLTable(st)
	plan := e
	const until = "DescribeTable until "
	switch s := st.(type) {
	case *partiql.CreateTable:
		plan.Calls = []string{"CreateTable", until + "the table is ACTIVE (no call when CreateTable answers ACTIVE, as DynamoDB Local does)"}
	case *partiql.CreateGSI:
		plan.Calls = []string{"DescribeTable (billing mode, existing indexes)", "UpdateTable (create the index)", until + "the index is ACTIVE (its backfill reads the whole table)"}
	case *partiql.AlterTable:
		plan.Calls = []string{"DescribeTable (current billing and class)", "UpdateTable, unless nothing changes", until + "the table is ACTIVE"}
	case *partiql.AlterGSI:
		plan.Calls = []string{"DescribeTable (current capacity)", "UpdateTable, unless nothing changes", until + "the index is ACTIVE"}
	case *partiql.DropTable:
		plan.Calls = []string{"DeleteTable", until + "the table is gone"}
	case *partiql.DropGSI:
		plan.Calls = []string{"UpdateTable (delete the index)", until + "the index is gone"}
		if s.IfExists {
			plan.Calls = append([]string{"DescribeTable (does the index exist?)"}, plan.Calls...)
		}
	case *partiql.ListTables:
		plan.Calls = []string{"ListTables (one call per 100 tables)"}
	default: // DESCRIBE, SHOW CREATE TABLE
		plan.Calls = []string{"DescribeTable"}
	}
	plan.Reason = fmt.Sprintf("%s is not PartiQL: the driver calls %s (control-plane calls, not billed as reads or writes)",
		st.Kind(), strings.Join(plan.Calls, ", then "))
}
