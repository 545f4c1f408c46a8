package mapper

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/indexhint"
)

// Limits DynamoDB puts on a table's secondary indexes.
const (
	maxGSIs = 20
	maxLSIs = 5
)

// Option is part of an entity's declaration, passed to Register.
type Option interface {
	apply(*declaration) error
}

type optionFunc func(*declaration) error

func (f optionFunc) apply(d *declaration) error { return f(d) }

// declaration collects the options of Register.
type declaration struct {
	table   string
	tables  int
	indexes []indexDecl
}

type indexDecl struct {
	name   string
	global bool
	pk, sk KeyDef
}

// KeyDef is the partition or sort key of an index: one attribute, or
// several for a composite key. Build it with Key.
type KeyDef struct {
	attrs []string
}

// Key declares a key made of the given attributes (their DynamoDB names):
// one for a plain key, several, most significant first, for a composite
// key stored in the attribute CompositeName(attributes...).
func Key(attributes ...string) KeyDef {
	return KeyDef{attrs: slices.Clone(attributes)}
}

// Attributes returns the key's attributes.
func (k KeyDef) Attributes() []string { return slices.Clone(k.attrs) }

// String returns the key's attribute, quoted, or its list of attributes.
func (k KeyDef) String() string {
	if len(k.attrs) == 1 {
		return fmt.Sprintf("%q", k.attrs[0])
	}
	return fmt.Sprintf("%q", k.attrs)
}

// Table names the entity's DynamoDB table. It is required.
func Table(name string) Option {
	return optionFunc(func(d *declaration) error {
		d.table = name
		d.tables++
		return nil
	})
}

// GSI declares a global secondary index with a partition key and, when
// given, a sort key; each may be composite:
//
//	mapper.GSI("ageIndex", mapper.Key("age"), mapper.Key("lastname", "firstname"))
//
// The index projects all attributes (the mapper reads whole items).
func GSI(name string, partitionKey KeyDef, sortKey ...KeyDef) Option {
	return optionFunc(func(d *declaration) error {
		if len(sortKey) > 1 {
			return fmt.Errorf("index %q: %d sort keys given; an index has at most one (use mapper.Key(a, b) for a composite sort key)", name, len(sortKey))
		}
		ix := indexDecl{name: name, global: true, pk: partitionKey}
		if len(sortKey) == 1 {
			ix.sk = sortKey[0]
		}
		d.indexes = append(d.indexes, ix)
		return nil
	})
}

// LSI declares a local secondary index: the table's partition key with
// another sort key, which may be composite. The table needs a sort key of
// its own, and local indexes can only be created with the table.
func LSI(name string, sortKey KeyDef) Option {
	return optionFunc(func(d *declaration) error {
		d.indexes = append(d.indexes, indexDecl{name: name, sk: sortKey})
		return nil
	})
}

// Entity is a registered entity type: its metadata, checked once. Use it
// with NewRepository, Sync and Attach. It is immutable and safe for
// concurrent use.
type Entity[T any] struct {
	m *Metadata
}

// Model is what Sync and Attach accept: any *Entity[T].
type Model interface {
	// Metadata returns the entity's metadata.
	Metadata() *Metadata
}

// Metadata returns the entity's metadata. It must not be modified.
func (e *Entity[T]) Metadata() *Metadata { return e.m }

// Metadata describes an entity: its table, keys, attributes, indexes and
// composite columns. It must not be modified.
type Metadata struct {
	// Entity is the Go type's name, used in errors.
	Entity string
	// Table is the DynamoDB table.
	Table string
	// PartitionKey and SortKey are the table's key attributes (SortKey ""
	// when the table has none).
	PartitionKey string
	SortKey      string
	// Version is the optimistic-locking attribute, "" when there is none.
	Version string
	// Attributes lists the entity's attributes in field order.
	Attributes []Attribute
	// Indexes lists the secondary indexes in declaration order.
	Indexes []Index
	// Composites lists the composite columns the indexes use.
	Composites []indexhint.Composite

	typ    reflect.Type
	byName map[string]int // attribute name -> index in Attributes
	comps  map[string]int // composite attribute -> index in Composites
}

// Attribute is one attribute of an entity.
type Attribute struct {
	// Name is the DynamoDB attribute name.
	Name string
	// Field is the Go field, as a path through embedded structs
	// ("Base.ID").
	Field string
	// Type is the field's Go type.
	Type reflect.Type
	// KeyType is S, N or B when the attribute can be a key, "" otherwise.
	KeyType types.ScalarAttributeType
	// Kind is the attribute's kind as a component of a composite key, 0
	// when it cannot be one.
	Kind indexhint.ComponentKind

	index     []int
	omitEmpty bool
	number    bool // marshals to an N
}

// Index is a secondary index of an entity.
type Index struct {
	// Name is the index name.
	Name string
	// Global is true for a GSI, false for an LSI.
	Global bool
	// PartitionKey and SortKey are the attributes of the index's key as
	// DynamoDB sees them (a composite's attribute for a composite key;
	// SortKey "" when there is none).
	PartitionKey string
	SortKey      string
	// PartitionComponents and SortComponents are the entity attributes the
	// keys are made of: one for a plain key, several for a composite.
	PartitionComponents []string
	SortComponents      []string
}

// Attribute returns the attribute named name.
func (m *Metadata) Attribute(name string) (Attribute, bool) {
	i, ok := m.byName[name]
	if !ok {
		return Attribute{}, false
	}
	return m.Attributes[i], true
}

// Composite returns the composite column stored in attribute name.
func (m *Metadata) Composite(name string) (indexhint.Composite, bool) {
	i, ok := m.comps[name]
	if !ok {
		return indexhint.Composite{}, false
	}
	return m.Composites[i], true
}

// Index returns the index named name.
func (m *Metadata) Index(name string) (Index, bool) {
	for _, ix := range m.Indexes {
		if ix.Name == name {
			return ix, true
		}
	}
	return Index{}, false
}

// SortIndexes tells which properties each index can sort by, for
// pagination's error messages: the index's sort-key components, under the
// index's name (the table's own sort key under the table's name).
func (m *Metadata) SortIndexes() map[string][]string {
	out := make(map[string][]string)
	if m.SortKey != "" {
		out[m.Table] = []string{m.SortKey}
	}
	for _, ix := range m.Indexes {
		if ix.SortKey != "" {
			out[ix.Name] = slices.Clone(ix.SortComponents)
		}
	}
	return out
}

// Sortable returns the properties a query can sort by, sorted: the sort
// key of the table and the sort-key components of its indexes (for
// pagination's Config.Sortable).
func (m *Metadata) Sortable() []string {
	var out []string
	for _, props := range m.SortIndexes() {
		for _, p := range props {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// attributeNames returns the names of the entity's attributes.
func (m *Metadata) attributeNames() []string {
	names := make([]string, len(m.Attributes))
	for i, a := range m.Attributes {
		names[i] = a.Name
	}
	return names
}

// Register checks the declaration of entity T and returns its metadata.
// T must be a struct type; opts must include Table. Errors name the entity
// and the field or index at fault.
func Register[T any](opts ...Option) (*Entity[T], error) {
	m, err := register(reflect.TypeFor[T](), opts)
	if err != nil {
		return nil, err
	}
	return &Entity[T]{m: m}, nil
}

// MustRegister is Register that panics on an invalid declaration, for
// package-level variables.
func MustRegister[T any](opts ...Option) *Entity[T] {
	e, err := Register[T](opts...)
	if err != nil {
		panic(err)
	}
	return e
}

// registerError formats a registration error.
func registerError(entity string, format string, a ...any) error {
	return fmt.Errorf("mapper: entity %s: "+format, append([]any{entity}, a...)...)
}

func register(t reflect.Type, opts []Option) (*Metadata, error) {
	name := t.String()
	if t.Kind() != reflect.Struct {
		return nil, registerError(name, "%s is not a struct type (register the struct, not a pointer to it)", t.Kind())
	}
	var d declaration
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(&d); err != nil {
			return nil, registerError(name, "%v", err)
		}
	}
	switch {
	case d.tables == 0:
		return nil, registerError(name, "no table: add mapper.Table(\"...\")")
	case d.tables > 1:
		return nil, registerError(name, "mapper.Table given %d times", d.tables)
	}
	if err := checkName("table", d.table); err != nil {
		return nil, registerError(name, "%v", err)
	}
	m := &Metadata{Entity: name, Table: d.table, typ: t, byName: map[string]int{}, comps: map[string]int{}}
	fields, err := structFields(t)
	if err != nil {
		return nil, registerError(name, "%v", err)
	}
	for _, f := range fields {
		a := Attribute{
			Name:      f.name,
			Field:     f.path,
			Type:      f.typ,
			index:     f.index,
			omitEmpty: f.omitEmpty,
		}
		a.KeyType, a.number = keyType(f)
		if k, ok := componentKind(f); ok {
			a.Kind = k
		}
		m.byName[a.Name] = len(m.Attributes)
		m.Attributes = append(m.Attributes, a)
		for _, role := range f.roles {
			var slot *string
			switch role {
			case "pk":
				slot = &m.PartitionKey
			case "sk":
				slot = &m.SortKey
			case "version":
				slot = &m.Version
			}
			if *slot != "" {
				prev, _ := m.Attribute(*slot)
				return nil, registerError(name, "fields %s and %s are both tagged dynamo:%q", prev.Field, f.path, role)
			}
			*slot = a.Name
		}
	}
	if err := m.checkKeys(); err != nil {
		return nil, err
	}
	if err := m.addIndexes(d.indexes); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Metadata) checkKeys() error {
	if m.PartitionKey == "" {
		return registerError(m.Entity, "no partition key: tag one field dynamo:\"pk\"")
	}
	for _, k := range []struct{ role, attr string }{{"pk", m.PartitionKey}, {"sk", m.SortKey}} {
		if k.attr == "" {
			continue
		}
		a, _ := m.Attribute(k.attr)
		if a.KeyType == "" {
			return registerError(m.Entity, "field %s (attribute %q) is tagged dynamo:%q but a %s cannot be a DynamoDB key: use a string, a number or []byte", a.Field, a.Name, k.role, a.Type)
		}
	}
	if m.Version != "" {
		a, _ := m.Attribute(m.Version)
		switch a.Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return registerError(m.Entity, "field %s (attribute %q) is tagged dynamo:\"version\" but is a %s: the version must be an integer", a.Field, a.Name, a.Type)
		}
		if !a.number {
			return registerError(m.Entity, "field %s (attribute %q) is the version and must be stored as a number (remove the string tag option)", a.Field, a.Name)
		}
		if a.omitEmpty {
			return registerError(m.Entity, "field %s (attribute %q) is the version and must not be omitempty", a.Field, a.Name)
		}
	}
	return nil
}

// keyName returns the attribute of a key: the attribute itself, or the
// composite's.
func keyName(k KeyDef) string { return indexhint.CompositeName(k.attrs...) }

func (m *Metadata) addIndexes(decls []indexDecl) error {
	seen := map[string]bool{}
	var gsis, lsis int
	for _, d := range decls {
		kind := "GSI"
		if !d.global {
			kind = "LSI"
		}
		if err := checkName("index", d.name); err != nil {
			return registerError(m.Entity, "%s: %v", kind, err)
		}
		if seen[d.name] {
			return registerError(m.Entity, "index %q is declared twice", d.name)
		}
		seen[d.name] = true
		ix := Index{Name: d.name, Global: d.global}
		if d.global {
			gsis++
			if len(d.pk.attrs) == 0 {
				return registerError(m.Entity, "index %q: the partition key names no attribute", d.name)
			}
		} else {
			lsis++
			if m.SortKey == "" {
				return registerError(m.Entity, "index %q: a local secondary index needs a table with a sort key (tag a field dynamo:\"sk\")", d.name)
			}
			if len(d.sk.attrs) == 0 {
				return registerError(m.Entity, "index %q: a local secondary index needs a sort key", d.name)
			}
			d.pk = Key(m.PartitionKey)
		}
		for _, part := range []struct {
			role string
			key  KeyDef
			dst  *string
			comp *[]string
		}{{"partition", d.pk, &ix.PartitionKey, &ix.PartitionComponents}, {"sort", d.sk, &ix.SortKey, &ix.SortComponents}} {
			if len(part.key.attrs) == 0 {
				continue
			}
			attr, err := m.keyAttribute(d.name, part.role, part.key)
			if err != nil {
				return err
			}
			*part.dst = attr
			*part.comp = slices.Clone(part.key.attrs)
		}
		if ix.PartitionKey == ix.SortKey {
			return registerError(m.Entity, "index %q: the partition and sort keys are both %q", d.name, ix.PartitionKey)
		}
		if !d.global && ix.SortKey == m.SortKey {
			return registerError(m.Entity, "index %q: a local secondary index must have another sort key than the table's (%q)", d.name, m.SortKey)
		}
		m.Indexes = append(m.Indexes, ix)
	}
	if gsis > maxGSIs {
		return registerError(m.Entity, "%d global secondary indexes declared; DynamoDB allows %d per table", gsis, maxGSIs)
	}
	if lsis > maxLSIs {
		return registerError(m.Entity, "%d local secondary indexes declared; DynamoDB allows %d per table", lsis, maxLSIs)
	}
	return nil
}

// keyAttribute checks one key of an index and returns its attribute,
// registering the composite it needs.
func (m *Metadata) keyAttribute(index, role string, k KeyDef) (string, error) {
	seen := map[string]bool{}
	for _, name := range k.attrs {
		a, ok := m.Attribute(name)
		if !ok {
			return "", registerError(m.Entity, "index %q: %s key attribute %q is not an attribute of %s (attributes: %s)",
				index, role, name, m.Entity, strings.Join(m.attributeNames(), ", "))
		}
		if seen[name] {
			return "", registerError(m.Entity, "index %q: %s key %s lists attribute %q twice", index, role, k, name)
		}
		seen[name] = true
		if len(k.attrs) == 1 {
			if a.KeyType == "" {
				return "", registerError(m.Entity, "index %q: %s key attribute %q (field %s) is a %s, which cannot be a DynamoDB key: use a string, a number or []byte",
					index, role, name, a.Field, a.Type)
			}
			return name, nil
		}
		if a.Kind == 0 {
			return "", registerError(m.Entity, "index %q: composite %s key %s: attribute %q (field %s) is a %s, which cannot be a component: use a string, an integer, a time.Time or []byte",
				index, role, k, name, a.Field, a.Type)
		}
	}
	c := indexhint.Composite{Attribute: keyName(k), Components: slices.Clone(k.attrs)}
	for _, name := range k.attrs {
		a, _ := m.Attribute(name)
		c.Kinds = append(c.Kinds, a.Kind)
	}
	if a, clash := m.Attribute(c.Attribute); clash {
		return "", registerError(m.Entity, "index %q: composite %s key %s would be stored in attribute %q, which is already field %s",
			index, role, k, c.Attribute, a.Field)
	}
	if i, ok := m.comps[c.Attribute]; ok {
		if prev := m.Composites[i]; !slices.Equal(prev.Components, c.Components) {
			return "", registerError(m.Entity, "index %q: composite %s key %s and composite %q both need attribute %q (a component name contains '#')",
				index, role, k, prev.Components, c.Attribute)
		}
		return c.Attribute, nil
	}
	m.comps[c.Attribute] = len(m.Composites)
	m.Composites = append(m.Composites, c)
	return c.Attribute, nil
}

// checkName checks a table or index name against DynamoDB's rules: 3 to
// 255 characters among a-z, A-Z, 0-9, '_', '-' and '.'.
func checkName(what, s string) error {
	if len(s) < 3 || len(s) > 255 {
		return fmt.Errorf("%s name %q must have 3 to 255 characters", what, s)
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return fmt.Errorf("%s name %q may only contain a-z, A-Z, 0-9, '_', '-' and '.'", what, s)
		}
	}
	return nil
}

// ---- struct fields, as attributevalue sees them ----

// field is one attribute of a struct as attributevalue marshals it.
type field struct {
	name        string
	nameFromTag bool
	path        string // Go field path
	index       []int
	typ         reflect.Type
	omitEmpty   bool
	asString    bool
	unixTime    bool
	sets        bool
	roles       []string
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	numberType = reflect.TypeFor[dynamosql.Number]()
	marshaler  = reflect.TypeFor[attributevalue.Marshaler]()
)

// structFields lists the attributes of struct type t with the rules of
// attributevalue (and encoding/json): exported fields, `dynamodbav` names
// and "-", anonymous untagged struct fields flattened, shallower fields
// hiding deeper ones. Two fields that would share a name at the same
// depth are an error (attributevalue would silently drop both).
func structFields(t reflect.Type) ([]field, error) {
	type queued struct {
		typ   reflect.Type
		index []int
		path  string
	}
	var all []field
	next := []queued{{typ: t}}
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current := next
		next = nil
		for _, q := range current {
			if visited[q.typ] {
				continue
			}
			visited[q.typ] = true
			for i := 0; i < q.typ.NumField(); i++ {
				sf := q.typ.Field(i)
				if !sf.IsExported() && !sf.Anonymous {
					continue
				}
				f := field{name: sf.Name, typ: sf.Type}
				f.index = append(slices.Clone(q.index), i)
				f.path = sf.Name
				if q.path != "" {
					f.path = q.path + "." + sf.Name
				}
				ignore := parseAVTag(&f, sf.Tag.Get("dynamodbav"))
				roles, err := parseRoles(sf.Tag)
				if err != nil {
					return nil, fmt.Errorf("field %s: %v", f.path, err)
				}
				if ignore {
					if len(roles) > 0 {
						return nil, fmt.Errorf("field %s is tagged dynamo:%q but dynamodbav:\"-\" excludes it", f.path, strings.Join(roles, ","))
					}
					continue
				}
				f.roles = roles
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous && !f.nameFromTag && ft.Kind() == reflect.Struct {
					if len(roles) > 0 {
						return nil, fmt.Errorf("field %s is an embedded struct, whose fields are flattened; tag one of its fields dynamo:%q instead", f.path, strings.Join(roles, ","))
					}
					next = append(next, queued{typ: ft, index: f.index, path: f.path})
					continue
				}
				if !sf.IsExported() {
					continue
				}
				all = append(all, f)
			}
		}
	}
	// Dominance: for each name keep the shallowest field; at the same
	// depth a name from a tag wins over a Go field name; otherwise the
	// declaration is ambiguous.
	byName := map[string][]field{}
	var order []string
	for _, f := range all {
		if _, ok := byName[f.name]; !ok {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []field
	for _, name := range order {
		fs := byName[name]
		if len(fs) == 1 {
			out = append(out, fs[0])
			continue
		}
		sort.SliceStable(fs, func(i, j int) bool { return len(fs[i].index) < len(fs[j].index) })
		depth := len(fs[0].index)
		var top []field
		for _, f := range fs {
			if len(f.index) == depth {
				top = append(top, f)
			}
		}
		var tagged []field
		for _, f := range top {
			if f.nameFromTag {
				tagged = append(tagged, f)
			}
		}
		switch {
		case len(top) == 1:
			out = append(out, top[0])
		case len(tagged) == 1:
			out = append(out, tagged[0])
		default:
			return nil, fmt.Errorf("fields %s and %s both map to attribute %q", top[0].path, top[1].path, name)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return slices.Compare(out[i].index, out[j].index) < 0 })
	return out, nil
}

// parseAVTag reads a dynamodbav tag into f; it reports "-".
func parseAVTag(f *field, tag string) (ignore bool) {
	if tag == "" {
		return false
	}
	parts := strings.Split(tag, ",")
	if parts[0] == "-" {
		return true
	}
	if parts[0] != "" {
		f.name, f.nameFromTag = parts[0], true
	}
	for _, o := range parts[1:] {
		switch o {
		case "omitempty":
			f.omitEmpty = true
		case "string":
			f.asString = true
		case "unixtime":
			f.unixTime = true
		case "stringset", "numberset", "binaryset":
			f.sets = true
		}
	}
	return false
}

// parseRoles reads the dynamo tag: a comma-separated list of pk, sk and
// version (one role per field).
func parseRoles(tag reflect.StructTag) ([]string, error) {
	s, ok := tag.Lookup("dynamo")
	if !ok {
		return nil, nil
	}
	var roles []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		switch r {
		case "pk", "sk", "version":
			if slices.Contains(roles, r) {
				continue
			}
			roles = append(roles, r)
		case "":
		default:
			return nil, fmt.Errorf("unknown dynamo tag %q: the dynamo tag gives a field its role, pk, sk or version (names and options go in the dynamodbav tag)", r)
		}
	}
	if len(roles) > 1 {
		return nil, fmt.Errorf("dynamo tag %q gives the field several roles; a field is at most one of pk, sk and version", s)
	}
	return roles, nil
}

// keyType returns the DynamoDB key type an attribute marshals to (S, N or
// B), "" when it cannot be a key, and whether it marshals to an N.
func keyType(f field) (types.ScalarAttributeType, bool) {
	t := f.typ
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if f.sets {
		return "", false
	}
	switch {
	case t == numberType:
		if f.asString {
			return types.ScalarAttributeTypeS, false
		}
		return types.ScalarAttributeTypeN, true
	case t == timeType:
		if f.unixTime {
			return types.ScalarAttributeTypeN, true
		}
		return types.ScalarAttributeTypeS, false
	case reflect.PointerTo(t).Implements(marshaler) || t.Implements(marshaler):
		return "", false // decided by its own method: unknown here
	}
	switch t.Kind() {
	case reflect.String:
		return types.ScalarAttributeTypeS, false
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if f.asString {
			return types.ScalarAttributeTypeS, false
		}
		return types.ScalarAttributeTypeN, true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return types.ScalarAttributeTypeB, false
		}
	}
	return "", false
}

// componentKind returns the kind of an attribute as a composite component.
func componentKind(f field) (indexhint.ComponentKind, bool) {
	t := f.typ
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == numberType || f.sets {
		return 0, false // a decimal text: its string order is not its numeric order
	}
	if t != timeType && (reflect.PointerTo(t).Implements(marshaler) || t.Implements(marshaler)) {
		return 0, false
	}
	return indexhint.KindOfType(t)
}
