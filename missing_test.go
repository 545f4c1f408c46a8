package dynamosql_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// TestMarkMissingTellsMissingFromNull reads, on DynamoDB Local, an item
// whose attribute holds NULL, one whose attribute holds the empty string
// and one without the attribute: with MarkMissing the three read as nil,
// "" and Missing{}; without it the absent attribute reads as nil, like NULL.
func TestMarkMissingTellsMissingFromNull(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "missing", "id", "")
	for _, q := range []string{
		`INSERT INTO %q VALUE {'id': 'null', 'v': NULL}`,
		`INSERT INTO %q VALUE {'id': 'empty', 'v': ''}`,
		`INSERT INTO %q VALUE {'id': 'absent'}`,
	} {
		_, err := db.ExecContext(ctx, fmt.Sprintf(q, table))
		require.NoError(t, err)
	}
	read := func(args ...any) map[string]any {
		t.Helper()
		rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT id, v FROM %q`, table), append(args, dynamosql.AllowScan())...)
		require.NoError(t, err)
		defer rows.Close()
		got := map[string]any{}
		for rows.Next() {
			var id string
			var v any
			require.NoError(t, rows.Scan(&id, &v))
			got[id] = v
		}
		require.NoError(t, rows.Err())
		return got
	}
	require.Equal(t, map[string]any{"null": nil, "empty": "", "absent": dynamosql.Missing{}}, read(dynamosql.MarkMissing()))
	require.Equal(t, map[string]any{"null": nil, "empty": "", "absent": nil}, read())
	require.Equal(t, "MISSING", dynamosql.Missing{}.String())
}
