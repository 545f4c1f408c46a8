package dynamosql

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDriverNames: this test binary has no other DynamoDB driver, so both
// names are registered and open this driver (only "dynamosql" under the
// build tag dynamosql_nodynamodb).
func TestDriverNames(t *testing.T) {
	names := []string{DriverName, AliasName}
	if !registerAlias {
		names = names[:1]
		assert.NotContains(t, sql.Drivers(), AliasName)
	}
	assert.Subset(t, sql.Drivers(), names)
	for _, name := range names {
		db, err := sql.Open(name, "region=us-east-1;endpoint=http://127.0.0.1:1")
		require.NoError(t, err, name)
		assert.IsType(t, &Driver{}, db.Driver(), name)
		require.NoError(t, db.Close())
	}
}

// TestRegisterNames: "dynamodb" is registered only when it is free and the
// build tag dynamosql_nodynamodb is not set; "dynamosql" always.
func TestRegisterNames(t *testing.T) {
	assert.Equal(t, []string{"dynamosql", "dynamodb"}, registerNames(nil, true))
	assert.Equal(t, []string{"dynamosql", "dynamodb"}, registerNames([]string{"mysql", "sqlite3"}, true))
	assert.Equal(t, []string{"dynamosql"}, registerNames([]string{"dynamodb", "mysql"}, true))
	assert.Equal(t, []string{"dynamosql"}, registerNames(nil, false))
}
