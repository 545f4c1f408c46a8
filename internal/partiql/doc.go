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
// ParseCached memoises Parse by statement text. Its results are shared and
// must be treated as immutable: a rewriter works on a Clone. Summarize is a
// fast single-pass lexer giving a statement's kind, table, RETURNING clause
// and number of ? placeholders without building an AST.
//
// Identifiers keep whether they were double-quoted so Print reproduces them;
// Print quotes any identifier that would not read back as itself (a keyword,
// a name with spaces, ...). Nodes built by rewriters should set Quoted (see
// NewPath), as DynamoDB recommends quoting table, index and attribute names.
package partiql
