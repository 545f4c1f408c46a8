package dynamosql_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

// Recognisable credentials of the secrets test. DynamoDB Local (run with
// -sharedDb) accepts any credentials.
const (
	secretKey    = "SECRETKEY-9f3b2c7d1e8a4b6c0d5e9f1a2b3c4d5e"
	sessionToken = "SESSIONTOKEN-7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f"
)

// secretSink collects everything the secrets test produced: errors,
// panics, formatted values and log output.
type secretSink struct {
	mu    sync.Mutex
	texts []string
	logs  bytes.Buffer // slog and SDK logger output
}

func (s *secretSink) add(what string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts = append(s.texts, what+": "+fmt.Sprintf("%v", v), what+" (%+v): "+fmt.Sprintf("%+v", v), what+" (%#v): "+fmt.Sprintf("%#v", v))
	if err, ok := v.(error); ok {
		s.texts = append(s.texts, what+" (Error): "+err.Error())
	}
}

// addErr records err, which must not be nil (every step provokes one).
func (s *secretSink) addErr(t *testing.T, what string, err error) {
	t.Helper()
	require.Error(t, err, what)
	s.add(what, err)
}

func (s *secretSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.Write(p)
}

// secretDSN returns a DSN for DynamoDB Local with the recognisable secret
// key and session token.
func secretDSN(t *testing.T, extra ...string) string {
	dsn := fmt.Sprintf(`region=%s;endpoint=%s;akid=AKIDSECRETSTEST;secret_key=%s;session_token=%s`,
		dynamotest.Region, dynamotest.MustEndpoint(t), secretKey, sessionToken)
	for _, e := range extra {
		dsn += ";" + e
	}
	return dsn
}

// secretDB opens the DSN with ft, the sink's slog logger and the SDK's
// logger writing into the sink.
func secretDB(t *testing.T, sink *secretSink, ft *faultinject.Transport, dsn string) (*sql.DB, *dynamosql.Connector) {
	t.Helper()
	cfg, err := dynamosql.ParseDSN(dsn)
	require.NoError(t, err)
	cfg.Logger = slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.ClientOptions = append(cfg.ClientOptions, ft.ClientOption(), func(o *dynamodb.Options) {
		o.Logger = logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			fmt.Fprintf(sink, "SDK %s "+format+"\n", append([]any{c}, v...)...)
		})
		// Retries and responses; the SDK's LogRequest and LogSigning would
		// print the X-Amz-Security-Token header: never enable them where
		// logs are kept.
		o.ClientLogMode = aws.LogRetries | aws.LogResponse | aws.LogDeprecatedUsage
	})
	c, err := dynamosql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db, c
}

func TestSecretsNeverLeak(t *testing.T) {
	sink := &secretSink{}
	ctx := dynamotest.Context(t)
	table := dynamotest.SimpleTable(t, "secret", "id", "")
	q := func(s string) string { return strings.ReplaceAll(s, "TBL", fmt.Sprintf("%q", table)) }

	// Bad DSNs that hold the secrets.
	for _, dsn := range []string{
		secretDSN(t, "colour=red"),
		secretDSN(t, "secret_key="+secretKey),
		secretDSN(t, "session_token="+sessionToken),
		secretDSN(t, "SecretKey="+secretKey),
		secretDSN(t, "timeout=never"),
		secretDSN(t, "max_retries=many"),
		secretDSN(t, "endpoint=::"),
		secretDSN(t, `profile="unterminated`),
		"region=us-east-1;secret_key=" + secretKey,
		"region=us-east-1;akid=AKID;secret_key=\"" + secretKey,
		"region=us-east-1;akid=AKID;secret_key=\"" + secretKey + "\"x",
		"region=us-east-1;akid=AKID;session_token=" + sessionToken,
		"region=us-east-1;" + secretKey,
		"region=us-east-1;" + sessionToken + ";akid=AKID",
	} {
		db, err := sql.Open("dynamodb", dsn)
		if err == nil {
			// Only NewConnector's checks remain: make the call fail.
			err = db.PingContext(ctx)
			db.Close()
		}
		sink.addErr(t, "DSN", err)
		_, err = dynamosql.ParseDSN(dsn)
		if err != nil {
			sink.add("ParseDSN", err)
		}
	}

	// A session token the HTTP client refuses to send (a newline).
	{
		cfg, err := dynamosql.ParseDSN(secretDSN(t, "max_retries=0"))
		require.NoError(t, err)
		cfg.SessionToken = sessionToken + "\nX-Injected: " + secretKey
		c, err := dynamosql.NewConnector(cfg)
		require.NoError(t, err)
		db := sql.OpenDB(c)
		sink.addErr(t, "Ping with a token holding a newline", db.PingContext(ctx))
		_, err = db.ExecContext(ctx, q(`INSERT INTO TBL VALUE {'id': 'n'}`))
		sink.addErr(t, "Exec with a token holding a newline", err)
		assert.NotErrorIs(t, err, dynamosql.ErrWriteOutcomeUnknown, "the HTTP client refused it before sending")
		db.Close()
	}

	// Ping to a closed port.
	{
		db, err := sql.Open("dynamodb", strings.Replace(secretDSN(t, "max_retries=1"), dynamotest.MustEndpoint(t), "http://127.0.0.1:1", 1))
		require.NoError(t, err)
		sink.addErr(t, "Ping to a closed port", db.PingContext(ctx))
		db.Close()
	}

	ft := faultinject.New(nil)
	db, connector := secretDB(t, sink, ft, secretDSN(t))
	require.NoError(t, db.PingContext(ctx), "the secret credentials work against DynamoDB Local")
	exec(t, db, q(`INSERT INTO TBL VALUE {'id': 'a', 'n': 0}`))

	// Failing statements.
	stmtErr := func(what, query string, args ...any) {
		t.Helper()
		_, err := db.ExecContext(ctx, q(query), args...)
		sink.addErr(t, what, err)
	}
	stmtErr("malformed", `INSERT INTO TBL VALUE {'id': 'x',}`)
	stmtErr("duplicate", `INSERT INTO TBL VALUE {'id': 'a'}`)
	stmtErr("missing table", `INSERT INTO "no_such_table_secret" VALUE {'id': 'a'}`)
	stmtErr("argument count", `INSERT INTO TBL VALUE {'id': ?}`)
	stmtErr("argument type", `INSERT INTO TBL VALUE {'id': ?}`, make(chan int))
	stmtErr("named argument", `INSERT INTO TBL VALUE {'id': ?}`, sql.Named("id", secretKey))
	stmtErr("exec of select", `SELECT * FROM TBL`)
	_, err := db.QueryContext(ctx, q(`SELECT * FROM TBL WHERE id = ?`), "a", dynamosql.StartToken("forged"))
	sink.addErr(t, "forged NextToken", err)
	rows, err := db.QueryContext(ctx, q(`SELECT * FROM TBL WHERE n = 0`)) // a full scan: logged under scan=warn
	require.NoError(t, err)
	rows.Close()

	// Faults on statements: retries exhausted, outcome unknown.
	ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 3, Fault: faultinject.Status(500)})
	_, err = db.QueryContext(ctx, q(`SELECT * FROM TBL WHERE id = ?`), "a")
	sink.addErr(t, "read after retries", err)
	ft.Clear()
	ft.Inject(faultinject.Rule{Op: "ExecuteStatement", Times: 1, Fault: faultinject.DropResponse()})
	stmtErr("lost insert", `INSERT INTO TBL VALUE {'id': ?}`, "b")
	ft.Clear()

	// Failing commits.
	commit := func(what string, fn func(tx *sql.Tx)) {
		t.Helper()
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		fn(tx)
		sink.addErr(t, what, tx.Commit())
	}
	commit("commit duplicate", func(tx *sql.Tx) {
		exec(t, tx, q(`INSERT INTO TBL VALUE {'id': 'a'}`))
	})
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Times: 1, Fault: faultinject.CancelTx("TransactionConflict")})
	commit("commit conflict", func(tx *sql.Tx) {
		exec(t, tx, q(`UPDATE TBL SET n = n + 1 WHERE id = 'a'`))
	})
	ft.Clear()
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Fault: faultinject.DropResponse()})
	commit("commit outcome unknown", func(tx *sql.Tx) {
		exec(t, tx, q(`UPDATE TBL SET n = n + 1 WHERE id = 'a'`))
	})
	ft.Clear()
	ft.Inject(faultinject.Rule{Op: "ExecuteTransaction", Fault: faultinject.CancelTx("TransactionConflict")})
	sink.addErr(t, "RunInTx gives up", dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q(`UPDATE TBL SET n = n + 1 WHERE id = 'a'`))
		return err
	}, dynamosql.WithMaxAttempts(2), dynamosql.WithBackoff(1, 1)))
	ft.Clear()
	_, err = dynamosql.ReadItems(ctx, db, dynamosql.Read(q(`SELECT * FROM "no_such_table_secret" WHERE id = ?`), "a"))
	sink.addErr(t, "ReadItems", err)

	// A panic inside RunInTx is rolled back and passed on.
	func() {
		defer func() {
			r := recover()
			require.NotNil(t, r)
			sink.add("panic", r)
		}()
		_ = dynamosql.RunInTx(ctx, db, func(ctx context.Context, tx *sql.Tx) error {
			exec(t, tx, q(`UPDATE TBL SET n = 99 WHERE id = 'a'`))
			var m map[string]int
			//lint:ignore SA5000 a deliberate runtime panic inside the transaction
			m["boom"]++
			return nil
		})
	}()
	assert.Equal(t, "1", numberAttr(t, item(t, table, key("a")), "n"), "only the commit whose answer was lost was applied, once")

	// Configuration and connector, formatted every way.
	cfg, err := dynamosql.ParseDSN(secretDSN(t))
	require.NoError(t, err)
	assert.Contains(t, cfg.FormatDSN(), secretKey, "FormatDSN round-trips the secret (documented: never log it)")
	assert.Contains(t, cfg.String(), "secret_key=***")
	assert.Contains(t, cfg.String(), "session_token=***")
	sink.add("Config.String", cfg.String())
	assert.Equal(t, cfg.String(), fmt.Sprint(*cfg), "a Config value prints redacted")
	assert.Equal(t, `dynamosql.Config("`+cfg.String()+`")`, fmt.Sprintf("%#v", cfg))
	sink.add("*Config", cfg)
	sink.add("Config", *cfg)
	sink.add("connector", connector)
	sink.add("connector config", connector.Config())
	sink.add("connector config value", *connector.Config())
	sink.add("driver", db.Driver())
	sink.add("db stats", db.Stats())

	require.NotEmpty(t, sink.logs.String(), "logs were captured")
	assert.Contains(t, sink.logs.String(), "SELECT scans a whole table", "the driver's warning reached the captured slog logger")
	assert.Contains(t, sink.logs.String(), "SDK", "the SDK's logger output was captured")
	for _, text := range append(sink.texts, sink.logs.String()) {
		for _, secret := range []string{secretKey, sessionToken} {
			if strings.Contains(text, secret) {
				t.Errorf("secret %s leaked in: %s", secret[:12], text)
			}
		}
	}
	if testing.Verbose() {
		t.Log(strings.Join(sink.texts, "\n"), sink.logs.String())
	}
	t.Logf("checked %d formatted errors and values and %d bytes of logs", len(sink.texts), sink.logs.Len())
}
