package dynamosql_test

import (
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

type sqlxUser struct {
	ID   string  `db:"id"`
	Age  int     `db:"age"`
	Name *string `db:"name"`
	Tags []any   `db:"tags"`
}

func TestSqlx(t *testing.T) {
	ctx := dynamotest.Context(t)
	db, err := sqlx.ConnectContext(ctx, "dynamodb", dynamotest.DSN(t))
	require.NoError(t, err, "sqlx.Connect pings")
	defer db.Close()
	table := dynamotest.SimpleTable(t, "sqlxuser", "id", "")

	for i, id := range []string{"u1", "u2", "u3"} {
		_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'age': ?, 'tags': ?}`, table), id, 40+i, []string{"a", id})
		require.NoError(t, err)
	}

	// NamedExec with :name parameters.
	res, err := db.NamedExecContext(ctx, fmt.Sprintf(`UPDATE %q SET name = :name WHERE id = :id`, table),
		map[string]any{"id": "u1", "name": "Ada"})
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)

	// Get and Select into structs with db tags.
	var u sqlxUser
	require.NoError(t, db.GetContext(ctx, &u, fmt.Sprintf(`SELECT id, age, name, tags FROM %q WHERE id = ?`, table), "u1"))
	require.NotNil(t, u.Name)
	assert.Equal(t, sqlxUser{ID: "u1", Age: 40, Name: u.Name, Tags: []any{"a", "u1"}}, u)
	assert.Equal(t, "Ada", *u.Name)

	var users []sqlxUser
	require.NoError(t, db.SelectContext(ctx, &users, fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, table), "u2"))
	require.Len(t, users, 1)
	assert.Equal(t, sqlxUser{ID: "u2", Age: 41, Tags: []any{"a", "u2"}}, users[0])

	// sqlx.In expands a slice into IN (?, ?).
	q, args, err := sqlx.In(fmt.Sprintf(`SELECT id, age FROM %q WHERE id IN (?)`, table), []string{"u1", "u3"})
	require.NoError(t, err)
	users = nil
	require.NoError(t, db.SelectContext(ctx, &users, q, args...))
	got := map[string]int{}
	for _, u := range users {
		got[u.ID] = u.Age
	}
	assert.Equal(t, map[string]int{"u1": 40, "u3": 42}, got)
}
