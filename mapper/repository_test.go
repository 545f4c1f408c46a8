package mapper_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/mapper"
)

var joined = time.Date(2024, 5, 1, 12, 0, 0, 500, time.UTC)

// TestRepositoryCRUD runs every single-item method on DynamoDB Local and
// checks the composite column after each write path.
func TestRepositoryCRUD(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	table := tableName(t, "crud")
	repo := syncRepo(t, db, userEntity(t, table))
	comp := func(id string) string { return attrS(rawItem(t, table, sKey("id", id)), "lastname#firstname") }

	u := User{ID: "u1", Age: 42, Firstname: "John", Lastname: "Smith", Nick: ptr("js"), Tags: []string{"a", "b"}, Joined: joined}
	require.NoError(t, repo.Insert(ctx, &u))
	assert.Equal(t, "Smith#John", comp("u1"), "composite after Insert")
	assert.Equal(t, "2024-05-01T12:00:00.000000500Z", attrS(rawItem(t, table, sKey("id", "u1")), "joined"), "fixed-width time")

	err := repo.Insert(ctx, &u)
	require.ErrorIs(t, err, mapper.ErrDuplicateItem)
	require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)

	got, err := repo.Get(ctx, "u1")
	require.NoError(t, err)
	assert.Equal(t, u.ID, got.ID)
	assert.Equal(t, "js", *got.Nick)
	assert.ElementsMatch(t, []string{"a", "b"}, got.Tags)
	assert.True(t, joined.Equal(got.Joined), "joined %v", got.Joined)

	_, err = repo.Get(ctx, "nobody")
	require.ErrorIs(t, err, mapper.ErrNotFound)
	assert.Contains(t, err.Error(), `"nobody"`)

	// Update replaces: Nick removed, name changed.
	u.Nick, u.Lastname, u.Firstname = nil, "Brown", "Jane"
	require.NoError(t, repo.Update(ctx, &u))
	raw := rawItem(t, table, sKey("id", "u1"))
	assert.Equal(t, "Brown#Jane", attrS(raw, "lastname#firstname"), "composite after Update")
	assert.NotContains(t, raw, "nick", "Update removes an attribute the value lacks")

	missing := User{ID: "u404", Age: 1, Firstname: "a", Lastname: "b"}
	require.ErrorIs(t, repo.Update(ctx, &missing), mapper.ErrNotFound)
	_, err = repo.Get(ctx, "u404")
	require.ErrorIs(t, err, mapper.ErrNotFound, "Update must not create")

	// Put creates, then replaces.
	p := User{ID: "u2", Age: 30, Firstname: "Ann", Lastname: "Lee", Nick: ptr("al")}
	require.NoError(t, repo.Put(ctx, &p))
	assert.Equal(t, "Lee#Ann", comp("u2"), "composite after Put (create)")
	p.Firstname, p.Nick = "Anna", nil
	require.NoError(t, repo.Put(ctx, &p))
	raw = rawItem(t, table, sKey("id", "u2"))
	assert.Equal(t, "Lee#Anna", attrS(raw, "lastname#firstname"), "composite after Put (replace)")
	assert.NotContains(t, raw, "nick")

	// An attribute the entity does not know survives Put and Update.
	_, err = db.ExecContext(ctx, `UPDATE "`+table+`" SET extra = ? WHERE id = ?`, "kept", "u2")
	require.NoError(t, err)
	require.NoError(t, repo.Put(ctx, &p))
	assert.Equal(t, "kept", attrS(rawItem(t, table, sKey("id", "u2")), "extra"))

	require.NoError(t, repo.Delete(ctx, "u2"))
	_, err = repo.Get(ctx, "u2")
	require.ErrorIs(t, err, mapper.ErrNotFound)
	require.NoError(t, repo.Delete(ctx, "u2"), "deleting a missing item is not an error")

	// NewRepository recorded the composite in the connector's catalog:
	// hand-written SQL on the components is routed through it, and
	// finds what the repository wrote.
	q := `SELECT * FROM "` + table + `" WHERE age = ? AND lastname = ? AND firstname = ?`
	plan, err := dynamosql.Explain(ctx, db, q, 42, "Brown", "Jane")
	require.NoError(t, err)
	assert.Equal(t, "ageIndex", plan.Index)
	assert.Contains(t, plan.Statement, `"lastname#firstname"`)
	var id string
	require.NoError(t, db.QueryRowContext(ctx, `SELECT id FROM "`+table+`" WHERE age = ? AND lastname = ?`, 42, "Brown").Scan(&id))
	assert.Equal(t, "u1", id)

	// Wrong key arity and type.
	_, err = repo.Get(ctx, "u1", "extra")
	require.Error(t, err)
	_, err = repo.Get(ctx, 12)
	require.Error(t, err)
}

// TestRepositoryPatch covers SET/REMOVE, atomic counters, conditions and
// the composite rule.
func TestRepositoryPatch(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	table := tableName(t, "patch")
	repo := syncRepo(t, db, userEntity(t, table))
	u := User{ID: "p1", Age: 20, Firstname: "John", Lastname: "Smith", Nick: ptr("x")}
	require.NoError(t, repo.Insert(ctx, &u))

	require.NoError(t, repo.Patch(ctx, mapper.ID{"p1"}, mapper.Add("visits", 2), mapper.Remove("nick"), mapper.Set("age", 21)))
	got, err := repo.Get(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, 2, got.Visits)
	assert.Equal(t, 21, got.Age)
	assert.Nil(t, got.Nick)

	// Concurrent counters all count.
	errs := make(chan error, 10)
	for range 10 {
		go func() { errs <- repo.Patch(ctx, mapper.ID{"p1"}, mapper.Add("visits", 1)) }()
	}
	for range 10 {
		require.NoError(t, <-errs)
	}
	got, _ = repo.Get(ctx, "p1")
	assert.Equal(t, 12, got.Visits)

	err = repo.Patch(ctx, mapper.ID{"p1"}, mapper.Set("lastname", "Smithson"))
	require.ErrorIs(t, err, mapper.ErrPartialComposite)
	assert.Contains(t, err.Error(), `"lastname" but not "firstname"`)
	assert.Equal(t, "Smith#John", attrS(rawItem(t, table, sKey("id", "p1")), "lastname#firstname"), "nothing written")

	require.NoError(t, repo.Patch(ctx, mapper.ID{"p1"}, mapper.Set("lastname", "Smith Jones"), mapper.Set("firstname", "J#")))
	assert.Equal(t, "Smith$`Jones#J$c", attrS(rawItem(t, table, sKey("id", "p1")), "lastname#firstname"), "composite after Patch")

	// A Set the field's omitempty omits removes the attribute.
	require.NoError(t, repo.Patch(ctx, mapper.ID{"p1"}, mapper.Set("nick", ptr("n"))))
	require.NoError(t, repo.Patch(ctx, mapper.ID{"p1"}, mapper.Set("nick", nil)))
	assert.NotContains(t, rawItem(t, table, sKey("id", "p1")), "nick")

	require.ErrorIs(t, repo.Patch(ctx, mapper.ID{"p404"}, mapper.Set("age", 1)), mapper.ErrNotFound)
	_, err = repo.Get(ctx, "p404")
	require.ErrorIs(t, err, mapper.ErrNotFound, "Patch must not create")

	err = repo.Patch(ctx, mapper.ID{"p1"}, mapper.Set("age", 99), mapper.If(mapper.Eq("age", 1)))
	require.ErrorIs(t, err, dynamosql.ErrConditionFailed)
	require.NoError(t, repo.Patch(ctx, mapper.ID{"p1"}, mapper.Set("age", 99), mapper.If(mapper.Eq("age", 21))))

	for _, bad := range [][]mapper.Change{
		{mapper.Set("id", "x")},
		{mapper.Set("nope", 1)},
		{mapper.Set("lastname#firstname", "x")},
		{mapper.Add("lastname", 1)},
		{mapper.Set("age", 1), mapper.Set("age", 2)},
		{},
		{mapper.IfVersion(1), mapper.Set("age", 1)},
	} {
		require.Error(t, repo.Patch(ctx, mapper.ID{"p1"}, bad...))
	}
}

// Doc has a version attribute.
type Doc struct {
	ID      string `dynamodbav:"id" dynamo:"pk"`
	Body    string `dynamodbav:"body"`
	Version int64  `dynamodbav:"version" dynamo:"version"`
}

func TestRepositoryOptimisticLocking(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	e, err := mapper.Register[Doc](mapper.Table(tableName(t, "docs")))
	require.NoError(t, err)
	repo := syncRepo(t, db, e)

	d := Doc{ID: "d1", Body: "one"}
	require.NoError(t, repo.Insert(ctx, &d))
	assert.EqualValues(t, 1, d.Version)

	stale := d
	d.Body = "two"
	require.NoError(t, repo.Update(ctx, &d))
	assert.EqualValues(t, 2, d.Version)

	stale.Body = "lost"
	require.ErrorIs(t, repo.Update(ctx, &stale), mapper.ErrStaleVersion)
	assert.EqualValues(t, 1, stale.Version, "a failed write leaves the version")
	require.ErrorIs(t, repo.Put(ctx, &stale), mapper.ErrStaleVersion)

	fresh := Doc{ID: "d1", Body: "new"}
	require.ErrorIs(t, repo.Put(ctx, &fresh), mapper.ErrStaleVersion, "version 0 means create")

	d.Body = "three"
	require.NoError(t, repo.Put(ctx, &d))
	assert.EqualValues(t, 3, d.Version)
	got, err := repo.Get(ctx, "d1")
	require.NoError(t, err)
	assert.Equal(t, Doc{ID: "d1", Body: "three", Version: 3}, got)

	require.ErrorIs(t, repo.Patch(ctx, mapper.ID{"d1"}, mapper.Set("body", "x"), mapper.IfVersion(2)), mapper.ErrStaleVersion)
	require.NoError(t, repo.Patch(ctx, mapper.ID{"d1"}, mapper.Set("body", "four"), mapper.IfVersion(3)))
	require.NoError(t, repo.Patch(ctx, mapper.ID{"d1"}, mapper.Set("body", "five")))
	got, _ = repo.Get(ctx, "d1")
	assert.Equal(t, Doc{ID: "d1", Body: "five", Version: 5}, got, "Patch increments the version")

	gone := Doc{ID: "d2", Body: "x", Version: 4}
	require.ErrorIs(t, repo.Update(ctx, &gone), mapper.ErrNotFound)
	require.ErrorIs(t, repo.Put(ctx, &gone), mapper.ErrStaleVersion)

	n := Doc{ID: "d3", Body: "new"}
	require.NoError(t, repo.Put(ctx, &n))
	assert.EqualValues(t, 1, n.Version)
}

// TestRepositoryTransaction: the same repository calls inside a
// transaction are buffered and committed atomically.
func TestRepositoryTransaction(t *testing.T) {
	t.Parallel()
	ctx := dynamotest.Context(t)
	db := dynamotest.OpenDB(t)
	table := tableName(t, "tx")
	repo := syncRepo(t, db, userEntity(t, table))
	require.NoError(t, repo.Insert(ctx, &User{ID: "t1", Age: 1, Firstname: "A", Lastname: "B"}))
	require.NoError(t, repo.Insert(ctx, &User{ID: "t2", Age: 1, Firstname: "C", Lastname: "D"}))
	require.NoError(t, repo.Insert(ctx, &User{ID: "t3", Age: 1, Firstname: "E", Lastname: "F"}))

	run := func(fn func(ctx2 context.Context) error) error {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		txCtx := dynamosql.WithTx(ctx, db, tx)
		if err := fn(txCtx); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	}

	err := run(func(c context.Context) error {
		if err := repo.Insert(c, &User{ID: "t4", Age: 2, Firstname: "G", Lastname: "H"}); err != nil {
			return err
		}
		if err := repo.Put(c, &User{ID: "t1", Age: 3, Firstname: "A2", Lastname: "B2"}); err != nil { // existing: UPDATE
			return err
		}
		if err := repo.Put(c, &User{ID: "t5", Age: 3, Firstname: "I", Lastname: "J"}); err != nil { // new: INSERT
			return err
		}
		if err := repo.Update(c, &User{ID: "t2", Age: 4, Firstname: "C2", Lastname: "D2"}); err != nil {
			return err
		}
		if err := repo.Patch(c, mapper.ID{"t3"}, mapper.Set("lastname", "F2"), mapper.Set("firstname", "E2")); err != nil {
			return err
		}
		// Not yet visible outside the transaction.
		if _, err := repo.Get(ctx, "t4"); !errors.Is(err, mapper.ErrNotFound) {
			t.Errorf("t4 visible before commit: %v", err)
		}
		return repo.PutMany(c, []User{{ID: "t6", Age: 5, Firstname: "K", Lastname: "L"}})
	})
	require.NoError(t, err)
	for id, want := range map[string]string{"t1": "B2#A2", "t2": "D2#C2", "t3": "F2#E2", "t4": "H#G", "t5": "J#I", "t6": "L#K"} {
		assert.Equal(t, want, attrS(rawItem(t, table, sKey("id", id)), "lastname#firstname"), "composite of %s after a transaction", id)
	}

	// A failing statement cancels everything.
	err = run(func(c context.Context) error {
		if err := repo.Delete(c, "t4"); err != nil {
			return err
		}
		return repo.Insert(c, &User{ID: "t1", Age: 9, Firstname: "x", Lastname: "y"})
	})
	require.ErrorIs(t, err, dynamosql.ErrDuplicateItem)
	_, err = repo.Get(ctx, "t4")
	require.NoError(t, err, "the delete was rolled back with the transaction")

	// Rollback sends nothing.
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, repo.DeleteMany(dynamosql.WithTx(ctx, db, tx), []mapper.ID{{"t4"}, {"t5"}}))
	require.NoError(t, tx.Rollback())
	_, err = repo.Get(ctx, "t5")
	require.NoError(t, err)

	require.NoError(t, run(func(c context.Context) error { return repo.DeleteMany(c, []mapper.ID{{"t4"}, {"t5"}}) }))
	_, err = repo.Get(ctx, "t5")
	require.ErrorIs(t, err, mapper.ErrNotFound)

	// The transaction runner: unchanged repository calls become atomic.
	transfer := func(ctx context.Context, from, to string) error {
		if err := repo.Patch(ctx, mapper.ID{from}, mapper.Add("visits", -1)); err != nil {
			return err
		}
		return repo.Patch(ctx, mapper.ID{to}, mapper.Add("visits", 1))
	}
	require.NoError(t, dynamosql.RunInTx(ctx, db, func(ctx context.Context, _ *sql.Tx) error {
		return transfer(ctx, "t1", "t2")
	}))
	a, _ := repo.Get(ctx, "t1")
	b, _ := repo.Get(ctx, "t2")
	assert.Equal(t, []int{-1, 1}, []int{a.Visits, b.Visits})
	err = dynamosql.RunInTx(ctx, db, func(ctx context.Context, _ *sql.Tx) error {
		return transfer(ctx, "t1", "nobody") // the second UPDATE fails at commit
	})
	require.ErrorIs(t, err, dynamosql.ErrConditionFailed)
	a, _ = repo.Get(ctx, "t1")
	assert.Equal(t, -1, a.Visits, "nothing of the failed transaction was written")
}
