package partiql

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// maxDepth bounds the nesting of expressions, so hostile input cannot
// exhaust the stack.
const maxDepth = 200

// Parse parses one statement, optionally followed by a semicolon.
//
// It returns a *SyntaxError for text it cannot read and an
// *UnsupportedError (matching ErrUnsupported) for SQL that DynamoDB's
// PartiQL has no equivalent for. Analyze tells more from the same single
// pass over the text.
func Parse(src string) (Statement, error) {
	a, err := Analyze(src)
	if err != nil {
		return nil, err
	}
	return a.Stmt, a.Err
}

// parse parses the tokens of src.
func parse(src string, toks []token) (stmt Statement, err error) {
	p := parser{src: src, toks: toks}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			stmt, err = nil, e.err
		}
	}()
	stmt = p.parseStatement()
	return stmt, nil
}

// tokenPool recycles the token slices of Analyze.
var tokenPool = sync.Pool{New: func() any {
	toks := make([]token, 0, 64)
	return &toks
}}

// parseError carries a parse error up the stack by panic; Parse recovers
// it and no other value.
type parseError struct{ err error }

type parser struct {
	src     string
	toks    []token
	i       int // index of the current token
	nparams int
	depth   int
}

func (p *parser) tok() *token { return &p.toks[p.i] }

func (p *parser) peek(n int) *token {
	if p.i+n < len(p.toks) {
		return &p.toks[p.i+n]
	}
	return &p.toks[len(p.toks)-1]
}

func (p *parser) next() *token {
	t := &p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) is(k tokKind) bool { return p.toks[p.i].kind == k }

func (p *parser) isKw(kw keyword) bool {
	t := &p.toks[p.i]
	return t.kind == tokWord && t.kw == kw
}

func (p *parser) accept(k tokKind) bool {
	if p.is(k) {
		p.i++
		return true
	}
	return false
}

func (p *parser) acceptKw(kw keyword) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) failAt(off int, format string, args ...any) {
	panic(parseError{newSyntaxError(p.src, off, fmt.Sprintf(format, args...))})
}

func (p *parser) fail(format string, args ...any) {
	p.failAt(p.tok().pos, format, args...)
}

func (p *parser) unsupported(off int, feature, hint string) {
	panic(parseError{newUnsupportedError(p.src, off, feature, hint)})
}

// expected fails with "expected what, found <current token>".
func (p *parser) expected(what string) {
	p.fail("expected %s, found %s", what, p.describe(p.tok()))
}

func (p *parser) expect(k tokKind, what string) *token {
	if !p.is(k) {
		p.expected(what)
	}
	return p.next()
}

func (p *parser) expectKw(kw keyword, what string) {
	if !p.acceptKw(kw) {
		p.expected(what)
	}
}

// describe names a token for an error message.
func (p *parser) describe(t *token) string {
	if t.kind == tokEOF {
		return "end of input"
	}
	s := p.src[t.pos:t.end]
	if len(s) > 32 {
		s = s[:32] + "..."
	}
	return strconv.Quote(s)
}

func (p *parser) pos(t *token) Pos { return Pos(t.pos + 1) }

// ---- statements ----

func (p *parser) parseStatement() Statement {
	t := p.tok()
	var s Statement
	switch {
	case p.atDDL(): // ddl.go
		s = p.parseDDL()
	case t.kind == tokWord && t.kw == kwSelect:
		s = p.parseSelect()
	case t.kind == tokWord && t.kw == kwInsert:
		s = p.parseInsert()
	case t.kind == tokWord && t.kw == kwUpdate:
		s = p.parseUpdate()
	case t.kind == tokWord && t.kw == kwDelete:
		s = p.parseDelete()
	case t.kind == tokWord && t.kw == kwExists:
		s = p.parseExists()
	case t.kind == tokWord:
		p.unknownStatement(t)
	case t.kind == tokLParen && p.peek(1).kind == tokWord && p.peek(1).kw == kwSelect:
		p.unsupported(t.pos, "parenthesised SELECT", "write the SELECT without parentheses")
	default:
		p.expected("SELECT, INSERT, UPDATE, DELETE or EXISTS")
	}
	p.accept(tokSemi)
	if !p.is(tokEOF) {
		if p.isKw(kwUnion) || p.isKw(kwIntersect) || p.isKw(kwExcept) {
			p.unsupported(p.tok().pos, strings.ToUpper(p.tok().text), "run the statements separately and combine the results in Go")
		}
		if p.toks[p.i-1].kind == tokSemi {
			p.fail("only one statement is allowed, found %s after ';'", p.describe(p.tok()))
		}
		p.fail("unexpected %s", p.describe(p.tok()))
	}
	return s
}

func (p *parser) unknownStatement(t *token) {
	switch strings.ToUpper(t.text) {
	case "UPSERT", "REPLACE", "MERGE":
		p.unsupported(t.pos, strings.ToUpper(t.text)+" statement", "there is no upsert: INSERT a new item (it fails if the key exists) or UPDATE an existing one")
	case "WITH":
		p.unsupported(t.pos, "WITH clause", "write the query without common table expressions")
	}
	p.expected("SELECT, INSERT, UPDATE, DELETE or EXISTS")
}

// parseTable parses a table name; withIndex allows "Table"."Index".
func (p *parser) parseTable(withIndex bool) (table Ident, index Ident) {
	t := p.tok()
	switch {
	case t.kind == tokQuoted || t.kind == tokWord && t.kw == kwNone:
		p.checkName(t, "table")
		p.next()
		table = Ident{Name: t.text, Quoted: t.kind == tokQuoted}
	case t.kind == tokLParen:
		p.unsupported(t.pos, "subquery in FROM", "query the table directly and filter in WHERE")
	default:
		p.keywordAsName(t, p.peek(1), "table")
		p.expected("a table name")
	}
	if p.is(tokDot) {
		if !withIndex {
			p.fail("an index can only be named in SELECT; write the table name alone")
		}
		p.next()
		t := p.tok()
		if t.kind != tokQuoted && (t.kind != tokWord || t.kw != kwNone) {
			p.keywordAsName(t, p.peek(1), "index")
			p.expected("an index name")
		}
		p.checkName(t, "index")
		p.next()
		index = Ident{Name: t.text, Quoted: t.kind == tokQuoted}
	}
	return table, index
}

func (p *parser) parseSelect() *Select {
	s := &Select{Pos: p.pos(p.next())}
	if p.isKw(kwDistinct) {
		p.unsupported(p.tok().pos, "DISTINCT", "deduplicate the rows in Go")
	}
	if p.isKw(kwAll) {
		p.next()
	}
	switch {
	case p.is(tokStar):
		p.next()
		s.Star = true
	case p.isCountStar():
		p.i += 4
		s.Count = true
	default:
		for {
			s.Projection = append(s.Projection, p.parseProjectionItem())
			if !p.accept(tokComma) {
				break
			}
		}
	}
	if p.is(tokComma) {
		if s.Star {
			p.fail("* must be the only item of the SELECT list")
		}
		p.refuseGroupBy()
		p.fail("COUNT(*) must be the only item of the SELECT list")
	}
	p.expectKw(kwFrom, "FROM")
	table, index := p.parseTable(true)
	s.Table, s.TableQuoted = table.Name, table.Quoted
	s.Index, s.IndexQuoted = index.Name, index.Quoted
	p.checkAfterTable()
	if p.acceptKw(kwWhere) {
		s.Where = p.parseExpr()
	}
	if p.isKw(kwGroup) {
		p.unsupported(p.tok().pos, "GROUP BY", "aggregate the rows in Go")
	}
	if p.isKw(kwHaving) {
		p.unsupported(p.tok().pos, "HAVING", "aggregate and filter the rows in Go")
	}
	if p.acceptKw(kwOrder) {
		p.expectKw(kwBy, "BY after ORDER")
		for {
			item := OrderItem{Path: p.parsePath()}
			if p.acceptKw(kwDesc) {
				item.Desc = true
			} else {
				p.acceptKw(kwAsc)
			}
			s.OrderBy = append(s.OrderBy, item)
			if !p.accept(tokComma) {
				break
			}
		}
	}
	if p.acceptKw(kwLimit) {
		s.Limit = p.parseCount("LIMIT")
		if p.is(tokComma) {
			p.fail("write LIMIT n OFFSET m instead of LIMIT m, n")
		}
		if p.acceptKw(kwOffset) {
			s.Offset = p.parseCount("OFFSET")
		}
	} else if p.isKw(kwOffset) {
		p.fail("OFFSET needs a LIMIT before it")
	}
	return s
}

// isCountStar reports whether the next tokens are COUNT ( * ).
func (p *parser) isCountStar() bool {
	t := p.tok()
	return t.kind == tokWord && strings.EqualFold(t.text, "count") &&
		p.peek(1).kind == tokLParen && p.peek(2).kind == tokStar && p.peek(3).kind == tokRParen
}

func (p *parser) parseProjectionItem() Expr {
	t := p.tok()
	var e Expr
	switch {
	case t.kind == tokWord && t.kw == kwNone && p.peek(1).kind == tokLParen:
		if _, aggregate := aggregates[strings.ToLower(t.text)]; aggregate {
			p.refuseGroupBy() // SELECT age, COUNT(*) FROM t GROUP BY age
		}
		if p.isCountStar() {
			p.fail("COUNT(*) must be the only item of the SELECT list")
		}
		p.parseCall() // refuses aggregates and unknown functions
		p.failAt(t.pos, "the SELECT list can only name attribute paths, not call %s", strings.ToLower(t.text))
	case t.kind == tokStar:
		p.fail("* must be the only item of the SELECT list")
	default:
		e = p.parsePath()
	}
	if p.isKw(kwAs) || p.is(tokWord) && p.tok().kw == kwNone || p.is(tokQuoted) {
		p.unsupported(p.tok().pos, "column aliases", "use the attribute names and rename in Go")
	}
	return e
}

// aggregates are the SQL aggregate functions (none of which DynamoDB's
// PartiQL has; the driver translates a lone COUNT(*)).
var aggregates = map[string]struct{}{"count": {}, "sum": {}, "avg": {}, "min": {}, "max": {}}

// refuseGroupBy refuses the statement as GROUP BY when GROUP BY follows:
// an aggregate next to other columns is a grouping query, and the missing
// GROUP BY is what to report, not the aggregate's place in the list.
func (p *parser) refuseGroupBy() {
	for i := p.i; i+1 < len(p.toks); i++ {
		if t := &p.toks[i]; t.kind == tokWord && t.kw == kwGroup && p.toks[i+1].kind == tokWord && p.toks[i+1].kw == kwBy {
			p.unsupported(t.pos, "GROUP BY", "aggregate the rows in Go")
		}
	}
}

// checkAfterTable refuses joins, several tables and aliases after FROM t.
func (p *parser) checkAfterTable() {
	t := p.tok()
	switch {
	case t.kind == tokComma:
		p.unsupported(t.pos, "several tables in FROM", "query each table separately or denormalise")
	case t.kind == tokWord && (t.kw == kwJoin || t.kw == kwInner || t.kw == kwLeft || t.kw == kwRight ||
		t.kw == kwFull || t.kw == kwOuter || t.kw == kwCross || t.kw == kwNatural):
		p.unsupported(t.pos, "JOIN", "query each table separately or denormalise")
	case t.kind == tokWord && t.kw == kwAs, t.kind == tokQuoted, t.kind == tokWord && t.kw == kwNone:
		p.unsupported(t.pos, "table aliases", "refer to attributes by their names")
	}
}

// parseCount parses the integer literal or ? of LIMIT or OFFSET.
func (p *parser) parseCount(clause string) Expr {
	t := p.tok()
	switch t.kind {
	case tokParam:
		p.next()
		n := p.nparams
		p.nparams++
		return &Param{Pos: p.pos(t), N: n}
	case tokNumber:
		for i := 0; i < len(t.text); i++ {
			if !isDigit(t.text[i]) {
				p.fail("%s needs a whole number or ?, found %s", clause, p.describe(t))
			}
		}
		p.next()
		return &Number{Pos: p.pos(t), Text: t.text}
	}
	p.expected(fmt.Sprintf("a whole number or ? after %s", clause))
	return nil
}

func (p *parser) parseInsert() *Insert {
	s := &Insert{Pos: p.pos(p.next())}
	p.expectKw(kwInto, "INTO after INSERT")
	table, _ := p.parseTable(false)
	s.Table, s.TableQuoted = table.Name, table.Quoted
	switch {
	case p.acceptKw(kwValue):
		t := p.tok()
		switch t.kind {
		case tokLBrace:
			s.Value = p.parsePrimary()
		case tokParam:
			s.Value = p.parsePrimary()
		default:
			p.expected("a map {'key': value, ...} or ? after VALUE")
		}
	case p.is(tokLParen):
		if p.peek(1).kind == tokWord && p.peek(1).kw == kwSelect {
			p.unsupported(p.peek(1).pos, "INSERT ... SELECT", "read the items, then INSERT each one")
		}
		p.parseInsertValues(s)
	case p.isKw(kwValues):
		p.fail("INSERT ... VALUES needs a column list, as in INSERT INTO t (a, b) VALUES (?, ?)")
	case p.isKw(kwSelect):
		p.unsupported(p.tok().pos, "INSERT ... SELECT", "read the items, then INSERT each one")
	default:
		p.expected("VALUE or a column list")
	}
	return s
}

// parseInsertValues parses (col, ...) VALUES (v, ...), ... into s.
func (p *parser) parseInsertValues(s *Insert) {
	p.expect(tokLParen, "(")
	for {
		t := p.tok()
		// A column becomes a map key of the INSERT sent ({'value': ?}):
		// a reserved word is a column name like any other.
		if n := p.peek(1).kind; t.kind != tokQuoted && (t.kind != tokWord || t.kw != kwNone && n != tokComma && n != tokRParen) {
			p.expected("a column name")
		}
		p.next()
		for _, c := range s.Columns {
			if c.Name == t.text {
				p.failAt(t.pos, "column %s is listed twice", p.describe(t))
			}
		}
		s.Columns = append(s.Columns, Ident{Name: t.text, Quoted: t.kind == tokQuoted})
		if !p.accept(tokComma) {
			break
		}
	}
	p.expect(tokRParen, ", or )")
	p.expectKw(kwValues, "VALUES")
	for n := 1; ; n++ {
		open := p.expect(tokLParen, "( to start a row of values")
		var row []Expr
		if !p.is(tokRParen) {
			row = p.parseExprList(tokRParen)
		}
		p.expect(tokRParen, ", or )")
		if len(row) != len(s.Columns) {
			p.failAt(open.pos, "row %d has %d values for %d columns", n, len(row), len(s.Columns))
		}
		s.Rows = append(s.Rows, row)
		if !p.accept(tokComma) {
			break
		}
	}
}

func (p *parser) parseUpdate() *Update {
	s := &Update{Pos: p.pos(p.next())}
	table, _ := p.parseTable(false)
	s.Table, s.TableQuoted = table.Name, table.Quoted
	if !p.isKw(kwSet) && !p.isKw(kwRemove) {
		p.expected("SET or REMOVE")
	}
	for {
		switch {
		case p.acceptKw(kwSet):
			for {
				if p.is(tokParam) {
					p.unsupported(p.tok().pos, "SET ? (a whole value as the assignments)",
						"a value does not say what to do with the attributes it lacks, its NULLs or its key attributes: "+
							"SET each attribute (SET a = ?, b = ?), or write the whole item with the mapper's Repository.Put")
				}
				path := p.parsePath()
				p.expect(tokEq, "=")
				s.Sets = append(s.Sets, SetItem{Path: path, Value: p.parseValue()})
				if !p.accept(tokComma) {
					break
				}
				p.acceptKw(kwSet)
			}
			continue
		case p.acceptKw(kwRemove):
			for {
				s.Removes = append(s.Removes, p.parsePath())
				if !p.accept(tokComma) {
					break
				}
			}
			continue
		}
		break
	}
	if !p.acceptKw(kwWhere) {
		if p.is(tokEOF) || p.is(tokSemi) || p.isKw(kwReturning) {
			p.unsupported(p.tok().pos, "UPDATE without WHERE", "an UPDATE changes one item: give its full primary key in WHERE")
		}
		p.expected("SET, REMOVE or WHERE")
	}
	s.Where = p.parseExpr()
	s.Returning = p.parseReturning(false)
	return s
}

func (p *parser) parseDelete() *Delete {
	s := &Delete{Pos: p.pos(p.next())}
	p.expectKw(kwFrom, "FROM after DELETE")
	table, _ := p.parseTable(false)
	s.Table, s.TableQuoted = table.Name, table.Quoted
	p.checkAfterTable()
	if !p.acceptKw(kwWhere) {
		if p.is(tokEOF) || p.is(tokSemi) || p.isKw(kwReturning) {
			p.unsupported(p.tok().pos, "DELETE without WHERE", "a DELETE removes one item: give its full primary key in WHERE")
		}
		p.expected("WHERE")
	}
	s.Where = p.parseExpr()
	s.Returning = p.parseReturning(true)
	return s
}

// parseReturning parses an optional RETURNING clause.
func (p *parser) parseReturning(isDelete bool) string {
	if !p.isKw(kwReturning) {
		return ""
	}
	start := p.next()
	var which, when string
	if t := p.tok(); t.kind == tokWord && t.kw == kwAll {
		which = "ALL"
	} else if t.kind == tokWord && strings.EqualFold(t.text, "modified") {
		which = "MODIFIED"
	} else {
		p.expected("ALL or MODIFIED after RETURNING")
	}
	p.next()
	if t := p.tok(); t.kind == tokWord && strings.EqualFold(t.text, "old") {
		when = "OLD"
	} else if t.kind == tokWord && strings.EqualFold(t.text, "new") {
		when = "NEW"
	} else {
		p.expected("OLD or NEW")
	}
	p.next()
	p.expect(tokStar, "*")
	r := which + " " + when
	if isDelete && r != ReturnAllOld {
		p.failAt(start.pos, "DELETE can only return ALL OLD *")
	}
	switch r {
	case ReturnAllOld:
		return ReturnAllOld
	case ReturnAllNew:
		return ReturnAllNew
	case ReturnModifiedOld:
		return ReturnModifiedOld
	default:
		return ReturnModifiedNew
	}
}

func (p *parser) parseExists() *Exists {
	s := &Exists{Pos: p.pos(p.next())}
	p.expect(tokLParen, "( after EXISTS")
	if !p.isKw(kwSelect) {
		p.expected("SELECT inside EXISTS")
	}
	start := p.tok().pos
	s.Select = p.parseSelect()
	if UsesExtensions(s.Select) {
		p.failAt(start, "EXISTS takes a plain SELECT, without COUNT(*), LIMIT or OFFSET")
	}
	p.expect(tokRParen, ")")
	return s
}

// ---- expressions ----

// Precedence levels, lowest first. Print uses the same table.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp // comparisons, IN, BETWEEN, IS
	precAdd // + and -
	precPrimary
)

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail("expression nested too deeply")
	}
}

func (p *parser) leave() { p.depth-- }

// parseExpr parses a condition: the full expression grammar.
func (p *parser) parseExpr() Expr {
	p.enter()
	defer p.leave()
	l := p.parseAnd()
	for p.isKw(kwOr) {
		t := p.next()
		l = &Binary{Pos: p.pos(t), Op: OpOr, L: l, R: p.parseAnd()}
	}
	return l
}

func (p *parser) parseAnd() Expr {
	l := p.parseNot()
	for p.isKw(kwAnd) {
		t := p.next()
		l = &Binary{Pos: p.pos(t), Op: OpAnd, L: l, R: p.parseNot()}
	}
	return l
}

func (p *parser) parseNot() Expr {
	if p.isKw(kwNot) {
		t := p.next()
		p.enter()
		defer p.leave()
		return &Not{Pos: p.pos(t), X: p.parseNot()}
	}
	return p.parsePredicate()
}

func cmpOp(k tokKind) Op {
	switch k {
	case tokEq:
		return OpEq
	case tokNe:
		return OpNe
	case tokLt:
		return OpLt
	case tokLe:
		return OpLe
	case tokGt:
		return OpGt
	case tokGe:
		return OpGe
	}
	return ""
}

// parsePredicate parses a value optionally followed by one comparison,
// IN, BETWEEN, IS or LIKE.
func (p *parser) parsePredicate() Expr {
	x := p.parseValue()
	t := p.tok()
	if op := cmpOp(t.kind); op != "" {
		p.next()
		e := &Binary{Pos: p.pos(t), Op: op, L: x, R: p.parseValue()}
		if cmpOp(p.tok().kind) != "" {
			p.fail("comparisons cannot be chained; combine them with AND")
		}
		return e
	}
	if t.kind != tokWord {
		return x
	}
	not := false
	if t.kw == kwNot {
		switch n := p.peek(1); {
		case n.kind == tokWord && (n.kw == kwIn || n.kw == kwBetween || n.kw == kwLike):
			p.next()
			not = true
			t = p.tok()
		default:
			return x
		}
	}
	switch t.kw {
	case kwIn:
		p.next()
		return &In{Pos: p.pos(t), X: x, List: p.parseInList(), Not: not}
	case kwBetween:
		p.next()
		lo := p.parseValue()
		p.expectKw(kwAnd, "AND in BETWEEN")
		return &Between{Pos: p.pos(t), X: x, Lo: lo, Hi: p.parseValue(), Not: not}
	case kwLike:
		p.unsupported(t.pos, "LIKE", "use begins_with(path, 'prefix') or contains(path, 'text')")
	case kwIs:
		p.next()
		e := &Is{Pos: p.pos(t), X: x, Not: p.acceptKw(kwNot)}
		switch {
		case p.acceptKw(kwNull):
			e.What = WhatNull
		case p.acceptKw(kwMissing):
			e.What = WhatMissing
		default:
			p.expected("NULL or MISSING after IS")
		}
		return e
	}
	return x
}

// parseInList parses the [a, b] or (a, b) after IN.
func (p *parser) parseInList() []Expr {
	t := p.tok()
	var closer tokKind
	switch t.kind {
	case tokLBrack:
		closer = tokRBrack
	case tokLParen:
		closer = tokRParen
		if n := p.peek(1); n.kind == tokWord && n.kw == kwSelect {
			p.unsupported(n.pos, "subqueries", "run the inner query first and pass its results as IN [?, ?, ...]")
		}
	default:
		p.expected("[ or ( after IN")
	}
	p.next()
	var list []Expr
	if !p.is(closer) {
		list = p.parseExprList(closer)
	}
	if closer == tokRBrack {
		p.expect(closer, ", or ]")
	} else {
		p.expect(closer, ", or )")
	}
	if list == nil {
		list = []Expr{}
	}
	return list
}

// parseExprList parses value, value, ... up to (not including) closer.
func (p *parser) parseExprList(closer tokKind) []Expr {
	var list []Expr
	for {
		list = append(list, p.parseValue())
		if !p.accept(tokComma) {
			return list
		}
		if p.is(closer) {
			p.expected("a value after ','")
		}
	}
}

// parseValue parses an additive expression: operands joined by + and -.
func (p *parser) parseValue() Expr {
	l := p.parsePrimary()
	for p.is(tokPlus) || p.is(tokMinus) {
		t := p.next()
		op := OpAdd
		if t.kind == tokMinus {
			op = OpSub
		}
		l = &Binary{Pos: p.pos(t), Op: op, L: l, R: p.parsePrimary()}
	}
	return l
}

func (p *parser) parsePrimary() Expr {
	t := p.tok()
	switch t.kind {
	case tokParam:
		p.next()
		n := p.nparams
		p.nparams++
		return &Param{Pos: p.pos(t), N: n}
	case tokString:
		p.next()
		return &String{Pos: p.pos(t), Value: t.text}
	case tokNumber:
		p.next()
		return &Number{Pos: p.pos(t), Text: t.text}
	case tokMinus:
		p.next()
		n := p.tok()
		if n.kind != tokNumber {
			p.expected("a number after unary '-'")
		}
		p.next()
		return &Number{Pos: p.pos(t), Text: "-" + n.text}
	case tokLBrack:
		p.enter()
		defer p.leave()
		p.next()
		l := &List{Pos: p.pos(t), Elems: []Expr{}}
		if !p.is(tokRBrack) {
			l.Elems = p.parseExprList(tokRBrack)
		}
		p.expect(tokRBrack, ", or ]")
		return l
	case tokLBag:
		p.enter()
		defer p.leave()
		p.next()
		b := &Bag{Pos: p.pos(t), Elems: []Expr{}}
		if !p.is(tokRBag) {
			b.Elems = p.parseExprList(tokRBag)
		}
		p.expect(tokRBag, ", or >>")
		return b
	case tokLBrace:
		p.enter()
		defer p.leave()
		p.next()
		return p.parseMapRest(t)
	case tokLParen:
		if n := p.peek(1); n.kind == tokWord && n.kw == kwSelect {
			p.unsupported(n.pos, "subqueries", "run the inner query first and use its results")
		}
		p.next()
		e := p.parseExpr()
		p.expect(tokRParen, ")")
		return e
	case tokQuoted:
		return p.parsePath()
	case tokWord:
		switch t.kw {
		case kwNone:
			if p.peek(1).kind == tokLParen {
				return p.parseCall()
			}
			return p.parsePath()
		case kwTrue, kwFalse:
			p.next()
			return &Bool{Pos: p.pos(t), Value: t.kw == kwTrue}
		case kwNull:
			p.next()
			return &Null{Pos: p.pos(t)}
		case kwMissing:
			p.next()
			return &Missing{Pos: p.pos(t)}
		case kwSelect:
			p.unsupported(t.pos, "subqueries", "run the inner query first and use its results")
		case kwExists:
			if n := p.peek(2); p.peek(1).kind == tokLParen && n.kind == tokWord && n.kw == kwSelect {
				p.unsupported(t.pos, "EXISTS subqueries in a condition", "EXISTS(SELECT ...) is a statement of its own, for transactions; otherwise query first")
			}
			p.fail("EXISTS only takes a SELECT, as a statement of its own; test an attribute with IS NOT MISSING")
		default:
			p.keywordAsName(t, p.peek(1), "attribute")
		}
	}
	p.expected("a value")
	return nil
}

// parseMapRest parses the entries and closing brace of a map literal.
func (p *parser) parseMapRest(open *token) *Map {
	m := &Map{Pos: p.pos(open), Entries: []MapEntry{}}
	if p.accept(tokRBrace) {
		return m
	}
	for {
		k := p.tok()
		if k.kind != tokString {
			p.expected("a 'quoted' map key")
		}
		p.next()
		p.expect(tokColon, ": after the map key")
		m.Entries = append(m.Entries, MapEntry{Key: k.text, Value: p.parseValue()})
		if !p.accept(tokComma) {
			break
		}
	}
	p.expect(tokRBrace, ", or }")
	return m
}

// functions maps the functions DynamoDB's PartiQL has to their arity.
var functions = map[string]int{
	"attribute_type": 2,
	"begins_with":    2,
	"contains":       2,
	"list_append":    2,
	"set_add":        2,
	"set_delete":     2,
	"size":           1,
}

const supportedFunctions = "begins_with, contains, attribute_type, size, list_append, set_add and set_delete"

func (p *parser) parseCall() Expr {
	t := p.next()
	name := strings.ToLower(t.text)
	arity, ok := functions[name]
	if !ok {
		switch name {
		case "count":
			p.unsupported(t.pos, "aggregate "+strings.ToUpper(name)+"(...)", "only SELECT COUNT(*) FROM ... is translated; aggregate in Go otherwise")
		case "sum", "avg", "min", "max":
			p.unsupported(t.pos, "aggregate "+strings.ToUpper(name), "select the attribute and aggregate in Go")
		case "attribute_exists":
			p.unsupported(t.pos, "function attribute_exists", "write path IS NOT MISSING")
		case "attribute_not_exists":
			p.unsupported(t.pos, "function attribute_not_exists", "write path IS MISSING")
		}
		p.unsupported(t.pos, "function "+name, "its functions are "+supportedFunctions)
	}
	p.enter()
	defer p.leave()
	p.expect(tokLParen, "(")
	c := &Call{Pos: p.pos(t), Name: name}
	if !p.is(tokRParen) {
		c.Args = p.parseExprList(tokRParen)
	}
	p.expect(tokRParen, ", or )")
	if len(c.Args) != arity {
		plural := "s"
		if arity == 1 {
			plural = ""
		}
		p.failAt(t.pos, "%s takes %d argument%s, not %d", name, arity, plural, len(c.Args))
	}
	return c
}

// parsePath parses name {. name | [ index ]}.
func (p *parser) parsePath() *Path {
	t := p.tok()
	if t.kind != tokQuoted && (t.kind != tokWord || t.kw != kwNone) {
		p.keywordAsName(t, p.peek(1), "attribute")
		p.expected("an attribute name")
	}
	p.checkName(t, "attribute")
	p.next()
	path := &Path{Pos: p.pos(t), Segments: make([]Segment, 1, 2)}
	path.Segments[0] = Segment{Name: t.text, Quoted: t.kind == tokQuoted}
	for {
		switch {
		case p.is(tokDot):
			p.next()
			n := p.tok()
			if n.kind == tokStar {
				p.fail("path wildcards (.*) are not supported")
			}
			if n.kind != tokQuoted && (n.kind != tokWord || n.kw != kwNone) {
				p.keywordAsName(n, p.peek(1), "attribute")
				p.expected("an attribute name after '.'")
			}
			p.checkName(n, "attribute")
			p.next()
			path.Segments = append(path.Segments, Segment{Name: n.text, Quoted: n.kind == tokQuoted})
		case p.is(tokLBrack):
			p.next()
			n := p.tok()
			if n.kind != tokNumber {
				p.expected("a list index")
			}
			idx, err := strconv.Atoi(n.text)
			if err != nil || idx < 0 || idx > 1<<31-1 {
				p.fail("list index %s is not a whole number in range", p.describe(n))
			}
			p.next()
			p.expect(tokRBrack, "]")
			path.Segments = append(path.Segments, Segment{Index: idx, IsIndex: true})
		default:
			return path
		}
	}
}
