package mapper

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/pagination"
)

// ID is the key of an item: the partition key's value, then the sort
// key's when the table has one.
type ID []any

// String formats the key for messages.
func (id ID) String() string {
	parts := make([]string, len(id))
	for i, v := range id {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "/")
}

// RepositoryOptions configures a Repository. The zero value is ready to
// use.
type RepositoryOptions struct {
	// ConsistentRead makes Get, Find, FindAll and FindPage strongly
	// consistent reads (reads inside a transaction always are).
	ConsistentRead bool

	// PageSize is how many items each request of Find and FindAll reads
	// (DynamoDB's Limit), 1 to 10000; 0 means 1000.
	PageSize int

	// Paging configures FindPage: cursor signer, boundary cache, maximum
	// page and size, minimum read size. Its Fingerprint is ignored: the
	// repository computes it from the query.
	Paging pagination.PageOptions

	// BatchConcurrency is how many batch requests (BatchWriteItem or
	// BatchExecuteStatement) PutMany and DeleteMany send at a time; 0
	// means 4.
	BatchConcurrency int
	// BatchAttempts is how many times an item DynamoDB throttles (left
	// unprocessed, a throttled statement or request) or reports as
	// retryable is sent before it is reported as failed; 0 means 8.
	BatchAttempts int
	// BatchBackoff is the wait before the first resubmission, doubled
	// for each further one (with jitter, at most 5 s); 0 means 50 ms.
	BatchBackoff time.Duration

	// KeepUnknownAttributes makes PutMany keep the attributes of existing
	// items that the entity does not know, as Put does. PutMany then
	// writes PartiQL statements with BatchExecuteStatement (an INSERT,
	// then an UPDATE for each item that exists) instead of whole items
	// with BatchWriteItem: one more request per batch of existing items,
	// and more work for DynamoDB. Entities with a version attribute always
	// write that way.
	KeepUnknownAttributes bool
}

// batchAPI is the part of the DynamoDB client batch writes need.
type batchAPI interface {
	BatchExecuteStatement(ctx context.Context, in *dynamodb.BatchExecuteStatementInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchExecuteStatementOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Repository reads and writes the items of entity T through a *sql.DB
// opened with the dynamodb driver. Every method joins the transaction its
// context carries for that *sql.DB (see dynamosql.Executor and WithTx).
// A Repository is safe for concurrent use.
type Repository[T any] struct {
	db    *sql.DB
	m     *Metadata
	opts  RepositoryOptions
	batch batchAPI // nil when db is not a dynamodb *sql.DB
	// conn is db's connector (nil for another driver): batch writes are
	// recorded through it (internal/obshook).
	conn *dynamosql.Connector
}

// NewRepository returns the repository of entity e on db, and records the
// entity's composite columns in db's catalog (see Attach). opts, at most
// one, configures it.
//
// db should be opened with the dynamodb driver. Another *sql.DB (a
// sqlmock, in tests) works too: the repository sends the same PartiQL
// through it, but has no catalog to record composites in and cannot make
// batch writes outside transactions (ErrNoBatchClient).
func NewRepository[T any](ctx context.Context, db *sql.DB, e *Entity[T], opts ...RepositoryOptions) (*Repository[T], error) {
	if db == nil || e == nil {
		return nil, errors.New("mapper: NewRepository needs a *sql.DB and an entity")
	}
	if len(opts) > 1 {
		return nil, errors.New("mapper: NewRepository takes at most one RepositoryOptions")
	}
	r := &Repository[T]{db: db, m: e.m}
	if len(opts) == 1 {
		r.opts = opts[0]
	}
	if err := r.opts.check(); err != nil {
		return nil, err
	}
	if _, ours := db.Driver().(*dynamosql.Driver); ours {
		c, err := dynamosql.ConnectorOf(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("mapper: NewRepository: %w", err)
		}
		if err := attach(c, e.m); err != nil {
			return nil, err
		}
		r.batch = c.Client()
		r.conn = c
	}
	return r, nil
}

func (o *RepositoryOptions) check() error {
	switch {
	case o.PageSize < 0 || o.PageSize > 10000:
		return fmt.Errorf("mapper: RepositoryOptions.PageSize %d: want 1 to 10000 (0 for the default)", o.PageSize)
	case o.BatchConcurrency < 0:
		return fmt.Errorf("mapper: RepositoryOptions.BatchConcurrency %d is negative", o.BatchConcurrency)
	case o.BatchAttempts < 0:
		return fmt.Errorf("mapper: RepositoryOptions.BatchAttempts %d is negative", o.BatchAttempts)
	case o.BatchBackoff < 0:
		return fmt.Errorf("mapper: RepositoryOptions.BatchBackoff %v is negative", o.BatchBackoff)
	}
	return nil
}

// Attach records the composite columns of models in the catalog of db's
// connector, so that the driver's index hints can rewrite conditions on
// their components in hand-written SQL. NewRepository and Sync do it for
// their entities.
func Attach(ctx context.Context, db *sql.DB, models ...Model) error {
	c, err := dynamosql.ConnectorOf(ctx, db)
	if err != nil {
		return fmt.Errorf("mapper: Attach: %w", err)
	}
	for _, mo := range models {
		if err := attach(c, mo.Metadata()); err != nil {
			return err
		}
	}
	return nil
}

func attach(c *dynamosql.Connector, m *Metadata) error {
	if len(m.Composites) == 0 {
		return nil
	}
	if err := c.Catalog().RegisterComposites(m.Table, m.Composites...); err != nil {
		return fmt.Errorf("mapper: %s: %w", m.Entity, err)
	}
	return nil
}

// Metadata returns the entity's metadata.
func (r *Repository[T]) Metadata() *Metadata { return r.m }

// querier returns the transaction ctx carries for r.db, or r.db.
func (r *Repository[T]) querier(ctx context.Context) dynamosql.Querier {
	return dynamosql.Executor(ctx, r.db)
}

// inTx reports whether ctx carries a transaction for r.db.
func (r *Repository[T]) inTx(ctx context.Context) bool {
	_, ok := r.querier(ctx).(*sql.Tx)
	return ok
}

// exec runs a write. buffered reports a statement added to a transaction
// (its outcome is known at Commit); otherwise affected is the number of
// items written (0 when an UPDATE's or DELETE's condition failed).
func (r *Repository[T]) exec(ctx context.Context, s *statement) (affected int64, buffered bool, err error) {
	res, err := r.querier(ctx).ExecContext(ctx, s.String(), s.args...)
	if err != nil {
		return 0, false, err
	}
	n, err := res.RowsAffected()
	if errors.Is(err, dynamosql.ErrTxPending) {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, err
	}
	return n, false, nil
}

// wrap adds the operation, entity and key to an error.
func (r *Repository[T]) wrap(op string, key []types.AttributeValue, err error) error {
	return fmt.Errorf("mapper: %s %s %s: %w", op, r.m.Entity, formatKey(key), err)
}

// formatKey writes key values for messages: strings quoted, numbers as
// they are, binary in hex.
func formatKey(key []types.AttributeValue) string {
	parts := make([]string, len(key))
	for i, av := range key {
		switch v := av.(type) {
		case *types.AttributeValueMemberS:
			parts[i] = strconv.Quote(v.Value)
		case *types.AttributeValueMemberN:
			parts[i] = v.Value
		case *types.AttributeValueMemberB:
			parts[i] = "0x" + hex.EncodeToString(v.Value)
		default:
			parts[i] = fmt.Sprintf("%T", av)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// keyValues converts the values of a key (partition, then sort) to
// attribute values of the key's types.
func (r *Repository[T]) keyValues(op string, key []any) ([]types.AttributeValue, error) {
	m := r.m
	want := 1
	if m.SortKey != "" {
		want = 2
	}
	if len(key) != want {
		if want == 1 {
			return nil, fmt.Errorf("mapper: %s %s: the key is one value (%q), got %d", op, m.Entity, m.PartitionKey, len(key))
		}
		return nil, fmt.Errorf("mapper: %s %s: the key is two values (%q, then %q), got %d", op, m.Entity, m.PartitionKey, m.SortKey, len(key))
	}
	out := make([]types.AttributeValue, len(key))
	for i, k := range []string{m.PartitionKey, m.SortKey}[:want] {
		av, _, present, err := m.attrValue(k, key[i])
		if err != nil {
			return nil, err
		}
		a, _ := m.Attribute(k)
		if !present || !hasKeyType(av, a.KeyType) {
			return nil, fmt.Errorf("mapper: %s %s: key value %d (%T) for %q is not a DynamoDB %s", op, m.Entity, i+1, key[i], k, a.KeyType)
		}
		out[i] = av
	}
	return out, nil
}

func hasKeyType(av types.AttributeValue, t types.ScalarAttributeType) bool {
	switch av.(type) {
	case *types.AttributeValueMemberS:
		return t == types.ScalarAttributeTypeS
	case *types.AttributeValueMemberN:
		return t == types.ScalarAttributeTypeN
	case *types.AttributeValueMemberB:
		return t == types.ScalarAttributeTypeB
	}
	return false
}

// ---- version field ----

func (m *Metadata) versionOf(v reflect.Value) int64 {
	a, _ := m.Attribute(m.Version)
	f, ok := fieldValue(v, a.index)
	if !ok {
		return 0
	}
	if f.CanInt() {
		return f.Int()
	}
	return int64(f.Uint())
}

func (m *Metadata) setVersion(v reflect.Value, n int64) {
	a, _ := m.Attribute(m.Version)
	f := settableField(v, a.index)
	if f.CanInt() {
		f.SetInt(n)
	} else {
		f.SetUint(uint64(n))
	}
}

func numberAV(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// prepare marshals *v; when the entity has a version attribute, it
// marshals a copy of *v given version newVersion (newVersion < 0: keep
// it). *v itself is never changed.
func (r *Repository[T]) prepare(op string, v *T, newVersion func(old int64) int64) (item, int64, int64, error) {
	if v == nil {
		return nil, 0, 0, fmt.Errorf("mapper: %s %s: nil item", op, r.m.Entity)
	}
	rv := reflect.ValueOf(v).Elem() // read only, unless versioned
	var old, next int64
	if r.m.Version != "" {
		cp := *v
		rv = reflect.ValueOf(&cp).Elem()
		old = r.m.versionOf(rv)
		next = newVersion(old)
		r.m.setVersion(rv, next)
	}
	it, err := r.m.marshal(rv)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := r.m.checkKey(it); err != nil {
		return nil, 0, 0, err
	}
	return it, old, next, nil
}

func (r *Repository[T]) storeVersion(v *T, n int64) {
	if r.m.Version != "" {
		r.m.setVersion(reflect.ValueOf(v).Elem(), n)
	}
}

// ---- reads ----

// Get returns the item with the given key (the partition key's value,
// then the sort key's), or an error matching ErrNotFound.
func (r *Repository[T]) Get(ctx context.Context, key ...any) (T, error) {
	var zero T
	kv, err := r.keyValues("Get", key)
	if err != nil {
		return zero, err
	}
	v, found, err := r.get(ctx, kv, r.opts.ConsistentRead)
	if err != nil {
		return zero, r.wrap("Get", kv, err)
	}
	if !found {
		return zero, r.wrap("Get", kv, ErrNotFound)
	}
	return v, nil
}

func (r *Repository[T]) get(ctx context.Context, key []types.AttributeValue, consistent bool) (T, bool, error) {
	var zero T
	s := r.m.getStatement(key)
	args := append(slices.Clip(s.args), dynamosql.NoIndexHint(), dynamosql.CompositeColumns())
	if consistent {
		args = append(args, dynamosql.ConsistentRead())
	}
	rows, err := r.querier(ctx).QueryContext(ctx, s.String(), args...)
	if err != nil {
		return zero, false, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return zero, false, err
	}
	if !rows.Next() {
		return zero, false, rows.Err()
	}
	v, _, err := r.scan(rows, cols)
	if err != nil {
		return zero, false, err
	}
	return v, true, rows.Close()
}

// exists reads the item's key with a strongly consistent read.
func (r *Repository[T]) exists(ctx context.Context, key []types.AttributeValue) (bool, error) {
	_, found, err := r.get(ctx, key, true)
	return found, err
}

// ---- writes ----

// Insert writes a new item. It fails with an error matching
// ErrDuplicateItem when an item with the key exists (inside a transaction:
// the commit fails). With a version attribute, the item is written with
// version 1, and v's version is set to 1 once the statement succeeded (or
// was added to the transaction).
func (r *Repository[T]) Insert(ctx context.Context, v *T) error {
	it, _, next, err := r.prepare("Insert", v, func(int64) int64 { return 1 })
	if err != nil {
		return err
	}
	if _, _, err := r.exec(ctx, r.m.insertStatement(it)); err != nil {
		return r.wrap("Insert", r.m.keyOf(it), err)
	}
	r.storeVersion(v, next)
	return nil
}

// Update replaces an existing item's attributes with v's: every attribute
// of the entity that v has is set, every one it lacks (nil, omitted) is
// removed; attributes the entity does not know are kept. It fails with
// ErrNotFound when no item has v's key. With a version attribute, the
// stored version must equal v's (else ErrStaleVersion) and is
// incremented, in the store and in v.
//
// Inside a transaction the statement is added to it: a missing item or a
// stale version makes the commit fail (errors.Is(err,
// dynamosql.ErrConditionFailed)).
func (r *Repository[T]) Update(ctx context.Context, v *T) error {
	it, old, next, err := r.prepare("Update", v, func(old int64) int64 { return old + 1 })
	if err != nil {
		return err
	}
	key := r.m.keyOf(it)
	vc := versionCond{set: r.m.Version != "", old: old}
	n, buffered, c, err := r.replace(ctx, it, vc)
	if err != nil {
		return r.wrap("Update", key, err)
	}
	switch {
	case c.failed && c.item == nil:
		return r.wrap("Update", key, ErrNotFound)
	case c.failed && vc.set:
		return r.wrap("Update", key, r.m.staleVersion(old, c.item))
	case !buffered && n == 0:
		return r.wrap("Update", key, r.missingOrStale(ctx, key, vc.set))
	}
	r.storeVersion(v, next)
	return nil
}

// replace sends the UPDATE that replaces the item; for an entity made
// only of its key (nothing to set), it checks that the item exists.
func (r *Repository[T]) replace(ctx context.Context, it item, vc versionCond) (int64, bool, checked, error) {
	if !r.m.hasNonKey() {
		found, err := r.exists(ctx, r.m.keyOf(it))
		if err != nil || !found {
			return 0, false, checked{}, err
		}
		return 1, false, checked{}, nil
	}
	return r.execChecked(ctx, r.m.replaceStatement(it, vc)) // stale.go
}

// hasNonKey reports whether the entity has attributes besides its key.
func (m *Metadata) hasNonKey() bool {
	for _, a := range m.Attributes {
		if !m.isKey(a.Name) {
			return true
		}
	}
	return len(m.Composites) > 0
}

// missingOrStale tells why a conditional UPDATE matched nothing.
func (r *Repository[T]) missingOrStale(ctx context.Context, key []types.AttributeValue, versioned bool) error {
	if !versioned {
		return ErrNotFound
	}
	found, err := r.exists(ctx, key)
	switch {
	case err != nil:
		return fmt.Errorf("%w (and reading it to tell whether it exists failed: %w)", ErrStaleVersion, err)
	case !found:
		return ErrNotFound
	}
	return ErrStaleVersion
}

// maxPutRounds bounds Put's INSERT-then-UPDATE rounds when a concurrent
// writer keeps deleting the item in between.
const maxPutRounds = 3

// Put creates the item or replaces the existing one, like DynamoDB's
// PutItem, except that attributes the entity does not know are kept.
//
// PartiQL has no upsert. Outside a transaction Put sends an INSERT and,
// when the item exists, an UPDATE that sets all of v's attributes and
// removes the entity's attributes v lacks: one request for a new item,
// two for an existing one. If a concurrent writer deletes the item
// between the two, Put inserts again (at most three rounds); if one
// writes it, the later statement wins as a whole. Inside a transaction
// Put reads the item (strongly consistent, at once) and adds an INSERT or
// an UPDATE to the transaction; a concurrent creation or deletion before
// the commit makes the commit fail.
//
// With a version attribute Put never reads: version 0 means "create" (an
// INSERT; an existing item gives ErrStaleVersion), another version
// "replace that version" (an UPDATE conditioned on it; a changed or
// deleted item gives ErrStaleVersion). v's version is then incremented.
func (r *Repository[T]) Put(ctx context.Context, v *T) error {
	it, old, next, err := r.prepare("Put", v, func(old int64) int64 { return old + 1 })
	if err != nil {
		return err
	}
	key := r.m.keyOf(it)
	if r.m.Version != "" {
		if err := r.putVersioned(ctx, it, old); err != nil {
			return r.wrap("Put", key, err)
		}
		r.storeVersion(v, next)
		return nil
	}
	if r.inTx(ctx) {
		found, err := r.exists(ctx, key)
		if err != nil {
			return r.wrap("Put", key, err)
		}
		s := r.m.insertStatement(it)
		if found {
			if !r.m.hasNonKey() {
				return nil
			}
			s = r.m.replaceStatement(it, versionCond{})
		}
		if _, _, err := r.exec(ctx, s); err != nil {
			return r.wrap("Put", key, err)
		}
		return nil
	}
	for range maxPutRounds {
		_, _, err := r.exec(ctx, r.m.insertStatement(it))
		if err == nil {
			return nil
		}
		if !errors.Is(err, dynamosql.ErrDuplicateItem) {
			return r.wrap("Put", key, err)
		}
		n, _, _, err := r.replace(ctx, it, versionCond{})
		if err != nil {
			return r.wrap("Put", key, err)
		}
		if n > 0 {
			return nil
		}
	}
	return r.wrap("Put", key, fmt.Errorf("mapper: gave up after %d rounds: the item was deleted after each INSERT found it", maxPutRounds))
}

// putVersioned writes a versioned item: INSERT for version 0, else an
// UPDATE conditioned on the old version.
func (r *Repository[T]) putVersioned(ctx context.Context, it item, old int64) error {
	if old == 0 {
		_, _, err := r.exec(ctx, r.m.insertStatement(it))
		if errors.Is(err, dynamosql.ErrDuplicateItem) {
			return fmt.Errorf("%w: version 0 means a new item, but the item exists: %w", ErrStaleVersion, err)
		}
		return err
	}
	n, buffered, c, err := r.execChecked(ctx, r.m.replaceStatement(it, versionCond{set: true, old: old}))
	switch {
	case err != nil:
		return err
	case c.failed && c.item != nil:
		return r.m.staleVersion(old, c.item)
	case c.failed:
		return fmt.Errorf("%w: the item was deleted", ErrStaleVersion)
	case !buffered && n == 0:
		return ErrStaleVersion
	}
	return nil
}

// Delete deletes the item with the given key (partition, then sort). A
// missing item is not an error (as with DynamoDB's DeleteItem).
func (r *Repository[T]) Delete(ctx context.Context, key ...any) error {
	kv, err := r.keyValues("Delete", key)
	if err != nil {
		return err
	}
	if _, _, err := r.exec(ctx, r.m.deleteStatement(kv)); err != nil {
		return r.wrap("Delete", kv, err)
	}
	return nil
}
