package partiql

import (
	"strconv"
	"strings"
)

// Print returns the text of s: PartiQL that DynamoDB accepts, or, for a
// statement using the SQL extensions (see UsesExtensions), the SQL form
// that Parse reads back. Parse(Print(s)) is Equal to s for any s Parse
// returned.
//
// Keywords are upper case, identifiers are quoted as parsed (or when they
// need quotes), and parentheses appear only where precedence needs them.
func Print(s Statement) string {
	var b strings.Builder
	b.Grow(128)
	printStatement(&b, s)
	return b.String()
}

// PrintExpr returns the text of an expression, as Print writes it.
func PrintExpr(e Expr) string {
	var b strings.Builder
	printExpr(&b, e, 0)
	return b.String()
}

func printStatement(b *strings.Builder, s Statement) {
	switch s := s.(type) {
	case *Select:
		printSelect(b, s)
	case *Insert:
		b.WriteString("INSERT INTO ")
		writeIdent(b, s.Table, s.TableQuoted)
		if s.Columns != nil || s.Rows != nil {
			b.WriteString(" (")
			for i, c := range s.Columns {
				if i > 0 {
					b.WriteString(", ")
				}
				writeIdent(b, c.Name, c.Quoted)
			}
			b.WriteString(") VALUES ")
			for i, row := range s.Rows {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('(')
				printList(b, row)
				b.WriteByte(')')
			}
			return
		}
		b.WriteString(" VALUE ")
		printExpr(b, s.Value, precPrimary)
	case *Update:
		b.WriteString("UPDATE ")
		writeIdent(b, s.Table, s.TableQuoted)
		for _, it := range s.Sets {
			b.WriteString(" SET ")
			printPath(b, it.Path)
			b.WriteString(" = ")
			printExpr(b, it.Value, precAdd)
		}
		for _, path := range s.Removes {
			b.WriteString(" REMOVE ")
			printPath(b, path)
		}
		printWhere(b, s.Where)
		printReturning(b, s.Returning)
	case *Delete:
		b.WriteString("DELETE FROM ")
		writeIdent(b, s.Table, s.TableQuoted)
		printWhere(b, s.Where)
		printReturning(b, s.Returning)
	case ddlStatement:
		printDDL(b, s) // ddl.go
	case *Exists:
		b.WriteString("EXISTS(")
		if s.Select != nil {
			printSelect(b, s.Select)
		}
		b.WriteByte(')')
	}
}

func printSelect(b *strings.Builder, s *Select) {
	b.WriteString("SELECT ")
	switch {
	case s.Count:
		b.WriteString("COUNT(*)")
	case s.Star:
		b.WriteByte('*')
	default:
		printList(b, s.Projection)
	}
	b.WriteString(" FROM ")
	if s.Index != "" {
		// DynamoDB requires both names quoted when an index is named.
		writeIdent(b, s.Table, true)
		b.WriteByte('.')
		writeIdent(b, s.Index, true)
	} else {
		writeIdent(b, s.Table, s.TableQuoted)
	}
	printWhere(b, s.Where)
	for i, o := range s.OrderBy {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		printPath(b, o.Path)
		if o.Desc {
			b.WriteString(" DESC")
		}
	}
	if s.Limit != nil {
		b.WriteString(" LIMIT ")
		printExpr(b, s.Limit, precPrimary)
	}
	if s.Offset != nil {
		b.WriteString(" OFFSET ")
		printExpr(b, s.Offset, precPrimary)
	}
}

func printWhere(b *strings.Builder, where Expr) {
	if where != nil {
		b.WriteString(" WHERE ")
		printExpr(b, where, 0)
	}
}

func printReturning(b *strings.Builder, r string) {
	if r != "" {
		b.WriteString(" RETURNING ")
		b.WriteString(r)
		b.WriteString(" *")
	}
}

// writeIdent writes name, double-quoted when quoted is set or the name
// would not read back unquoted.
func writeIdent(b *strings.Builder, name string, quoted bool) {
	if !quoted && !needsQuotes(name) {
		b.WriteString(name)
		return
	}
	b.WriteByte('"')
	if strings.IndexByte(name, '"') >= 0 {
		b.WriteString(strings.ReplaceAll(name, `"`, `""`))
	} else {
		b.WriteString(name)
	}
	b.WriteByte('"')
}

func writeString(b *strings.Builder, s string) {
	b.WriteByte('\'')
	if strings.IndexByte(s, '\'') >= 0 {
		b.WriteString(strings.ReplaceAll(s, "'", "''"))
	} else {
		b.WriteString(s)
	}
	b.WriteByte('\'')
}

func printPath(b *strings.Builder, p *Path) {
	if p == nil {
		return
	}
	for i, s := range p.Segments {
		if s.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.Index))
			b.WriteByte(']')
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		writeIdent(b, s.Name, s.Quoted)
	}
}

func printList(b *strings.Builder, list []Expr) {
	for i, e := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		printExpr(b, e, precAdd)
	}
}

// prec returns the precedence level of e (see precOr).
func prec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case OpOr:
			return precOr
		case OpAnd:
			return precAnd
		case OpAdd, OpSub:
			return precAdd
		}
		return precCmp
	case *Not:
		return precNot
	case *In, *Between, *Is:
		return precCmp
	}
	return precPrimary
}

// printExpr writes e, in parentheses when its precedence is below min.
func printExpr(b *strings.Builder, e Expr, min int) {
	if e == nil {
		return
	}
	if prec(e) < min {
		b.WriteByte('(')
		printExpr(b, e, 0)
		b.WriteByte(')')
		return
	}
	switch e := e.(type) {
	case *Path:
		printPath(b, e)
	case *Param:
		b.WriteByte('?')
	case *String:
		writeString(b, e.Value)
	case *Number:
		b.WriteString(e.Text)
	case *Bool:
		if e.Value {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
	case *Null:
		b.WriteString("NULL")
	case *Missing:
		b.WriteString("MISSING")
	case *List:
		b.WriteByte('[')
		printList(b, e.Elems)
		b.WriteByte(']')
	case *Bag:
		b.WriteString("<<")
		printList(b, e.Elems)
		b.WriteString(">>")
	case *Map:
		b.WriteByte('{')
		for i, en := range e.Entries {
			if i > 0 {
				b.WriteString(", ")
			}
			writeString(b, en.Key)
			b.WriteString(": ")
			printExpr(b, en.Value, precAdd)
		}
		b.WriteByte('}')
	case *Binary:
		switch p := prec(e); p {
		case precOr, precAnd, precAdd:
			// Left-associative: the right operand binds tighter.
			printExpr(b, e.L, p)
			b.WriteByte(' ')
			b.WriteString(string(e.Op))
			b.WriteByte(' ')
			if p == precAdd {
				printExpr(b, e.R, precPrimary)
			} else {
				printExpr(b, e.R, p+1)
			}
		default:
			printExpr(b, e.L, precAdd)
			b.WriteByte(' ')
			b.WriteString(string(e.Op))
			b.WriteByte(' ')
			printExpr(b, e.R, precAdd)
		}
	case *Not:
		b.WriteString("NOT ")
		printExpr(b, e.X, precNot)
	case *In:
		printExpr(b, e.X, precAdd)
		if e.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN [")
		printList(b, e.List)
		b.WriteByte(']')
	case *Between:
		printExpr(b, e.X, precAdd)
		if e.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" BETWEEN ")
		printExpr(b, e.Lo, precAdd)
		b.WriteString(" AND ")
		printExpr(b, e.Hi, precAdd)
	case *Is:
		printExpr(b, e.X, precAdd)
		b.WriteString(" IS ")
		if e.Not {
			b.WriteString("NOT ")
		}
		b.WriteString(e.What)
	case *Call:
		b.WriteString(e.Name)
		b.WriteByte('(')
		printList(b, e.Args)
		b.WriteByte(')')
	}
}
