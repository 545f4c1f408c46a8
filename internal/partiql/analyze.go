package partiql

import (
	"strings"
	"sync/atomic"
)

// Analysis is everything one statement text tells, from one pass of the
// lexer and at most one parse of its tokens.
//
// The first fields come from the tokens alone, so they are known even when
// the parse fails (DynamoDB's PartiQL is larger than what Parse reads, and
// a statement Parse cannot read may still be sent as written). Whenever the
// parse succeeds they agree with Stmt: same kind, as many placeholders as
// Params(Stmt) returns, the same table.
type Analysis struct {
	// Kind is the statement's kind, from its first word (KindUnknown for
	// anything else), or the kind of the table or index statement parsed.
	Kind Kind
	// Params counts the ? placeholders outside strings, quoted names and
	// comments.
	Params int
	// Returning tells that a RETURNING clause is present.
	Returning bool
	// Table is the table name (unquoted), "" when not found.
	Table string
	// Empty tells that the text holds nothing but spaces and comments.
	Empty bool
	// DDL tells that the text is a table or index statement, or tries to
	// be one (see LooksLikeDDL): it is never PartiQL.
	DDL bool
	// Ext names the first SQL form present that DynamoDB rejects for sure
	// and the driver translates ("LIMIT", "OFFSET", "VALUES", "COUNT(*)")
	// or refuses ("INSERT ... SELECT"), "" when none. When the parse
	// fails, it tells whether the text may still go to DynamoDB as
	// written.
	Ext string

	// Stmt is the parsed statement, nil when the parse failed; Err says
	// why (a *SyntaxError, an *UnsupportedError for SQL DynamoDB's
	// PartiQL has no equivalent for, or a *ReservedWordError for a
	// reserved word written unquoted as a name, which DynamoDB refuses).
	Stmt Statement
	Err  error
}

// InsertSelect is the Ext of an INSERT that holds a SELECT.
const InsertSelect = "INSERT ... SELECT"

// analyses counts the calls of Analyze (see Analyses).
var analyses atomic.Uint64

// Analyses returns how many texts Analyze has lexed and parsed since the
// program started. Tests use it to check that a text is analysed once.
func Analyses() uint64 { return analyses.Load() }

// Analyze lexes src once and parses its tokens. It fails, with a
// *SyntaxError, only when the text cannot be read at all: an unterminated
// string, quoted identifier or block comment. Any other mistake leaves
// Stmt nil and Err set.
func Analyze(src string) (*Analysis, error) {
	analyses.Add(1)
	buf := tokenPool.Get().(*[]token)
	toks, soft, fatal := lex(src, (*buf)[:0])
	defer func() {
		// The results share no memory with the tokens: reuse them.
		if cap(toks) <= 4096 {
			clear(toks)
			*buf = toks[:0]
			tokenPool.Put(buf)
		}
	}()
	if fatal != nil {
		return nil, newSyntaxError(src, fatal.off, fatal.msg)
	}
	a := &Analysis{}
	a.summarize(toks)
	a.DDL = ddlStart(toks)
	if soft != nil {
		a.Err = newSyntaxError(src, soft.off, soft.msg)
		return a, nil
	}
	a.Stmt, a.Err = parse(src, toks)
	if a.Stmt != nil && a.Stmt.Kind().IsDDL() {
		a.Kind = a.Stmt.Kind() // a table or index statement: its first words name no PartiQL kind
	}
	return a, nil
}

// summarize fills the fields of a that the tokens tell.
func (a *Analysis) summarize(toks []token) {
	a.Empty = toks[0].kind == tokEOF
	if a.Empty {
		return
	}
	if t := &toks[0]; t.kind == tokWord {
		switch t.kw {
		case kwSelect:
			a.Kind = KindSelect
		case kwInsert:
			a.Kind = KindInsert
		case kwUpdate:
			a.Kind = KindUpdate
		case kwDelete:
			a.Kind = KindDelete
		case kwExists:
			a.Kind = KindExists
		}
	}
	// The table is the name after the first FROM (INTO for an INSERT),
	// or right after UPDATE.
	tableAt := -1
	if a.Kind == KindUpdate {
		tableAt = 1
	}
	selects := 0
	for i := range toks {
		t := &toks[i]
		switch t.kind {
		case tokParam:
			a.Params++
		case tokWord:
			switch t.kw {
			case kwFrom:
				if tableAt < 0 && a.Kind != KindUnknown && a.Kind != KindInsert {
					tableAt = i + 1
				}
			case kwInto:
				if tableAt < 0 && a.Kind == KindInsert {
					tableAt = i + 1
				}
			case kwReturning:
				a.Returning = true
			case kwLimit:
				a.ext("LIMIT")
			case kwOffset:
				a.ext("OFFSET")
			case kwValues:
				a.ext("VALUES")
			case kwSelect:
				if selects++; selects > 0 && a.Kind == KindInsert {
					a.ext(InsertSelect)
				}
			case kwNone:
				if i+1 < len(toks) && toks[i+1].kind == tokLParen && strings.EqualFold(t.text, "COUNT") {
					a.ext("COUNT(*)")
				}
			}
		}
		if i == tableAt {
			switch {
			case t.kind == tokQuoted:
				a.Table = t.text
			case t.kind == tokWord && t.kw == kwNone:
				a.Table = t.text
			}
		}
	}
}

// ext records the first extension form found.
func (a *Analysis) ext(form string) {
	if a.Ext == "" {
		a.Ext = form
	}
}
