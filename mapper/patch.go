package mapper

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql"
)

// Change is one change of a Patch: Set, Remove, Add, IfVersion or If.
type Change struct {
	kind    changeKind
	attr    string
	value   any
	version int64
	conds   []Cond
}

type changeKind int

const (
	changeSet changeKind = iota + 1
	changeRemove
	changeAdd
	changeIfVersion
	changeIf
)

// Set sets attribute to value, converted like the entity's field (a value
// the field's omitempty would leave out, such as nil or "", removes the
// attribute instead).
func Set(attribute string, value any) Change {
	return Change{kind: changeSet, attr: attribute, value: value}
}

// Remove removes attribute from the item.
func Remove(attribute string) Change { return Change{kind: changeRemove, attr: attribute} }

// Add adds delta to a number attribute atomically ("n" = "n" + ?),
// whatever other writers do at the same time. The attribute must exist in
// the item (DynamoDB refuses arithmetic on a missing attribute).
func Add(attribute string, delta any) Change {
	return Change{kind: changeAdd, attr: attribute, value: delta}
}

// IfVersion makes the patch conditional on the stored version being
// version (ErrStaleVersion otherwise); the entity must have a version
// attribute.
func IfVersion(version int64) Change { return Change{kind: changeIfVersion, version: version} }

// If makes the patch conditional on conds (dynamosql.ErrConditionFailed
// when they do not hold).
func If(conds ...Cond) Change { return Change{kind: changeIf, conds: conds} }

// Patch changes some attributes of an existing item atomically (one
// UPDATE): Set, Remove and Add (atomic counters), optionally conditioned
// with IfVersion and If. It fails with ErrNotFound when no item has the
// key, ErrStaleVersion when IfVersion does not hold, and an error
// matching dynamosql.ErrConditionFailed when an If does not.
//
// Composite columns follow their components: a patch that sets (or
// removes) every component of a composite rewrites (or removes) it; a
// patch that changes only some of them is refused with
// ErrPartialComposite, before anything is sent, because the composite
// cannot be rebuilt without the others. Use Update, or set all the
// components. Key attributes cannot be changed. With a version
// attribute, a patch increments the stored version ("version" =
// "version" + 1, or the expected version + 1 with IfVersion); an item
// stored without a version (written before the attribute existed) needs
// IfVersion(0), which expects none and writes 1.
//
// Inside a transaction the UPDATE is added to it, and a missing item or
// a failed condition makes the commit fail.
func (r *Repository[T]) Patch(ctx context.Context, id ID, changes ...Change) error {
	key, err := r.keyValues("Patch", id)
	if err != nil {
		return err
	}
	s, vc, hasIf, err := r.m.patchStatement(key, changes)
	if err != nil {
		return err
	}
	n, buffered, c, err := r.execChecked(ctx, s) // stale.go
	switch {
	case err != nil:
		return r.wrap("Patch", key, err)
	case c.failed && c.item == nil:
		return r.wrap("Patch", key, ErrNotFound)
	case c.failed && vc.set && r.m.storedVersion(c.item) != vc.old:
		return r.wrap("Patch", key, r.m.staleVersion(vc.old, c.item))
	case c.failed && vc.set && !hasIf:
		return r.wrap("Patch", key, r.m.staleVersion(vc.old, c.item))
	case c.failed:
		return r.wrap("Patch", key, dynamosql.ErrConditionFailed)
	case buffered || n > 0:
		return nil
	}
	found, err := r.exists(ctx, key)
	switch {
	case err != nil:
		return r.wrap("Patch", key, fmt.Errorf("the UPDATE matched nothing, and reading the item to tell why failed: %w", err))
	case !found:
		return r.wrap("Patch", key, ErrNotFound)
	case vc.set && !hasIf:
		return r.wrap("Patch", key, ErrStaleVersion)
	case vc.set:
		return r.wrap("Patch", key, fmt.Errorf("%w or %w", ErrStaleVersion, dynamosql.ErrConditionFailed))
	}
	return r.wrap("Patch", key, dynamosql.ErrConditionFailed)
}

// patchStatement builds the UPDATE of a Patch.
func (m *Metadata) patchStatement(key []types.AttributeValue, changes []Change) (*statement, versionCond, bool, error) {
	fail := func(format string, a ...any) (*statement, versionCond, bool, error) {
		return nil, versionCond{}, false, fmt.Errorf("mapper: Patch %s: "+format, append([]any{m.Entity}, a...)...)
	}
	type set struct {
		attr string
		av   types.AttributeValue
		add  bool
	}
	var sets []set
	var removes []string
	var conds []Cond
	var vc versionCond
	touched := map[string]changeKind{}
	values := map[string]any{} // Go values of set attributes, for composites
	for _, ch := range changes {
		switch ch.kind {
		case changeIfVersion:
			if m.Version == "" {
				return fail("IfVersion: %s has no version attribute (tag a field dynamo:\"version\")", m.Entity)
			}
			if vc.set {
				return fail("IfVersion given twice")
			}
			vc = versionCond{set: true, old: ch.version}
			continue
		case changeIf:
			for _, c := range ch.conds {
				if err := c.check(); err != nil {
					return fail("%v", err)
				}
			}
			conds = append(conds, ch.conds...)
			continue
		case changeSet, changeRemove, changeAdd:
		default:
			return fail("invalid change (build changes with mapper.Set, Remove, Add, IfVersion and If)")
		}
		a, ok := m.Attribute(ch.attr)
		switch {
		case !ok:
			if _, isComp := m.Composite(ch.attr); isComp {
				return fail("attribute %q is a composite column, written from its components: change them instead", ch.attr)
			}
			return fail("%q is not an attribute of %s (attributes: %s)", ch.attr, m.Entity, strings.Join(m.attributeNames(), ", "))
		case m.isKey(ch.attr):
			return fail("attribute %q is part of the table's key, which cannot change: delete the item and insert a new one", ch.attr)
		case ch.attr == m.Version:
			return fail("attribute %q is the version, which the mapper increments itself", ch.attr)
		}
		if _, dup := touched[ch.attr]; dup {
			return fail("attribute %q is changed twice", ch.attr)
		}
		touched[ch.attr] = ch.kind
		switch ch.kind {
		case changeRemove:
			removes = append(removes, ch.attr)
		case changeSet:
			av, gv, present, err := m.attrValue(ch.attr, ch.value)
			if err != nil {
				return nil, versionCond{}, false, err
			}
			if !present {
				removes = append(removes, ch.attr)
				touched[ch.attr] = changeRemove
				continue
			}
			sets = append(sets, set{attr: ch.attr, av: av})
			values[ch.attr] = gv
		case changeAdd:
			if !a.number {
				return fail("Add(%q): the attribute is a %s, not a number", ch.attr, a.Type)
			}
			av, _, _, err := m.attrValue(ch.attr, ch.value)
			if err != nil {
				return nil, versionCond{}, false, err
			}
			if _, ok := av.(*types.AttributeValueMemberN); !ok {
				return fail("Add(%q, %v): the delta is not a number", ch.attr, ch.value)
			}
			sets = append(sets, set{attr: ch.attr, av: av, add: true})
		}
	}
	// Composites: all components changed, or none.
	for _, c := range m.Composites {
		var changed, missing []string
		for _, comp := range c.Components {
			if _, ok := touched[comp]; ok {
				changed = append(changed, comp)
			} else {
				missing = append(missing, comp)
			}
		}
		if len(changed) == 0 {
			continue
		}
		for _, comp := range changed {
			if touched[comp] == changeAdd {
				return nil, versionCond{}, false, fmt.Errorf("%w: Patch %s: Add(%q) changes a component of the composite %q to a value the mapper cannot know: use Set with the new value (and the other components)",
					ErrPartialComposite, m.Entity, comp, c.Attribute)
			}
		}
		if len(missing) > 0 {
			return nil, versionCond{}, false, fmt.Errorf("%w: Patch %s changes %s but not %s: together they make the composite key %q (%s), which cannot be rebuilt without all of them; set them all (or use Update)",
				ErrPartialComposite, m.Entity, quoteList(changed), quoteList(missing), c.Attribute, m.compositeUse(c.Attribute))
		}
		removed := false
		vals := make([]any, len(c.Components))
		for i, comp := range c.Components {
			if touched[comp] == changeRemove {
				removed = true
				break
			}
			vals[i] = values[comp]
		}
		if removed {
			removes = append(removes, c.Attribute)
			continue
		}
		enc, err := c.Encode(vals...)
		if err != nil {
			return nil, versionCond{}, false, fmt.Errorf("mapper: Patch %s: composite %q: %w", m.Entity, c.Attribute, err)
		}
		sets = append(sets, set{attr: c.Attribute, av: &types.AttributeValueMemberS{Value: enc}})
	}
	if len(sets) == 0 && len(removes) == 0 {
		return fail("no change given")
	}
	s := &statement{}
	s.write("UPDATE ", quoteName(m.Table))
	for _, x := range sets {
		s.write(" SET ", quoteName(x.attr), " = ")
		if x.add {
			s.write(quoteName(x.attr), " + ")
		}
		s.param(x.av)
	}
	if m.Version != "" {
		s.write(" SET ", quoteName(m.Version), " = ")
		if vc.set {
			s.param(numberAV(vc.old + 1))
		} else {
			s.write(quoteName(m.Version), " + ")
			s.param(numberAV(1))
		}
	}
	for _, n := range removes {
		s.write(" REMOVE ", quoteName(n))
	}
	m.whereKey(s, key)
	m.writeVersionCond(s, vc)
	for _, c := range conds {
		s.write(" AND ")
		if err := m.writeCond(s, c); err != nil {
			return nil, versionCond{}, false, err
		}
	}
	return s, vc, len(conds) > 0, nil
}

// compositeUse names the indexes keyed by a composite, for messages.
func (m *Metadata) compositeUse(attr string) string {
	var uses []string
	for _, ix := range m.Indexes {
		if ix.PartitionKey == attr {
			uses = append(uses, "partition key of index "+ix.Name)
		}
		if ix.SortKey == attr {
			uses = append(uses, "sort key of index "+ix.Name)
		}
	}
	return strings.Join(uses, ", ")
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
