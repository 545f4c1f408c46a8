package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// TestInteractive drives the shell on a terminal: banner with the DSN's
// secret redacted, multi-line statements, tab completion of keywords and
// table names, Ctrl-C clearing a half-typed statement, history saved
// without secrets and read back by the next session, \q and Ctrl-D.
func TestInteractive(t *testing.T) {
	const secret = "TopSecretKey0123456789"
	table := usersTable(t)
	r := runShell(t, "", dsnArg(t), "-c", "INSERT INTO "+q(table)+" VALUE {'id': 'u1', 'age': 33}")
	require.Equal(t, 0, r.code, r.stderr)
	dsn := "--dsn=region=us-east-1;endpoint=" + dynamotest.MustEndpoint(t) + ";akid=local;secret_key=" + secret
	hist := filepath.Join(t.TempDir(), "sub", "history")

	tm := startTerm(t, dsn, "--history="+hist)
	tm.expect("dynamosql shell: region=us-east-1;endpoint=")
	tm.expect(";akid=local;secret_key=***\r\n")
	tm.expect("dynamosql=> ")

	// A statement over two lines: the continuation prompt, then the result
	// with the footer (timing is on by default on a terminal).
	tm.send("SELECT id, age\r")
	tm.expect("dynamosql-> ")
	tm.send("FROM " + q(table) + " WHERE id = 'u1';\r")
	tm.expect(" u1 |  33")
	tm.expect("(1 row, 1 page, ")
	tm.expect(" ms)")

	// \dt refreshes the table names; Tab completes a keyword (typed in
	// lower case) and the table name after FROM.
	tm.send(`\dt ` + table + "\r")
	tm.expect("(1 row)")
	prefix := table[:len(table)-3]
	tm.send("sel\t")
	tm.expect("select")
	tm.send(" age FROM " + prefix + "\t")
	tm.expect(q(table))
	tm.send(" WHERE id = 'u1';\r")
	tm.expect("  33\r\n")
	tm.expect("(1 row, 1 page, ")

	// Ctrl-C while typing drops the statement: the next one runs alone.
	tm.send("SELECT nonsense here")
	tm.send("\x03")
	tm.expect("dynamosql=> ")
	tm.send("SELECT age FROM " + q(table) + " WHERE id = 'u1';\r")
	tm.expect("(1 row, 1 page, ")

	// Lines holding a secret never reach the history.
	tm.send("SELECT age FROM " + q(table) + " WHERE id = '" + secret + "';\r")
	tm.expect("(0 rows, 1 page, ")
	tm.send("-- secret_key=abc;\r")
	tm.send(`\x` + "\r")
	tm.expect("Expanded display is on.")
	tm.send(`\q` + "\r")
	require.Equal(t, 0, tm.wait())

	saved, err := os.ReadFile(hist)
	require.NoError(t, err)
	fi, err := os.Stat(hist)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the history is the user's alone")
	require.Equal(t, fmt.Sprintf(`SELECT id, age FROM %[1]s WHERE id = 'u1';
\dt %[2]s
select age FROM %[1]s WHERE id = 'u1';
SELECT age FROM %[1]s WHERE id = 'u1';
\x
\q
`, q(table), table), string(saved))
	require.NotContains(t, string(saved), secret)
	require.NotContains(t, string(saved), "secret_key")

	// The next session reads the history: Up three times brings back the SELECT
	// before \x and \q; Ctrl-D ends the session.
	tm = startTerm(t, dsn, "--history="+hist)
	tm.expect("dynamosql=> ")
	tm.send("\x1b[A\x1b[A\x1b[A\r")
	tm.expect("(1 row, 1 page, ")
	tm.send("\x04")
	require.Equal(t, 0, tm.wait())
	require.False(t, strings.Contains(string(tm.output()), secret))
}
