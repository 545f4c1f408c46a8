package main

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/dynamosql/dynamosql"
)

// helpText is what \? prints.
const helpText = `Statements end with ; and may span lines. BEGIN, COMMIT and ROLLBACK
run a transaction (one ExecuteTransaction at COMMIT).

Meta-commands (one line each):
  \dt [PATTERN]         list tables (PATTERN: shell glob such as user*)
  \d TABLE              describe a table: keys, indexes, item count, size, billing, class
  \di TABLE             list a table's indexes with their keys and projections
  \x [on|off]           expanded display: one line per column
  \timing [on|off]      show the elapsed time after each statement
  \format table|json|csv  output format
  \explain STATEMENT    what the driver would send and how DynamoDB would read it
  \capacity [on|off]    show consumed capacity after each statement
  \?                    this help
  \q                    quit (Ctrl-D too)
Ctrl-C cancels the running statement, or clears the line being typed.
`

// meta runs a meta-command line.
func (s *shell) meta(ctx context.Context, line string) error {
	line = strings.TrimSuffix(strings.TrimSpace(line), ";")
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case `\q`, `\quit`:
		return errQuit
	case `\?`, `\h`, `\help`:
		s.out.WriteString(helpText)
		return s.out.Flush()
	case `\dt`:
		return s.listTables(ctx, arg)
	case `\d`:
		if arg == "" {
			return s.listTables(ctx, "")
		}
		return s.describe(ctx, arg)
	case `\di`:
		if arg == "" {
			return fmt.Errorf(`\di needs a table: \di TABLE (\dt lists the tables)`)
		}
		return s.indexes(ctx, arg)
	case `\x`:
		return s.toggle(&s.expanded, arg, "Expanded display")
	case `\timing`:
		return s.toggle(&s.timing, arg, "Timing")
	case `\capacity`:
		return s.toggle(&s.capacity, arg, "Capacity display")
	case `\format`:
		if arg == "" {
			fmt.Fprintf(s.stderr, "Output format is %s.\n", s.format)
			return nil
		}
		f, err := parseFormat(arg)
		if err != nil {
			return fmt.Errorf(`\format: %w`, err)
		}
		s.format = f
		fmt.Fprintf(s.stderr, "Output format is %s.\n", f)
		return nil
	case `\explain`:
		if arg == "" {
			return fmt.Errorf(`\explain needs a statement: \explain SELECT * FROM "t" WHERE id = 'x'`)
		}
		return s.explain(ctx, arg)
	}
	return fmt.Errorf(`unknown meta-command %s: \? lists them`, name)
}

// toggle sets a boolean setting from on, off or nothing (flip it).
func (s *shell) toggle(b *bool, arg, what string) error {
	switch strings.ToLower(arg) {
	case "":
		*b = !*b
	case "on":
		*b = true
	case "off":
		*b = false
	default:
		return fmt.Errorf("%s: %q is neither on nor off", what, arg)
	}
	state := "off"
	if *b {
		state = "on"
	}
	fmt.Fprintf(s.stderr, "%s is %s.\n", what, state)
	return nil
}

// unquoteName strips the double quotes of a quoted table name.
func unquoteName(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}

// listTables runs \dt.
func (s *shell) listTables(ctx context.Context, pattern string) error {
	ctx, done := s.statementContext(ctx)
	defer done()
	names, err := s.catalog.Tables(ctx)
	if err != nil {
		return err
	}
	s.names.setTables(names)
	pattern = unquoteName(pattern)
	if _, err := path.Match(pattern, ""); err != nil {
		return fmt.Errorf(`\dt: bad pattern %q: use * and ? as in user*`, pattern)
	}
	w := s.newResultWriter([]string{"table"})
	n := 0
	for _, t := range names {
		if ok, _ := path.Match(pattern, t); pattern == "" || ok {
			w.row([]any{t})
			n++
		}
	}
	w.end()
	s.metaFooter(n)
	return nil
}

// metaFooter prints "(n rows)" after a meta-command's listing.
func (s *shell) metaFooter(n int) {
	if s.format == formatTable && !s.quiet {
		fmt.Fprintf(s.out, "(%s)\n", plural(n, "row"))
		s.out.Flush()
	}
}

// describeTable describes a table named as typed (quoted or not).
func (s *shell) describeTable(ctx context.Context, table string) (*tableInfo, error) {
	ctx, done := s.statementContext(ctx)
	defer done()
	return s.catalog.Describe(ctx, unquoteName(table))
}

// describe runs \d TABLE: one property per row, then the indexes.
func (s *shell) describe(ctx context.Context, table string) error {
	t, err := s.describeTable(ctx, table)
	if err != nil {
		return err
	}
	w := s.newResultWriter([]string{"property", "value"})
	props := []struct {
		name  string
		value any
	}{
		{"table", t.Name},
		{"status", t.Status},
		{"partition key", t.PartitionKey.String()},
		{"sort key", nullIfEmpty(t.SortKey.String())},
		{"items", t.ItemCount},
		{"size bytes", t.SizeBytes},
		{"billing", t.Billing},
		{"table class", t.Class},
		{"indexes", int64(len(t.Indexes))},
	}
	for _, p := range props {
		w.row([]any{p.name, p.value})
	}
	w.end()
	if len(t.Indexes) > 0 {
		if s.format == formatTable {
			s.out.WriteString("Indexes:\n")
		}
		s.writeIndexes(t)
	}
	return nil
}

// indexes runs \di TABLE.
func (s *shell) indexes(ctx context.Context, table string) error {
	t, err := s.describeTable(ctx, table)
	if err != nil {
		return err
	}
	s.writeIndexes(t)
	s.metaFooter(len(t.Indexes))
	return nil
}

func (s *shell) writeIndexes(t *tableInfo) {
	w := s.newResultWriter([]string{"index", "kind", "partition key", "sort key", "projection", "status"})
	for _, ix := range t.Indexes {
		w.row([]any{ix.Name, ix.Kind, ix.PartitionKey.String(), nullIfEmpty(ix.SortKey.String()), ix.Projection, nullIfEmpty(ix.Status)})
	}
	w.end()
}

// nullIfEmpty shows an absent property as NULL rather than "".
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// explain runs \explain STATEMENT with dynamosql.Explain: nothing is sent
// to DynamoDB but, at most, a DescribeTable.
func (s *shell) explain(ctx context.Context, stmt string) error {
	ctx, done := s.statementContext(ctx)
	defer done()
	p, err := dynamosql.Explain(ctx, s.db, stmt)
	if err != nil {
		return err
	}
	if s.format == formatTable {
		s.out.WriteString(p.String())
		s.out.WriteString("\n")
		return s.out.Flush()
	}
	refused := any(nil)
	if p.Refused != nil {
		refused = p.Refused.Error()
	}
	index := nullIfEmpty(p.Index)
	w := s.newResultWriter([]string{"statement", "params", "table", "index", "access", "reason", "refused"})
	w.row([]any{p.Statement, int64(p.Params), p.Table, index, p.Access.String(), p.Reason, refused})
	w.end()
	return nil
}
