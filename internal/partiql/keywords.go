package partiql

// keyword identifies a reserved word of the grammar. Reserved words cannot
// be used as unquoted identifiers; other words can, even when PartiQL
// reserves them (Print quotes those, see needsQuotes).
type keyword uint8

const (
	kwNone keyword = iota
	kwAll
	kwAnd
	kwAs
	kwAsc
	kwBetween
	kwBy
	kwCross
	kwDelete
	kwDesc
	kwDistinct
	kwExcept
	kwExists
	kwFalse
	kwFrom
	kwFull
	kwGroup
	kwHaving
	kwIn
	kwInner
	kwInsert
	kwIntersect
	kwInto
	kwIs
	kwJoin
	kwLeft
	kwLike
	kwLimit
	kwMissing
	kwNatural
	kwNot
	kwNull
	kwOffset
	kwOn
	kwOr
	kwOrder
	kwOuter
	kwRemove
	kwReturning
	kwRight
	kwSelect
	kwSet
	kwTrue
	kwUnion
	kwUpdate
	kwValue
	kwValues
	kwWhere
)

// maxKeywordLen bounds the length of the words of lookupKeyword and
// quotedWords.
const maxKeywordLen = 24

// upperASCII writes the ASCII upper case of word into buf and returns it,
// or reports false when word is too long to be a keyword.
func upperASCII(buf *[maxKeywordLen]byte, word string) ([]byte, bool) {
	if len(word) > maxKeywordLen {
		return nil, false
	}
	b := buf[:len(word)]
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}
	return b, true
}

// lookupKeyword returns the reserved word an unquoted word is, or kwNone.
func lookupKeyword(word string) keyword {
	var buf [maxKeywordLen]byte
	b, ok := upperASCII(&buf, word)
	if !ok {
		return kwNone
	}
	switch string(b) {
	case "ALL":
		return kwAll
	case "AND":
		return kwAnd
	case "AS":
		return kwAs
	case "ASC":
		return kwAsc
	case "BETWEEN":
		return kwBetween
	case "BY":
		return kwBy
	case "CROSS":
		return kwCross
	case "DELETE":
		return kwDelete
	case "DESC":
		return kwDesc
	case "DISTINCT":
		return kwDistinct
	case "EXCEPT":
		return kwExcept
	case "EXISTS":
		return kwExists
	case "FALSE":
		return kwFalse
	case "FROM":
		return kwFrom
	case "FULL":
		return kwFull
	case "GROUP":
		return kwGroup
	case "HAVING":
		return kwHaving
	case "IN":
		return kwIn
	case "INNER":
		return kwInner
	case "INSERT":
		return kwInsert
	case "INTERSECT":
		return kwIntersect
	case "INTO":
		return kwInto
	case "IS":
		return kwIs
	case "JOIN":
		return kwJoin
	case "LEFT":
		return kwLeft
	case "LIKE":
		return kwLike
	case "LIMIT":
		return kwLimit
	case "MISSING":
		return kwMissing
	case "NATURAL":
		return kwNatural
	case "NOT":
		return kwNot
	case "NULL":
		return kwNull
	case "OFFSET":
		return kwOffset
	case "ON":
		return kwOn
	case "OR":
		return kwOr
	case "ORDER":
		return kwOrder
	case "OUTER":
		return kwOuter
	case "REMOVE":
		return kwRemove
	case "RETURNING":
		return kwReturning
	case "RIGHT":
		return kwRight
	case "SELECT":
		return kwSelect
	case "SET":
		return kwSet
	case "TRUE":
		return kwTrue
	case "UNION":
		return kwUnion
	case "UPDATE":
		return kwUpdate
	case "VALUE":
		return kwValue
	case "VALUES":
		return kwValues
	case "WHERE":
		return kwWhere
	}
	return kwNone
}

// needsQuotes reports whether name must be double-quoted to read back as
// the same identifier: it is not a plain identifier, or it is a PartiQL
// keyword (which DynamoDB refuses unquoted).
func needsQuotes(name string) bool {
	if name == "" || !isIdentStart(name[0]) {
		return true
	}
	for i := 1; i < len(name); i++ {
		if !isIdentPart(name[i]) {
			return true
		}
	}
	var buf [maxKeywordLen]byte
	b, ok := upperASCII(&buf, name)
	if !ok {
		return false
	}
	if lookupKeyword(name) != kwNone {
		return true
	}
	_, reserved := quotedWords[string(b)]
	return reserved
}

// quotedWords are the other PartiQL keywords (SQL-92's reserved words and
// PartiQL's own); Print quotes identifiers spelled like them.
var quotedWords = map[string]struct{}{}

func init() {
	for _, w := range []string{
		"ABSOLUTE", "ACTION", "ADD", "ALLOCATE", "ALTER", "ANY", "ARE",
		"ASSERTION", "AT", "AUTHORIZATION", "AVG", "BAG", "BEGIN", "BIGINT",
		"BIT", "BIT_LENGTH", "BLOB", "BOOL", "BOOLEAN", "BOTH", "CAN_CAST",
		"CAN_LOSSLESS_CAST", "CASCADE", "CASCADED", "CASE", "CAST", "CATALOG",
		"CHAR", "CHARACTER", "CHARACTER_LENGTH", "CHAR_LENGTH", "CHECK",
		"CLOB", "CLOSE", "COALESCE", "COLLATE", "COLLATION", "COLUMN",
		"COMMIT", "CONFLICT", "CONNECT", "CONNECTION", "CONSTRAINT",
		"CONSTRAINTS", "CONTINUE", "CONVERT", "CORRESPONDING", "COUNT",
		"CREATE", "CURRENT", "CURRENT_DATE", "CURRENT_TIME",
		"CURRENT_TIMESTAMP", "CURRENT_USER", "CURSOR", "DATE", "DATE_ADD",
		"DATE_DIFF", "DAY", "DEALLOCATE", "DEC", "DECIMAL", "DECLARE",
		"DEFAULT", "DEFERRABLE", "DEFERRED", "DESCRIBE", "DESCRIPTOR",
		"DIAGNOSTICS", "DISCONNECT", "DO", "DOMAIN", "DOUBLE", "DROP", "ELSE",
		"END", "ESCAPE", "EVERY", "EXCEPTION", "EXCLUDE", "EXCLUDED", "EXEC",
		"EXECUTE", "EXPLAIN", "EXTERNAL", "EXTRACT", "FETCH", "FIRST",
		"FLOAT", "FOR", "FOREIGN", "FOUND", "GET", "GLOBAL", "GO", "GOTO",
		"GRANT", "HOUR", "IDENTITY", "IMMEDIATE", "INDEX", "INDICATOR",
		"INITIALLY", "INPUT", "INSENSITIVE", "INT", "INT2", "INT4", "INT8",
		"INTEGER", "INTEGER2", "INTEGER4", "INTEGER8", "INTERVAL",
		"ISOLATION", "KEY", "LAG", "LANGUAGE", "LAST", "LATERAL", "LEAD",
		"LEADING", "LET", "LEVEL", "LIST", "LOCAL", "LOWER", "MATCH", "MAX",
		"MIN", "MINUTE", "MOD", "MODIFIED", "MODULE", "MONTH", "NAMES",
		"NATIONAL", "NCHAR", "NEW", "NEXT", "NO", "NOTHING", "NULLIF",
		"NULLS", "NUMERIC", "OCTET_LENGTH", "OF", "OLD", "ONLY", "OPEN",
		"OPTION", "OUTPUT", "OVER", "OVERLAPS", "OVERLAY", "PAD", "PARTIAL",
		"PARTITION", "PIVOT", "PLACING", "POSITION", "PRECISION", "PREPARE",
		"PRESERVE", "PRIMARY", "PRIOR", "PRIVILEGES", "PROCEDURE", "PUBLIC",
		"READ", "REAL", "REFERENCES", "RELATIVE", "REPLACE", "RESTRICT",
		"REVOKE", "ROLLBACK", "ROWS", "SCHEMA", "SCROLL", "SECOND",
		"SECTION", "SESSION", "SESSION_USER", "SEXP", "SHORTEST", "SIZE",
		"SMALLINT", "SOME", "SPACE", "SQL", "SQLCODE", "SQLERROR", "SQLSTATE",
		"STRING", "STRUCT", "SUBSTRING", "SUM", "SYMBOL", "SYSTEM_USER",
		"TABLE", "TEMPORARY", "THEN", "TIME", "TIMESTAMP", "TIMEZONE_HOUR",
		"TIMEZONE_MINUTE", "TO", "TRAILING", "TRANSACTION", "TRANSLATE",
		"TRANSLATION", "TRIM", "TUPLE", "UNIQUE", "UNKNOWN", "UNPIVOT",
		"UPPER", "UPSERT", "USAGE", "USER", "USING", "VARCHAR", "VARYING",
		"VIEW", "WHEN", "WHENEVER", "WITH", "WORK", "WRITE", "YEAR", "ZONE",
	} {
		quotedWords[w] = struct{}{}
	}
}

func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || '0' <= c && c <= '9'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
