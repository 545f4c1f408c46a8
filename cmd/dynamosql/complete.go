package main

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

// keywords are the words tab completion offers besides names.
var keywords = []string{
	"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "MISSING",
	"BETWEEN", "EXISTS", "INSERT", "INTO", "VALUE", "VALUES", "UPDATE", "SET",
	"REMOVE", "DELETE", "RETURNING", "ALL", "OLD", "NEW", "MODIFIED", "ORDER",
	"BY", "ASC", "DESC", "LIMIT", "OFFSET", "COUNT", "BEGIN", "COMMIT",
	"ROLLBACK", "TRUE", "FALSE", "attribute_exists", "attribute_not_exists",
	"attribute_type", "begins_with", "contains", "size",
}

// metaCommands are the meta-commands tab completion offers.
var metaCommands = []string{`\dt`, `\d`, `\di`, `\x`, `\timing`, `\format`, `\explain`, `\capacity`, `\?`, `\q`}

// maxAttributes bounds the attribute names remembered for completion.
const maxAttributes = 10000

// completer completes keywords, meta-commands, table names (listed once
// in the background, and again by \dt) and the attribute names of the
// results seen so far.
type completer struct {
	mu     sync.Mutex
	tables []string
	attrs  map[string]bool
}

func newCompleter() *completer { return &completer{attrs: map[string]bool{}} }

func (c *completer) setTables(names []string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.tables = slices.Clone(names)
	c.mu.Unlock()
}

// addAttributes remembers the column names of a result.
func (c *completer) addAttributes(cols []string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range cols {
		if len(c.attrs) >= maxAttributes {
			return
		}
		c.attrs[a] = true
	}
}

// loadTables lists the tables for completion, quietly: a failure only
// means no table names to complete.
func (c *completer) loadTables(ctx context.Context, cat tableCatalog) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if names, err := cat.Tables(ctx); err == nil {
		c.setTables(names)
	}
}

// complete is a liner.WordCompleter: it completes the word before pos.
func (c *completer) complete(line string, pos int) (head string, completions []string, tail string) {
	runes := []rune(line)
	pos = min(pos, len(runes))
	start := pos
	for start > 0 && isWordRune(runes[start-1]) {
		start--
	}
	head, word, tail := string(runes[:start]), string(runes[start:pos]), string(runes[pos:])
	before := strings.Fields(head)
	switch {
	case strings.HasPrefix(word, `\`) && strings.TrimSpace(head) == "":
		return head, prefixed(metaCommands, word, false), tail
	case len(before) == 1 && (before[0] == `\d` || before[0] == `\di` || before[0] == `\dt`):
		return head, c.names(word, true, false), tail
	case len(before) > 0 && slices.Contains([]string{"FROM", "INTO", "UPDATE"}, strings.ToUpper(before[len(before)-1])):
		return head, c.names(word, true, false), tail // a table name comes next
	}
	var out []string
	if !strings.HasPrefix(word, `"`) {
		out = prefixed(keywords, word, true)
	}
	return head, append(out, c.names(word, true, true)...), tail
}

// names returns the table (and attribute) names completing word. Table
// names come double-quoted, which PartiQL always accepts (many names, like
// user, are reserved words); attribute names only when they need it or
// the word began with a quote.
func (c *completer) names(word string, tables, attrs bool) []string {
	quote := func(n string) string { return `"` + strings.ReplaceAll(n, `"`, `""`) + `"` }
	c.mu.Lock()
	var all []string
	if tables {
		for _, t := range c.tables {
			all = append(all, quote(t))
		}
	}
	if attrs {
		for a := range c.attrs {
			if strings.HasPrefix(word, `"`) || needsQuotes(a) {
				a = quote(a)
			}
			all = append(all, a)
		}
	}
	c.mu.Unlock()
	slices.Sort(all)
	all = slices.Compact(all)
	var out []string
	for _, n := range all {
		if strings.HasPrefix(n, word) || strings.HasPrefix(n, `"`+word) {
			out = append(out, n)
		}
	}
	return out
}

// needsQuotes reports whether a name must be double-quoted in PartiQL:
// it is not a plain identifier, or it is a keyword.
func needsQuotes(n string) bool {
	if n == "" {
		return true
	}
	for i, r := range n {
		if !(r == '_' || unicode.IsLetter(r) && r < 128 || i > 0 && r >= '0' && r <= '9') {
			return true
		}
	}
	for _, k := range keywords {
		if strings.EqualFold(k, n) {
			return true
		}
	}
	return false
}

// prefixed returns the words starting with prefix (ignoring case when
// fold), in the prefix's case: lower-case when it is typed in lower case.
func prefixed(words []string, prefix string, fold bool) []string {
	lower := fold && prefix != "" && strings.ToLower(prefix) == prefix && strings.ToUpper(prefix) != prefix
	var out []string
	for _, w := range words {
		if fold && strings.HasPrefix(strings.ToUpper(w), strings.ToUpper(prefix)) || strings.HasPrefix(w, prefix) {
			if lower {
				w = strings.ToLower(w)
			}
			out = append(out, w)
		}
	}
	return out
}

func isWordRune(r rune) bool {
	return r == '_' || r == '"' || r == '\\' || r == '?' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
