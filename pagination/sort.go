package pagination

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Direction is the order in which a sort property is sorted.
type Direction int

const (
	// Asc sorts in ascending order. It is the zero value and the default.
	Asc Direction = iota
	// Desc sorts in descending order.
	Desc
)

// String returns "asc" or "desc".
func (d Direction) String() string {
	switch d {
	case Asc:
		return "asc"
	case Desc:
		return "desc"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

func (d Direction) valid() bool { return d == Asc || d == Desc }

// ParseDirection parses "asc" or "desc", ignoring case.
func ParseDirection(s string) (Direction, error) {
	switch {
	case strings.EqualFold(s, "asc"):
		return Asc, nil
	case strings.EqualFold(s, "desc"):
		return Desc, nil
	}
	return Asc, fmt.Errorf("pagination: unknown sort direction %s (want asc or desc)", quote(s))
}

// MarshalText encodes the direction as "asc" or "desc".
func (d Direction) MarshalText() ([]byte, error) {
	if !d.valid() {
		return nil, fmt.Errorf("pagination: invalid sort direction %d", int(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes "asc" or "desc", ignoring case.
func (d *Direction) UnmarshalText(b []byte) error {
	v, err := ParseDirection(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Order sorts by one property in one direction.
type Order struct {
	Property  string    `json:"property"`
	Direction Direction `json:"direction"`
}

// String returns "property,direction", the form of the sort query
// parameter.
func (o Order) String() string { return o.Property + "," + o.Direction.String() }

// Sort is a list of orders, most significant first. A nil or empty Sort
// means the natural order of the result.
type Sort []Order

// String returns the orders as "property,direction" joined by ";", or ""
// for an empty Sort. It is stable, so it can be part of a query
// Fingerprint.
func (s Sort) String() string {
	parts := make([]string, len(s))
	for i, o := range s {
		parts[i] = o.String()
	}
	return strings.Join(parts, ";")
}

// Validate checks that every order names an allowed property, has a valid
// direction and that no property appears twice. An empty allowed list means
// that no sorting is allowed. The error is a *ParamError for the parameter
// "sort".
func (s Sort) Validate(allowed ...string) error {
	return s.validate(allowed, nil)
}

// ValidateIndexes is Validate with index metadata: when a property is not
// allowed but some index can sort by it, the error says which index sorting
// by it requires.
func (s Sort) ValidateIndexes(indexes SortIndexes, allowed ...string) error {
	return s.validate(allowed, indexes)
}

func (s Sort) validate(allowed []string, indexes SortIndexes) error {
	seen := make(map[string]bool, len(s))
	for _, o := range s {
		switch {
		case o.Property == "":
			return sortError(msgSortSyntax, allowed, indexes)
		case !o.Direction.valid():
			return sortError("sort direction must be asc or desc", allowed, indexes)
		case !slices.Contains(allowed, o.Property):
			return sortError(unknownPropertyMessage(o.Property, allowed, indexes), allowed, indexes)
		case seen[o.Property]:
			return sortError(fmt.Sprintf("sort lists %s more than once", quote(o.Property)), allowed, indexes)
		}
		seen[o.Property] = true
	}
	return nil
}

const msgSortSyntax = `sort must be "property" or "property,asc" or "property,desc"`

func unknownPropertyMessage(property string, allowed []string, indexes SortIndexes) string {
	var b strings.Builder
	if len(allowed) == 0 {
		fmt.Fprintf(&b, "cannot sort by %s: sorting is not supported here", quote(property))
	} else {
		fmt.Fprintf(&b, "cannot sort by %s", quote(property))
	}
	switch idx := indexes.IndexesFor(property); len(idx) {
	case 0:
	case 1:
		fmt.Fprintf(&b, "; sorting by %s requires index %s", quote(property), idx[0])
	default:
		fmt.Fprintf(&b, "; sorting by %s requires one of the indexes %s", quote(property), strings.Join(idx, ", "))
	}
	if len(allowed) > 0 {
		fmt.Fprintf(&b, "; sortable properties: %s", strings.Join(allowed, ", "))
	}
	return b.String()
}

func sortError(msg string, allowed []string, indexes SortIndexes) *ParamError {
	props := slices.Clone(allowed)
	if props == nil {
		props = []string{}
	}
	return &ParamError{
		Parameter: "sort",
		Message:   msg,
		Allowed:   SortAllowed{Properties: props, Directions: []string{"asc", "desc"}, Indexes: indexes},
	}
}

// SortIndexes describes which properties each index can sort by: it maps an
// index name (as it should appear in error messages; the mapper uses the
// table name for the table's own key) to the properties of its sort key, in
// order (several for a composite sort key). It only serves error messages:
// the properties a request may sort by are the allowed list given to
// Validate or Config.Sortable.
type SortIndexes map[string][]string

// IndexesFor returns the names of the indexes that can sort by property, in
// lexical order.
func (m SortIndexes) IndexesFor(property string) []string {
	var names []string
	for name, props := range m {
		if slices.Contains(props, property) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// quote quotes a client-supplied string for a message, cut to a safe length.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
