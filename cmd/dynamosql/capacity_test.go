package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// TestCapacityFooter runs a script in a shell whose DynamoDB Local
// answers carry ConsumedCapacity as the service's do (DynamoDB Local
// reports none for PartiQL): with \capacity on, each footer shows what
// the statement (or the COMMIT) consumed; with it off, no request asks
// for capacity.
func TestCapacityFooter(t *testing.T) {
	ctx := dynamotest.Context(t)
	ft := faultinject.New(nil)
	ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Fault: faultinject.ReportCapacity(0.5)})
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Fault: faultinject.ReportCapacity(1)})
	var mu sync.Mutex
	asked := 0
	ft.Observe(func(op string, body []byte) {
		if bytes.Contains(body, []byte("ReturnConsumedCapacity")) {
			mu.Lock()
			asked++
			mu.Unlock()
		}
	})
	cfg, err := dynamosql.ParseDSN(dynamotest.DSN(t))
	require.NoError(t, err)
	cfg.ClientOptions = append(cfg.ClientOptions, ft.ClientOption())
	conn, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	table := q(dynamotest.SimpleTable(t, "shell_cap", "id", ""))

	var out, errb bytes.Buffer
	s := &shell{db: db, cfg: cfg, out: bufio.NewWriter(&out), stderr: &errb, format: formatTable,
		catalog: sqlCatalog{db: db}, meter: newDriverCapacity(), names: newCompleter(), prog: &progress{w: &errb}, root: ctx}
	script := strings.Join([]string{
		`\capacity on`,
		`INSERT INTO ` + table + ` VALUE {'id': 'a'};`,
		`INSERT INTO ` + table + ` VALUE {'id': 'b'};`,
		`SELECT id FROM ` + table + ` WHERE id = 'a';`,
		`BEGIN;`,
		`UPDATE ` + table + ` SET n = 1 WHERE id = 'a';`,
		`UPDATE ` + table + ` SET n = 1 WHERE id = 'b';`,
		`COMMIT;`,
		`\capacity off`,
	}, "\n") + "\n"
	require.True(t, s.runScript(ctx, strings.NewReader(script), "test"), errb.String())
	mu.Lock()
	require.Equal(t, 4, asked, "two INSERTs, the SELECT and the COMMIT asked for capacity")
	mu.Unlock()
	require.True(t, s.runScript(ctx, strings.NewReader(`SELECT id FROM `+table+` WHERE id = 'b';`+"\n"), "test"), errb.String())
	require.NoError(t, s.out.Flush())
	got := out.String()
	assert.Equal(t, 2, strings.Count(got, "(0.5 WCU)\n"), got)
	assert.Contains(t, got, "(1 row, 1 page, 0.5 RCU)\n")
	assert.Contains(t, got, "(2 WCU)\n", "the COMMIT of two statements")
	assert.True(t, strings.HasSuffix(got, "(1 row, 1 page)\n"), "with \\capacity off: %q", got)
	mu.Lock()
	assert.Equal(t, 4, asked, "nothing asked with \\capacity off")
	mu.Unlock()
}

// TestNoChecksumWarningOnErrors: DynamoDB Local answers errors without
// the X-Amz-Crc32 header; the shell shows the error, and no SDK warning
// about the checksum (the driver's client no longer provokes it, and the
// shell no longer filters it).
func TestNoChecksumWarningOnErrors(t *testing.T) {
	table := q(dynamotest.SimpleTable(t, "shell_crc", "id", ""))
	ins := `INSERT INTO ` + table + ` VALUE {'id': 'a'};` + "\n"
	r := runShell(t, ins+ins, dsnArg(t), "--continue")
	require.Contains(t, r.stderr, "ERROR:")
	require.Contains(t, r.stderr, "Duplicate primary key")
	assert.NotContains(t, r.stderr, "checksum")
}
