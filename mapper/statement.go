package mapper

import (
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// quoteName quotes an identifier for PartiQL: in double quotes, with each
// double quote doubled. Every table, index and attribute name the mapper
// writes goes through it, so any name is safe, reserved words included.
func quoteName(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// from returns `"table"` or `"table"."index"`.
func from(table, index string) string {
	if index == "" {
		return quoteName(table)
	}
	return quoteName(table) + "." + quoteName(index)
}

// statement is PartiQL text with its parameters, all attribute values.
type statement struct {
	text strings.Builder
	args []any
}

func (s *statement) write(parts ...string) {
	for _, p := range parts {
		s.text.WriteString(p)
	}
}

// param writes a ? for av.
func (s *statement) param(av types.AttributeValue) {
	s.text.WriteByte('?')
	s.args = append(s.args, av)
}

func (s *statement) String() string { return s.text.String() }

// params returns the parameters as attribute values (for batches).
func (s *statement) params() []types.AttributeValue {
	out := make([]types.AttributeValue, len(s.args))
	for i, a := range s.args {
		out[i] = a.(types.AttributeValue)
	}
	return out
}

// itemOrder returns the names of the item's attributes in a stable order:
// the entity's attributes in field order, its composites, then anything
// else sorted.
func (m *Metadata) itemOrder(it item) []string {
	return m.appendItemOrder(make([]string, 0, len(it)), it)
}

// appendItemOrder appends the names itemOrder returns to names (empty).
func (m *Metadata) appendItemOrder(names []string, it item) []string {
	for _, a := range m.Attributes { // unique names (Register)
		if _, ok := it[a.Name]; ok {
			names = append(names, a.Name)
		}
	}
	for _, c := range m.Composites {
		if _, ok := it[c.Attribute]; ok && !slices.Contains(names, c.Attribute) {
			names = append(names, c.Attribute)
		}
	}
	if len(names) == len(it) {
		return names
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		seen[n] = true
	}
	var rest []string
	for n := range it {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// insertStatement is INSERT INTO "t" VALUE {'a': ?, ...}.
func (m *Metadata) insertStatement(it item) *statement {
	var buf [16]string
	names := m.appendItemOrder(buf[:0], it)
	size := len("INSERT INTO \"\" VALUE {}") + len(m.Table)
	for _, n := range names {
		size += len(n) + len("'': , ")
	}
	s := &statement{args: make([]any, 0, len(names))}
	s.text.Grow(size)
	s.write("INSERT INTO ")
	writeQuoted(&s.text, '"', m.Table)
	s.write(" VALUE {")
	for i, n := range names {
		if i > 0 {
			s.write(", ")
		}
		writeQuoted(&s.text, '\'', n)
		s.write(": ")
		s.param(it[n])
	}
	s.write("}")
	return s
}

// insertText is the text of the INSERT of items with the attributes
// names, in that order (see insertRequest).
type insertText struct {
	names []string
	text  string
}

// insertRequest returns the text and parameters of the INSERT of it, as
// insertStatement writes it, reusing the text of last (the previous
// item's, or nil) when it has the same attributes; and the insertText to
// pass with the next item.
func (m *Metadata) insertRequest(it item, last *insertText) (string, []types.AttributeValue, *insertText) {
	if last != nil && len(last.names) == len(it) {
		// The order depends only on which attributes the item has.
		params := make([]types.AttributeValue, len(last.names))
		same := true
		for i, n := range last.names {
			av, ok := it[n]
			if !ok {
				same = false
				break
			}
			params[i] = av
		}
		if same {
			return last.text, params, last
		}
	}
	var buf [16]string
	names := m.appendItemOrder(buf[:0], it)
	params := make([]types.AttributeValue, len(names))
	for i, n := range names {
		params[i] = it[n]
	}
	if last == nil || !slices.Equal(last.names, names) {
		last = &insertText{names: slices.Clone(names), text: m.insertStatement(it).String()}
	}
	return last.text, params, last
}

// writeQuoted writes s between quotes q, each q inside doubled: a quoted
// name (q a double quote, what quoteName returns) or a string literal (q a
// single quote), without building the quoted string first.
func writeQuoted(b *strings.Builder, q byte, s string) {
	b.WriteByte(q)
	for {
		i := strings.IndexByte(s, q)
		if i < 0 {
			break
		}
		b.WriteString(s[:i+1])
		b.WriteByte(q)
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte(q)
}

// isKey reports whether name is one of the table's key attributes.
func (m *Metadata) isKey(name string) bool {
	return name == m.PartitionKey || (m.SortKey != "" && name == m.SortKey)
}

// whereKey writes WHERE "pk" = ? [AND "sk" = ?] with the item's key.
func (m *Metadata) whereKey(s *statement, key []types.AttributeValue) {
	s.write(" WHERE ", quoteName(m.PartitionKey), " = ")
	s.param(key[0])
	if m.SortKey != "" {
		s.write(" AND ", quoteName(m.SortKey), " = ")
		s.param(key[1])
	}
}

// keyOf returns the item's key values.
func (m *Metadata) keyOf(it item) []types.AttributeValue {
	return m.appendKey(make([]types.AttributeValue, 0, 2), it)
}

// appendKey appends the item's key values to key.
func (m *Metadata) appendKey(key []types.AttributeValue, it item) []types.AttributeValue {
	key = append(key, it[m.PartitionKey])
	if m.SortKey != "" {
		key = append(key, it[m.SortKey])
	}
	return key
}

// versionCond is the optimistic-locking condition of a write: the stored
// version equals old, or, for old == 0, there is no stored version.
type versionCond struct {
	set bool
	old int64
}

// replaceStatement is the UPDATE that makes the stored item equal it for
// every attribute the entity knows: SET of each attribute it has, REMOVE
// of each it lacks. With a version condition it also checks the stored
// version (the new version is in it already).
func (m *Metadata) replaceStatement(it item, vc versionCond) *statement {
	s := &statement{}
	s.write("UPDATE ", quoteName(m.Table))
	for _, n := range m.itemOrder(it) {
		if m.isKey(n) {
			continue
		}
		s.write(" SET ", quoteName(n), " = ")
		s.param(it[n])
	}
	for _, n := range m.knownAttributes() {
		if _, ok := it[n]; !ok && !m.isKey(n) {
			s.write(" REMOVE ", quoteName(n))
		}
	}
	m.whereKey(s, m.keyOf(it))
	m.writeVersionCond(s, vc)
	return s
}

func (m *Metadata) writeVersionCond(s *statement, vc versionCond) {
	if !vc.set {
		return
	}
	if vc.old == 0 {
		s.write(" AND ", quoteName(m.Version), " IS MISSING")
		return
	}
	s.write(" AND ", quoteName(m.Version), " = ")
	s.param(numberAV(vc.old))
}

// knownAttributes lists the entity's attributes and composite columns.
func (m *Metadata) knownAttributes() []string {
	names := m.attributeNames()
	for _, c := range m.Composites {
		names = append(names, c.Attribute)
	}
	return names
}

// deleteStatement is DELETE FROM "t" WHERE "pk" = ? [AND "sk" = ?].
func (m *Metadata) deleteStatement(key []types.AttributeValue) *statement {
	s := &statement{}
	s.write("DELETE FROM ", quoteName(m.Table))
	m.whereKey(s, key)
	return s
}

// getStatement is SELECT * FROM "t" WHERE "pk" = ? [AND "sk" = ?].
func (m *Metadata) getStatement(key []types.AttributeValue) *statement {
	s := &statement{}
	s.write("SELECT * FROM ", quoteName(m.Table))
	m.whereKey(s, key)
	return s
}
