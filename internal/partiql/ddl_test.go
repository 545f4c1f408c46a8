package partiql

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func i64(n int64) *int64 { return &n }

// ddlPrintTests are table and index statements in the spellings users
// write, with the text Print gives for them.
var ddlPrintTests = []struct {
	in, out string
}{
	// godynamo's documented examples, as written there.
	{"CREATE TABLE demo WITH PK=id:string WITH rcu=3 WITH wcu=5", "CREATE TABLE demo WITH PK=id:STRING WITH wcu=5 WITH rcu=3"},
	{"CREATE TABLE IF NOT EXISTS demo WITH PK=app:string, WITH SK=user:string, WITH LSI=idxos:os:string:os_name,os_version, WITH LSI=idxbrowser:browser:string:*, WITH LSI=idxtime:timestamp:number",
		"CREATE TABLE IF NOT EXISTS demo WITH PK=app:STRING WITH SK=user:STRING WITH LSI=idxos:os:STRING:os_name,os_version WITH LSI=idxbrowser:browser:STRING:* WITH LSI=idxtime:timestamp:NUMBER"},
	{"CREATE TABLE IF NOT EXIST demo WITH PK=id:binary WITH CLASS=standard_ia", "CREATE TABLE IF NOT EXISTS demo WITH PK=id:BINARY WITH CLASS=STANDARD_IA"},
	{"create table demo with pk=id:s with sk=n:n with wcu=0 with rcu=0;", "CREATE TABLE demo WITH PK=id:STRING WITH SK=n:NUMBER WITH wcu=0 WITH rcu=0"},
	{"CREATE TABLE my-table.v2 WITH PK=user-id:STRING", "CREATE TABLE my-table.v2 WITH PK=user-id:STRING"},
	{"CREATE TABLE 2024-logs WITH PK=id:STRING", "CREATE TABLE 2024-logs WITH PK=id:STRING"},
	{`CREATE TABLE "my-table" WITH PK="the key":STRING`, `CREATE TABLE "my-table" WITH PK="the key":STRING`},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH SK=ts:NUMBER WITH LSI=byAll:x:STRING:ALL WITH LSI=byKeys:y:NUMBER:KEYS_ONLY",
		"CREATE TABLE tbl WITH PK=id:STRING WITH SK=ts:NUMBER WITH LSI=byAll:x:STRING:* WITH LSI=byKeys:y:NUMBER"},
	{`CREATE TABLE tbl WITH PK=id:STRING WITH SK=ts:NUMBER WITH LSI=byX:x:STRING:"ALL"`, `CREATE TABLE tbl WITH PK=id:STRING WITH SK=ts:NUMBER WITH LSI=byX:x:STRING:"ALL"`},
	{"CREATE TABLE tbl WITH PK=select:STRING", `CREATE TABLE tbl WITH PK="select":STRING`},
	{"LIST TABLES", "LIST TABLES"},
	{"list table;", "LIST TABLES"},
	{"SHOW TABLES", "LIST TABLES"},
	{"DESCRIBE TABLE demo", "DESCRIBE TABLE demo"},
	{"describe demo", "DESCRIBE TABLE demo"},
	{"DESC demo;", "DESCRIBE TABLE demo"},
	{`DESC "GSI"`, `DESCRIBE TABLE "GSI"`},
	{"-- a comment\nDESCRIBE /* x */ TABLE demo", "DESCRIBE TABLE demo"},
	{"ALTER TABLE demo WITH rcu=5 WITH wcu=7", "ALTER TABLE demo WITH wcu=7 WITH rcu=5"},
	{"ALTER TABLE demo WITH wcu=0, WITH rcu=0, WITH CLASS=STANDARD", "ALTER TABLE demo WITH wcu=0 WITH rcu=0 WITH CLASS=STANDARD"},
	{"ALTER TABLE demo WITH CLASS=STANDARD_IA", "ALTER TABLE demo WITH CLASS=STANDARD_IA"},
	{"ALTER TABLE demo WITH CLASS=standard_infrequent_access", "ALTER TABLE demo WITH CLASS=STANDARD_IA"},
	{"DROP TABLE IF EXISTS demo", "DROP TABLE IF EXISTS demo"},
	{"DROP TABLE IF EXIST demo", "DROP TABLE IF EXISTS demo"},
	{"delete table demo", "DROP TABLE demo"},
	{"CREATE GSI idxname ON tablename WITH pk=grade:number, WITH rcu=1 WITH wcu=2", "CREATE GSI idxname ON tablename WITH PK=grade:NUMBER WITH wcu=2 WITH rcu=1"},
	{"CREATE GSI IF NOT EXISTS idx ON tbl WITH PK=a:STRING WITH SK=b:BINARY WITH projection=*", "CREATE GSI IF NOT EXISTS idx ON tbl WITH PK=a:STRING WITH SK=b:BINARY WITH projection=*"},
	{"CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection=x,y,z, WITH wcu=1, WITH rcu=1", "CREATE GSI idx ON tbl WITH PK=a:STRING WITH wcu=1 WITH rcu=1 WITH projection=x,y,z"},
	{"CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection=KEYS_ONLY", "CREATE GSI idx ON tbl WITH PK=a:STRING"},
	{"CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection=all", "CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection=*"},
	{`CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection="all"`, `CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection="all"`},
	{`CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection=all,x`, `CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection="all",x`},
	{"DESCRIBE GSI idxos ON session", "DESCRIBE GSI idxos ON session"},
	{"DESCRIBE LSI idxos ON session", "DESCRIBE LSI idxos ON session"},
	{"ALTER GSI idxname ON tablename WITH rcu=1 WITH wcu=2", "ALTER GSI idxname ON tablename WITH wcu=2 WITH rcu=1"},
	{"DROP GSI IF EXISTS idx ON tbl", "DROP GSI IF EXISTS idx ON tbl"},
	{"DELETE GSI idx ON tbl", "DROP GSI idx ON tbl"},
	{"SHOW CREATE TABLE demo", "SHOW CREATE TABLE demo"},
	{`show create table "with"`, `SHOW CREATE TABLE "with"`},
}

func TestParseDDLPrint(t *testing.T) {
	for _, tt := range ddlPrintTests {
		s, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !s.Kind().IsDDL() || !LooksLikeDDL(tt.in) {
			t.Errorf("Parse(%q) = kind %v, LooksLikeDDL %v", tt.in, s.Kind(), LooksLikeDDL(tt.in))
		}
		if got := Print(s); got != tt.out {
			t.Errorf("Print(Parse(%q))\n got %s\nwant %s", tt.in, got, tt.out)
		}
		checkParse(t, tt.in)
	}
}

func TestParseDDLTree(t *testing.T) {
	tests := []struct {
		in   string
		want Statement
	}{
		{"CREATE TABLE IF NOT EXISTS tbl WITH PK=id:STRING WITH SK=ts:NUMBER WITH wcu=3 WITH rcu=4 WITH LSI=byX:x:binary:a,\"b c\" WITH CLASS=STANDARD",
			&CreateTable{
				Table: Ident{Name: "tbl"}, IfNotExists: true,
				PartitionKey: KeyAttr{Name: Ident{Name: "id"}, Type: TypeString},
				SortKey:      KeyAttr{Name: Ident{Name: "ts"}, Type: TypeNumber},
				WCU:          i64(3), RCU: i64(4),
				LocalIndexes: []LocalIndex{{
					Name:       Ident{Name: "byX"},
					SortKey:    KeyAttr{Name: Ident{Name: "x"}, Type: TypeBinary},
					Projection: Projection{Type: ProjectInclude, Attrs: []Ident{{Name: "a"}, {Name: "b c", Quoted: true}}},
				}},
				Class: "STANDARD",
			}},
		{"CREATE GSI byAge ON users WITH PK=age:NUMBER",
			&CreateGSI{Index: Ident{Name: "byAge"}, Table: Ident{Name: "users"},
				PartitionKey: KeyAttr{Name: Ident{Name: "age"}, Type: TypeNumber}, Projection: Projection{Type: ProjectKeysOnly}}},
		{"DROP GSI IF EXISTS byAge ON users", &DropGSI{Index: Ident{Name: "byAge"}, Table: Ident{Name: "users"}, IfExists: true}},
		{"ALTER GSI byAge ON users WITH wcu=1 WITH rcu=2", &AlterGSI{Index: Ident{Name: "byAge"}, Table: Ident{Name: "users"}, WCU: i64(1), RCU: i64(2)}},
		{"ALTER TABLE users WITH CLASS=STANDARD_IA", &AlterTable{Table: Ident{Name: "users"}, Class: "STANDARD_IA"}},
		{`DESCRIBE LSI "by-x" ON users`, &DescribeIndex{Index: Ident{Name: "by-x", Quoted: true}, Table: Ident{Name: "users"}, Local: true}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
		}
	}
}

// ddlErrorTests are bad table and index statements: Parse refuses each
// with a *SyntaxError at line:col whose message contains msg.
var ddlErrorTests = []struct {
	in        string
	line, col int
	msg       string
}{
	{"CREATE TABLE tbl", 1, 17, "needs a partition key: add WITH PK=attr:STRING"},
	{"CREATE TABLE tbl WITH SK=id:STRING", 1, 35, "needs a partition key"},
	{"CREATE TABLE tbl WITH PK=id", 1, 28, `expected ':' and a type after the attribute name, as in PK=id:STRING`},
	{"CREATE TABLE tbl WITH PK=id:", 1, 29, "PK needs a type after ':': STRING, NUMBER or BINARY"},
	{"CREATE TABLE tbl WITH PK=id:int", 1, 29, `invalid type "int" for PK: use STRING, NUMBER or BINARY`},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH SK=n:float", 1, 46, `invalid type "float" for SK`},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH PK=x:STRING", 1, 41, "WITH PK is given twice"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH wcu=1 WITH WCU=2 WITH rcu=1", 1, 52, "WITH WCU is given twice"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH ttl=exp", 1, 41, `unknown option "ttl" for CREATE TABLE: its options are PK, SK, WCU, RCU, LSI, CLASS`},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH projection=*", 1, 41, `unknown option "projection" for CREATE TABLE`},
	{"CREATE GSI idx ON tbl WITH PK=a:STRING WITH rcu=1 WITH wru=2", 1, 56, "(write capacity is WCU)"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH wcu=5", 1, 41, "WITH wcu=5 needs WITH rcu=n too"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH rcu=5", 1, 41, "WITH rcu=5 needs WITH wcu=n too"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH wcu=0 WITH rcu=5", 1, 41, "wcu=0 with rcu=5: provisioned capacity needs both 1 or more"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH wcu=-1", 1, 45, "WCU must be 0 or more"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH wcu=1.5", 1, 45, "not a whole number"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH wcu=99999999999999999999", 1, 45, "not a whole number"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH wcu=x", 1, 45, "expected a whole number after WCU="},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH CLASS=cold", 1, 47, `invalid table class "cold": use STANDARD or STANDARD_IA`},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH LSI=idx:x:STRING", 1, 41, "local secondary indexes needs a sort key"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH SK=s:STRING WITH LSI=idx:x:STRING WITH LSI=idx:y:STRING", 1, 84, `local index "idx" is declared twice`},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH SK=s:STRING WITH LSI=idx", 1, 65, "expected ':' and the index's sort key"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH SK=s:STRING WITH LSI=idx:x:STRING:INCLUDE", 1, 75, "LSI=INCLUDE needs the attributes"},
	{"CREATE TABLE tbl WITH PK=id:STRING WITH SK=n:NUMBER WITH LSI=idx:n:STRING", 1, 58, `key attribute "n" is given two types, NUMBER and STRING`},
	{"CREATE TABLE tbl WITH PK=id:STRING PK=x:STRING", 1, 36, `expected WITH or the end of the statement, found "PK"`},
	{"CREATE TABLE tbl PK=id:STRING", 1, 18, `expected WITH, found "PK"`},
	{"CREATE TABLE tbl WITH", 1, 22, "expected an option name after WITH"},
	{"CREATE TABLE tbl WITH PK id:STRING", 1, 26, "expected = after PK"},
	{"CREATE TABLE t WITH PK=id:STRING", 1, 14, `invalid table name "t": DynamoDB table names are 3 to 255 characters`},
	{"CREATE TABLE IF NOT tbl WITH PK=id:STRING", 1, 21, "expected EXISTS after IF NOT"},
	{`CREATE TABLE "a/b" WITH PK=id:STRING`, 1, 14, `invalid table name "a/b"`},
	{"CREATE TABLE tbl WITH PK=id:STRING; DROP TABLE tbl", 1, 37, "only one statement is allowed"},
	{"CREATE TABLE tbl WITH PK=1x:STRING", 1, 26, "malformed number"},
	{"CREATE", 1, 7, "expected TABLE or GSI after CREATE"},
	{"CREATE GSI idx tbl WITH PK=a:STRING", 1, 16, "expected ON and the table name after the index name"},
	{"CREATE GSI idx ON tbl", 1, 22, "CREATE GSI needs the index's partition key"},
	{"CREATE GSI idx ON tbl WITH PK=a:STRING WITH LSI=x:y:STRING", 1, 45, `unknown option "LSI" for CREATE GSI: its options are PK, SK, WCU, RCU, PROJECTION`},
	{"CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection=", 1, 56, "expected * or the attributes to project"},
	{"CREATE GSI idx ON tbl WITH PK=a:STRING WITH projection=a,", 1, 58, "expected * or the attributes to project"},
	{"CREATE GSI ix ON tbl WITH PK=a:STRING", 1, 12, `invalid index name "ix"`},
	{"ALTER TABLE tbl", 1, 16, "ALTER TABLE needs what to change"},
	{"ALTER TABLE tbl WITH rcu=1", 1, 22, "WITH rcu=1 needs WITH wcu=n too"},
	{"ALTER TABLE tbl WITH PK=id:STRING", 1, 22, `unknown option "PK" for ALTER TABLE: its options are WCU, RCU, CLASS`},
	{"ALTER GSI idx ON tbl", 1, 7, "ALTER GSI needs the index's new capacity"},
	{"ALTER GSI idx ON tbl WITH wcu=1", 1, 27, "ALTER GSI needs the index's new capacity"},
	{"ALTER GSI idx ON tbl WITH wcu=0 WITH rcu=0", 1, 27, "both 1 or more"},
	{"DROP TABLE", 1, 11, "expected a table name"},
	{"DROP TABLE tbl WITH x=1", 1, 16, `unexpected "WITH"`},
	{"DROP GSI idx", 1, 13, "expected ON and the table name"},
	{"DESCRIBE", 1, 9, "expected a table name"},
	{"DESCRIBE TABLE", 1, 15, "expected a table name"},
	{"DESCRIBE GSI idx", 1, 17, "expected ON and the table name"},
	{"LIST", 1, 5, "expected TABLES after LIST"},
	{"LIST INDEXES", 1, 6, "expected TABLES after LIST"},
	{"SHOW", 1, 5, "expected TABLES or CREATE TABLE after SHOW"},
	{"SHOW CREATE tbl", 1, 13, "expected TABLE after SHOW CREATE"},
}

// TestParseErrors (parser_test.go) checks ddlErrorTests too.
func init() { errorTests = append(errorTests, ddlErrorTests...) }

func TestParseDDLErrorsLookLikeDDL(t *testing.T) {
	for _, tt := range ddlErrorTests {
		if !LooksLikeDDL(tt.in) {
			t.Errorf("LooksLikeDDL(%q) = false", tt.in)
		}
	}
}

// ddlUnsupportedTests are forms DynamoDB has no equivalent of: Parse
// refuses each with an *UnsupportedError naming feature and listing the
// supported statements.
var ddlUnsupportedTests = []struct {
	in, feature, hint string
}{
	{"CREATE INDEX idx ON tbl (a)", "CREATE INDEX", "CREATE GSI idx ON t"},
	{"DROP INDEX idx ON tbl", "DROP INDEX", "DROP GSI idx ON t"},
	{"ALTER INDEX idx ON tbl", "ALTER INDEX", "ALTER GSI idx ON t"},
	{"DELETE INDEX idx", "DELETE INDEX", "DROP GSI"},
	{"CREATE LSI idx ON tbl WITH SK=x:STRING", "CREATE LSI", "only with their table"},
	{"DROP LSI idx ON tbl", "DROP LSI", "only with their table"},
	{"CREATE VIEW v AS SELECT * FROM t", "CREATE VIEW", ""},
	{"CREATE DATABASE db", "CREATE DATABASE", ""},
	{"TRUNCATE TABLE tbl", "TRUNCATE", "delete the items one by one"},
	{"TRUNCATE tbl", "TRUNCATE", "SHOW CREATE TABLE t gives the statements"},
	{"RENAME TABLE a TO b", "RENAME", "cannot rename a table"},
	{"SHOW INDEXES FROM tbl", "SHOW INDEXES", "SHOW TABLES lists the tables"},
	{"SHOW DATABASES", "SHOW DATABASES", ""},
	{"CREATE TABLE tbl (id VARCHAR(10) PRIMARY KEY)", "column definitions in CREATE TABLE", "WITH PK=id:STRING"},
	{"ALTER TABLE tbl ADD COLUMN x INT", "ALTER TABLE ... ADD", "no fixed columns"},
	{"ALTER TABLE tbl RENAME TO x", "ALTER TABLE ... RENAME", "changes only capacity and class"},
}

func TestParseDDLUnsupported(t *testing.T) {
	for _, tt := range ddlUnsupportedTests {
		_, err := Parse(tt.in)
		var ue *UnsupportedError
		if !errors.As(err, &ue) {
			t.Errorf("Parse(%q) = %v, want an *UnsupportedError", tt.in, err)
			continue
		}
		if ue.Feature != tt.feature || !strings.Contains(ue.Hint, tt.hint) || !strings.Contains(ue.Hint, SupportedDDL) {
			t.Errorf("Parse(%q) = %v\nwant feature %q and a hint with %q and the supported forms", tt.in, err, tt.feature, tt.hint)
		}
		if !LooksLikeDDL(tt.in) {
			t.Errorf("LooksLikeDDL(%q) = false", tt.in)
		}
	}
}

func TestLooksLikeDDL(t *testing.T) {
	yes := []string{
		"CREATE TABLE t", "create", "  \n\tALTER x", "drop", "DELETE TABLE t", "delete gsi x on y",
		"DELETE lsi", "DELETE INDEX", "LIST TABLES", "show tables", "DESC t", "describe t",
		"TRUNCATE t", "rename", "-- c\nCREATE", "/* c */ LIST TABLES", "DELETE /* c */ TABLE t",
		"DELETE -- c\n TABLE t", "CREATE(",
	}
	no := []string{
		"", "   ", "SELECT * FROM t", "INSERT INTO t VALUE {}", "UPDATE t SET a = 1 WHERE id = 1",
		"DELETE FROM t WHERE id = 1", "DELETE", "DELETE table_x", `DELETE "TABLE" t`, "DELETE.TABLE",
		"EXISTS(SELECT * FROM t WHERE id = 1)", "CREATEX", "DESCRIBES", "-- CREATE TABLE", "/* CREATE",
		"(CREATE TABLE)", `"CREATE" TABLE`, "WITH x", "EXPLAIN SELECT",
	}
	for _, s := range yes {
		if !LooksLikeDDL(s) {
			t.Errorf("LooksLikeDDL(%q) = false, want true", s)
		}
	}
	for _, s := range no {
		if LooksLikeDDL(s) {
			t.Errorf("LooksLikeDDL(%q) = true, want false", s)
		}
	}
}

// TestAnalysisMarksDDL: the driver tells table and index statements apart
// from Analyze's one pass (Analysis.DDL), not by scanning the text again;
// it agrees with LooksLikeDDL.
func TestAnalysisMarksDDL(t *testing.T) {
	for src, want := range map[string]bool{
		"SELECT * FROM t WHERE id = ?":                   false,
		"DELETE FROM t WHERE id = ?":                     false,
		"DELETE TABLE t":                                 true,
		"-- comment\n  create table t WITH PK=id:string": true,
		"CREATE INDEX i ON t (a)":                        true, // refused, but never sent as PartiQL
		"show tables;":                                   true,
		"describe t":                                     true,
		"(SELECT 1)":                                     false,
		"'CREATE'":                                       false,
	} {
		a, err := Analyze(src)
		if err != nil {
			t.Fatalf("Analyze(%q): %v", src, err)
		}
		if a.DDL != want || LooksLikeDDL(src) != want {
			t.Errorf("%q: Analysis.DDL = %v, LooksLikeDDL = %v, want %v", src, a.DDL, LooksLikeDDL(src), want)
		}
	}
}

func TestDDLNeedsQuotes(t *testing.T) {
	for name, want := range map[string]bool{
		"users": false, "my-table": false, "logs.2024": false, "2024-logs": false, "a_b-c.d": false,
		"": true, "a b": true, "a--b": true, "-a": true, ".a": true, "a/b": true, "1x": true, "a-1x": true,
		"select": true, "WITH": true, "gsi": true, "table": true, `a"b`: true, "a:b": true, "a,b": true,
	} {
		if got := ddlNeedsQuotes(name); got != want {
			t.Errorf("ddlNeedsQuotes(%q) = %v, want %v", name, got, want)
		}
	}
	if !ddlNeedsQuotes(strings.Repeat("a", MaxDDLName+1)) {
		t.Error("a very long name is not quoted")
	}
}

func TestDDLKinds(t *testing.T) {
	want := map[Kind]string{
		KindCreateTable: "CREATE TABLE", KindListTables: "LIST TABLES", KindDescribeTable: "DESCRIBE TABLE",
		KindAlterTable: "ALTER TABLE", KindDropTable: "DROP TABLE", KindCreateGSI: "CREATE GSI",
		KindDescribeGSI: "DESCRIBE GSI", KindAlterGSI: "ALTER GSI", KindDropGSI: "DROP GSI",
		KindDescribeLSI: "DESCRIBE LSI", KindShowCreateTable: "SHOW CREATE TABLE",
	}
	changes := map[Kind]bool{KindCreateTable: true, KindAlterTable: true, KindDropTable: true, KindCreateGSI: true, KindAlterGSI: true, KindDropGSI: true}
	for k, s := range want {
		if k.String() != s || !k.IsDDL() || k.ChangesSchema() != changes[k] {
			t.Errorf("Kind %d: String %q IsDDL %v ChangesSchema %v", k, k.String(), k.IsDDL(), k.ChangesSchema())
		}
	}
	for _, k := range []Kind{KindUnknown, KindSelect, KindInsert, KindUpdate, KindDelete, KindExists, KindShowCreateTable + 1} {
		if k.IsDDL() || k.ChangesSchema() {
			t.Errorf("Kind %v reported as DDL", k)
		}
	}
	if (KindShowCreateTable + 1).String() != "UNKNOWN" {
		t.Error("an unknown kind has a name")
	}
}

func TestDDLEqualAndClone(t *testing.T) {
	a, _ := Parse(`CREATE TABLE "tbl" WITH PK="id":STRING WITH SK=n:NUMBER WITH LSI=lsi:x:STRING:"a",b WITH wcu=1 WITH rcu=2`)
	b, _ := Parse(`CREATE TABLE tbl WITH PK=id:STRING WITH SK=n:NUMBER WITH LSI=lsi:x:STRING:a,b WITH wcu=1 WITH rcu=2`)
	if !Equal(a, b) {
		t.Error("quoting changes Equal")
	}
	c := Clone(a).(*CreateTable)
	*c.WCU = 9
	c.LocalIndexes[0].Projection.Attrs[0].Name = "z"
	if *a.(*CreateTable).WCU != 1 || a.(*CreateTable).LocalIndexes[0].Projection.Attrs[0].Name != "a" {
		t.Error("Clone shares memory")
	}
	if Equal(a, c) || Equal(a, &ListTables{}) || Equal(&ListTables{}, a) {
		t.Error("different statements are Equal")
	}
	sel, _ := Parse("SELECT * FROM tbl")
	if Equal(&DescribeTable{Table: Ident{Name: "tbl"}}, sel) {
		t.Error("a DESCRIBE equals a SELECT")
	}
}

// FuzzParseDDL is FuzzParse seeded with table and index statements.
func FuzzParseDDL(f *testing.F) {
	for _, tt := range ddlPrintTests {
		f.Add(tt.in)
	}
	for _, tt := range ddlErrorTests {
		f.Add(tt.in)
	}
	for _, tt := range ddlUnsupportedTests {
		f.Add(tt.in)
	}
	f.Fuzz(checkParse)
}

// BenchmarkLooksLikeDDL measures what every statement pays for the
// driver's test for table statements: a SELECT and a DELETE (which reads
// a second word).
func BenchmarkLooksLikeDDL(b *testing.B) {
	for _, q := range []string{benchStmt, `DELETE FROM "orders" WHERE id = ?`} {
		b.Run(q[:6], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if LooksLikeDDL(q) {
					b.Fatal("DDL?")
				}
			}
		})
	}
}
