package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// splitAll feeds text line by line and returns the statements, with the
// unterminated rest.
func splitAll(text string) []piece {
	var sp splitter
	var out []piece
	for i, line := range strings.Split(text, "\n") {
		out = append(out, sp.feed(line, i+1)...)
	}
	if p, ok := sp.flush(); ok {
		out = append(out, p)
	}
	return out
}

func TestSplitterSemicolonsInQuotesAndComments(t *testing.T) {
	got := splitAll(`SELECT * FROM "a;b" WHERE x = 'it''s; fine'; -- a comment; not a statement
INSERT INTO t VALUE {'k': 'v;'} /* ; */ ;
/* a comment
   over; lines */ SELECT
  * FROM t;;
DELETE FROM t WHERE id = 'x'`)
	require.Equal(t, []piece{
		{text: `SELECT * FROM "a;b" WHERE x = 'it''s; fine'`, line: 1},
		{text: `INSERT INTO t VALUE {'k': 'v;'} /* ; */`, line: 2},
		{text: "/* a comment\n   over; lines */ SELECT\n  * FROM t", line: 4},
		{text: `DELETE FROM t WHERE id = 'x'`, line: 6},
	}, got)
}

func TestSplitterStateAcrossLines(t *testing.T) {
	var sp splitter
	require.True(t, sp.empty())
	require.Empty(t, sp.feed("-- only a comment", 1))
	require.True(t, sp.empty(), "a comment alone starts no statement")
	require.Empty(t, sp.feed("SELECT 'open", 2))
	require.Equal(t, inString, sp.state)
	require.False(t, sp.empty())
	require.Equal(t, []piece{{text: "SELECT 'open\nstill; open'", line: 2}}, sp.feed("still; open';", 3))
	require.True(t, sp.empty())
	require.Empty(t, sp.feed(`SELECT "x`, 4))
	require.Equal(t, inName, sp.state)
	sp.reset()
	require.True(t, sp.empty())
}

func TestWords(t *testing.T) {
	require.Equal(t, []string{"BEGIN"}, words("  begin -- BEGIN ROLLBACK"))
	require.Equal(t, []string{"INSERT", "INTO", "VALUE", "RETURNING"}, words(`insert into "returning" value {'a': 'returning'} /* returning */ returning`))
	require.Equal(t, []string{"START", "TRANSACTION"}, words("START\nTRANSACTION"))
}

func TestTxCommand(t *testing.T) {
	for in, want := range map[string]string{
		"BEGIN": "BEGIN", "begin work": "BEGIN", "START TRANSACTION": "BEGIN", "commit": "COMMIT",
		"COMMIT TRANSACTION": "COMMIT", "rollback work": "ROLLBACK", "SELECT * FROM t": "", "START x": "",
	} {
		got, err := txCommand(words(in))
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := txCommand(words("BEGIN ISOLATION LEVEL SERIALIZABLE"))
	require.ErrorContains(t, err, "BEGIN takes no options (found ISOLATION LEVEL SERIALIZABLE)")
}

func TestIsQuery(t *testing.T) {
	require.True(t, isQuery(words("select * from t")))
	require.True(t, isQuery(words("UPDATE t SET a = 1 WHERE id = 'x' RETURNING ALL NEW *")))
	require.False(t, isQuery(words("UPDATE t SET a = 'RETURNING' WHERE id = 'x'")))
	require.False(t, isQuery(words("INSERT INTO t VALUE {'id': 'x'}")))
}
