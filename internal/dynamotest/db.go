package dynamotest

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// Context returns a context for a test's calls, bounded to two minutes (a
// hang fails the test rather than the whole run) and cancelled when the
// test ends.
func Context(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// OpenDB opens a *sql.DB with the driver on the test endpoint, with extra
// DSN settings appended, and closes it when the test ends. The test
// binary must import the driver (its name, "dynamosql", is registered by
// the root package).
func OpenDB(tb testing.TB, extra ...string) *sql.DB {
	tb.Helper()
	dsn := DSN(tb)
	for _, e := range extra {
		if e != "" {
			dsn += ";" + e
		}
	}
	db, err := sql.Open("dynamosql", dsn)
	if err != nil {
		tb.Fatalf("dynamotest: sql.Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
