// Package partiql parses and prints the subset of PartiQL that Amazon
// DynamoDB accepts, plus a few SQL forms the driver translates.
//
// Parse turns one statement into an AST (*Select, *Insert, *Update, *Delete
// or *Exists); Print turns an AST back into text that Parse accepts and that
// DynamoDB accepts unless the statement uses one of the SQL extensions:
//
//   - SELECT ... LIMIT n [OFFSET m]     (Select.Limit, Select.Offset)
//   - SELECT COUNT(*) FROM ...          (Select.Count)
//   - INSERT INTO t (a, b) VALUES (...), (...)   (Insert.Columns, Insert.Rows)
//
// UsesExtensions reports whether a statement needs such a translation.
// Forms DynamoDB's PartiQL has no equivalent for (JOIN, GROUP BY, subqueries,
// aggregates other than COUNT(*), DISTINCT, UNION, ...) are refused with an
// *UnsupportedError that says what to do instead; other mistakes are
// reported as a *SyntaxError with a 1-based line and column.
//
// Analyze is the driver's one pass over a statement text: it lexes the text
// once, reads the kind, table, RETURNING clause, ? placeholders and the SQL
// forms to translate off the tokens (known even when the parse fails), and
// parses the same tokens. The driver caches its results per connector and
// shares them: treat a parsed statement as immutable; a rewriter works on a
// Clone or a shallow copy of the nodes it changes.
//
// Identifiers keep whether they were double-quoted so Print reproduces them;
// Print quotes any identifier that would not read back as itself (a keyword,
// a name with spaces, ...). Nodes built by rewriters should set Quoted (see
// NewPath), as DynamoDB recommends quoting table, index and attribute names.
package partiql
