package dynamosql

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Stage 1 of the pipeline (see ARCHITECTURE.md): a statement text becomes
// an analysis, once per text and connector. The analysis holds everything
// the later stages read from the text: its kind, table, placeholders, the
// parsed statement, the SQL translation (rewrite.go), the result columns
// (rows.go) and the item key a transaction checks (txkey.go). No later
// stage lexes or parses the text again.

// DefaultStatementCacheSize is the number of statement texts whose analysis
// a connector keeps when Config.StatementCacheSize is 0.
const DefaultStatementCacheSize = 1024

// analysis is what the driver knows of one statement text. It is immutable
// once built, except for the plans, which are published atomically.
type analysis struct {
	// text is the statement text (the cache's own copy).
	text string
	// err refuses the text before anything is sent: too long, empty,
	// unreadable, unsupported SQL, an invalid table name, a translation
	// that cannot work whatever the arguments.
	err error

	kind      partiql.Kind
	params    int
	returning bool
	table     string
	// stmt is the parsed statement; nil when the driver cannot read it
	// (parseErr says why) and the text goes to DynamoDB as written.
	stmt     partiql.Statement
	parseErr error

	// rw is the SQL translation of the text (rewrite.go).
	rw rewrite
	// cols are the result columns of a SELECT with an explicit projection;
	// star is set for SELECT * and texts the driver cannot read, whose
	// columns come from the items (rows.go).
	cols []column
	star bool
	// keys is what the statement shows of the key of the item it targets
	// (txkey.go).
	keys *keyParts
}

// statementCache keeps the analyses of a connector's statement texts,
// least recently used first out. It is safe for concurrent use: the texts
// are spread over shards, each an LRU cache with its own lock.
type statementCache struct {
	seed   maphash.Seed
	shards []*lru.Cache[string, *analysis]
	// analysed counts the texts analysed (cache misses), for tests and
	// statistics.
	analysed atomic.Int64
}

// statementShards is the number of shards of a statement cache (fewer for
// a small cache, so that each shard holds a useful number of texts).
const statementShards = 8

func newStatementCache(size int) *statementCache {
	if size <= 0 {
		size = DefaultStatementCacheSize
	}
	n := statementShards
	if size < 8*n {
		n = 1
	}
	c := &statementCache{seed: maphash.MakeSeed(), shards: make([]*lru.Cache[string, *analysis], n)}
	for i := range c.shards {
		per := size / n
		if i < size%n {
			per++
		}
		s, err := lru.New[string, *analysis](per)
		if err != nil {
			panic(err) // only for a size < 1, which cannot happen
		}
		c.shards[i] = s
	}
	return c
}

// get returns the analysis of text, analysing it on a miss. A text longer
// than DynamoDB accepts is refused and never cached.
func (c *statementCache) get(text string) *analysis {
	if len(text) > MaxStatementLength {
		return &analysis{text: text, err: fmt.Errorf("%w: the statement has %d characters and DynamoDB accepts at most %d: pass long values as ? parameters or split the work",
			ErrStatementTooLong, len(text), MaxStatementLength)}
	}
	sh := c.shards[0]
	if len(c.shards) > 1 {
		sh = c.shards[maphash.String(c.seed, text)%uint64(len(c.shards))]
	}
	if a, ok := sh.Get(text); ok {
		return a
	}
	c.analysed.Add(1)
	// Clone the key so the cache never pins a larger buffer text points
	// into. Two goroutines missing at once both analyse; either result
	// is right.
	a := analyse(strings.Clone(text))
	sh.Add(a.text, a)
	return a
}

// analysisOf returns the analysis of text: without a lookup when the
// connection's last statement had the same text (a loop of one statement,
// the statements of a transaction), else from the connector's cache.
func (c *conn) analysisOf(text string) *analysis {
	if a := c.last; a != nil && a.text == text {
		return a
	}
	a := c.c.stmts.get(text)
	c.last = a
	return a
}

// analyse lexes text once, parses it at most once, and works out what
// every later stage needs.
func analyse(text string) *analysis {
	a := &analysis{text: text}
	if strings.TrimSpace(text) == "" {
		a.err = fmt.Errorf("%w: nothing to send", ErrEmptyStatement)
		return a
	}
	pa, err := partiql.Analyze(text)
	if err != nil {
		a.err = fmt.Errorf("dynamosql: %w", syntaxErr(err))
		return a
	}
	if pa.Empty {
		a.err = fmt.Errorf("%w: the statement holds only comments, nothing to send", ErrEmptyStatement)
		return a
	}
	a.kind, a.params, a.returning, a.table = pa.Kind, pa.Params, pa.Returning, pa.Table
	a.stmt, a.parseErr = pa.Stmt, pa.Err
	if pa.DDL {
		// A table or index statement (ddl.go): never PartiQL, so never
		// sent to ExecuteStatement, even when it cannot be read.
		if a.stmt == nil {
			a.err = ddlError(pa.Err)
			return a
		}
		a.table, _ = partiql.DDLTable(a.stmt)
		return a
	}
	if err := checkTableName(a.table); err != nil {
		a.err = err
		return a
	}
	if a.stmt == nil {
		a.err = unreadable(pa)
		a.star = true
		return a
	}
	if a.err = a.rw.init(a); a.err != nil {
		return a
	}
	a.cols, a.star = projection(a.stmt)
	a.keys = keyPartsOf(a.stmt)
	return a
}

// unreadable decides about a text the parser cannot read: SQL DynamoDB's
// PartiQL has no equivalent for is refused, and so is a text using a form
// only the driver knows (it cannot be translated); anything else goes to
// DynamoDB as written, which decides (nil).
func unreadable(pa *partiql.Analysis) error {
	var rw *partiql.ReservedWordError
	switch {
	case errors.As(pa.Err, &rw):
		// DynamoDB refuses it too, without saying why.
		return fmt.Errorf("dynamosql: %w", syntaxErr(pa.Err))
	case isUnsupported(pa.Err):
		return unsupported(strings.TrimPrefix(pa.Err.Error(), "partiql: "))
	case pa.Ext == partiql.InsertSelect:
		return unsupported("DynamoDB's PartiQL has no INSERT ... SELECT; read the items, then INSERT each one")
	case pa.Ext != "":
		// DynamoDB rejects the form anyway: say where the text is wrong.
		return fmt.Errorf("dynamosql: cannot translate the statement's %s: %w", pa.Ext, syntaxErr(pa.Err))
	}
	return nil
}

// maxTableName is DynamoDB's limit on the length of a table name.
const maxTableName = 255

// checkTableName refuses a table name DynamoDB cannot hold; "" (no table
// found) passes. Too short names are left to DynamoDB, which names them.
func checkTableName(name string) error {
	if len(name) > maxTableName {
		return fmt.Errorf("%w: the table name has %d characters and DynamoDB allows at most %d", ErrInvalidTableName, len(name), maxTableName)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == '.':
		default:
			return fmt.Errorf("%w: %q: DynamoDB table names hold only a-z, A-Z, 0-9, '_', '-' and '.'", ErrInvalidTableName, name)
		}
	}
	return nil
}
