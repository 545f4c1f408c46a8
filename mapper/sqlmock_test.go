package mapper_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/mapper"
	"github.com/dynamosql/dynamosql/pagination"
)

// passThrough hands arguments to sqlmock as they are (attribute values
// and driver options), so that expectations compare them exactly.
type passThrough struct{}

func (passThrough) ConvertValue(v any) (driver.Value, error) { return v, nil }

// option matches any per-statement option of the driver.
type option struct{}

func (option) Match(v driver.Value) bool { _, ok := v.(dynamosql.Option); return ok }

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func mockRepo[T any](t *testing.T, e *mapper.Entity[T]) (*mapper.Repository[T], sqlmock.Sqlmock, *sql.DB) {
	t.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual), sqlmock.ValueConverterOption(passThrough{}))
	require.NoError(t, err)
	t.Cleanup(func() {
		db.Close()
	})
	r, err := mapper.NewRepository(context.Background(), db, e)
	require.NoError(t, err)
	return r, mock, db
}

func done(t *testing.T, mock sqlmock.Sqlmock) {
	t.Helper()
	require.NoError(t, mock.ExpectationsWereMet())
}

var mockUsers = mapper.MustRegister[User](mapper.Table("user"),
	mapper.GSI("ageIndex", mapper.Key("age"), mapper.Key("lastname", "firstname")))

const zeroTime = "0001-01-01T00:00:00.000000000Z"

func TestMockInsertUpdateDelete(t *testing.T) {
	ctx := context.Background()
	repo, mock, _ := mockRepo(t, mockUsers)
	u := User{ID: "u1", Age: 42, Firstname: "John", Lastname: "Smith"}

	mock.ExpectExec(`INSERT INTO "user" VALUE {'id': ?, 'age': ?, 'firstname': ?, 'lastname': ?, 'visits': ?, 'joined': ?, 'lastname#firstname': ?}`).
		WithArgs(s("u1"), n("42"), s("John"), s("Smith"), n("0"), s(zeroTime), s("Smith#John")).
		WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Insert(ctx, &u))

	mock.ExpectExec(`INSERT INTO "user" VALUE {'id': ?, 'age': ?, 'firstname': ?, 'lastname': ?, 'visits': ?, 'joined': ?, 'lastname#firstname': ?}`).
		WillReturnError(dynamosql.ErrDuplicateItem)
	require.ErrorIs(t, repo.Insert(ctx, &u), mapper.ErrDuplicateItem)

	u.Nick = ptr("j")
	mock.ExpectExec(`UPDATE "user" SET "age" = ? SET "firstname" = ? SET "lastname" = ? SET "nick" = ? SET "visits" = ? SET "joined" = ? SET "lastname#firstname" = ? REMOVE "tags" WHERE "id" = ?`).
		WithArgs(n("42"), s("John"), s("Smith"), s("j"), n("0"), s(zeroTime), s("Smith#John"), s("u1")).
		WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Update(ctx, &u))

	mock.ExpectExec(`UPDATE "user" SET "age" = ? SET "firstname" = ? SET "lastname" = ? SET "nick" = ? SET "visits" = ? SET "joined" = ? SET "lastname#firstname" = ? REMOVE "tags" WHERE "id" = ?`).
		WillReturnResult(sqlmock.NewResult(0, 0))
	require.ErrorIs(t, repo.Update(ctx, &u), mapper.ErrNotFound)

	mock.ExpectExec(`DELETE FROM "user" WHERE "id" = ?`).WithArgs(s("u1")).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Delete(ctx, "u1"))
	done(t, mock)
}

func TestMockPut(t *testing.T) {
	ctx := context.Background()
	repo, mock, db := mockRepo(t, mockUsers)
	u := User{ID: "u1", Age: 1, Firstname: "A", Lastname: "B", Joined: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))}
	insert := `INSERT INTO "user" VALUE {'id': ?, 'age': ?, 'firstname': ?, 'lastname': ?, 'visits': ?, 'joined': ?, 'lastname#firstname': ?}`
	update := `UPDATE "user" SET "age" = ? SET "firstname" = ? SET "lastname" = ? SET "visits" = ? SET "joined" = ? SET "lastname#firstname" = ? REMOVE "nick" REMOVE "tags" WHERE "id" = ?`
	insertArgs := []driver.Value{s("u1"), n("1"), s("A"), s("B"), n("0"), s("2024-01-02T02:04:05.000000000Z"), s("B#A")}

	// New item: one INSERT.
	mock.ExpectExec(insert).WithArgs(insertArgs...).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Put(ctx, &u))

	// Existing item: INSERT, then UPDATE.
	mock.ExpectExec(insert).WillReturnError(dynamosql.ErrDuplicateItem)
	mock.ExpectExec(update).WithArgs(append(insertArgs[1:], s("u1"))...).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Put(ctx, &u))

	// Deleted between the two: INSERT again.
	mock.ExpectExec(insert).WillReturnError(dynamosql.ErrDuplicateItem)
	mock.ExpectExec(update).WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectExec(insert).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Put(ctx, &u))

	// Inside a transaction: read, then INSERT or UPDATE.
	mock.ExpectBegin()
	mock.ExpectQuery(`SELECT * FROM "user" WHERE "id" = ?`).WithArgs(s("u1"), option{}, option{}, option{}).
		WillReturnRows(sqlmock.NewRows([]string{"id", "age"}).AddRow("u1", int64(1)))
	mock.ExpectExec(update).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectQuery(`SELECT * FROM "user" WHERE "id" = ?`).WithArgs(s("u2"), option{}, option{}, option{}).
		WillReturnRows(sqlmock.NewRows([]string{"id"}))
	mock.ExpectExec(`INSERT INTO "user" VALUE {'id': ?, 'age': ?, 'firstname': ?, 'lastname': ?, 'visits': ?, 'joined': ?, 'lastname#firstname': ?}`).
		WithArgs(s("u2"), n("2"), s("C"), s("D"), n("0"), s(zeroTime), s("D#C")).
		WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectCommit()
	tx, err := db.Begin()
	require.NoError(t, err)
	txCtx := dynamosql.WithTx(ctx, db, tx)
	require.NoError(t, repo.Put(txCtx, &u))
	require.NoError(t, repo.Put(txCtx, &User{ID: "u2", Age: 2, Firstname: "C", Lastname: "D"}))
	require.NoError(t, tx.Commit())
	done(t, mock)
}

func TestMockGetAndScan(t *testing.T) {
	ctx := context.Background()
	repo, mock, _ := mockRepo(t, mockUsers)
	mock.ExpectQuery(`SELECT * FROM "user" WHERE "id" = ?`).WithArgs(s("u1"), option{}, option{}).
		WillReturnRows(mock.NewRows([]string{"id", "age", "firstname", "lastname", "lastname#firstname", "nick", "joined", "tags"}).
			AddRow("u1", int64(42), "John", "Smith", "Smith#John", nil, "2024-01-02T03:04:05.000000000Z", dynamosql.StringSet{"x"}))
	got, err := repo.Get(ctx, "u1")
	require.NoError(t, err)
	assert.Equal(t, User{ID: "u1", Age: 42, Firstname: "John", Lastname: "Smith", Joined: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Tags: []string{"x"}}, got)

	mock.ExpectQuery(`SELECT * FROM "user" WHERE "id" = ?`).WithArgs(s("u2"), option{}, option{}).WillReturnRows(sqlmock.NewRows([]string{"id"}))
	_, err = repo.Get(ctx, "u2")
	require.ErrorIs(t, err, mapper.ErrNotFound)

	mock.ExpectQuery(`SELECT * FROM "user" WHERE "id" = ?`).WithArgs(s("u3"), option{}, option{}).WillReturnError(errors.New("boom"))
	_, err = repo.Get(ctx, "u3")
	require.ErrorContains(t, err, "boom")
	done(t, mock)
}

func TestMockPatch(t *testing.T) {
	ctx := context.Background()
	repo, mock, _ := mockRepo(t, mockUsers)
	mock.ExpectExec(`UPDATE "user" SET "visits" = "visits" + ? SET "lastname" = ? SET "firstname" = ? SET "lastname#firstname" = ? REMOVE "nick" WHERE "id" = ? AND "age" >= ?`).
		WithArgs(n("1"), s("Smith Jones"), s("J#"), s("Smith$`Jones#J$c"), s("u1"), n("18")).
		WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Patch(ctx, mapper.ID{"u1"},
		mapper.Add("visits", 1), mapper.Set("lastname", "Smith Jones"), mapper.Set("firstname", "J#"), mapper.Remove("nick"),
		mapper.If(mapper.Ge("age", 18))))

	// Removing a component removes the composite.
	mock.ExpectExec(`UPDATE "user" REMOVE "lastname" REMOVE "firstname" REMOVE "lastname#firstname" WHERE "id" = ?`).
		WithArgs(s("u1")).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Patch(ctx, mapper.ID{"u1"}, mapper.Remove("lastname"), mapper.Remove("firstname")))

	// Nothing matched: the item is read to tell why.
	mock.ExpectExec(`UPDATE "user" SET "age" = ? WHERE "id" = ? AND "visits" = ?`).
		WithArgs(n("5"), s("u1"), n("3")).WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectQuery(`SELECT * FROM "user" WHERE "id" = ?`).WithArgs(s("u1"), option{}, option{}, option{}).
		WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow("u1"))
	require.ErrorIs(t, repo.Patch(ctx, mapper.ID{"u1"}, mapper.Set("age", 5), mapper.If(mapper.Eq("visits", 3))), dynamosql.ErrConditionFailed)

	mock.ExpectExec(`UPDATE "user" SET "age" = ? WHERE "id" = ?`).WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectQuery(`SELECT * FROM "user" WHERE "id" = ?`).WillReturnRows(sqlmock.NewRows([]string{"id"}))
	require.ErrorIs(t, repo.Patch(ctx, mapper.ID{"u1"}, mapper.Set("age", 5)), mapper.ErrNotFound)

	// A partial composite change sends nothing.
	err := repo.Patch(ctx, mapper.ID{"u1"}, mapper.Set("firstname", "x"))
	require.ErrorIs(t, err, mapper.ErrPartialComposite)
	assert.Contains(t, err.Error(), `"firstname" but not "lastname"`)
	assert.Contains(t, err.Error(), "sort key of index ageIndex")
	done(t, mock)
}

func TestMockFind(t *testing.T) {
	ctx := context.Background()
	repo, mock, _ := mockRepo(t, mockUsers)
	cols := []string{"id", "age", "firstname", "lastname", "nick", "visits", "tags", "joined"}
	mock.ExpectQuery(`SELECT * FROM "user"."ageIndex" WHERE "age" = ? AND begins_with("lastname#firstname", ?) AND "visits" > ? ORDER BY "lastname#firstname" DESC`).
		WithArgs(n("42"), s("Smith#"), n("3"), option{}, option{}, option{}). // Track, NoIndexHint and CompositeColumns: no Limit on a descending query
		WillReturnRows(sqlmock.NewRows(cols).
			AddRow("u2", int64(42), "Zed", "Smith", nil, int64(5), nil, zeroTime).
			AddRow("u1", int64(42), "Al", "Smith", nil, int64(4), nil, zeroTime))
	got, err := repo.FindAll(ctx, mapper.Query{
		Where: []mapper.Cond{mapper.Eq("age", 42), mapper.Eq("lastname", "Smith"), mapper.Gt("visits", 3)},
		Sort:  mapper.Desc("lastname", "firstname"),
	})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "u2", got[0].ID)

	// All components: equality; a range on a later component: BETWEEN.
	mock.ExpectQuery(`SELECT * FROM "user"."ageIndex" WHERE "age" = ? AND "lastname#firstname" = ?`).
		WithArgs(n("42"), s("Smith#Al"), option{}, option{}, option{}, option{}).WillReturnRows(sqlmock.NewRows(cols))
	_, err = repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("firstname", "Al"), mapper.Eq("age", 42), mapper.Eq("lastname", "Smith")}})
	require.NoError(t, err)
	mock.ExpectQuery(`SELECT * FROM "user"."ageIndex" WHERE "age" = ? AND "lastname#firstname" BETWEEN ? AND ? ORDER BY "lastname#firstname" ASC`).
		WithArgs(n("42"), s("Smith#B"), s("Smith$"), option{}, option{}, option{}, option{}).WillReturnRows(sqlmock.NewRows(cols))
	_, err = repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 42), mapper.Eq("lastname", "Smith"), mapper.Ge("firstname", "B")}, Sort: mapper.Asc("lastname")})
	require.NoError(t, err)
	// A bound that cannot be exclusive keeps the component's own filter.
	mock.ExpectQuery(`SELECT * FROM "user"."ageIndex" WHERE "age" = ? AND "lastname#firstname" BETWEEN ? AND ? AND "firstname" < ?`).
		WithArgs(n("42"), s("Smith#"), s("Smith#B"), s("B"), option{}, option{}, option{}, option{}).WillReturnRows(sqlmock.NewRows(cols))
	_, err = repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 42), mapper.Eq("lastname", "Smith"), mapper.Lt("firstname", "B")}})
	require.NoError(t, err)

	// The table's own key, IN, filters of every kind.
	mock.ExpectQuery(`SELECT * FROM "user" WHERE "id" IN [?, ?] AND "age" BETWEEN ? AND ? AND contains("tags", ?) AND "nick" IS MISSING AND "visits" <> ? AND "joined" IS NOT MISSING`).
		WithArgs(s("a"), s("b"), n("1"), n("9"), s("x"), n("0"), option{}, option{}, option{}, option{}).WillReturnRows(sqlmock.NewRows(cols))
	_, err = repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{
		mapper.Between("age", 1, 9), mapper.In("id", "a", "b"), mapper.Contains("tags", "x"),
		mapper.NotExists("nick"), mapper.Ne("visits", 0), mapper.Exists("joined"),
	}})
	require.NoError(t, err)

	// No key condition: a scan; times are written like the entity stores them.
	mock.ExpectQuery(`SELECT * FROM "user" WHERE "joined" < ?`).
		WithArgs(s("2024-01-01T00:00:00.000000000Z"), option{}, option{}, option{}, option{}, option{}).WillReturnRows(sqlmock.NewRows(cols))
	_, err = repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Lt("joined", time.Date(2024, 1, 1, 1, 0, 0, 0, time.FixedZone("x", 3600)))}, AllowScan: true})
	require.NoError(t, err)

	// Errors before anything is sent.
	_, err = repo.FindAll(ctx, mapper.Query{Sort: mapper.Asc("visits")})
	var pe *pagination.ParamError
	require.ErrorAs(t, err, &pe)
	_, err = repo.FindAll(ctx, mapper.Query{Index: "nope"})
	require.ErrorContains(t, err, `no index "nope"`)
	_, err = repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{{}}})
	require.Error(t, err)
	_, err = repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 1)}, Sort: mapper.Asc("firstname")})
	require.ErrorAs(t, err, &pe, "firstname is not a leading component")
	done(t, mock)
}

func TestMockWeirdNames(t *testing.T) {
	ctx := context.Background()
	e := mapper.MustRegister[Weird](mapper.Table("we.ird-1"),
		mapper.GSI("select-idx", mapper.Key("select"), mapper.Key("it's", "order")))
	repo, mock, _ := mockRepo(t, e)
	w := Weird{Key: `k"`, Sort: "s", Sel: "x", Hash: "#", Apos: "'", Order: -1}
	mock.ExpectExec(`INSERT INTO "we.ird-1" VALUE {'the "key"': ?, 'sort key': ?, 'select': ?, 'a#b': ?, 'it''s': ?, 'order': ?, 'it''s#order': ?}`).
		WithArgs(s(`k"`), s("s"), s("x"), s("#"), s("'"), n("-1"), s("'#N9999999999999999999")).
		WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Insert(ctx, &w))

	mock.ExpectExec(`UPDATE "we.ird-1" SET "select" = ? SET "a#b" = ? SET "it's" = ? SET "order" = ? SET "it's#order" = ? REMOVE "from" WHERE "the ""key""" = ? AND "sort key" = ?`).
		WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Update(ctx, &w))

	mock.ExpectQuery(`SELECT * FROM "we.ird-1"."select-idx" WHERE "select" = ? AND "it's#order" BETWEEN ? AND ? AND "from" IS MISSING ORDER BY "it's#order" DESC`).
		WithArgs(s("x"), s("'#P0000000000000000002"), s("'$"), option{}, option{}, option{}).
		WillReturnRows(sqlmock.NewRows([]string{`the "key"`, "sort key"}).AddRow(`k"`, "s"))
	got, err := repo.FindAll(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("select", "x"), mapper.Eq("it's", "'"), mapper.Ge("order", 2), mapper.NotExists("from")}, Sort: mapper.Desc("it's")})
	require.NoError(t, err)
	assert.Equal(t, []Weird{{Key: `k"`, Sort: "s"}}, got)

	mock.ExpectExec(`DELETE FROM "we.ird-1" WHERE "the ""key""" = ? AND "sort key" = ?`).WithArgs(s(`k"`), s("s")).
		WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Delete(ctx, `k"`, "s"))
	done(t, mock)
}

func TestMockVersion(t *testing.T) {
	ctx := context.Background()
	e := mapper.MustRegister[Doc](mapper.Table("docs"))
	repo, mock, _ := mockRepo(t, e)
	d := Doc{ID: "d", Body: "b"}
	mock.ExpectExec(`INSERT INTO "docs" VALUE {'id': ?, 'body': ?, 'version': ?}`).
		WithArgs(s("d"), s("b"), n("1")).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Insert(ctx, &d))
	assert.EqualValues(t, 1, d.Version)

	mock.ExpectExec(`UPDATE "docs" SET "body" = ? SET "version" = ? WHERE "id" = ? AND "version" = ?`).
		WithArgs(s("b"), n("2"), s("d"), n("1")).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Update(ctx, &d))
	assert.EqualValues(t, 2, d.Version)

	mock.ExpectExec(`UPDATE "docs" SET "body" = ? SET "version" = ? WHERE "id" = ? AND "version" = ?`).
		WithArgs(s("b"), n("3"), s("d"), n("2")).WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectQuery(`SELECT * FROM "docs" WHERE "id" = ?`).WithArgs(s("d"), option{}, option{}, option{}).
		WillReturnRows(sqlmock.NewRows([]string{"id", "version"}).AddRow("d", int64(7)))
	require.ErrorIs(t, repo.Update(ctx, &d), mapper.ErrStaleVersion)
	assert.EqualValues(t, 2, d.Version)

	legacy := Doc{ID: "old", Body: "x"}
	mock.ExpectExec(`UPDATE "docs" SET "body" = ? SET "version" = ? WHERE "id" = ? AND "version" IS MISSING`).
		WithArgs(s("x"), n("1"), s("old")).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Update(ctx, &legacy))

	mock.ExpectExec(`UPDATE "docs" SET "body" = ? SET "version" = "version" + ? WHERE "id" = ?`).
		WithArgs(s("z"), n("1"), s("d")).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Patch(ctx, mapper.ID{"d"}, mapper.Set("body", "z")))
	mock.ExpectExec(`UPDATE "docs" SET "body" = ? SET "version" = ? WHERE "id" = ? AND "version" = ?`).
		WithArgs(s("z"), n("10"), s("d"), n("9")).WillReturnResult(sqlmock.NewResult(0, 1))
	require.NoError(t, repo.Patch(ctx, mapper.ID{"d"}, mapper.Set("body", "z"), mapper.IfVersion(9)))

	// Batch writes need the driver outside transactions.
	require.ErrorIs(t, repo.PutMany(ctx, []Doc{{ID: "a"}}), mapper.ErrNoBatchClient)
	done(t, mock)
}

func TestMockFindPage(t *testing.T) {
	ctx := context.Background()
	repo, mock, _ := mockRepo(t, mockUsers)
	cols := []string{"id", "age", "firstname", "lastname", "nick", "visits", "tags", "joined"}
	rows := sqlmock.NewRows(cols)
	for _, id := range []string{"a", "b", "c"} {
		rows.AddRow(id, int64(1), "F"+id, "L", nil, int64(0), nil, zeroTime)
	}
	// One read of size+1 items for the page and the look-ahead: Track,
	// NoIndexHint, CompositeColumns, PageSize and MaxRows.
	mock.ExpectQuery(`SELECT * FROM "user"."ageIndex" WHERE "age" = ? ORDER BY "lastname#firstname" ASC`).
		WithArgs(n("1"), option{}, option{}, option{}, option{}, option{}).WillReturnRows(rows)
	page, err := repo.FindPage(ctx, mapper.Query{Where: []mapper.Cond{mapper.Eq("age", 1)}}, pagination.Pageable{Size: 3, Sort: mapper.Asc("lastname", "firstname")})
	require.NoError(t, err)
	assert.Len(t, page.Content, 3)
	assert.False(t, page.HasNext, "sqlmock reports no NextToken: the result ended")
	done(t, mock)
}

func TestMockManyInTransaction(t *testing.T) {
	ctx := context.Background()
	repo, mock, db := mockRepo(t, mockUsers)
	mock.ExpectBegin()
	mock.ExpectQuery(`SELECT * FROM "user" WHERE "id" = ?`).WithArgs(s("a"), option{}, option{}, option{}).WillReturnRows(sqlmock.NewRows([]string{"id"}))
	mock.ExpectExec(`INSERT INTO "user" VALUE {'id': ?, 'age': ?, 'firstname': ?, 'lastname': ?, 'visits': ?, 'joined': ?, 'lastname#firstname': ?}`).
		WithArgs(s("a"), n("1"), s("F"), s("L"), n("0"), s(zeroTime), s("L#F")).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec(`DELETE FROM "user" WHERE "id" = ?`).WithArgs(s("b")).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec(`DELETE FROM "user" WHERE "id" = ?`).WithArgs(s("c")).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectCommit()
	tx, err := db.Begin()
	require.NoError(t, err)
	txCtx := dynamosql.WithTx(ctx, db, tx)
	require.NoError(t, repo.PutMany(txCtx, []User{{ID: "a", Age: 1, Firstname: "F", Lastname: "L"}}))
	require.NoError(t, repo.DeleteMany(txCtx, []mapper.ID{{"b"}, {"c"}}))
	require.NoError(t, tx.Commit())
	done(t, mock)
}

func TestMockSortNeedsEquality(t *testing.T) {
	repo, mock, _ := mockRepo(t, mockUsers)
	// IN on the partition key reads several partitions, which ORDER BY
	// cannot sort across.
	_, err := repo.FindAll(context.Background(), mapper.Query{Where: []mapper.Cond{mapper.In("age", 1, 2)}, Sort: mapper.Asc("lastname")})
	var pe *pagination.ParamError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Message, "IN does not allow sorting")
	done(t, mock)
}
