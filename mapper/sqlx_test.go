package mapper_test

import (
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/mapper"
)

// sqlxUser is the struct a sqlx user scans the mapper's items into: the
// entity's attributes, no field for the composite lastname#firstname.
type sqlxUser struct {
	ID        string `dynamodbav:"id" dynamo:"pk" db:"id"`
	Firstname string `dynamodbav:"firstname" db:"firstname"`
	Lastname  string `dynamodbav:"lastname" db:"lastname"`
	Age       int    `dynamodbav:"age" db:"age"`
}

// TestSqlxStrictReadsMappedItems: after repo.Put, sqlx's Get and Select in
// their default strict mode read SELECT * of the mapped table into the
// entity's struct: SELECT * leaves out the composite attributes the
// repository registered. Named, or with dynamosql.CompositeColumns(), the
// composite is a column; the repository's own reads still see it.
//
// Before: missing destination name lastname#firstname in *mapper_test.sqlxUser
func TestSqlxStrictReadsMappedItems(t *testing.T) {
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	e, err := mapper.Register[sqlxUser](
		mapper.Table(tableName(t, "sqlx")),
		mapper.GSI("ageIndex", mapper.Key("age"), mapper.Key("lastname", "firstname")),
	)
	require.NoError(t, err)
	repo := syncRepo(t, db, e)
	for _, u := range []sqlxUser{{"u1", "Ada", "Lovelace", 36}, {"u2", "Grace", "Hopper", 36}, {"u3", "Alan", "Turing", 41}} {
		require.NoError(t, repo.Put(ctx, &u))
	}
	table := fmt.Sprintf("%q", e.Metadata().Table)
	x := sqlx.NewDb(db, "dynamosql")

	var u sqlxUser
	require.NoError(t, x.GetContext(ctx, &u, `SELECT * FROM `+table+` WHERE id = ?`, "u1"))
	assert.Equal(t, sqlxUser{"u1", "Ada", "Lovelace", 36}, u)

	var byAge []sqlxUser // routed to ageIndex, whose items hold the composite too
	require.NoError(t, x.SelectContext(ctx, &byAge, `SELECT * FROM `+table+` WHERE age = ? ORDER BY lastname, firstname`, 36))
	assert.Equal(t, []sqlxUser{{"u2", "Grace", "Hopper", 36}, {"u1", "Ada", "Lovelace", 36}}, byAge)

	var all []sqlxUser
	require.NoError(t, x.SelectContext(ctx, &all, `SELECT * FROM `+table, dynamosql.AllowScan()))
	assert.Len(t, all, 3)

	// Named, the composite is a column; CompositeColumns() keeps it in
	// SELECT *, where strict sqlx then refuses the struct as before.
	var comp string
	require.NoError(t, db.QueryRowContext(ctx, `SELECT "lastname#firstname" FROM `+table+` WHERE id = ?`, "u1").Scan(&comp))
	assert.Equal(t, "Lovelace#Ada", comp)
	rows, err := db.QueryContext(ctx, `SELECT * FROM `+table+` WHERE id = ?`, "u1", dynamosql.CompositeColumns())
	require.NoError(t, err)
	cols, err := rows.Columns()
	require.NoError(t, err)
	require.NoError(t, rows.Close())
	assert.Equal(t, []string{"id", "age", "firstname", "lastname", "lastname#firstname"}, cols)
	err = x.GetContext(ctx, &u, `SELECT * FROM `+table+` WHERE id = ?`, "u1", dynamosql.CompositeColumns())
	require.ErrorContains(t, err, "missing destination name lastname#firstname")

	// The repository pages through the index by the composite.
	found, err := repo.FindAll(ctx, mapper.Query{Index: "ageIndex", Where: []mapper.Cond{mapper.Eq("age", 36)}, Sort: mapper.Desc("lastname", "firstname")})
	require.NoError(t, err)
	require.Len(t, found, 2)
	assert.Equal(t, "u1", found[0].ID)

	// Another *sql.DB (another connector) has no composites registered
	// until mapper.Attach tells it.
	other := dynamotest.OpenDB(t)
	ox := sqlx.NewDb(other, "dynamosql")
	require.ErrorContains(t, ox.GetContext(ctx, &u, `SELECT * FROM `+table+` WHERE id = ?`, "u1"), "missing destination name lastname#firstname")
	require.NoError(t, mapper.Attach(ctx, other, e))
	require.NoError(t, ox.GetContext(ctx, &u, `SELECT * FROM `+table+` WHERE id = ?`, "u1"))
}
