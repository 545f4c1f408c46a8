package dynamosql_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
	"github.com/dynamosql/dynamosql/pagination"
)

// updateBadInputs rewrites docs/bad-inputs.md from the cases of
// TestHostileInputs: go test -run TestHostileInputs -update-bad-inputs .
var updateBadInputs = flag.Bool("update-bad-inputs", false, "rewrite docs/bad-inputs.md from TestHostileInputs")

const badInputsDoc = "docs/bad-inputs.md"

// hostileEnv is what a hostile case runs against: a table holding one
// item ("seed"), through a fault-injection transport that counts requests.
type hostileEnv struct {
	t     *testing.T
	ctx   context.Context
	db    *sql.DB
	ft    *faultinject.Transport
	table string
}

// q puts the quoted table name in place of TBL.
func (h *hostileEnv) q(s string) string {
	return strings.ReplaceAll(s, "TBL", fmt.Sprintf("%q", h.table))
}

func (h *hostileEnv) exec(s string, args ...any) error {
	_, err := h.db.ExecContext(h.ctx, h.q(s), args...)
	return err
}

func (h *hostileEnv) query(s string, args ...any) error {
	rows, err := h.db.QueryContext(h.ctx, h.q(s), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// inTx runs fn in a transaction and commits it only when fn succeeds.
func (h *hostileEnv) inTx(opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	tx, err := h.db.BeginTx(h.ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		require.NoError(h.t, tx.Rollback())
		return err
	}
	return tx.Commit()
}

// hostileCase is one bad input.
type hostileCase struct {
	// group and input are what the table of docs/bad-inputs.md shows.
	group string
	input string
	run   func(h *hostileEnv) error
	// is is the sentinel errors.Is must match; sentinel names it for the
	// table. For errors DynamoDB returns, is is nil and code is the
	// *dynamosql.Error's Code(); for paging parameters, param is the
	// *pagination.ParamError's Parameter.
	is       error
	sentinel string
	code     string
	param    string
	// msg is a fragment of the error message.
	msg string
	// sent tells that the request reaches DynamoDB, which refuses it; for
	// the others nothing is sent.
	sent bool
}

func sentinelCase(group, input string, is error, name, msg string, run func(h *hostileEnv) error) hostileCase {
	return hostileCase{group: group, input: input, is: is, sentinel: name, msg: msg, run: run}
}

func dynamoCase(group, input, code, msg string, run func(h *hostileEnv) error) hostileCase {
	return hostileCase{group: group, input: input, code: code, sentinel: "*dynamosql.Error, Code() " + code, msg: msg, sent: true, run: run}
}

// nested returns a list nested depth deep.
func nested(depth int) any {
	var v any = "leaf"
	for range depth {
		v = []any{v}
	}
	return v
}

func dsnCase(input, msg string) hostileCase {
	return sentinelCase("DSN", "`"+input+"`", dynamosql.ErrInvalidDSN, "ErrInvalidDSN", msg, func(h *hostileEnv) error {
		db, err := sql.Open("dynamodb", input)
		if err == nil {
			db.Close()
		}
		return err
	})
}

// hostileSigner and hostileFingerprint issue the cursors of the cursor
// cases.
var (
	hostileSigner      = pagination.NewSigner(bytes.Repeat([]byte{7}, 32))
	hostileFingerprint = pagination.Fingerprint(`SELECT * FROM "user" WHERE age = ?`, "42", "name,asc")
)

func hostileCursor(t *testing.T) string {
	c, err := hostileSigner.Encode(pagination.Position{Token: "tok", Page: 3, Size: 20}, hostileFingerprint)
	require.NoError(t, err)
	return c
}

func cursorCase(input, msg string, cursor func(t *testing.T) string, signer *pagination.Signer, fp []byte) hostileCase {
	return sentinelCase("cursor", input, pagination.ErrInvalidCursor, "pagination.ErrInvalidCursor", msg, func(h *hostileEnv) error {
		_, err := signer.Decode(cursor(h.t), fp)
		return err
	})
}

// middlewareCase sends query through the pagination middleware (sortable
// name and age) and returns the error its 400 carries; the handler must
// not run.
func middlewareCase(input, query, param, msg string) hostileCase {
	return hostileCase{
		group: "paging request", input: "`?" + input + "`", param: param, msg: msg,
		sentinel: "*pagination.ParamError (" + param + "), HTTP 400",
		run: func(h *hostileEnv) error {
			cfg := pagination.Config{Key: bytes.Repeat([]byte{7}, 32)}.WithSortable("name", "age")
			called := false
			mw := pagination.Middleware(cfg)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
			rec := httptest.NewRecorder()
			mw.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/users?"+query, nil))
			assert.False(h.t, called, "the handler must not run")
			assert.Equal(h.t, http.StatusBadRequest, rec.Code)
			var body struct{ Error, Parameter, Message string }
			require.NoError(h.t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(h.t, "invalid_parameter", body.Error)
			// Parse gives the same error as a value.
			_, err := pagination.Parse(httptest.NewRequest(http.MethodGet, "/users?"+query, nil), cfg)
			require.Error(h.t, err)
			assert.Equal(h.t, body.Message, strings.TrimPrefix(err.Error(), "pagination: invalid parameter "+body.Parameter+": "))
			return err
		},
	}
}

func hostileCases() []hostileCase {
	insert2 := `INSERT INTO TBL VALUE {'id': ?, 'v': ?}`
	badArg := func(v any) func(h *hostileEnv) error {
		return func(h *hostileEnv) error { return h.exec(insert2, "bad", v) }
	}
	return []hostileCase{
		// Statements DynamoDB refuses.
		dynamoCase("statement", "`SELEKT * FROM t` (misspelt keyword)", "ValidationException", "Statement wasn't well formed",
			func(h *hostileEnv) error { return h.query(`SELEKT * FROM TBL`) }),
		dynamoCase("statement", "`INSERT INTO t VALUE {'id': 'a',}` (trailing comma)", "ValidationException", "Statement wasn't well formed",
			func(h *hostileEnv) error { return h.exec(`INSERT INTO TBL VALUE {'id': 'a',}`) }),
		dynamoCase("statement", "`INSERT ...; DELETE ...` (two statements)", "ValidationException", "Statement wasn't well formed",
			func(h *hostileEnv) error {
				return h.exec(`INSERT INTO TBL VALUE {'id': 'a'}; DELETE FROM TBL WHERE id = 'seed'`)
			}),
		sentinelCase("statement", "`UPDATE t SET v = 1` (no key in WHERE)", dynamosql.ErrUnsupportedSQL, "ErrUnsupportedSQL", "UPDATE without WHERE; an UPDATE changes one item: give its full primary key in WHERE",
			func(h *hostileEnv) error { return h.exec(`UPDATE TBL SET v = 1`) }),
		sentinelCase("statement", "`DELETE FROM t` (no WHERE)", dynamosql.ErrUnsupportedSQL, "ErrUnsupportedSQL", "DELETE without WHERE; a DELETE removes one item: give its full primary key in WHERE",
			func(h *hostileEnv) error { return h.exec(`DELETE FROM TBL`) }),
		// Statements the driver cannot read.
		sentinelCase("statement", "`SELECT * FROM t WHERE id = 'abc` (unterminated string)", dynamosql.ErrSyntax, "ErrSyntax", "unterminated string literal",
			func(h *hostileEnv) error { return h.query(`SELECT * FROM TBL WHERE id = 'abc`) }),
		sentinelCase("statement", "`SELECT * FROM \"abc WHERE id = 1` (unterminated quoted name)", dynamosql.ErrSyntax, "ErrSyntax", "unterminated quoted identifier",
			func(h *hostileEnv) error { return h.query(`SELECT * FROM "abc WHERE id = 1`) }),
		sentinelCase("statement", "`SELECT * FROM t /* x` (unterminated comment)", dynamosql.ErrSyntax, "ErrSyntax", "unterminated /* comment",
			func(h *hostileEnv) error { return h.query(`SELECT * FROM TBL /* x`) }),
		sentinelCase("statement", "`INSERT INTO t VALUES {'id': 'a'}` (VALUES without columns)", dynamosql.ErrSyntax, "ErrSyntax", "needs a column list",
			func(h *hostileEnv) error { return h.exec(`INSERT INTO TBL VALUES {'id': 'a'}`) }),
		sentinelCase("statement", "`SELECT ... LIMIT -1`", dynamosql.ErrSyntax, "ErrSyntax", "expected a whole number or ? after LIMIT",
			func(h *hostileEnv) error { return h.query(`SELECT * FROM TBL WHERE id = 'seed' LIMIT -1`) }),
		sentinelCase("statement", "`SELECT ... LIMIT ?` with -1", dynamosql.ErrInvalidLimit, "ErrInvalidLimit", `"-1" is not a whole number from 0 to 2147483647`,
			func(h *hostileEnv) error { return h.query(`SELECT * FROM TBL WHERE id = 'seed' LIMIT ?`, -1) }),
		sentinelCase("statement", "empty statement `\"\"`", dynamosql.ErrEmptyStatement, "ErrEmptyStatement", "nothing to send",
			func(h *hostileEnv) error { return h.exec(``) }),
		sentinelCase("statement", "blank statement `\" \\n\\t\"`", dynamosql.ErrEmptyStatement, "ErrEmptyStatement", "nothing to send",
			func(h *hostileEnv) error { return h.exec(" \n\t") }),
		sentinelCase("statement", "comment-only statement `\"-- SELECT * FROM t\"`", dynamosql.ErrEmptyStatement, "ErrEmptyStatement", "only comments",
			func(h *hostileEnv) error { return h.query("-- SELECT * FROM TBL") }),
		sentinelCase("statement", "comment-only statement `\"/* DELETE FROM t */\"`", dynamosql.ErrEmptyStatement, "ErrEmptyStatement", "only comments",
			func(h *hostileEnv) error { return h.exec("/* DELETE FROM TBL */ \n") }),
		sentinelCase("statement", "statement of 8,193 characters", dynamosql.ErrStatementTooLong, "ErrStatementTooLong", "has 8193 characters and DynamoDB accepts at most 8192",
			func(h *hostileEnv) error {
				prefix := h.q(`INSERT INTO TBL VALUE {'id': 'long', 'v': '`)
				return h.exec(prefix + strings.Repeat("x", dynamosql.MaxStatementLength+1-len(prefix)-2) + "'}")
			}),
		sentinelCase("statement", "Exec of a SELECT", dynamosql.ErrNotQuery, "ErrNotQuery", "use Query",
			func(h *hostileEnv) error { return h.exec(`SELECT * FROM TBL WHERE id = ?`, "seed") }),
		sentinelCase("statement", "`SELECT id FROM user WHERE id = 'u1'` (reserved word as a table)", dynamosql.ErrSyntax, "ErrSyntax", `user is a reserved word in PartiQL: write the table name in double quotes, "user"`,
			func(h *hostileEnv) error { return h.query(`SELECT id FROM user WHERE id = 'u1'`) }),
		sentinelCase("statement", "`SELECT id, size FROM t` (reserved word as an attribute)", dynamosql.ErrSyntax, "ErrSyntax", `size is a reserved word in PartiQL: write the attribute name in double quotes, "size"`,
			func(h *hostileEnv) error { return h.query(`SELECT id, size FROM TBL WHERE id = 'seed'`) }),
		sentinelCase("statement", "`UPDATE t SET value = 1` (reserved word in SET)", dynamosql.ErrSyntax, "ErrSyntax", `value is a reserved word in PartiQL: write the attribute name in double quotes, "value"`,
			func(h *hostileEnv) error { return h.exec(`UPDATE TBL SET value = 1 WHERE id = 'seed'`) }),
		{group: "statement", input: "table that does not exist", is: dynamosql.ErrTableNotFound, sentinel: "ErrTableNotFound", sent: true,
			msg: `does not exist (ResourceNotFoundException: Cannot do operations on a non-existent table); SHOW TABLES lists the tables`,
			run: func(h *hostileEnv) error { return h.exec(`DELETE FROM "no_such_table_hostile" WHERE id = 'seed'`) }},
		// SQL PartiQL lacks.
		sentinelCase("SQL", "`SELECT * FROM t a JOIN t b ON a.id = b.id`", dynamosql.ErrUnsupportedSQL, "ErrUnsupportedSQL", "DynamoDB's PartiQL has no table aliases",
			func(h *hostileEnv) error { return h.query(`SELECT * FROM TBL a JOIN TBL b ON a.id = b.id`) }),
		sentinelCase("SQL", "`SELECT * FROM t GROUP BY id`", dynamosql.ErrUnsupportedSQL, "ErrUnsupportedSQL", "no GROUP BY",
			func(h *hostileEnv) error { return h.query(`SELECT * FROM TBL GROUP BY id`) }),
		sentinelCase("SQL", "`SELECT v, COUNT(*) FROM t GROUP BY v`", dynamosql.ErrUnsupportedSQL, "ErrUnsupportedSQL", "no GROUP BY; aggregate the rows in Go",
			func(h *hostileEnv) error { return h.query(`SELECT v, COUNT(*) FROM TBL GROUP BY v`) }),
		sentinelCase("SQL", "`UPDATE t SET ? WHERE id = ?` (a whole value)", dynamosql.ErrUnsupportedSQL, "ErrUnsupportedSQL", "SET each attribute (SET a = ?, b = ?)",
			func(h *hostileEnv) error {
				return h.exec(`UPDATE TBL SET ? WHERE id = ?`, map[string]any{"v": 1}, "seed")
			}),
		sentinelCase("SQL", "`... WHERE id LIKE 'a%'`", dynamosql.ErrUnsupportedSQL, "ErrUnsupportedSQL", "use begins_with",
			func(h *hostileEnv) error { return h.query(`SELECT * FROM TBL WHERE id LIKE 'a%'`) }),
		sentinelCase("SQL", "`INSERT INTO t SELECT * FROM t`", dynamosql.ErrUnsupportedSQL, "ErrUnsupportedSQL", "no INSERT ... SELECT",
			func(h *hostileEnv) error { return h.exec(`INSERT INTO TBL SELECT * FROM TBL`) }),
		// Identifiers.
		sentinelCase("identifier", "table `\"a\"\"b\"` (a quote in the name), SELECT", dynamosql.ErrInvalidTableName, "ErrInvalidTableName", `"a\"b"`,
			func(h *hostileEnv) error { return h.query(`SELECT * FROM "a""b" WHERE id = ?`, "x") }),
		sentinelCase("identifier", "table `\"a\"\"b\"`, INSERT", dynamosql.ErrInvalidTableName, "ErrInvalidTableName", "table names hold only",
			func(h *hostileEnv) error { return h.exec(`INSERT INTO "a""b" VALUE {'id': ?}`, "x") }),
		sentinelCase("identifier", "table name with a NUL byte", dynamosql.ErrInvalidTableName, "ErrInvalidTableName", `"t\x00x"`,
			func(h *hostileEnv) error { return h.query("SELECT * FROM \"t\x00x\" WHERE id = ?", "x") }),
		sentinelCase("identifier", "table name `\"tablé\"` (non-ASCII)", dynamosql.ErrInvalidTableName, "ErrInvalidTableName", "table names hold only",
			func(h *hostileEnv) error { return h.exec(`DELETE FROM "tablé" WHERE id = ?`, "x") }),
		sentinelCase("identifier", "table name of 256 characters", dynamosql.ErrInvalidTableName, "ErrInvalidTableName", "256 characters",
			func(h *hostileEnv) error {
				return h.query(fmt.Sprintf(`SELECT * FROM %q WHERE id = ?`, strings.Repeat("t", 256)), "x")
			}),
		// Arguments.
		sentinelCase("argument", "too few arguments (2 `?`, 1 argument)", dynamosql.ErrArgCount, "ErrArgCount", "2 ? placeholder(s) but 1 argument(s)",
			func(h *hostileEnv) error { return h.exec(insert2, "x") }),
		sentinelCase("argument", "too many arguments (2 `?`, 3 arguments; DynamoDB would ignore the extra one)", dynamosql.ErrArgCount, "ErrArgCount", "2 ? placeholder(s) but 3 argument(s)",
			func(h *hostileEnv) error { return h.exec(insert2, "x", 1, 2) }),
		sentinelCase("argument", "`sql.Named(\"id\", ...)`", dynamosql.ErrNamedArgs, "ErrNamedArgs", "PartiQL parameters are positional",
			func(h *hostileEnv) error { return h.exec(insert2, sql.Named("id", "x"), 1) }),
		sentinelCase("argument", "`chan int`", dynamosql.ErrUnsupportedType, "ErrUnsupportedType", "argument 2: unsupported argument type: chan int",
			badArg(make(chan int))),
		sentinelCase("argument", "`func()`", dynamosql.ErrUnsupportedType, "ErrUnsupportedType", "func(): a func cannot be stored in DynamoDB",
			badArg(func() {})),
		sentinelCase("argument", "`complex128`", dynamosql.ErrUnsupportedType, "ErrUnsupportedType", "no complex numbers",
			badArg(complex(1, 2))),
		sentinelCase("argument", "`math.NaN()`", dynamosql.ErrInvalidValue, "ErrInvalidValue", "float64 NaN: DynamoDB numbers must be finite",
			badArg(math.NaN())),
		sentinelCase("argument", "`math.Inf(1)`", dynamosql.ErrInvalidValue, "ErrInvalidValue", "must be finite",
			badArg(math.Inf(1))),
		sentinelCase("argument", "`float32(math.Inf(-1))`", dynamosql.ErrInvalidValue, "ErrInvalidValue", "must be finite",
			badArg(float32(math.Inf(-1)))),
		sentinelCase("argument", "string that is not UTF-8 (`\"\\xff\\xfe\"`)", dynamosql.ErrInvalidValue, "ErrInvalidValue", "not valid UTF-8",
			badArg("\xff\xfe")),
		sentinelCase("argument", "empty `dynamosql.StringSet{}`", dynamosql.ErrInvalidValue, "ErrInvalidValue", "does not allow empty sets",
			badArg(dynamosql.StringSet{})),
		sentinelCase("argument", "`dynamosql.NumberSet{\"1\", \"1\"}` (duplicate)", dynamosql.ErrInvalidValue, "ErrInvalidValue", "cannot hold duplicates",
			badArg(dynamosql.NumberSet{"1", "1"})),
		sentinelCase("argument", "`json.Number` of 39 digits", dynamosql.ErrInvalidValue, "ErrInvalidValue", "more than 38 significant digits",
			badArg(json.Number(strings.Repeat("9", 39)))),
		sentinelCase("argument", "`time.Time` in year 10000", dynamosql.ErrInvalidValue, "ErrInvalidValue", "year 10000: RFC 3339 only has the years 0000-9999",
			badArg(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))),
		sentinelCase("argument", "list nested 65 deep", dynamosql.ErrInvalidValue, "ErrInvalidValue", "nested more than 64 levels deep",
			badArg(nested(65))),
		sentinelCase("argument", "`INSERT INTO t VALUE ?` with a string", dynamosql.ErrUnsupportedType, "ErrUnsupportedType", "takes the whole item, a map or a struct",
			func(h *hostileEnv) error { return h.exec(`INSERT INTO TBL VALUE ?`, "seed") }),
		sentinelCase("argument", "`INSERT INTO t VALUE ?` with an empty map", dynamosql.ErrInvalidValue, "ErrInvalidValue", "argument 1 has no attributes",
			func(h *hostileEnv) error { return h.exec(`INSERT INTO TBL VALUE ?`, map[string]any{}) }),
		sentinelCase("argument", "`INSERT INTO t VALUE ?` with two items of one key", dynamosql.ErrTxDuplicateKey, "ErrTxDuplicateKey", "items 1 and 2 of the INSERT have the same primary key",
			func(h *hostileEnv) error {
				return h.exec(`INSERT INTO TBL VALUE ?`, []map[string]any{{"id": "d"}, {"id": "d", "v": 1}})
			}),
		dynamoCase("argument", "item over 400 KB", "ValidationException", "Item size has exceeded the maximum allowed size",
			func(h *hostileEnv) error { return h.exec(insert2, "big", strings.Repeat("x", 401<<10)) }),
		dynamoCase("argument", "empty string as the key", "ValidationException", "cannot contain an empty string value",
			func(h *hostileEnv) error { return h.exec(insert2, "", 1) }),
		dynamoCase("argument", "`[]byte` for a string key", "ValidationException", "Key attribute's data type should match",
			func(h *hostileEnv) error { return h.query(`SELECT * FROM TBL WHERE id = ?`, []byte("seed")) }),
		// Options.
		sentinelCase("option", "`dynamosql.MaxRows(0)`", dynamosql.ErrBadOption, "ErrBadOption", "MaxRows(0): the row limit must be positive",
			func(h *hostileEnv) error {
				return h.query(`SELECT * FROM TBL WHERE id = ?`, "seed", dynamosql.MaxRows(0))
			}),
		sentinelCase("option", "`dynamosql.PageSize(10001)`", dynamosql.ErrBadOption, "ErrBadOption", "between 1 and 10000",
			func(h *hostileEnv) error {
				return h.query(`SELECT * FROM TBL WHERE id = ?`, "seed", dynamosql.PageSize(10001))
			}),
		sentinelCase("option", "`dynamosql.StartToken(\"\")`", dynamosql.ErrBadOption, "ErrBadOption", "the token is empty",
			func(h *hostileEnv) error {
				return h.query(`SELECT * FROM TBL WHERE id = ?`, "seed", dynamosql.StartToken(""))
			}),
		dynamoCase("option", "`dynamosql.StartToken(\"garbage\")`", "ValidationException", "Invalid NextToken",
			func(h *hostileEnv) error {
				return h.query(`SELECT * FROM TBL WHERE id = ?`, "seed", dynamosql.StartToken("garbage"))
			}),
		// Transactions.
		sentinelCase("transaction", "101st statement in a `sql.Tx`", dynamosql.ErrTxTooLarge, "ErrTxTooLarge", "maximum of 100 operations",
			func(h *hostileEnv) error {
				return h.inTx(nil, func(tx *sql.Tx) error {
					for i := range 101 {
						if _, err := tx.ExecContext(h.ctx, h.q(`INSERT INTO TBL VALUE {'id': ?}`), fmt.Sprintf("tx%03d", i)); err != nil {
							return err
						}
					}
					return nil
				})
			}),
		sentinelCase("transaction", "`INSERT ... VALUES` of 101 rows", dynamosql.ErrTxTooLarge, "ErrTxTooLarge", "101 rows",
			func(h *hostileEnv) error {
				q, args := rowsInsert(h.table, "m", 101)
				_, err := h.db.ExecContext(h.ctx, q, args...)
				return err
			}),
		sentinelCase("transaction", "`RETURNING` in a transaction", dynamosql.ErrTxStatement, "ErrTxStatement", "does not allow RETURNING",
			func(h *hostileEnv) error {
				return h.inTx(nil, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(h.ctx, h.q(`DELETE FROM TBL WHERE id = ? RETURNING ALL OLD *`), "seed")
					return err
				})
			}),
		sentinelCase("transaction", "two statements on one item", dynamosql.ErrTxDuplicateKey, "ErrTxDuplicateKey", "targets the same item",
			func(h *hostileEnv) error {
				return h.inTx(nil, func(tx *sql.Tx) error {
					if _, err := tx.ExecContext(h.ctx, h.q(`UPDATE TBL SET v = 1 WHERE id = ?`), "seed"); err != nil {
						return err
					}
					_, err := tx.ExecContext(h.ctx, h.q(`DELETE FROM TBL WHERE id = ?`), "seed")
					return err
				})
			}),
		sentinelCase("transaction", "write in a read-only transaction", dynamosql.ErrReadOnlyTx, "ErrReadOnlyTx", "begun with ReadOnly: true",
			func(h *hostileEnv) error {
				return h.inTx(&sql.TxOptions{ReadOnly: true}, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(h.ctx, h.q(`DELETE FROM TBL WHERE id = ?`), "seed")
					return err
				})
			}),
		sentinelCase("transaction", "`sql.LevelReadCommitted`", dynamosql.ErrIsolationLevel, "ErrIsolationLevel", "Read Committed: DynamoDB transactions are serializable",
			func(h *hostileEnv) error {
				return h.inTx(&sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(*sql.Tx) error { return nil })
			}),
		sentinelCase("transaction", "ClientRequestToken of 37 characters", dynamosql.ErrBadOption, "ErrBadOption", "1 to 36 characters",
			func(h *hostileEnv) error {
				_, err := h.db.BeginTx(dynamosql.WithClientRequestToken(h.ctx, strings.Repeat("k", 37)), nil)
				return err
			}),
		// DSN.
		dsnCase("region=us-east-1;colour=red", `unknown key "colour"`),
		dsnCase("region=us-east-1;region=eu-west-1", `key "region" is given twice`),
		dsnCase("region=us-east-1;timeout=abc", `timeout="abc" is not a non-negative Go duration`),
		dsnCase("region=us-east-1;timeout=-1s", `timeout="-1s"`),
		dsnCase("region=us-east-1;TimeoutMs=soon", `TimeoutMs="soon"`),
		dsnCase("region=us-east-1;max_retries=101", `max_retries="101" is not an integer between 0 and 100`),
		dsnCase("region=us-east-1;max_retries=-1", `max_retries="-1"`),
		dsnCase("region=us-east-1;scan=maybe", `scan="maybe": use allow, warn or deny`),
		dsnCase("region=us-east-1;consistent_read=sometimes", `consistent_read="sometimes" is not a boolean`),
		dsnCase("region=us-east-1;documents=xml", `documents="xml": use native or json`),
		dsnCase("region=us-east-1;endpoint=localhost", `endpoint="localhost" is not an absolute URL`),
		dsnCase(`region="us-east-1`, `unterminated double quote`),
		dsnCase("region=us-east-1;verbose", `has no '='`),
		dsnCase("region=us-east-1;=x", `empty key`),
		dsnCase("region=us-east-1;akid=AKIDONLY", `akid and secret_key must be given together`),
		// Cursors.
		cursorCase("cursor `!!!` (not base64url)", "outside the base64url alphabet",
			func(*testing.T) string { return "!!!" }, hostileSigner, hostileFingerprint),
		cursorCase("empty cursor", "it is empty",
			func(*testing.T) string { return "" }, hostileSigner, hostileFingerprint),
		cursorCase("truncated cursor", "pagination: invalid cursor",
			func(t *testing.T) string { c := hostileCursor(t); return c[:len(c)-5] }, hostileSigner, hostileFingerprint),
		cursorCase("cursor with one character changed", "signature does not match",
			func(t *testing.T) string {
				c := []byte(hostileCursor(t))
				c[10] ^= 'a' ^ 'b'
				if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", rune(c[10])) {
					c[10] = 'A'
				}
				return string(c)
			}, hostileSigner, hostileFingerprint),
		cursorCase("cursor signed with another key", "signature does not match",
			hostileCursor, pagination.NewSigner(bytes.Repeat([]byte{8}, 32)), hostileFingerprint),
		cursorCase("cursor of another query (other parameters)", "belongs to another query",
			hostileCursor, hostileSigner, pagination.Fingerprint(`SELECT * FROM "user" WHERE age = ?`, "43", "name,asc")),
		cursorCase("cursor of 10,000 characters", "longer than",
			func(*testing.T) string { return strings.Repeat("A", 10000) }, hostileSigner, hostileFingerprint),
		// Paging requests (sortable: name, age).
		middlewareCase("sort=name;DROP", "sort="+url.QueryEscape("name;DROP"), "sort", `cannot sort by "name;DROP"`),
		middlewareCase("sort=name,asc,extra", "sort=name,asc,extra", "sort", `sort must be "property" or "property,asc" or "property,desc"`),
		middlewareCase("sort='name'", "sort="+url.QueryEscape("'name'"), "sort", `cannot sort by`),
		middlewareCase(`sort="name"--`, "sort="+url.QueryEscape(`"name"--`), "sort", `cannot sort by`),
		middlewareCase("sort=name,sideways", "sort=name,sideways", "sort", "sort direction must be asc or desc"),
		middlewareCase("sort=name&sort=name", "sort=name&sort=name", "sort", "more than once"),
		middlewareCase("size=0", "size=0", "size", "size must be an integer between 1 and 100"),
		middlewareCase("size=99999999999", "size=99999999999", "size", "size must be an integer between 1 and 100"),
		middlewareCase("page=-1", "page=-1", "page", "page must be an integer between 0 and 1000"),
		middlewareCase("cursor=forged", "cursor=forged", "cursor", "cursor is invalid"),
	}
}

// writeRequests counts the requests that could write.
func writeRequests(ft *faultinject.Transport) int {
	return ft.Requests("ExecuteStatement") + ft.Requests("ExecuteTransaction") + ft.Requests("BatchExecuteStatement")
}

func TestHostileInputs(t *testing.T) {
	ft := faultinject.New(nil)
	db := faultDB(t, ft)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "hostile", "id", "")
	exec(t, db, fmt.Sprintf(`INSERT INTO %q VALUE {'id': 'seed', 'v': 0}`, table))
	h := &hostileEnv{ctx: ctx, db: db, ft: ft, table: table}
	cases := hostileCases()
	require.GreaterOrEqual(t, len(cases), 30)
	for _, tc := range cases {
		t.Run(tc.group+": "+tc.input, func(t *testing.T) {
			h.t = t
			ft.ResetCounts()
			err := tc.run(h)
			require.Error(t, err)
			switch {
			case tc.is != nil:
				require.ErrorIs(t, err, tc.is)
			case tc.code != "":
				var de *dynamosql.Error
				require.ErrorAs(t, err, &de)
				assert.Equal(t, tc.code, de.Code())
			case tc.param != "":
				var pe *pagination.ParamError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, tc.param, pe.Parameter)
			default:
				t.Fatal("the case names no expected error")
			}
			assert.Contains(t, err.Error(), tc.msg)
			prefix := "dynamosql: "
			if tc.group == "cursor" || tc.group == "paging request" {
				prefix = "pagination: "
			}
			assert.True(t, strings.HasPrefix(err.Error(), prefix) || strings.HasPrefix(err.Error(), "sql: converting argument"),
				"error prefixed %q: %v", prefix, err)
			if !tc.sent {
				assert.Zero(t, writeRequests(ft), "nothing may be sent")
			}
			assert.NotErrorIs(t, err, dynamosql.ErrWriteOutcomeUnknown)
			assert.Equal(t, 1, count(t, table), "nothing was written")
		})
	}
	it := item(t, table, key("seed"))
	assert.Equal(t, "0", numberAttr(t, it, "v"), "the seed item is unchanged")
	checkBadInputsDoc(t, cases)
}

// TestHostileValuesRoundTrip: values and attribute names that look like
// attacks or hold control characters are data: they are sent as
// parameters, stored as given and read back unchanged.
func TestHostileValuesRoundTrip(t *testing.T) {
	db := dynamotest.OpenDB(t)
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "hostilerv", "id", "")
	values := []string{
		"'); DROP TABLE users; --",
		`" OR "1"="1`,
		"?",
		"NUL\x00inside",
		"tab\tnewline\ncr\rbell\abs\b",
		"\u2028line separator\u2029",
		"right-to-left \u202egnp.exe",
		"zero\u200bwidth",
		"emoji 😀👩‍👩‍👧",
		"中文 日本語 한국어 العربية",
		"\uFEFFbom",
		strings.Repeat("ü", 1000),
	}
	for i, v := range values {
		id := fmt.Sprintf("%s#%d", v, i) // the key holds it too
		_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %q VALUE {'id': ?, 'v': ?, 'it''s': ?, 'naïve ünï': ?}`, table), id, v, v, v)
		require.NoError(t, err, "value %q", v)
		var gotID, got, quoted, uni string
		err = db.QueryRowContext(ctx, fmt.Sprintf(`SELECT id, v, "it's", "naïve ünï" FROM %q WHERE id = ?`, table), id).Scan(&gotID, &got, &quoted, &uni)
		require.NoError(t, err, "value %q", v)
		assert.Equal(t, id, gotID)
		assert.Equal(t, v, got)
		assert.Equal(t, v, quoted, "attribute name with a quote")
		assert.Equal(t, v, uni, "attribute name with non-ASCII letters")
	}
	assert.Equal(t, len(values), count(t, table))
}

// checkBadInputsDoc compares docs/bad-inputs.md with the table the cases
// make, or rewrites it with -update-bad-inputs.
func checkBadInputsDoc(t *testing.T, cases []hostileCase) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`# Bad inputs

Each row is a case of TestHostileInputs (hostile_test.go), which asserts the
error (errors.Is with the sentinel, or errors.As with the type), a fragment
of its message, that nothing was written (the table is read back after every
case) and, where "sent" says no, that no request that could write reached
DynamoDB (counted by internal/faultinject). Regenerate this file with
` + "`go test -run TestHostileInputs -update-bad-inputs .`" + `

| # | kind | input | error returned (sentinel + message excerpt) | sent to DynamoDB? | written? |
|---|---|---|---|---|---|
`)
	for i, tc := range cases {
		sent := "no"
		if tc.sent {
			sent = "yes, refused"
		}
		excerpt := strings.ReplaceAll(tc.msg, "|", `\|`)
		if excerpt != "" {
			excerpt = " — “" + excerpt + "”"
		}
		fmt.Fprintf(&b, "| %d | %s | %s | `%s`%s | %s | no |\n", i+1, tc.group, strings.ReplaceAll(tc.input, "|", `\|`), tc.sentinel, excerpt, sent)
	}
	b.WriteString(`
Values that look hostile are data, not errors: TestHostileValuesRoundTrip
stores SQL fragments (` + "`'); DROP TABLE users; --`" + `, ` + "`\" OR \"1\"=\"1`" + `,
` + "`?`" + `), NUL and other control characters, Unicode line separators,
right-to-left overrides, zero-width characters, emoji and non-Latin scripts
as keys and values, under attribute names holding a quote (` + "`'it''s'`" + `) or
non-ASCII letters, and reads each back unchanged: values are always sent as
parameters, never spliced into the statement.
`)
	want := b.String()
	if *updateBadInputs {
		require.NoError(t, os.MkdirAll("docs", 0o755))
		require.NoError(t, os.WriteFile(badInputsDoc, []byte(want), 0o644))
		return
	}
	got, err := os.ReadFile(badInputsDoc)
	require.NoError(t, err, "run go test -run TestHostileInputs -update-bad-inputs . to write it")
	assert.Equal(t, want, string(got), "docs/bad-inputs.md is out of date: run go test -run TestHostileInputs -update-bad-inputs .")
}
