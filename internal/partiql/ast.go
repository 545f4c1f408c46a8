package partiql

// Pos is a position in a statement's source text: 1 plus the byte offset
// of the first byte of the node. NoPos (0) marks a node that was not parsed
// from text, such as one built by a rewriter. Positions are ignored by Equal.
type Pos int

// NoPos is the Pos of a node that has no source position.
const NoPos Pos = 0

// IsValid reports whether p is a real source position.
func (p Pos) IsValid() bool { return p > 0 }

// Offset returns the 0-based byte offset of p, or -1 for NoPos.
func (p Pos) Offset() int { return int(p) - 1 }

// Kind is the kind of a statement.
type Kind int

// The kinds of statement.
const (
	KindUnknown Kind = iota // not a statement this package knows
	KindSelect              // SELECT
	KindInsert              // INSERT
	KindUpdate              // UPDATE
	KindDelete              // DELETE
	KindExists              // EXISTS(SELECT ...), a transaction condition check
)

// String returns the statement keyword of k ("SELECT", ...) or "UNKNOWN".
func (k Kind) String() string {
	switch k {
	case KindSelect:
		return "SELECT"
	case KindInsert:
		return "INSERT"
	case KindUpdate:
		return "UPDATE"
	case KindDelete:
		return "DELETE"
	case KindExists:
		return "EXISTS"
	}
	return ddlKindString(k) // ddl.go
}

// Statement is a parsed statement: *Select, *Insert, *Update, *Delete or
// *Exists, or a table or index statement (ddl.go).
type Statement interface {
	// Kind returns the kind of the statement.
	Kind() Kind
	statementNode()
}

// Expr is an expression: *Path, *Param, *String, *Number, *Bool, *Null,
// *Missing, *List, *Bag, *Map, *Binary, *Not, *In, *Between, *Is or *Call.
// Parentheses are not kept as nodes: Print adds them where precedence
// requires.
type Expr interface {
	exprNode()
}

// Ident is a name as written: Quoted reports double quotes in the source.
type Ident struct {
	Name   string
	Quoted bool
}

// Segment is one step of a Path: a field Name (Quoted as in the source), or,
// when IsIndex is set, a list element Index as in a[2].
type Segment struct {
	Name    string
	Quoted  bool
	Index   int
	IsIndex bool
}

// Path is a document path such as a, a.b, "a b"[0].c. Its first segment is
// always a field name.
type Path struct {
	Pos      Pos
	Segments []Segment
}

// NewPath returns the path of nested fields names[0].names[1]..., each
// quoted when printed.
func NewPath(names ...string) *Path {
	p := &Path{Segments: make([]Segment, len(names))}
	for i, n := range names {
		p.Segments[i] = Segment{Name: n, Quoted: true}
	}
	return p
}

// IsSimple reports whether p names a top-level attribute, without nested
// fields or list indexes.
func (p *Path) IsSimple() bool {
	return p != nil && len(p.Segments) == 1 && !p.Segments[0].IsIndex
}

// Name returns the attribute name of a simple path (see IsSimple) and ""
// for any other path.
func (p *Path) Name() string {
	if !p.IsSimple() {
		return ""
	}
	return p.Segments[0].Name
}

// Root returns the name of the top-level attribute p starts from.
func (p *Path) Root() string {
	if p == nil || len(p.Segments) == 0 {
		return ""
	}
	return p.Segments[0].Name
}

// Param is a ? placeholder. N is its 0-based ordinal in the source text.
type Param struct {
	Pos Pos
	N   int
}

// String is a string literal. Value is the decoded text: a quote doubled
// in the source is a single quote in Value.
type String struct {
	Pos   Pos
	Value string
}

// Number is a number literal kept as written (with a leading '-' for a
// negative literal), so numbers of any precision survive.
type Number struct {
	Pos  Pos
	Text string
}

// Bool is TRUE or FALSE.
type Bool struct {
	Pos   Pos
	Value bool
}

// Null is the NULL literal.
type Null struct {
	Pos Pos
}

// Missing is the MISSING literal.
type Missing struct {
	Pos Pos
}

// List is a list literal [a, b].
type List struct {
	Pos   Pos
	Elems []Expr
}

// Bag is a bag literal <<a, b>>, which DynamoDB stores as a set.
type Bag struct {
	Pos   Pos
	Elems []Expr
}

// MapEntry is one 'key': value pair of a Map.
type MapEntry struct {
	Key   string
	Value Expr
}

// Map is a map (tuple) literal {'k': v, ...}; Entries keep their order.
type Map struct {
	Pos     Pos
	Entries []MapEntry
}

// Op is a binary operator.
type Op string

// The binary operators. != is read as OpNe.
const (
	OpOr  Op = "OR"
	OpAnd Op = "AND"
	OpEq  Op = "="
	OpNe  Op = "<>"
	OpLt  Op = "<"
	OpLe  Op = "<="
	OpGt  Op = ">"
	OpGe  Op = ">="
	OpAdd Op = "+"
	OpSub Op = "-"
)

// IsComparison reports whether op is one of = <> < <= > >=.
func (op Op) IsComparison() bool {
	switch op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		return true
	}
	return false
}

// Binary is L Op R.
type Binary struct {
	Pos Pos
	Op  Op
	L   Expr
	R   Expr
}

// Not is NOT X.
type Not struct {
	Pos Pos
	X   Expr
}

// In is X [NOT] IN [a, b, ...]. Print writes the list in brackets, the
// form DynamoDB documents, whether it was written with brackets or
// parentheses.
type In struct {
	Pos  Pos
	X    Expr
	List []Expr
	Not  bool
}

// Between is X [NOT] BETWEEN Lo AND Hi.
type Between struct {
	Pos Pos
	X   Expr
	Lo  Expr
	Hi  Expr
	Not bool
}

// The values of Is.What.
const (
	WhatNull    = "NULL"
	WhatMissing = "MISSING"
)

// Is is X IS [NOT] NULL or X IS [NOT] MISSING; What is WhatNull or
// WhatMissing.
type Is struct {
	Pos  Pos
	X    Expr
	What string
	Not  bool
}

// Call is a function call. Name is lower case: begins_with, contains,
// attribute_type, size, list_append, set_add or set_delete.
type Call struct {
	Pos  Pos
	Name string
	Args []Expr
}

// OrderItem is one ORDER BY key.
type OrderItem struct {
	Path *Path
	Desc bool
}

// Select is SELECT * | COUNT(*) | path, ... FROM "Table"[."Index"]
// [WHERE ...] [ORDER BY ...] [LIMIT n [OFFSET m]].
//
// Count, Limit and Offset are SQL extensions DynamoDB does not accept; the
// driver translates them.
type Select struct {
	Pos         Pos
	Star        bool
	Count       bool
	Projection  []Expr // *Path items when neither Star nor Count
	Table       string
	TableQuoted bool
	Index       string // "" when no index is named
	IndexQuoted bool
	Where       Expr // nil without WHERE
	OrderBy     []OrderItem
	Limit       Expr // nil, *Number (an integer) or *Param
	Offset      Expr // nil, *Number (an integer) or *Param; only with Limit
}

// Insert is INSERT INTO "Table" VALUE {...} (Value is a *Map or a *Param),
// or the SQL form INSERT INTO t (a, b) VALUES (...), (...) (Columns and Rows
// set, Value nil), which DynamoDB does not accept and the driver translates.
type Insert struct {
	Pos         Pos
	Table       string
	TableQuoted bool
	Value       Expr
	Columns     []Ident
	Rows        [][]Expr // each as long as Columns
}

// ValueMaps returns, for the SQL form, one VALUE map per row, keyed by the
// column names; the map values are the row's expressions themselves (not
// copies), Params keeping their ordinals in the multi-row statement. It
// returns nil for the VALUE form.
func (s *Insert) ValueMaps() []*Map {
	if len(s.Rows) == 0 {
		return nil
	}
	maps := make([]*Map, len(s.Rows))
	for i, row := range s.Rows {
		n := min(len(row), len(s.Columns))
		m := &Map{Entries: make([]MapEntry, n)}
		for j, v := range row[:n] {
			m.Entries[j] = MapEntry{Key: s.Columns[j].Name, Value: v}
		}
		maps[i] = m
	}
	return maps
}

// SetItem is one assignment of an UPDATE: SET Path = Value.
type SetItem struct {
	Path  *Path
	Value Expr
}

// The values of Update.Returning and Delete.Returning ("" for none). Each
// is printed followed by " *".
const (
	ReturnAllOld      = "ALL OLD"
	ReturnModifiedOld = "MODIFIED OLD"
	ReturnAllNew      = "ALL NEW"
	ReturnModifiedNew = "MODIFIED NEW"
)

// Update is UPDATE "Table" SET ... REMOVE ... WHERE ... [RETURNING ...].
// Print writes every assignment as its own SET clause and every removed
// path as its own REMOVE clause, all SETs first.
type Update struct {
	Pos         Pos
	Table       string
	TableQuoted bool
	Sets        []SetItem
	Removes     []*Path
	Where       Expr
	Returning   string
}

// Delete is DELETE FROM "Table" WHERE ... [RETURNING ALL OLD *].
type Delete struct {
	Pos         Pos
	Table       string
	TableQuoted bool
	Where       Expr
	Returning   string // "" or ReturnAllOld
}

// Exists is EXISTS(SELECT ...), a condition check in a transaction.
type Exists struct {
	Pos    Pos
	Select *Select
}

// Kind returns KindSelect.
func (*Select) Kind() Kind { return KindSelect }

// Kind returns KindInsert.
func (*Insert) Kind() Kind { return KindInsert }

// Kind returns KindUpdate.
func (*Update) Kind() Kind { return KindUpdate }

// Kind returns KindDelete.
func (*Delete) Kind() Kind { return KindDelete }

// Kind returns KindExists.
func (*Exists) Kind() Kind { return KindExists }

func (*Select) statementNode() {}
func (*Insert) statementNode() {}
func (*Update) statementNode() {}
func (*Delete) statementNode() {}
func (*Exists) statementNode() {}

func (*Path) exprNode()    {}
func (*Param) exprNode()   {}
func (*String) exprNode()  {}
func (*Number) exprNode()  {}
func (*Bool) exprNode()    {}
func (*Null) exprNode()    {}
func (*Missing) exprNode() {}
func (*List) exprNode()    {}
func (*Bag) exprNode()     {}
func (*Map) exprNode()     {}
func (*Binary) exprNode()  {}
func (*Not) exprNode()     {}
func (*In) exprNode()      {}
func (*Between) exprNode() {}
func (*Is) exprNode()      {}
func (*Call) exprNode()    {}

// TableName returns the table a statement reads or writes.
func TableName(s Statement) string {
	switch s := s.(type) {
	case *Select:
		return s.Table
	case *Insert:
		return s.Table
	case *Update:
		return s.Table
	case *Delete:
		return s.Table
	case *Exists:
		if s.Select != nil {
			return s.Select.Table
		}
	}
	return ""
}

// UsesExtensions reports whether s uses a SQL form DynamoDB does not accept
// (COUNT(*), LIMIT, OFFSET, INSERT ... VALUES) and so must be translated
// before it is sent.
func UsesExtensions(s Statement) bool {
	switch s := s.(type) {
	case *Select:
		return s.Count || s.Limit != nil || s.Offset != nil
	case *Insert:
		return s.Rows != nil || s.Columns != nil
	case *Exists:
		return s.Select != nil && UsesExtensions(s.Select)
	}
	return false
}
