package dynamosql

import (
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// projection returns the columns of a SELECT's explicit projection, in
// order, or star=true for SELECT * (and for statements the parser does not
// understand, whose columns then come from the items).
//
// Columns are named as written, without quotes: a, a.b, a.b[2]. DynamoDB
// returns a nested path under its last field name (with the list indexes
// that follow it): SELECT m.x returns the attribute "x", SELECT m.y[1]
// returns "y[1]".
func projection(query string) (cols []column, star bool) {
	st, err := partiql.ParseCached(query)
	if err != nil {
		return nil, true
	}
	sel, ok := st.(*partiql.Select)
	if !ok || sel.Star || sel.Count || len(sel.Projection) == 0 {
		return nil, true
	}
	cols = make([]column, 0, len(sel.Projection))
	for _, e := range sel.Projection {
		p, ok := e.(*partiql.Path)
		if !ok || len(p.Segments) == 0 {
			return nil, true
		}
		cols = append(cols, pathColumn(p))
	}
	return cols, false
}

func pathColumn(p *partiql.Path) column {
	if p.IsSimple() {
		n := p.Segments[0].Name
		return column{name: n, key: n}
	}
	var name strings.Builder
	for i, s := range p.Segments {
		if s.IsIndex {
			name.WriteByte('[')
			name.WriteString(strconv.Itoa(s.Index))
			name.WriteByte(']')
			continue
		}
		if i > 0 {
			name.WriteByte('.')
		}
		name.WriteString(s.Name)
	}
	c := column{name: name.String()}
	// DynamoDB returns a nested path under a key made of one of its field
	// names with the list indexes that follow it, holding the rest of the
	// path as a sub-document: SELECT m.y[2].z returns "y[2]": {"z": ...}.
	// Try the second field first (what DynamoDB does), then the others.
	var starts []int
	for i, s := range p.Segments {
		if !s.IsIndex && i > 0 {
			starts = append(starts, i)
			break
		}
	}
	for i := len(p.Segments) - 1; i >= 0; i-- {
		if !p.Segments[i].IsIndex && (len(starts) == 0 || i != starts[0]) {
			starts = append(starts, i)
		}
	}
	for _, i := range starts {
		var key strings.Builder
		key.WriteString(p.Segments[i].Name)
		j := i + 1
		for ; j < len(p.Segments) && p.Segments[j].IsIndex; j++ {
			key.WriteByte('[')
			key.WriteString(strconv.Itoa(p.Segments[j].Index))
			key.WriteByte(']')
		}
		c.nested = append(c.nested, nestedKey{key: key.String(), rest: p.Segments[j:]})
	}
	return c
}

// nestedKey is one way DynamoDB may return a nested path: under key, with
// the rest of the path inside.
type nestedKey struct {
	key  string
	rest []partiql.Segment
}

// lookup finds the column's value in an item.
func (c *column) lookup(item map[string]types.AttributeValue) (types.AttributeValue, bool) {
	if c.nested == nil {
		av, ok := item[c.key]
		return av, ok
	}
	for _, n := range c.nested {
		av, ok := item[n.key]
		if !ok {
			continue
		}
		if av, ok = descend(av, n.rest); ok {
			return av, true
		}
	}
	return nil, false
}

func descend(av types.AttributeValue, path []partiql.Segment) (types.AttributeValue, bool) {
	for _, s := range path {
		if s.IsIndex {
			l, ok := av.(*types.AttributeValueMemberL)
			if !ok || s.Index < 0 || s.Index >= len(l.Value) {
				return nil, false
			}
			av = l.Value[s.Index]
			continue
		}
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok {
			return nil, false
		}
		if av, ok = m.Value[s.Name]; !ok {
			return nil, false
		}
	}
	return av, true
}
