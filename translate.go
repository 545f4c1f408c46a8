package dynamosql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// Errors of the SQL forms the driver translates (translate.go).
var (
	// ErrUnsupportedSQL reports SQL that DynamoDB's PartiQL has no
	// equivalent for and the driver cannot translate: joins, several
	// tables, GROUP BY, HAVING, DISTINCT, UNION, subqueries, aggregates
	// other than COUNT(*)... The error says what to do instead. Nothing is
	// sent.
	ErrUnsupportedSQL = errors.New("dynamosql: unsupported SQL")

	// ErrInvalidLimit reports a LIMIT or OFFSET that is not a whole number
	// from 0 to 2,147,483,647 (as a literal or as the argument of its ?).
	ErrInvalidLimit = errors.New("dynamosql: invalid LIMIT or OFFSET")
)

// maxLimit bounds LIMIT + OFFSET: the row counters of a result are sized
// for it.
const maxLimit = math.MaxInt32

// countColumn names the one column of a COUNT(*) result: the projection as
// written.
const countColumn = "COUNT(*)"

// translate turns SQL forms that DynamoDB's PartiQL lacks (standard INSERT,
// multi-row VALUES, LIMIT/OFFSET, COUNT(*)) into PartiQL plus client-side
// work recorded in p, and refuses what cannot be translated, before
// anything is sent.
//
// A statement is only parsed when a quick scan of its words finds one that
// could need translating or refusing (see scanSQL); any other statement is
// sent as written. A statement the parser cannot read is sent as written
// too (DynamoDB decides), unless it uses a form only the driver knows.
func (c *conn) translate(ctx context.Context, p *prepared) error {
	parse, ext := p.scanFacts() // stmtcache.go
	if !parse {
		return nil
	}
	st, err := partiql.ParseCached(p.query)
	if err != nil {
		if errors.Is(err, partiql.ErrUnsupported) {
			return unsupported(strings.TrimPrefix(err.Error(), "partiql: "))
		}
		if ext == insertSelect {
			return unsupported("DynamoDB's PartiQL has no INSERT ... SELECT; read the items, then INSERT each one")
		}
		if ext != "" {
			// DynamoDB rejects the form anyway: say where the text is wrong.
			return fmt.Errorf("dynamosql: cannot translate the statement's %s: %w", ext, syntaxErr(err)) // syntaxErr: input_errors.go
		}
		return nil
	}
	switch s := st.(type) {
	case *partiql.Select:
		if s.Count {
			return c.translateCount(ctx, p, s)
		}
		if s.Limit != nil {
			return translateLimit(p, s)
		}
	case *partiql.Insert:
		if s.Rows != nil {
			return c.translateInsert(ctx, p, s)
		}
	}
	return nil
}

// unsupported returns an error wrapping ErrUnsupportedSQL.
func unsupported(msg string) error {
	return fmt.Errorf("%w: %s", ErrUnsupportedSQL, msg)
}

// setStatement makes s, printed, the statement p sends, with its
// parameters in printed order (each Param.N indexes p's original ones).
func setStatement(p *prepared, s partiql.Statement) error {
	text, params, err := printStatement(p, s)
	if err != nil {
		return err
	}
	p.query, p.params = text, params
	p.sum.Params = len(params)
	return nil
}

// printStatement prints s and picks its parameters out of p.params.
func printStatement(p *prepared, s partiql.Statement) (string, []types.AttributeValue, error) {
	text := partiql.Print(s)
	if len(text) > MaxStatementLength {
		return "", nil, fmt.Errorf("%w: translated to PartiQL, the statement has %d characters and DynamoDB accepts at most %d: shorten it or pass long values as ? parameters",
			ErrStatementTooLong, len(text), MaxStatementLength)
	}
	var params []types.AttributeValue
	if ps := partiql.Params(s); len(ps) > 0 {
		params = make([]types.AttributeValue, len(ps))
		for i, x := range ps {
			params[i] = p.params[x.N]
		}
	}
	return text, params, nil
}

// ---- LIMIT / OFFSET ----

// translateLimit removes LIMIT n [OFFSET m] from a SELECT: the rows skip
// the first m items on the client (p.offset) and stop after n more
// (p.opts.maxRows = m + n, which also sizes DynamoDB's Limit so that no
// request reads more items than still wanted). LIMIT 0 sends nothing.
func translateLimit(p *prepared, s *partiql.Select) error {
	n, err := limitValue(p, "LIMIT", s.Limit)
	if err != nil {
		return err
	}
	m := 0
	if s.Offset != nil {
		if m, err = limitValue(p, "OFFSET", s.Offset); err != nil {
			return err
		}
	}
	if n+m > maxLimit {
		return fmt.Errorf("%w: LIMIT %d OFFSET %d reads %d rows; at most %d are supported", ErrInvalidLimit, n, m, n+m, maxLimit)
	}
	t := *s // shallow: s is shared by the parse cache and must not change
	t.Limit, t.Offset = nil, nil
	if err := setStatement(p, &t); err != nil {
		return err
	}
	if n == 0 {
		p.none = true
		return nil
	}
	if o := p.opts.maxRows; o > 0 && o < n {
		n = o // MaxRows caps the rows delivered, after the OFFSET
	}
	p.offset = m
	p.opts.maxRows = m + n
	return nil
}

// limitValue returns the value of a LIMIT or OFFSET: an integer literal or
// a ? whose argument is a whole number.
func limitValue(p *prepared, clause string, e partiql.Expr) (int, error) {
	var text, what string
	switch x := e.(type) {
	case *partiql.Number:
		text, what = x.Text, clause+" "+x.Text
	case *partiql.Param:
		what = fmt.Sprintf("%s ? (argument %d)", clause, x.N+1)
		num, ok := p.params[x.N].(*types.AttributeValueMemberN)
		if !ok {
			return 0, fmt.Errorf("%w: %s is a %s; pass a whole number", ErrInvalidLimit, what, typeName(p.params[x.N]))
		}
		text = num.Value
	default:
		return 0, fmt.Errorf("%w: %s must be a whole number or ?", ErrInvalidLimit, clause)
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil || v < 0 || v > maxLimit {
		return 0, fmt.Errorf("%w: %s: %q is not a whole number from 0 to %d", ErrInvalidLimit, what, text, maxLimit)
	}
	return int(v), nil
}

// noRows returns the empty result of a SELECT ... LIMIT 0, without sending
// anything. Its columns are the projection's, or for SELECT * the table's
// key attributes (no item tells the others).
func (c *conn) noRows(ctx context.Context, p *prepared) driver.Rows {
	r := &rows{c: c, ctx: ctx, done: true, dec: c.decodeOptions()}
	cols, star := p.projection() // stmtcache.go
	if star {
		cols = c.starColumns(ctx, p.sum.Table, nil)
	}
	r.cols = cols
	return r
}

// skipRows consumes the rows an OFFSET skips, fetching pages as needed.
// Skipped rows count towards maxRows (which is OFFSET + LIMIT) but not in
// Position.Rows.
func (r *rows) skipRows() error {
	for r.skip > 0 {
		for r.pos >= len(r.items) {
			if r.done || !r.fetch || (r.maxRows > 0 && r.returned >= r.maxRows) {
				r.skip = 0
				return io.EOF
			}
			if err := r.fetchPage(); err != nil {
				return err
			}
		}
		n := min(r.skip, len(r.items)-r.pos)
		clear(r.items[r.pos : r.pos+n])
		r.pos += n
		r.skip -= n
		r.returned += n
	}
	return nil
}

// ---- COUNT(*) ----

// translateCount rewrites SELECT COUNT(*) FROM t ... into a SELECT of the
// table's key attributes with the same FROM and WHERE, which plan then
// routes and checks against the scan policy like any SELECT; countRows
// pages through it and counts.
func (c *conn) translateCount(ctx context.Context, p *prepared, s *partiql.Select) error {
	if s.Limit != nil {
		return unsupported("COUNT(*) with LIMIT or OFFSET: the count is a single row and LIMIT does not cap what is counted; remove the clause, or SELECT the key attributes with LIMIT and count the rows in Go")
	}
	t, err := c.c.catalog.Table(ctx, s.Table)
	if err != nil {
		return fmt.Errorf("dynamosql: COUNT(*) needs the key attributes of table %q: %w", s.Table, err)
	}
	q := *s // shallow: s is shared by the parse cache and must not change
	q.Count = false
	q.OrderBy = nil // the order does not change a count
	q.Projection = []partiql.Expr{partiql.NewPath(t.Key.PartitionKey)}
	if t.Key.SortKey != "" {
		q.Projection = append(q.Projection, partiql.NewPath(t.Key.SortKey))
	}
	if err := setStatement(p, &q); err != nil {
		return err
	}
	p.count = true
	return nil
}

// countRows runs a COUNT(*): it pages through the key-attribute SELECT
// translateCount wrote, holding one page at a time, and returns one row
// with one column, COUNT(*), holding the count as an int64. MaxRows does
// not cap the count; PageSize, ConsistentRead and Track apply to the pages
// read.
func (c *conn) countRows(ctx context.Context, p *prepared) (driver.Rows, error) {
	q := *p
	q.opts.maxRows = 0
	q.offset = 0
	dr, err := c.selectRows(ctx, &q)
	if err != nil {
		return nil, err
	}
	r := dr.(*rows)
	defer r.Close()
	var n int64
	for {
		n += int64(len(r.items))
		if r.done {
			break
		}
		if err := r.fetchPage(); err != nil {
			return nil, err
		}
	}
	return &countResult{n: n, position: p.opts.position}, nil
}

// countResult is the one-row result of a COUNT(*).
type countResult struct {
	n        int64
	read     bool
	position *Position
}

var (
	_ driver.Rows                           = (*countResult)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*countResult)(nil)
	_ driver.RowsColumnTypeScanType         = (*countResult)(nil)
	_ driver.RowsColumnTypeNullable         = (*countResult)(nil)
)

// Columns returns the one column, COUNT(*).
func (r *countResult) Columns() []string { return []string{countColumn} }

// Close releases nothing.
func (r *countResult) Close() error { r.read = true; return nil }

// Next returns the count once.
func (r *countResult) Next(dest []driver.Value) error {
	if r.read {
		return io.EOF
	}
	r.read = true
	dest[0] = r.n
	if r.position != nil {
		r.position.Rows++
	}
	return nil
}

// ColumnTypeDatabaseTypeName returns N.
func (r *countResult) ColumnTypeDatabaseTypeName(int) string { return "N" }

// ColumnTypeScanType returns int64.
func (r *countResult) ColumnTypeScanType(int) reflect.Type { return reflect.TypeFor[int64]() }

// ColumnTypeNullable reports the count as never NULL.
func (r *countResult) ColumnTypeNullable(int) (nullable, ok bool) { return false, true }

// ---- INSERT ... VALUES ----

// translateInsert turns INSERT INTO t (a, b) VALUES (...), ... into one
// INSERT INTO "t" VALUE {'a': ..., 'b': ...} per row: the statement itself
// for one row, p.multi (sent as one ExecuteTransaction by execMulti) for
// several, up to MaxTxStatements.
func (c *conn) translateInsert(ctx context.Context, p *prepared, s *partiql.Insert) error {
	maps := s.ValueMaps()
	if len(maps) > MaxTxStatements {
		return fmt.Errorf("%w: INSERT ... VALUES has %d rows and DynamoDB writes at most %d items atomically (one ExecuteTransaction): split it into statements of at most %d rows, or use the mapper's batch writes (mapper.Repository.PutMany), which are not atomic",
			ErrTxTooLarge, len(maps), MaxTxStatements, MaxTxStatements)
	}
	if len(maps) == 1 {
		return setStatement(p, &partiql.Insert{Table: s.Table, TableQuoted: true, Value: maps[0]})
	}
	if err := c.checkDistinctKeys(ctx, p, s); err != nil {
		return err
	}
	multi := make([]types.ParameterizedStatement, len(maps))
	for i, m := range maps {
		text, params, err := printStatement(p, &partiql.Insert{Table: s.Table, TableQuoted: true, Value: m})
		if err != nil {
			return fmt.Errorf("row %d: %w", i+1, err)
		}
		multi[i] = types.ParameterizedStatement{Statement: &text, Parameters: params}
	}
	p.multi = multi
	return nil
}

// checkDistinctKeys refuses a multi-row INSERT in which two rows have the
// same primary key (a transaction allows one operation per item), naming
// the rows. Rows whose key values are not plain literals or arguments, and
// tables whose key is unknown, are left to DynamoDB.
func (c *conn) checkDistinctKeys(ctx context.Context, p *prepared, s *partiql.Insert) error {
	t, err := c.c.catalog.Table(ctx, s.Table)
	if err != nil || t.Key.PartitionKey == "" {
		return nil // DynamoDB will say what is wrong with the table
	}
	cols := []int{-1, -1}
	for i, col := range s.Columns {
		switch col.Name {
		case t.Key.PartitionKey:
			cols[0] = i
		case t.Key.SortKey:
			cols[1] = i
		}
	}
	if cols[0] < 0 || t.Key.SortKey != "" && cols[1] < 0 {
		return nil // a key attribute is missing: DynamoDB refuses the rows
	}
	if t.Key.SortKey == "" {
		cols = cols[:1]
	}
	seen := make(map[string]int, len(s.Rows))
	var key strings.Builder
rows:
	for i, row := range s.Rows {
		key.Reset()
		for _, j := range cols {
			k, ok := exprKey(row[j], p.params)
			if !ok {
				continue rows
			}
			key.WriteString(k)
		}
		if first, dup := seen[key.String()]; dup {
			return fmt.Errorf("%w: rows %d and %d of the INSERT have the same primary key; DynamoDB writes the rows as one transaction, which allows one operation per item: remove one of them (nothing was written)",
				ErrTxDuplicateKey, first+1, i+1)
		}
		seen[key.String()] = i
	}
	return nil
}

// execMulti runs a multi-row INSERT as one atomic ExecuteTransaction, or,
// inside a transaction, adds all its rows to the transaction's buffer (or
// none, when they would not fit).
//
// The commit carries a ClientRequestToken (the context's, see
// WithClientRequestToken, or a random one), so resending it after a lost
// answer writes the rows at most once.
func (c *conn) execMulti(ctx context.Context, p *prepared) (driver.Result, error) {
	if c.tx != nil {
		return c.tx.add(ctx, p)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	token, ok := ctx.Value(tokenKey{}).(string)
	if !ok {
		token = newToken()
	} else if token == "" || len(token) > maxTokenLength {
		return nil, fmt.Errorf("%w: ClientRequestToken %q: DynamoDB accepts 1 to %d characters", ErrBadOption, token, maxTokenLength)
	}
	cctx, cancel := c.callContext(ctx)
	defer cancel()
	in := &dynamodb.ExecuteTransactionInput{TransactStatements: p.multi, ClientRequestToken: &token}
	if err := commitTx(cctx, c.c.client, in); err != nil {
		return nil, c.multiError(ctx, p, token, err)
	}
	return result{affected: int64(len(p.multi))}, nil
}

// multiError explains a failed multi-row INSERT. When DynamoDB cancelled
// it, the message names the rows (counted from 1) it refused, and the
// *TxError stays reachable with errors.As: its Failures' Index is the row's
// position from 0.
func (c *conn) multiError(ctx context.Context, p *prepared, token string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w: the context ended while the INSERT of %d rows was sent; DynamoDB may or may not have written them (ClientRequestToken %q): %w",
			ErrTxOutcomeUnknown, len(p.multi), token, ctxErr)
	}
	texts := make([]string, len(p.multi))
	for i, st := range p.multi {
		texts[i] = *st.Statement
	}
	e := txError(err, texts, false, token)
	var te *TxError
	if errors.As(e, &te) && len(te.Failures) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "dynamosql: INSERT of %d rows cancelled, no row was written", len(p.multi))
		for i, f := range te.Failures {
			if i == 0 {
				b.WriteString(": ")
			} else {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "row %d failed with %s", f.Index+1, f.Code)
			if f.Message != "" {
				b.WriteString(": ")
				b.WriteString(f.Message)
			}
		}
		return &rowsError{msg: b.String(), err: e}
	}
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) && p.sum.Table != "" {
		c.c.catalog.Invalidate(p.sum.Table)
	}
	return e
}

// rowsError is a cancelled multi-row INSERT: its message names the rows
// (from 1); it unwraps to the *TxError.
type rowsError struct {
	msg string
	err error
}

func (e *rowsError) Error() string { return e.msg }
func (e *rowsError) Unwrap() error { return e.err }

// ---- the quick scan ----

// scanSQL looks at the words of a statement (outside strings, quoted names
// and comments) without parsing it. parse reports a word or shape that may
// need translating or refusing, so the statement must be parsed; ext names
// the first SQL form present that DynamoDB rejects for sure (LIMIT,
// OFFSET, VALUES, COUNT(*) or INSERT ... SELECT), "" when none. A plain
// PartiQL statement costs one pass over its bytes and no allocation.
//
// The words looked for: LIMIT OFFSET COUNT VALUES, and JOIN GROUP HAVING
// DISTINCT UNION INTERSECT EXCEPT LIKE SUM AVG MIN MAX, a second SELECT
// (a subquery) and a comma between FROM and WHERE (several tables), which
// the parser refuses with advice. An attribute with such a name costs a
// (cached) parse and nothing else.
func scanSQL(q string, kind partiql.Kind) (parse bool, ext string) {
	if kind == partiql.KindUnknown {
		return true, ""
	}
	selects := 0
	if kind == partiql.KindSelect || kind == partiql.KindExists {
		selects = -1 // its own SELECT
	}
	const (
		fromNone  = iota // no FROM seen yet
		fromTable        // after FROM, before WHERE or ORDER: a comma means several tables
		fromDone
	)
	from := fromNone
	for i := 0; i < len(q); {
		switch scanClass[q[i]] {
		case scanWord:
			j := i + 1
			for j < len(q) && scanClass[q[j]] == scanWord {
				j++
			}
			w := q[i:j]
			i = j
			if len(w) < 3 || len(w) > 9 {
				continue
			}
			switch w[0] | 0x20 { // ASCII lower case of the first letter
			case 'a':
				parse = parse || eqWord(w, "AVG")
			case 'c':
				if eqWord(w, "COUNT") {
					parse = true
					if k := skipSpace(q, i); k < len(q) && q[k] == '(' {
						ext = firstExt(ext, "COUNT(*)")
					}
				}
			case 'd':
				parse = parse || eqWord(w, "DISTINCT")
			case 'e':
				parse = parse || eqWord(w, "EXCEPT")
			case 'f':
				if from == fromNone && eqWord(w, "FROM") {
					from = fromTable
				}
			case 'g':
				parse = parse || eqWord(w, "GROUP")
			case 'h':
				parse = parse || eqWord(w, "HAVING")
			case 'i':
				parse = parse || eqWord(w, "INTERSECT")
			case 'j':
				parse = parse || eqWord(w, "JOIN")
			case 'l':
				if eqWord(w, "LIMIT") {
					parse, ext = true, firstExt(ext, "LIMIT")
				} else {
					parse = parse || eqWord(w, "LIKE")
				}
			case 'm':
				parse = parse || eqWord(w, "MIN") || eqWord(w, "MAX")
			case 'o':
				if eqWord(w, "OFFSET") {
					parse, ext = true, firstExt(ext, "OFFSET")
				} else if from == fromTable && eqWord(w, "ORDER") {
					from = fromDone
				}
			case 's':
				if eqWord(w, "SELECT") {
					if selects++; selects > 0 {
						parse = true
						if kind == partiql.KindInsert {
							ext = firstExt(ext, insertSelect)
						}
					}
				} else {
					parse = parse || eqWord(w, "SUM")
				}
			case 'u':
				parse = parse || eqWord(w, "UNION")
			case 'v':
				if eqWord(w, "VALUES") {
					parse, ext = true, firstExt(ext, "VALUES")
				}
			case 'w':
				if from == fromTable && eqWord(w, "WHERE") {
					from = fromDone
				}
			}
			continue
		case scanQuote:
			i = skipQuotedText(q, i, q[i])
			continue
		case scanDash:
			if i+1 < len(q) && q[i+1] == '-' {
				k := strings.IndexByte(q[i:], '\n')
				if k < 0 {
					return parse, ext
				}
				i += k + 1
				continue
			}
		case scanSlash:
			if i+1 < len(q) && q[i+1] == '*' {
				k := strings.Index(q[i+2:], "*/")
				if k < 0 {
					return parse, ext
				}
				i += k + 4
				continue
			}
		case scanComma:
			if from == fromTable {
				parse = true
			}
		}
		i++
	}
	return parse, ext
}

// Byte classes of scanSQL.
const (
	scanOther = iota
	scanWord  // a byte of an unquoted word (UTF-8 sequences included, so names are not split)
	scanQuote // ' or "
	scanDash
	scanSlash
	scanComma
)

var scanClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '$' || c >= 0x80 {
			t[c] = scanWord
		}
	}
	t['\''], t['"'] = scanQuote, scanQuote
	t['-'] = scanDash
	t['/'] = scanSlash
	t[','] = scanComma
	return t
}()

// insertSelect is the ext of scanSQL for an INSERT holding a SELECT.
const insertSelect = "INSERT ... SELECT"

func firstExt(ext, w string) string {
	if ext == "" {
		return w
	}
	return ext
}

// eqWord reports whether w equals the upper-case keyword kw, ignoring
// ASCII case.
func eqWord(w, kw string) bool {
	if len(w) != len(kw) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != kw[i] {
			return false
		}
	}
	return true
}

func skipSpace(q string, i int) int {
	for i < len(q) && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r' || q[i] == '\f' || q[i] == '\v') {
		i++
	}
	return i
}

// skipQuotedText returns the offset after the q-quoted text starting at
// s[i] (qq stands for one q), or len(s) when it is not terminated.
func skipQuotedText(s string, i int, q byte) int {
	j := i + 1
	for {
		k := strings.IndexByte(s[j:], q)
		if k < 0 {
			return len(s)
		}
		j += k + 1
		if j < len(s) && s[j] == q {
			j++
			continue
		}
		return j
	}
}
