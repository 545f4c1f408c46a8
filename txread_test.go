package dynamosql_test

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

type readUser struct {
	ID    string   `dynamodbav:"id"`
	Name  string   `dynamodbav:"name"`
	Age   int      `dynamodbav:"age"`
	Roles []string `dynamodbav:"roles,stringset"`
}

func TestReadItems(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	users := dynamotest.SimpleTable(t, "read_users", "id", "")
	wallets := dynamotest.SimpleTable(t, "read_wallets", "userId", "currency")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'u1', 'name': 'Ada', 'age': 36, 'roles': <<'admin', 'dev'>>}`, users))
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'userId': 'u1', 'currency': 'EUR', 'balance': 12.5}`, wallets))
	ft.ResetCounts()

	items, err := dynamosql.ReadItems(ctx, db,
		dynamosql.Read(fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, users), "u1"),
		dynamosql.Read(fmt.Sprintf(`SELECT balance FROM %q WHERE userId = ? AND currency = ?`, wallets), "u1", "EUR"),
		dynamosql.Read(fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, users), "nobody"),
		dynamosql.Read(fmt.Sprintf(`SELECT * FROM %q WHERE userId = 'u1' AND currency = 'USD'`, wallets)),
	)
	require.NoError(t, err)
	assert.Equal(t, 1, ft.Requests("ExecuteTransaction"), "one request")
	assert.Equal(t, 2, ft.Requests("DescribeTable"), "the key schemas, for the check that no item is read twice (cached)")
	assert.Equal(t, 3, ft.Requests(""))
	require.Len(t, items, 4)

	require.True(t, items[0].Found())
	var u readUser
	require.NoError(t, items[0].Scan(&u))
	assert.Equal(t, readUser{ID: "u1", Name: "Ada", Age: 36, Roles: []string{"admin", "dev"}}, u)

	var w struct {
		Balance float64 `dynamodbav:"balance"`
		UserID  string  `dynamodbav:"userId"`
	}
	require.NoError(t, items[1].Scan(&w))
	assert.Equal(t, 12.5, w.Balance)
	assert.Empty(t, w.UserID, "only the projected attribute")

	assert.False(t, items[2].Found())
	assert.Nil(t, items[2])
	assert.ErrorIs(t, items[2].Scan(&u), sql.ErrNoRows)
	assert.False(t, items[3].Found())

	var m map[string]any
	require.NoError(t, items[0].Scan(&m))
	assert.Equal(t, "Ada", m["name"])
	assert.Error(t, items[0].Scan(u), "not a pointer")
}

func TestReadItemsIsResentAfterABrokenResponse(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	users := dynamotest.SimpleTable(t, "read_resend", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'u1'}`, users))
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Times: 1, Fault: faultinject.BreakBody()})
	items, err := dynamosql.ReadItems(ctx, db, dynamosql.Read(fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, users), "u1"))
	require.NoError(t, err)
	assert.True(t, items[0].Found())
	assert.Equal(t, 1, ft.Injected(faultinject.KindBreakBody))
	assert.Equal(t, 2, ft.Requests("ExecuteTransaction"))
}

func TestReadItemsCancelled(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	users := dynamotest.SimpleTable(t, "read_cancel", "id", "")
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Fault: faultinject.CancelTx("None", "TransactionConflict")})
	q := fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, users)
	_, err := dynamosql.ReadItems(ctx, db, dynamosql.Read(q, "a"), dynamosql.Read(q, "b"))
	var te *dynamosql.TxError
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Equal(t, 1, te.Failures[0].Index)
	assert.Equal(t, q, te.Failures[0].Statement)
	assert.ErrorIs(t, err, dynamosql.ErrTxConflict)
	assert.Contains(t, err.Error(), "read transaction cancelled")
	assert.NotContains(t, err.Error(), "nothing was written")
}

func TestReadItemsRefusesBadStatements(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	users := dynamotest.SimpleTable(t, "read_bad", "id", "")
	q := fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, users)
	ft.ResetCounts()

	_, err := dynamosql.ReadItems(ctx, db)
	require.ErrorIs(t, err, dynamosql.ErrArgCount)

	many := make([]dynamosql.ReadStatement, dynamosql.MaxTxStatements+1)
	for i := range many {
		many[i] = dynamosql.Read(q, fmt.Sprint(i))
	}
	_, err = dynamosql.ReadItems(ctx, db, many...)
	require.ErrorIs(t, err, dynamosql.ErrTxTooLarge)
	assert.Contains(t, err.Error(), "at most 100")

	_, err = dynamosql.ReadItems(ctx, db, dynamosql.Read(fmt.Sprintf(`DELETE FROM %q WHERE id = 'a'`, users)))
	require.ErrorIs(t, err, dynamosql.ErrTxStatement)

	_, err = dynamosql.ReadItems(ctx, db, dynamosql.Read(q))
	require.ErrorIs(t, err, dynamosql.ErrArgCount)

	_, err = dynamosql.ReadItems(ctx, db, dynamosql.Read(q, make(chan int)))
	require.ErrorIs(t, err, dynamosql.ErrUnsupportedType)

	_, err = dynamosql.ReadItems(ctx, db, dynamosql.Read(q, "a", dynamosql.ConsistentRead()))
	require.ErrorIs(t, err, dynamosql.ErrBadOption)

	_, err = dynamosql.ReadItems(ctx, db, dynamosql.Read(q, "a"), dynamosql.Read(fmt.Sprintf(`SELECT id FROM %q WHERE 'a' = id`, users)))
	require.ErrorIs(t, err, dynamosql.ErrTxDuplicateKey)
	assert.Contains(t, err.Error(), "statement 1")
	assert.Zero(t, ft.Requests("ExecuteTransaction"), "refused before anything was sent")

	// DynamoDB itself refuses a read without the full key.
	_, err = dynamosql.ReadItems(ctx, db, dynamosql.Read(fmt.Sprintf(`SELECT * FROM %q WHERE name = ?`, users), "Ada"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "primary key")
	assert.Zero(t, db.Stats().InUse)
}

func TestReadItemsDoesNotSeeAnOpenTransaction(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	users := dynamotest.SimpleTable(t, "read_tx", "id", "")
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	exec(t, tx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'pending'}`, users))
	items, err := dynamosql.ReadItems(dynamosql.WithTx(ctx, db, tx), db, dynamosql.Read(fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, users), "pending"))
	require.NoError(t, err)
	assert.False(t, items[0].Found(), "buffered writes are not visible")
}
