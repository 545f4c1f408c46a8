package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// ids returns the ids in table, read through the shell as csv.
func ids(t *testing.T, table string) []string {
	t.Helper()
	r := runShell(t, "", dsnArg(t), "--format=csv", "--scan=allow", "-c", "SELECT id FROM "+q(table))
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\r\n")
	require.Equal(t, "id", lines[0])
	out := lines[1:]
	slices.Sort(out)
	return out
}

// writeFile writes a script into the test's temporary directory.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

// TestScriptTransactionCommits runs BEGIN, three INSERTs and COMMIT from
// standard input: the INSERTs are buffered (nothing written before
// COMMIT), then all are written by one ExecuteTransaction and COMMIT
// prints the rows affected.
func TestScriptTransactionCommits(t *testing.T) {
	table := dynamotest.SimpleTable(t, "shell_tx", "id", "")
	script := fmt.Sprintf(`BEGIN;
INSERT INTO %[1]s VALUE {'id': 'a'};
INSERT INTO %[1]s VALUE {'id': 'b'};
INSERT INTO %[1]s VALUE {'id': 'c'};
SELECT id FROM %[1]s WHERE id = 'a';
COMMIT;
SELECT id FROM %[1]s WHERE id = 'a';
`, q(table))
	r := runShell(t, script, dsnArg(t), "--format=json")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "{\"rows_affected\":3}\n{\"id\":\"a\"}\n", r.stdout,
		"the SELECT inside the transaction does not see the buffered writes; COMMIT reports 3 rows")
	require.Equal(t, []string{"a", "b", "c"}, ids(t, table))

	r = runShell(t, script, dsnArg(t), "--format=table")
	require.Equal(t, 1, r.code, "the same keys again: the transaction fails")
	require.Contains(t, r.stdout, "BEGIN\nBUFFERED (1 statement pending COMMIT)\nBUFFERED (2 statements pending COMMIT)\nBUFFERED (3 statements pending COMMIT)\n")
	require.Contains(t, r.stderr, "stdin:6: ERROR: COMMIT failed, nothing was written:")
	require.True(t, strings.HasSuffix(r.stdout, "BUFFERED (3 statements pending COMMIT)\n id\n----\n a\n(1 row, 1 page)\n"),
		"nothing after the failed COMMIT ran: %q", r.stdout)
}

// TestScriptTransactionRollbackAndUnfinished checks that ROLLBACK and an
// input that ends inside a transaction write nothing, the latter with an
// error and exit status 1.
func TestScriptTransactionRollbackAndUnfinished(t *testing.T) {
	table := dynamotest.SimpleTable(t, "shell_txr", "id", "")
	r := runShell(t, "", dsnArg(t), "--format=table", "-c", "BEGIN; INSERT INTO "+q(table)+" VALUE {'id': 'x'}; ROLLBACK")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "BEGIN\nBUFFERED (1 statement pending COMMIT)\nROLLBACK\n", r.stdout)

	r = runShell(t, "", dsnArg(t), "-c", "BEGIN", "-c", "INSERT INTO "+q(table)+" VALUE {'id': 'y'}")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "ERROR: the input ended inside a transaction (1 statement buffered): it was rolled back and nothing was written; end the transaction with COMMIT")
	require.Empty(t, ids(t, table))

	r = runShell(t, "", dsnArg(t), "-c", "COMMIT")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "COMMIT without a transaction: start one with BEGIN")
	r = runShell(t, "", dsnArg(t), "-c", "BEGIN; BEGIN")
	require.Contains(t, r.stderr, "a transaction is already open: COMMIT or ROLLBACK it first")
}

// TestScriptStopsAtFirstError runs a file whose second statement fails:
// the error goes to stderr with the file and line, the exit status is 1,
// and nothing after it runs. With --continue the rest runs and the exit
// status is still 1.
func TestScriptStopsAtFirstError(t *testing.T) {
	table := dynamotest.SimpleTable(t, "shell_err", "id", "")
	file := writeFile(t, "seed.sql", fmt.Sprintf(`-- seed
INSERT INTO %[1]s VALUE {'id': 'first'};
INSERT INTO %[1]s VALUE {'id': 'first'}; -- a duplicate key
INSERT INTO %[1]s VALUE {'id': 'third'};
`, q(table)))
	r := runShell(t, "", dsnArg(t), "--format=json", "-f", file)
	require.Equal(t, 1, r.code)
	require.Equal(t, "{\"rows_affected\":1}\n", r.stdout, "only the first statement's result")
	require.Contains(t, r.stderr, file+":3: ERROR: ")
	require.Contains(t, r.stderr, "Duplicate primary key exists in table")
	require.Equal(t, []string{"first"}, ids(t, table), "the third INSERT did not run")

	r = runShell(t, "", dsnArg(t), "--format=json", "--continue", "-f", file)
	require.Equal(t, 1, r.code)
	require.Equal(t, 2, strings.Count(r.stderr, "ERROR: "), "both duplicates fail: %s", r.stderr)
	require.Equal(t, []string{"first", "third"}, ids(t, table))
}

// TestScriptSources runs -c (repeated) and -f in command-line order, a
// file of several statements with ; inside strings, names and comments,
// -f - for standard input, and standard input when no -c or -f is given.
func TestScriptSources(t *testing.T) {
	table := dynamotest.SimpleTable(t, "shell_src", "id", "")
	file := writeFile(t, "two.sql", fmt.Sprintf(`INSERT INTO %[1]s VALUE {'id': 'semi;colon', 'odd;name': 'a;b'} /* ; */; -- ;
INSERT INTO %[1]s VALUE {'id': 'it''s'}
`, q(table)))
	r := runShell(t, "", dsnArg(t), "--format=csv",
		"-c", "INSERT INTO "+q(table)+" VALUE {'id': 'c1'}",
		"-f", file,
		"-c", `SELECT id, "odd;name" FROM `+q(table)+` WHERE id = 'semi;colon'`)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "rows_affected\r\n1\r\nrows_affected\r\n1\r\nrows_affected\r\n1\r\nid,odd;name\r\nsemi;colon,a;b\r\n", r.stdout)

	r = runShell(t, "SELECT id FROM "+q(table)+" WHERE id = 'it''s';", dsnArg(t), "--format=csv", "-f", "-")
	require.Equal(t, "id\r\nit's\r\n", r.stdout)
	r = runShell(t, "SELECT id FROM "+q(table)+" WHERE id = 'c1'", dsnArg(t), "--format=csv")
	require.Equal(t, "id\r\nc1\r\n", r.stdout, "standard input, the last statement without ;")

	r = runShell(t, "SELECT 'unclosed FROM "+q(table)+";\n", dsnArg(t))
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "stdin:1: ERROR: the input ends inside a quoted string ('...'): close it (and end the statement with ;)")
}

// TestMetaCommandsInScripts runs every meta-command from a script.
func TestMetaCommandsInScripts(t *testing.T) {
	table := usersTable(t)
	for i, age := range []int{30, 41} {
		r := runShell(t, "", dsnArg(t), "-c", fmt.Sprintf("INSERT INTO %s VALUE {'id': 'u%d', 'age': %d}", q(table), i, age))
		require.Equal(t, 0, r.code, r.stderr)
	}
	run := func(script string, args ...string) result {
		t.Helper()
		return runShell(t, script, append([]string{dsnArg(t), "--format=table"}, args...)...)
	}

	r := run(`\dt shell_users_*`)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, " "+table+"\n")
	require.NotContains(t, r.stdout, "shell_types")
	require.Regexp(t, `\(\d+ rows?\)\n$`, r.stdout)

	r = run(`\d "` + table + `"`)
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		" table         | " + table + "\n",
		" status        | ACTIVE\n",
		" partition key | id (S)\n",
		" sort key      | NULL\n",
		" items         | 2\n",
		" billing       | PAY_PER_REQUEST\n",
		" table class   | STANDARD\n",
		" indexes       | 1\n",
		"Indexes:\n",
		" by_age | GSI  | age (N)       | NULL     | KEYS_ONLY  | ACTIVE\n",
	} {
		require.Contains(t, r.stdout, want)
	}
	require.Regexp(t, ` size bytes    \| +\d+\n`, r.stdout)

	r = run(`\di ` + table)
	require.Equal(t, " index  | kind | partition key | sort key | projection | status\n--------+------+---------------+----------+------------+--------\n by_age | GSI  | age (N)       | NULL     | KEYS_ONLY  | ACTIVE\n(1 row)\n", r.stdout)
	r = run(`\d no_such_table_x`)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `table "no_such_table_x" does not exist (\dt lists the tables)`)
	r = run(`\di`)
	require.Contains(t, r.stderr, `\di needs a table: \di TABLE`)

	sel := "SELECT id FROM " + q(table) + " WHERE id = 'u0';\n"
	r = run(`\x on` + "\n" + sel + `\x off` + "\n" + sel)
	require.Equal(t, "-[ RECORD 1 ]-\nid | u0\n(1 row, 1 page)\n id\n----\n u0\n(1 row, 1 page)\n", r.stdout)
	require.Equal(t, "Expanded display is on.\nExpanded display is off.\n", r.stderr)

	r = run(`\timing on` + "\n" + sel)
	require.Regexp(t, `\(1 row, 1 page, \d+\.\d ms\)\n$`, r.stdout)
	r = run(sel, "--timing")
	require.Regexp(t, `\(1 row, 1 page, \d+\.\d ms\)\n$`, r.stdout)

	r = run(`\format json` + "\n" + sel + `\format csv` + "\n" + sel)
	require.Equal(t, "{\"id\":\"u0\"}\nid\r\nu0\r\n", r.stdout)
	r = run(`\format xml`)
	require.Contains(t, r.stderr, `\format: unknown format "xml": use table, json or csv`)

	r = run(`\explain SELECT id FROM ` + q(table) + ` WHERE age = 41`)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, `statement: SELECT id FROM "`+table+`"."by_age" WHERE age = 41`)
	require.Contains(t, r.stdout, `access:    query on index "by_age" of table "`+table+`"`)
	r = run(`\explain SELECT * FROM `+q(table)+` WHERE nick = 'x'`, "--format=json", "--scan=deny")
	_, objs := jsonObjects(t, r.stdout)
	require.Equal(t, "scan", objs[0]["access"])
	require.Contains(t, objs[0]["refused"], "full scan refused")

	r = run(`\capacity on` + "\n" + sel + `\capacity off` + "\n" + sel)
	require.Equal(t, " id\n----\n u0\n(1 row, 1 page, capacity not reported)\n id\n----\n u0\n(1 row, 1 page)\n", r.stdout)
	require.Contains(t, r.stderr, "Capacity display is on.", "DynamoDB Local reports no capacity for PartiQL calls: the footer says so")

	r = run(`\?`)
	require.Equal(t, helpText, r.stdout)

	r = run(`\q` + "\n" + "INSERT INTO " + q(table) + " VALUE {'id': 'after-quit'};")
	require.Equal(t, 0, r.code)
	require.Empty(t, r.stdout, "nothing after \\q runs")

	r = run(`\bogus`)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `stdin:1: ERROR: unknown meta-command \bogus: \? lists them`)
}

// TestScanPolicyAndFooter checks the FULL SCAN marker, the driver's scan
// warning on stderr (stdout stays clean in json), --scan deny and allow,
// --page-size in the footer's page count, and -q.
func TestScanPolicyAndFooter(t *testing.T) {
	table := usersTable(t)
	for i := range 5 {
		r := runShell(t, "", dsnArg(t), "-c", fmt.Sprintf("INSERT INTO %s VALUE {'id': 'u%d', 'age': %d}", q(table), i, 20+i))
		require.Equal(t, 0, r.code, r.stderr)
	}
	scan := "SELECT id FROM " + q(table) + " WHERE nick = 'x'"
	r := runShell(t, "", dsnArg(t), "--format=table", "-c", scan)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "(0 rows, 1 page)\nFULL SCAN: scan of table \""+table+"\"")
	require.Contains(t, r.stderr, "WARNING: dynamosql: SELECT scans a whole table or index")

	r = runShell(t, "", dsnArg(t), "--format=json", "-c", scan)
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stdout, "json: results only")
	require.Contains(t, r.stderr, "WARNING: dynamosql: SELECT scans a whole table or index")

	r = runShell(t, "", dsnArg(t), "--scan=deny", "-c", scan)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "full scan refused")

	r = runShell(t, "", dsnArg(t), "--scan=allow", "--format=table", "--page-size=2", "-c", "SELECT id FROM "+q(table))
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stderr, "scan=allow: no warning")
	require.Contains(t, r.stdout, "(5 rows, 3 pages)\nFULL SCAN:")

	r = runShell(t, "", dsnArg(t), "--scan=allow", "--format=table", "-q", "-c", "SELECT id FROM "+q(table)+" WHERE id = 'u1'")
	require.Equal(t, " id\n----\n u1\n", r.stdout)

	r = runShell(t, "", dsnArg(t), "--format=table", "-c", "DELETE FROM "+q(table)+" WHERE id = 'u4' RETURNING ALL OLD *",
		"-c", "DELETE FROM "+q(table)+" WHERE id = 'u4'")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, " id | age\n----+-----\n u4 |  24\n(1 row)\n0 rows affected\n", r.stdout,
		"a write with RETURNING returns its rows; a DELETE of nothing affects 0 rows")

	r = runShell(t, "", dsnArg(t), "--format=table", "--chunk=2", "--scan=allow", "-c", "SELECT id, age FROM "+q(table)+" WHERE id IN ['u1', 'u2', 'u3']")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, " id | age\n----+-----\n", "widths come from the header and the first chunk")
}

// TestFlagsAndUsage checks --help, bad flags (exit 2) and bad values.
func TestFlagsAndUsage(t *testing.T) {
	r := runShell(t, "", "--help")
	require.Equal(t, 0, r.code)
	require.Equal(t, usage, r.stdout)
	require.NotContains(t, usage, "debug-heap", "the debug flag stays hidden")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "flag provided but not defined: -nope"},
		{[]string{"--format=xml"}, `--format: unknown format "xml": use table, json or csv`},
		{[]string{"--binary=oct"}, `--binary "oct": use base64 or hex`},
		{[]string{"--progress=maybe"}, `--progress "maybe": use auto, on or off`},
		{[]string{"--page-size=20000"}, "--page-size 20000: use 1 to 10000"},
		{[]string{"--chunk=0"}, "--chunk 0: use 1 or more rows"},
		{[]string{"SELECT"}, `unexpected argument "SELECT": statements go in -c '...' or -f FILE`},
	} {
		r := runShell(t, "", c.args...)
		require.Equal(t, 2, r.code, c.args)
		require.Contains(t, r.stderr, c.want)
	}
	r = runShell(t, "", dsnArg(t), "-f", "/no/such/file.sql")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "ERROR: -f: open /no/such/file.sql: no such file or directory")
}
