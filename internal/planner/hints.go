package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Hints for a SELECT that would scan: mistakes that turn a query into a
// scan and whose scan finds nothing, reported with the scan warning and
// the scan=deny error (they are worked out once per plan):
//
//   - a double-quoted name compared with an attribute, WHERE id = "i01":
//     double quotes name an attribute in PartiQL, so the condition compares
//     two attributes; the string was meant ('i01');
//   - a WHERE attribute that is no key attribute of the table or any index
//     (nor a composite component) and looks like a typo of one: idd for id.

// scanHints returns the hints for a SELECT on t whose WHERE is where.
func scanHints(t *Table, comps []Composite, where partiql.Expr) []string {
	if where == nil {
		return nil
	}
	known := make(map[string]bool, len(t.AttributeTypes)+2*len(comps))
	var keys []string // attributes a typo may be of
	for a := range t.AttributeTypes {
		known[a] = true
		keys = append(keys, a)
	}
	key := []string{t.Key.PartitionKey, t.Key.SortKey}
	for _, ix := range t.Indexes {
		key = append(key, ix.Key.PartitionKey, ix.Key.SortKey)
	}
	for _, k := range key {
		if k != "" && !known[k] {
			known[k] = true
			keys = append(keys, k)
		}
	}
	for _, c := range comps {
		known[c.Attribute] = true
		for _, n := range c.Components {
			if !known[n] {
				known[n] = true
				keys = append(keys, n)
			}
		}
	}
	sort.Strings(keys)

	var hints []string
	seen := map[string]bool{}
	add := func(h string) {
		if !seen[h] {
			seen[h] = true
			hints = append(hints, h)
		}
	}
	// Double-quoted names compared with an attribute.
	partiql.Walk(where, func(e partiql.Expr) bool {
		switch e := e.(type) {
		case *partiql.Binary:
			if !e.Op.IsComparison() {
				return true
			}
			l, lok := e.L.(*partiql.Path)
			r, rok := e.R.(*partiql.Path)
			if !lok || !rok {
				return true
			}
			switch {
			case quotedUnknown(r, known):
				add(stringHint(r))
			case quotedUnknown(l, known):
				add(stringHint(l))
			}
		case *partiql.In:
			if _, ok := e.X.(*partiql.Path); ok {
				for _, v := range e.List {
					if p, ok := v.(*partiql.Path); ok && quotedUnknown(p, known) {
						add(stringHint(p))
					}
				}
			}
		case *partiql.Between:
			if _, ok := e.X.(*partiql.Path); ok {
				for _, v := range []partiql.Expr{e.Lo, e.Hi} {
					if p, ok := v.(*partiql.Path); ok && quotedUnknown(p, known) {
						add(stringHint(p))
					}
				}
			}
		}
		return true
	})
	if len(hints) > 0 {
		return hints // the strings are the likelier mistake
	}
	// Attributes that look like a typo of a key attribute.
	partiql.Walk(where, func(e partiql.Expr) bool {
		p, ok := e.(*partiql.Path)
		if !ok {
			return true
		}
		name := p.Root()
		if known[name] {
			return true
		}
		if k := closest(name, keys); k != "" {
			add(fmt.Sprintf("did you mean %q? (%q is no key attribute of table %q or its indexes)", k, name, t.Name))
		}
		return true
	})
	return hints
}

// quotedUnknown reports a double-quoted simple path that names no
// attribute the table's metadata knows.
func quotedUnknown(p *partiql.Path, known map[string]bool) bool {
	return p.IsSimple() && p.Segments[0].Quoted && !known[p.Name()]
}

// stringHint is the hint for a double-quoted name meant as a string.
func stringHint(p *partiql.Path) string {
	name := p.Name()
	return fmt.Sprintf("%q is an attribute name; write the string as '%s'", name, strings.ReplaceAll(name, "'", "''"))
}

// closest returns the attribute of keys that name looks like a typo of
// (the same but for case, or one edit away, two for names of more than
// five characters), "" when none does.
func closest(name string, keys []string) string {
	best, bestD := "", 3
	for _, k := range keys {
		limit := 1
		if len(k) > 5 {
			limit = 2
		}
		d := editDistance(strings.ToLower(name), strings.ToLower(k))
		if d <= limit && d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b (in
// bytes): insertions, deletions, substitutions and transpositions of
// adjacent bytes.
func editDistance(a, b string) int {
	if a == b {
		return 0
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
