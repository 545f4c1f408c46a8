package partiql

import (
	"reflect"
	"strconv"
	"strings"
)

// Table and index statements (DDL). DynamoDB's PartiQL has none: the driver
// runs them with the control-plane API (CreateTable, UpdateTable,
// DeleteTable, DescribeTable, ListTables). Their syntax is godynamo's
// (github.com/btnguyen2k/godynamo, its SQL_TABLE and SQL_INDEX pages), plus
// the spellings SQL users type (SHOW TABLES, DESCRIBE t, DESC t) and SHOW
// CREATE TABLE:
//
//	CREATE TABLE [IF NOT EXISTS] t WITH PK=attr:type [[,] WITH SK=attr:type]
//	    [[,] WITH wcu=n [,] WITH rcu=n] [[,] WITH LSI=idx:attr:type[:*|:a,b,...]]...
//	    [[,] WITH CLASS=STANDARD|STANDARD_IA]
//	LIST TABLES | LIST TABLE | SHOW TABLES
//	DESCRIBE [TABLE] t | DESC [TABLE] t
//	ALTER TABLE t [WITH wcu=n [,] WITH rcu=n] [[,] WITH CLASS=...]
//	DROP TABLE [IF EXISTS] t | DELETE TABLE [IF EXISTS] t
//	CREATE GSI [IF NOT EXISTS] idx ON t WITH PK=attr:type [[,] WITH SK=attr:type]
//	    [[,] WITH wcu=n [,] WITH rcu=n] [[,] WITH projection=*|a,b,...]
//	DESCRIBE GSI idx ON t | DESCRIBE LSI idx ON t
//	ALTER GSI idx ON t WITH wcu=n [,] WITH rcu=n
//	DROP GSI [IF EXISTS] idx ON t | DELETE GSI [IF EXISTS] idx ON t
//	SHOW CREATE TABLE t
//
// Types are STRING, NUMBER or BINARY (or S, N, B), in any case. Option
// names are case-insensitive. A name is double-quoted or written as
// godynamo writes it: letters, digits, '_', '-' and '.' without spaces.

// The kinds of table and index statements.
const (
	KindCreateTable     Kind = KindExists + 1 + iota // CREATE TABLE
	KindListTables                                   // LIST TABLES, SHOW TABLES
	KindDescribeTable                                // DESCRIBE TABLE
	KindAlterTable                                   // ALTER TABLE
	KindDropTable                                    // DROP TABLE
	KindCreateGSI                                    // CREATE GSI
	KindDescribeGSI                                  // DESCRIBE GSI
	KindAlterGSI                                     // ALTER GSI
	KindDropGSI                                      // DROP GSI
	KindDescribeLSI                                  // DESCRIBE LSI
	KindShowCreateTable                              // SHOW CREATE TABLE
)

var ddlKindNames = map[Kind]string{
	KindCreateTable:     "CREATE TABLE",
	KindListTables:      "LIST TABLES",
	KindDescribeTable:   "DESCRIBE TABLE",
	KindAlterTable:      "ALTER TABLE",
	KindDropTable:       "DROP TABLE",
	KindCreateGSI:       "CREATE GSI",
	KindDescribeGSI:     "DESCRIBE GSI",
	KindAlterGSI:        "ALTER GSI",
	KindDropGSI:         "DROP GSI",
	KindDescribeLSI:     "DESCRIBE LSI",
	KindShowCreateTable: "SHOW CREATE TABLE",
}

// ddlKindString returns the name of a table or index statement kind, or
// "UNKNOWN".
func ddlKindString(k Kind) string {
	if k.IsDDL() {
		return ddlKindNames[k]
	}
	return "UNKNOWN"
}

// IsDDL reports whether k is a table or index statement.
func (k Kind) IsDDL() bool { return k >= KindCreateTable && k <= KindShowCreateTable }

// ChangesSchema reports whether k creates, changes or deletes a table or
// an index (CREATE, ALTER, DROP), as opposed to reading their descriptions
// (LIST, DESCRIBE, SHOW).
func (k Kind) ChangesSchema() bool {
	switch k {
	case KindCreateTable, KindAlterTable, KindDropTable, KindCreateGSI, KindAlterGSI, KindDropGSI:
		return true
	}
	return false
}

// SupportedDDL names the table and index statements, for error messages.
const SupportedDDL = "CREATE TABLE, CREATE GSI, ALTER TABLE, ALTER GSI, DROP TABLE, DROP GSI, " +
	"LIST TABLES (or SHOW TABLES), DESCRIBE TABLE, DESCRIBE GSI, DESCRIBE LSI and SHOW CREATE TABLE"

// Key attribute types, as DynamoDB writes them.
const (
	TypeString = "S"
	TypeNumber = "N"
	TypeBinary = "B"
)

// Index projections, as DynamoDB writes them.
const (
	ProjectAll      = "ALL"
	ProjectKeysOnly = "KEYS_ONLY"
	ProjectInclude  = "INCLUDE"
)

// KeyAttr is a key attribute: its name and type (TypeString, TypeNumber
// or TypeBinary). A zero KeyAttr (Name.Name == "") stands for no key.
type KeyAttr struct {
	Name Ident
	Type string
}

// IsZero reports whether k names no attribute.
func (k KeyAttr) IsZero() bool { return k.Name.Name == "" }

// Projection is what an index holds besides the keys: Type ProjectAll,
// ProjectKeysOnly or ProjectInclude with Attrs.
type Projection struct {
	Type  string
	Attrs []Ident
}

// LocalIndex is a WITH LSI=name:attr:type[:projection] option: a local
// secondary index sorting the table's partitions by SortKey.
type LocalIndex struct {
	Name       Ident
	SortKey    KeyAttr
	Projection Projection
}

// CreateTable is CREATE TABLE. WCU and RCU are nil when not given; both
// nil or both 0 mean on-demand (PAY_PER_REQUEST). Class is "",
// "STANDARD" or "STANDARD_IA" (DynamoDB's STANDARD_INFREQUENT_ACCESS, also
// accepted in that spelling).
type CreateTable struct {
	Table        Ident
	IfNotExists  bool
	PartitionKey KeyAttr
	SortKey      KeyAttr
	WCU, RCU     *int64
	LocalIndexes []LocalIndex
	Class        string
}

// ListTables is LIST TABLES (or SHOW TABLES).
type ListTables struct{}

// DescribeTable is DESCRIBE [TABLE] t (or DESC t).
type DescribeTable struct {
	Table Ident
}

// AlterTable is ALTER TABLE: new capacity (both 0 means on-demand) and
// table class ("STANDARD" or "STANDARD_IA"). Fields not given are nil or
// "".
type AlterTable struct {
	Table    Ident
	WCU, RCU *int64
	Class    string
}

// DropTable is DROP TABLE (or DELETE TABLE).
type DropTable struct {
	Table    Ident
	IfExists bool
}

// CreateGSI is CREATE GSI. Without WITH projection the index holds only
// the keys (ProjectKeysOnly), as in godynamo.
type CreateGSI struct {
	Index        Ident
	Table        Ident
	IfNotExists  bool
	PartitionKey KeyAttr
	SortKey      KeyAttr
	WCU, RCU     *int64
	Projection   Projection
}

// DescribeIndex is DESCRIBE GSI idx ON t, or DESCRIBE LSI when Local.
type DescribeIndex struct {
	Index Ident
	Table Ident
	Local bool
}

// AlterGSI is ALTER GSI: the index's new provisioned capacity.
type AlterGSI struct {
	Index    Ident
	Table    Ident
	WCU, RCU *int64
}

// DropGSI is DROP GSI (or DELETE GSI).
type DropGSI struct {
	Index    Ident
	Table    Ident
	IfExists bool
}

// ShowCreateTable is SHOW CREATE TABLE t.
type ShowCreateTable struct {
	Table Ident
}

// Kind returns KindCreateTable.
func (*CreateTable) Kind() Kind { return KindCreateTable }

// Kind returns KindListTables.
func (*ListTables) Kind() Kind { return KindListTables }

// Kind returns KindDescribeTable.
func (*DescribeTable) Kind() Kind { return KindDescribeTable }

// Kind returns KindAlterTable.
func (*AlterTable) Kind() Kind { return KindAlterTable }

// Kind returns KindDropTable.
func (*DropTable) Kind() Kind { return KindDropTable }

// Kind returns KindCreateGSI.
func (*CreateGSI) Kind() Kind { return KindCreateGSI }

// Kind returns KindDescribeGSI, or KindDescribeLSI for a local index.
func (s *DescribeIndex) Kind() Kind {
	if s.Local {
		return KindDescribeLSI
	}
	return KindDescribeGSI
}

// Kind returns KindAlterGSI.
func (*AlterGSI) Kind() Kind { return KindAlterGSI }

// Kind returns KindDropGSI.
func (*DropGSI) Kind() Kind { return KindDropGSI }

// Kind returns KindShowCreateTable.
func (*ShowCreateTable) Kind() Kind { return KindShowCreateTable }

func (*CreateTable) statementNode()     {}
func (*ListTables) statementNode()      {}
func (*DescribeTable) statementNode()   {}
func (*AlterTable) statementNode()      {}
func (*DropTable) statementNode()       {}
func (*CreateGSI) statementNode()       {}
func (*DescribeIndex) statementNode()   {}
func (*AlterGSI) statementNode()        {}
func (*DropGSI) statementNode()         {}
func (*ShowCreateTable) statementNode() {}

// ddlStatement is a table or index statement: Print, Equal and Clone
// handle them through it.
type ddlStatement interface {
	Statement
	ddl()
}

func (*CreateTable) ddl()     {}
func (*ListTables) ddl()      {}
func (*DescribeTable) ddl()   {}
func (*AlterTable) ddl()      {}
func (*DropTable) ddl()       {}
func (*CreateGSI) ddl()       {}
func (*DescribeIndex) ddl()   {}
func (*AlterGSI) ddl()        {}
func (*DropGSI) ddl()         {}
func (*ShowCreateTable) ddl() {}

// ---- recognising ----

// LooksLikeDDL reports whether src is a table or index statement, or one
// that tries to be: its first word (after spaces and comments) is CREATE,
// ALTER, DROP, TRUNCATE, RENAME, LIST, SHOW, DESCRIBE or DESC, or it
// starts with DELETE TABLE, DELETE GSI, DELETE LSI or DELETE INDEX. Parse
// returns a statement whose Kind is IsDDL, or an error, exactly for such
// texts. Analysis.DDL tells the same from Analyze's one pass.
func LooksLikeDDL(src string) bool {
	buf := tokenPool.Get().(*[]token)
	toks, _, fatal := lex(src, (*buf)[:0])
	ddl := fatal == nil && ddlStart(toks)
	if cap(toks) <= 4096 {
		clear(toks)
		*buf = toks[:0]
		tokenPool.Put(buf)
	}
	return ddl
}

// ddlStart reports whether toks (ending with tokEOF) start a table or
// index statement (see LooksLikeDDL).
func ddlStart(toks []token) bool {
	t := &toks[0]
	if t.kind != tokWord {
		return false
	}
	switch strings.ToUpper(t.text) {
	case "CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "LIST", "SHOW", "DESCRIBE", "DESC":
		return true
	case "DELETE":
		n := &toks[1]
		return n.kind == tokWord && isDropObject(n.text)
	}
	return false
}

// isDropObject reports whether the word after DELETE makes it DDL.
func isDropObject(w string) bool {
	return strings.EqualFold(w, "TABLE") || strings.EqualFold(w, "GSI") || strings.EqualFold(w, "LSI") || strings.EqualFold(w, "INDEX")
}

// atDDL reports whether the statement at the current token is a table or
// index statement (see LooksLikeDDL).
func (p *parser) atDDL() bool { return ddlStart(p.toks[p.i:]) }

// ---- parsing ----

// word reports whether the current token is the unquoted word w (any case).
func (p *parser) word(w string) bool {
	t := p.tok()
	return t.kind == tokWord && strings.EqualFold(t.text, w)
}

func (p *parser) acceptWord(w string) bool {
	if p.word(w) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectWord(w, what string) {
	if !p.acceptWord(w) {
		p.expected(what)
	}
}

// atEnd reports whether the statement ends here (a ';' or the end).
func (p *parser) atEnd() bool { return p.is(tokEOF) || p.is(tokSemi) }

func (p *parser) unsupportedDDL(off int, feature, hint string) {
	if hint != "" {
		hint += "; "
	}
	p.unsupported(off, feature, hint+"the table and index statements are "+SupportedDDL)
}

// parseDDL parses a statement atDDL accepted.
func (p *parser) parseDDL() Statement {
	t := p.next()
	verb := strings.ToUpper(t.text)
	switch verb {
	case "LIST":
		if !p.acceptWord("TABLES") && !p.acceptWord("TABLE") {
			p.expected("TABLES after LIST")
		}
		return &ListTables{}
	case "SHOW":
		switch {
		case p.acceptWord("TABLES"):
			return &ListTables{}
		case p.word("CREATE"):
			p.next()
			p.expectWord("TABLE", "TABLE after SHOW CREATE")
			return &ShowCreateTable{Table: p.ddlTable()}
		case p.is(tokWord):
			p.unsupportedDDL(p.tok().pos, "SHOW "+strings.ToUpper(p.tok().text), "SHOW TABLES lists the tables, SHOW CREATE TABLE t gives a table's statements")
		}
		p.expected("TABLES or CREATE TABLE after SHOW")
		return nil
	case "DESCRIBE", "DESC":
		return p.parseDescribe()
	case "TRUNCATE":
		p.unsupportedDDL(t.pos, "TRUNCATE", "delete the items one by one, or DROP TABLE and CREATE TABLE again (SHOW CREATE TABLE t gives the statements)")
	case "RENAME":
		p.unsupportedDDL(t.pos, "RENAME", "DynamoDB cannot rename a table: create one with the new name and copy the items")
		return nil
	}
	// CREATE, ALTER, DROP or DELETE, then what.
	o := p.tok()
	switch {
	case p.word("TABLE"):
		p.next()
		switch verb {
		case "CREATE":
			return p.parseCreateTable()
		case "ALTER":
			return p.parseAlterTable()
		default:
			s := &DropTable{IfExists: p.ifExists()}
			s.Table = p.ddlTable()
			return s
		}
	case p.word("GSI"):
		p.next()
		switch verb {
		case "CREATE":
			return p.parseCreateGSI()
		case "ALTER":
			s := &AlterGSI{}
			s.Index, s.Table = p.ddlIndexOn()
			opts := p.parseOptions("ALTER GSI", "WCU", "RCU")
			s.WCU, s.RCU = opts.wcu, opts.rcu
			if s.WCU == nil || s.RCU == nil || *s.WCU == 0 || *s.RCU == 0 {
				off := o.pos
				if q, ok := opts.pos["WCU"]; ok {
					off = q
				}
				p.failAt(off, "ALTER GSI needs the index's new capacity: WITH wcu=n, WITH rcu=n, both 1 or more")
			}
			return s
		default:
			s := &DropGSI{IfExists: p.ifExists()}
			s.Index, s.Table = p.ddlIndexOn()
			return s
		}
	case p.word("INDEX"):
		hint := "DynamoDB's indexes are global (CREATE GSI idx ON t WITH PK=attr:STRING ...) or local (only with their table: CREATE TABLE ... WITH LSI=idx:attr:STRING)"
		switch verb {
		case "DROP", "DELETE":
			hint = "drop a global index with DROP GSI idx ON t (a local index goes with its table)"
		case "ALTER":
			hint = "change a global index's capacity with ALTER GSI idx ON t WITH wcu=n, WITH rcu=n"
		}
		p.unsupportedDDL(o.pos, verb+" INDEX", hint)
	case p.word("LSI"):
		p.unsupportedDDL(o.pos, verb+" LSI", "DynamoDB creates and deletes local secondary indexes only with their table (CREATE TABLE ... WITH LSI=idx:attr:STRING)")
	case p.is(tokWord):
		p.unsupportedDDL(o.pos, verb+" "+strings.ToUpper(o.text), "")
	}
	p.expected("TABLE or GSI after " + verb)
	return nil
}

// parseDescribe parses what follows DESCRIBE or DESC. A table named TABLE,
// GSI or LSI is written in double quotes.
func (p *parser) parseDescribe() Statement {
	switch {
	case p.word("TABLE"):
		p.next()
	case p.word("GSI") || p.word("LSI"):
		local := p.word("LSI")
		p.next()
		s := &DescribeIndex{Local: local}
		s.Index, s.Table = p.ddlIndexOn()
		return s
	}
	return &DescribeTable{Table: p.ddlTable()}
}

// ifExists parses an optional IF EXISTS (or godynamo's documented IF EXIST).
func (p *parser) ifExists() bool {
	if !p.word("IF") {
		return false
	}
	if n := p.peek(1); n.kind == tokWord && (n.kw == kwExists || strings.EqualFold(n.text, "EXIST")) {
		p.i += 2
		return true
	}
	return false
}

// ifNotExists parses an optional IF NOT EXISTS (or IF NOT EXIST).
func (p *parser) ifNotExists() bool {
	if !p.word("IF") || p.peek(1).kind != tokWord || p.peek(1).kw != kwNot {
		return false
	}
	p.i += 2
	if !p.isKw(kwExists) && !p.word("EXIST") {
		p.expected("EXISTS after IF NOT")
	}
	p.next()
	return true
}

// ddlIndexOn parses idx ON t.
func (p *parser) ddlIndexOn() (index, table Ident) {
	index = p.ddlResource("an index name", "index")
	p.expectKw(kwOn, "ON and the table name after the index name")
	return index, p.ddlTable()
}

func (p *parser) ddlTable() Ident { return p.ddlResource("a table name", "table") }

// ddlResource parses the name of a table or an index and checks that
// DynamoDB can hold it.
func (p *parser) ddlResource(what, kind string) Ident {
	start := p.tok().pos
	id := p.ddlName(what)
	if !validResourceName(id.Name) {
		p.failAt(start, "invalid %s name %q: DynamoDB %s names are 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'", kind, id.Name, kind)
	}
	return id
}

// validResourceName reports whether DynamoDB accepts name as a table or
// index name.
func validResourceName(name string) bool {
	if len(name) < 3 || len(name) > 255 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// maxAttrName is DynamoDB's limit on the length of a key attribute's name.
const maxAttrName = 255

// ddlName parses a name: double-quoted, or unquoted as godynamo writes
// names: words, numbers, '-' and '.' without spaces between them
// (my-table, logs.2024).
func (p *parser) ddlName(what string) Ident {
	t := p.tok()
	switch t.kind {
	case tokQuoted:
		p.next()
		return Ident{Name: t.text, Quoted: true}
	case tokWord, tokNumber:
	default:
		p.expected(what)
	}
	start, end := t.pos, t.end
	p.next()
	for {
		n := p.tok()
		if n.pos != end || n.kind != tokWord && n.kind != tokNumber && n.kind != tokMinus && n.kind != tokDot {
			break
		}
		end = n.end
		p.next()
	}
	return Ident{Name: p.src[start:end]}
}

// ddlAttr parses an attribute name.
func (p *parser) ddlAttr(what string) Ident {
	start := p.tok().pos
	id := p.ddlName(what)
	if len(id.Name) > maxAttrName {
		p.failAt(start, "attribute name of %d bytes: DynamoDB allows at most %d", len(id.Name), maxAttrName)
	}
	return id
}

// ddlOptions are the WITH options of a statement, as parsed.
type ddlOptions struct {
	pk, sk     KeyAttr
	wcu, rcu   *int64
	class      string
	lsis       []LocalIndex
	projection Projection
	// pos holds the offsets of the option names given (upper case).
	pos map[string]int
}

// parseOptions parses the WITH key=value options up to the end of the
// statement, refusing a key not in allowed (upper case) and a key given
// twice (except LSI). A projection not given is KEYS_ONLY.
func (p *parser) parseOptions(stmt string, allowed ...string) *ddlOptions {
	o := &ddlOptions{pos: map[string]int{}, projection: Projection{Type: ProjectKeysOnly}}
	for first := true; !p.atEnd(); first = false {
		if !first {
			p.accept(tokComma)
		}
		if !p.acceptWord("WITH") {
			if first {
				p.expected("WITH")
			}
			p.expected("WITH or the end of the statement")
		}
		k := p.tok()
		if k.kind != tokWord {
			p.expected("an option name after WITH (" + strings.Join(allowed, ", ") + ")")
		}
		key := strings.ToUpper(k.text)
		known := false
		for _, a := range allowed {
			known = known || a == key
		}
		if !known {
			msg := "unknown option " + p.describe(k) + " for " + stmt + ": its options are " + strings.Join(allowed, ", ")
			if key == "WRU" {
				msg += " (write capacity is WCU)"
			}
			p.failAt(k.pos, "%s", msg)
		}
		if _, dup := o.pos[key]; dup && key != "LSI" {
			p.failAt(k.pos, "WITH %s is given twice", key)
		}
		o.pos[key] = k.pos
		p.next()
		p.expect(tokEq, "= after "+key)
		switch key {
		case "PK":
			o.pk = p.ddlKey(key)
		case "SK":
			o.sk = p.ddlKey(key)
		case "WCU":
			o.wcu = p.ddlCount(key)
		case "RCU":
			o.rcu = p.ddlCount(key)
		case "CLASS":
			o.class = p.ddlClass()
		case "PROJECTION":
			o.projection = p.ddlProjection("projection")
		case "LSI":
			o.lsis = append(o.lsis, p.ddlLocalIndex(o.lsis))
		}
	}
	return o
}

// ddlLocalIndex parses the value of WITH LSI=idx:attr:type[:projection].
func (p *parser) ddlLocalIndex(before []LocalIndex) LocalIndex {
	at := p.tok().pos
	l := LocalIndex{Name: p.ddlResource("an index name after LSI=", "index")}
	for _, b := range before {
		if b.Name.Name == l.Name.Name {
			p.failAt(at, "local index %q is declared twice", l.Name.Name)
		}
	}
	p.expect(tokColon, "':' and the index's sort key after the index name, as in LSI=idx:attr:STRING")
	l.SortKey = p.ddlKey("LSI")
	l.Projection = Projection{Type: ProjectKeysOnly}
	if p.accept(tokColon) {
		l.Projection = p.ddlProjection("LSI")
	}
	return l
}

// ddlKey parses attr:type.
func (p *parser) ddlKey(key string) KeyAttr {
	name := p.ddlAttr("an attribute name after " + key + "=")
	p.expect(tokColon, "':' and a type after the attribute name, as in "+key+"=id:STRING")
	return KeyAttr{Name: name, Type: p.ddlType(key)}
}

// ddlType parses STRING, NUMBER or BINARY (or S, N, B) in any case.
func (p *parser) ddlType(key string) string {
	t := p.tok()
	if t.kind == tokWord {
		switch strings.ToUpper(t.text) {
		case "STRING", "S":
			p.next()
			return TypeString
		case "NUMBER", "N":
			p.next()
			return TypeNumber
		case "BINARY", "B":
			p.next()
			return TypeBinary
		}
	}
	if t.kind == tokEOF || t.kind == tokSemi || t.kind == tokComma {
		p.fail("%s needs a type after ':': STRING, NUMBER or BINARY", key)
	}
	p.fail("invalid type %s for %s: use STRING, NUMBER or BINARY", p.describe(t), key)
	return ""
}

// ddlCount parses the whole number of WCU or RCU.
func (p *parser) ddlCount(key string) *int64 {
	t := p.tok()
	if t.kind == tokMinus {
		p.fail("%s must be 0 or more", key)
	}
	if t.kind != tokNumber {
		p.expected("a whole number after " + key + "=")
	}
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		p.fail("%s=%s is not a whole number from 0 to %d", key, t.text, int64(1<<63-1))
	}
	p.next()
	return &n
}

// ddlClass parses STANDARD or STANDARD_IA (or DynamoDB's
// STANDARD_INFREQUENT_ACCESS).
func (p *parser) ddlClass() string {
	t := p.tok()
	if t.kind == tokWord {
		switch c := strings.ToUpper(t.text); c {
		case "STANDARD", "STANDARD_IA":
			p.next()
			return c
		case "STANDARD_INFREQUENT_ACCESS":
			p.next()
			return "STANDARD_IA"
		}
	}
	p.fail("invalid table class %s: use STANDARD or STANDARD_IA", p.describe(t))
	return ""
}

// ddlProjection parses * (all attributes), a,b,... (those attributes
// besides the keys), or the words ALL or KEYS_ONLY.
func (p *parser) ddlProjection(key string) Projection {
	t := p.tok()
	if t.kind == tokStar {
		p.next()
		return Projection{Type: ProjectAll}
	}
	if t.kind == tokWord && p.projectionEnds(1) {
		switch strings.ToUpper(t.text) {
		case ProjectAll:
			p.next()
			return Projection{Type: ProjectAll}
		case ProjectKeysOnly:
			p.next()
			return Projection{Type: ProjectKeysOnly}
		case ProjectInclude:
			p.fail("%s=INCLUDE needs the attributes: write them, as in %s=a,b,c (write \"INCLUDE\" in double quotes for an attribute of that name)", key, key)
		}
	}
	pr := Projection{Type: ProjectInclude}
	for {
		pr.Attrs = append(pr.Attrs, p.ddlAttr("* or the attributes to project, as in "+key+"=a,b"))
		if !p.is(tokComma) || p.projectionEnds(0) {
			return pr
		}
		p.next()
	}
}

// projectionEnds reports whether the token n ahead ends a projection: the
// end of the statement, a WITH, or a ',' before a WITH.
func (p *parser) projectionEnds(n int) bool {
	t := p.peek(n)
	switch {
	case t.kind == tokEOF || t.kind == tokSemi:
		return true
	case t.kind == tokWord && strings.EqualFold(t.text, "WITH"):
		return true
	case t.kind == tokComma:
		u := p.peek(n + 1)
		return u.kind == tokWord && strings.EqualFold(u.text, "WITH")
	}
	return false
}

// checkCapacity refuses a WCU without an RCU (or the reverse), and one of
// them 0 with the other not: both 0 (or neither) means on-demand.
func (p *parser) checkCapacity(wcu, rcu *int64, pos map[string]int) {
	switch {
	case wcu == nil && rcu == nil:
	case wcu == nil:
		p.failAt(pos["RCU"], "WITH rcu=%d needs WITH wcu=n too: give both (both 0, or neither, means on-demand)", *rcu)
	case rcu == nil:
		p.failAt(pos["WCU"], "WITH wcu=%d needs WITH rcu=n too: give both (both 0, or neither, means on-demand)", *wcu)
	case (*wcu == 0) != (*rcu == 0):
		p.failAt(pos["WCU"], "wcu=%d with rcu=%d: provisioned capacity needs both 1 or more; both 0 means on-demand", *wcu, *rcu)
	}
}

func (p *parser) parseCreateTable() *CreateTable {
	s := &CreateTable{IfNotExists: p.ifNotExists()}
	s.Table = p.ddlTable()
	if p.is(tokLParen) {
		p.unsupportedDDL(p.tok().pos, "column definitions in CREATE TABLE",
			"declare only the key, as in CREATE TABLE t WITH PK=id:STRING [WITH SK=n:NUMBER]: items carry any other attributes")
	}
	if p.atEnd() {
		p.fail("CREATE TABLE needs a partition key: add WITH PK=attr:STRING (or NUMBER, BINARY)")
	}
	o := p.parseOptions("CREATE TABLE", "PK", "SK", "WCU", "RCU", "LSI", "CLASS")
	s.PartitionKey, s.SortKey, s.WCU, s.RCU, s.LocalIndexes, s.Class = o.pk, o.sk, o.wcu, o.rcu, o.lsis, o.class
	if s.PartitionKey.IsZero() {
		p.fail("CREATE TABLE needs a partition key: add WITH PK=attr:STRING (or NUMBER, BINARY)")
	}
	p.checkCapacity(s.WCU, s.RCU, o.pos)
	if len(s.LocalIndexes) > 0 && s.SortKey.IsZero() {
		p.failAt(o.pos["LSI"], "a table with local secondary indexes needs a sort key: add WITH SK=attr:type")
	}
	keys := []KeyAttr{s.PartitionKey, s.SortKey}
	for _, l := range s.LocalIndexes {
		keys = append(keys, l.SortKey)
	}
	p.checkKeyTypes(keys, o.pos)
	return s
}

// checkKeyTypes refuses an attribute given two types in the keys of one
// statement: DynamoDB defines each key attribute once.
func (p *parser) checkKeyTypes(keys []KeyAttr, pos map[string]int) {
	typeOf := map[string]string{}
	for _, k := range keys {
		if k.IsZero() {
			continue
		}
		if t, ok := typeOf[k.Name.Name]; ok && t != k.Type {
			at, ok := pos["LSI"]
			if !ok {
				at = pos["SK"]
			}
			p.failAt(at, "key attribute %q is given two types, %s and %s: an attribute has one type in all the keys of a table and its indexes",
				k.Name.Name, typeWord(t), typeWord(k.Type))
		}
		typeOf[k.Name.Name] = k.Type
	}
}

func (p *parser) parseAlterTable() *AlterTable {
	s := &AlterTable{Table: p.ddlTable()}
	if t := p.tok(); t.kind == tokWord && !strings.EqualFold(t.text, "WITH") {
		p.unsupportedDDL(t.pos, "ALTER TABLE ... "+strings.ToUpper(t.text),
			"ALTER TABLE changes only capacity and class (WITH wcu=n, WITH rcu=n, WITH CLASS=STANDARD_IA): DynamoDB items have no fixed columns")
	}
	if p.atEnd() {
		p.fail("ALTER TABLE needs what to change: WITH wcu=n, WITH rcu=n (both 0 for on-demand) or WITH CLASS=STANDARD|STANDARD_IA")
	}
	o := p.parseOptions("ALTER TABLE", "WCU", "RCU", "CLASS")
	s.WCU, s.RCU, s.Class = o.wcu, o.rcu, o.class
	p.checkCapacity(s.WCU, s.RCU, o.pos)
	return s
}

func (p *parser) parseCreateGSI() *CreateGSI {
	s := &CreateGSI{IfNotExists: p.ifNotExists()}
	s.Index, s.Table = p.ddlIndexOn()
	if p.atEnd() {
		p.fail("CREATE GSI needs the index's partition key: add WITH PK=attr:STRING (or NUMBER, BINARY)")
	}
	o := p.parseOptions("CREATE GSI", "PK", "SK", "WCU", "RCU", "PROJECTION")
	s.PartitionKey, s.SortKey, s.WCU, s.RCU, s.Projection = o.pk, o.sk, o.wcu, o.rcu, o.projection
	if s.PartitionKey.IsZero() {
		p.fail("CREATE GSI needs the index's partition key: add WITH PK=attr:STRING (or NUMBER, BINARY)")
	}
	p.checkCapacity(s.WCU, s.RCU, o.pos)
	return s
}

// ---- printing ----

// printDDL writes s in the form Parse reads back; unquoted names are
// written as godynamo reads them when they can be.
func printDDL(b *strings.Builder, s ddlStatement) {
	switch s := s.(type) {
	case *CreateTable:
		b.WriteString("CREATE TABLE ")
		if s.IfNotExists {
			b.WriteString("IF NOT EXISTS ")
		}
		writeDDLName(b, s.Table)
		printKey(b, "PK", s.PartitionKey)
		printKey(b, "SK", s.SortKey)
		printCapacity(b, s.WCU, s.RCU)
		for _, l := range s.LocalIndexes {
			b.WriteString(" WITH LSI=")
			writeDDLName(b, l.Name)
			b.WriteByte(':')
			writeDDLName(b, l.SortKey.Name)
			b.WriteByte(':')
			b.WriteString(typeWord(l.SortKey.Type))
			switch l.Projection.Type {
			case ProjectAll:
				b.WriteString(":*")
			case ProjectInclude:
				b.WriteByte(':')
				printAttrs(b, l.Projection.Attrs)
			}
		}
		if s.Class != "" {
			b.WriteString(" WITH CLASS=")
			b.WriteString(s.Class)
		}
	case *ListTables:
		b.WriteString("LIST TABLES")
	case *DescribeTable:
		b.WriteString("DESCRIBE TABLE ")
		writeDDLName(b, s.Table)
	case *AlterTable:
		b.WriteString("ALTER TABLE ")
		writeDDLName(b, s.Table)
		printCapacity(b, s.WCU, s.RCU)
		if s.Class != "" {
			b.WriteString(" WITH CLASS=")
			b.WriteString(s.Class)
		}
	case *DropTable:
		b.WriteString("DROP TABLE ")
		if s.IfExists {
			b.WriteString("IF EXISTS ")
		}
		writeDDLName(b, s.Table)
	case *CreateGSI:
		b.WriteString("CREATE GSI ")
		if s.IfNotExists {
			b.WriteString("IF NOT EXISTS ")
		}
		writeIndexOn(b, s.Index, s.Table)
		printKey(b, "PK", s.PartitionKey)
		printKey(b, "SK", s.SortKey)
		printCapacity(b, s.WCU, s.RCU)
		switch s.Projection.Type {
		case ProjectAll:
			b.WriteString(" WITH projection=*")
		case ProjectInclude:
			b.WriteString(" WITH projection=")
			printAttrs(b, s.Projection.Attrs)
		}
	case *DescribeIndex:
		if s.Local {
			b.WriteString("DESCRIBE LSI ")
		} else {
			b.WriteString("DESCRIBE GSI ")
		}
		writeIndexOn(b, s.Index, s.Table)
	case *AlterGSI:
		b.WriteString("ALTER GSI ")
		writeIndexOn(b, s.Index, s.Table)
		printCapacity(b, s.WCU, s.RCU)
	case *DropGSI:
		b.WriteString("DROP GSI ")
		if s.IfExists {
			b.WriteString("IF EXISTS ")
		}
		writeIndexOn(b, s.Index, s.Table)
	case *ShowCreateTable:
		b.WriteString("SHOW CREATE TABLE ")
		writeDDLName(b, s.Table)
	}
}

func writeIndexOn(b *strings.Builder, index, table Ident) {
	writeDDLName(b, index)
	b.WriteString(" ON ")
	writeDDLName(b, table)
}

func printKey(b *strings.Builder, key string, k KeyAttr) {
	if k.IsZero() {
		return
	}
	b.WriteString(" WITH ")
	b.WriteString(key)
	b.WriteByte('=')
	writeDDLName(b, k.Name)
	b.WriteByte(':')
	b.WriteString(typeWord(k.Type))
}

func printCapacity(b *strings.Builder, wcu, rcu *int64) {
	if wcu != nil {
		b.WriteString(" WITH wcu=")
		b.WriteString(strconv.FormatInt(*wcu, 10))
	}
	if rcu != nil {
		b.WriteString(" WITH rcu=")
		b.WriteString(strconv.FormatInt(*rcu, 10))
	}
}

func printAttrs(b *strings.Builder, attrs []Ident) {
	for i, a := range attrs {
		if i > 0 {
			b.WriteByte(',')
		}
		// A lone ALL or KEYS_ONLY would read back as a projection type.
		if len(attrs) == 1 && !a.Quoted && (strings.EqualFold(a.Name, ProjectAll) || strings.EqualFold(a.Name, ProjectKeysOnly)) {
			a.Quoted = true
		}
		writeDDLName(b, a)
	}
}

// typeWord returns the DDL word of a key type.
func typeWord(t string) string {
	switch t {
	case TypeString:
		return "STRING"
	case TypeNumber:
		return "NUMBER"
	case TypeBinary:
		return "BINARY"
	}
	return t
}

// writeDDLName writes a name unquoted when it was written so, or when it
// reads back as itself unquoted; otherwise double-quoted.
func writeDDLName(b *strings.Builder, id Ident) {
	if !id.Quoted && !ddlNeedsQuotes(id.Name) {
		b.WriteString(id.Name)
		return
	}
	writeIdent(b, id.Name, true)
}

// ddlWords are words that are not written unquoted as names: where they
// stand, they could read as part of the statement.
var ddlWords = map[string]bool{
	"WITH": true, "IF": true, "ON": true, "TABLE": true, "TABLES": true, "GSI": true, "LSI": true,
	"ALL": true, "KEYS_ONLY": true, "INCLUDE": true, "EXIST": true,
}

// ddlNeedsQuotes reports whether name does not read back as itself
// unquoted (see ddlName): the lexer must read it as words, numbers, '-'
// and '.' without gaps, starting with a word or a number, and it must not
// be a keyword.
func ddlNeedsQuotes(name string) bool {
	if name == "" || len(name) > MaxDDLName {
		return true
	}
	var buf [8]token
	toks, soft, fatal := lex(name, buf[:0])
	if soft != nil || fatal != nil || len(toks) < 2 {
		return true
	}
	end := 0
	for i, t := range toks[:len(toks)-1] {
		if t.pos != end {
			return true
		}
		switch t.kind {
		case tokWord, tokNumber:
		case tokMinus, tokDot:
			if i == 0 {
				return true
			}
		default:
			return true
		}
		end = t.end
	}
	if end != len(name) {
		return true
	}
	if len(toks) == 2 && toks[0].kind == tokWord {
		return toks[0].kw != kwNone || ddlWords[strings.ToUpper(name)]
	}
	return false
}

// MaxDDLName bounds the names ddlNeedsQuotes lexes; longer ones are quoted.
const MaxDDLName = 1024

// ---- Equal and Clone ----

// DDLTable returns the table (and, for an index statement, the index) a
// table or index statement names; "" for LIST TABLES and other statements.
func DDLTable(s Statement) (table, index string) {
	switch s := s.(type) {
	case *CreateTable:
		return s.Table.Name, ""
	case *DescribeTable:
		return s.Table.Name, ""
	case *AlterTable:
		return s.Table.Name, ""
	case *DropTable:
		return s.Table.Name, ""
	case *ShowCreateTable:
		return s.Table.Name, ""
	case *CreateGSI:
		return s.Table.Name, s.Index.Name
	case *DescribeIndex:
		return s.Table.Name, s.Index.Name
	case *AlterGSI:
		return s.Table.Name, s.Index.Name
	case *DropGSI:
		return s.Table.Name, s.Index.Name
	}
	return "", ""
}

// equalDDL reports whether a and b are the same statement, ignoring
// whether names were quoted.
func equalDDL(a ddlStatement, b Statement) bool {
	bd, ok := b.(ddlStatement)
	if !ok {
		return false
	}
	ac, bc := cloneDDL(a), cloneDDL(bd)
	unquote(reflect.ValueOf(ac))
	unquote(reflect.ValueOf(bc))
	return reflect.DeepEqual(ac, bc)
}

var identType = reflect.TypeFor[Ident]()

// unquote clears the Quoted flag of every Ident v holds.
func unquote(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			unquote(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == identType {
			v.Field(1).SetBool(false)
			return
		}
		for i := 0; i < v.NumField(); i++ {
			unquote(v.Field(i))
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			unquote(v.Index(i))
		}
	}
}

// cloneDDL returns a deep copy of s.
func cloneDDL(s ddlStatement) Statement {
	switch s := s.(type) {
	case *CreateTable:
		c := *s
		c.WCU, c.RCU = cloneInt(s.WCU), cloneInt(s.RCU)
		if s.LocalIndexes != nil {
			c.LocalIndexes = make([]LocalIndex, len(s.LocalIndexes))
			for i, l := range s.LocalIndexes {
				l.Projection = cloneProjection(l.Projection)
				c.LocalIndexes[i] = l
			}
		}
		return &c
	case *AlterTable:
		c := *s
		c.WCU, c.RCU = cloneInt(s.WCU), cloneInt(s.RCU)
		return &c
	case *CreateGSI:
		c := *s
		c.WCU, c.RCU = cloneInt(s.WCU), cloneInt(s.RCU)
		c.Projection = cloneProjection(s.Projection)
		return &c
	case *AlterGSI:
		c := *s
		c.WCU, c.RCU = cloneInt(s.WCU), cloneInt(s.RCU)
		return &c
	}
	// The others hold only names and flags: a copy of the struct is deep.
	c := reflect.New(reflect.TypeOf(s).Elem())
	c.Elem().Set(reflect.ValueOf(s).Elem())
	return c.Interface().(Statement)
}

func cloneInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneProjection(p Projection) Projection {
	if p.Attrs != nil {
		p.Attrs = append([]Ident(nil), p.Attrs...)
	}
	return p
}
