package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestComplete(t *testing.T) {
	c := newCompleter()
	c.setTables([]string{"orders", "user", "my-table"})
	c.addAttributes([]string{"id", "order_total"})

	head, got, tail := c.complete("sel", 3)
	require.Equal(t, "", head)
	require.Equal(t, []string{"select"}, got)
	require.Equal(t, "", tail)

	_, got, _ = c.complete("SELECT * FROM ", 14)
	require.Equal(t, []string{`"my-table"`, `"orders"`, `"user"`}, got, "after FROM: tables, quoted")

	head, got, tail = c.complete("SELECT ord FROM orders", 10)
	require.Equal(t, "SELECT ", head)
	require.Equal(t, []string{"order", `"orders"`, "order_total"}, got, "keywords in the case typed")
	require.Equal(t, " FROM orders", tail)

	_, got, _ = c.complete(`\d`, 2)
	require.Equal(t, []string{`\dt`, `\d`, `\di`}, got)
	_, got, _ = c.complete(`\d o`, 4)
	require.Equal(t, []string{`"orders"`}, got)
	_, got, _ = c.complete(`SELECT "m`, 9)
	require.Equal(t, []string{`"my-table"`}, got)
}
