package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// TestConnectSources connects through --dsn, DYNAMOSQL_DSN, and the AWS
// chain with --region, --endpoint and --profile.
func TestConnectSources(t *testing.T) {
	table := dynamotest.SimpleTable(t, "shell_conn", "id", "")
	ep := dynamotest.MustEndpoint(t)
	list := `\dt ` + table

	r := runShellEnv(t, []string{EnvDSN + "=" + dynamotest.DSN(t)}, "", "--format=csv", "-c", list)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "table\r\n"+table+"\r\n", r.stdout, "DYNAMOSQL_DSN")

	r = runShellEnv(t, []string{EnvDSN + "=region=us-east-1;endpoint=http://127.0.0.1:1;max_retries=0"}, "", dsnArg(t), "--format=csv", "-c", list)
	require.Equal(t, 0, r.code, "--dsn wins over DYNAMOSQL_DSN: %s", r.stderr)

	r = runShellEnv(t, []string{"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local"}, "", "--region=us-east-1", "--endpoint="+ep, "--format=csv", "-c", list)
	require.Equal(t, 0, r.code, "AWS chain from the environment: %s", r.stderr)
	require.Equal(t, "table\r\n"+table+"\r\n", r.stdout)

	cfgFile := writeFile(t, "config", "[profile shelltest]\nregion = us-east-1\n")
	credFile := writeFile(t, "credentials", "[shelltest]\naws_access_key_id = local\naws_secret_access_key = local\n")
	files := []string{"AWS_CONFIG_FILE=" + cfgFile, "AWS_SHARED_CREDENTIALS_FILE=" + credFile}
	r = runShellEnv(t, files, "", "--profile=shelltest", "--endpoint="+ep, "--format=csv", "-c", list)
	require.Equal(t, 0, r.code, "--profile: %s", r.stderr)
	require.Equal(t, "table\r\n"+table+"\r\n", r.stdout)
	r = runShellEnv(t, files, "", "--profile=nosuchprofile", "--endpoint="+ep, "-c", list)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "nosuchprofile")

	r = runShell(t, "", "--endpoint="+ep, "-c", list)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "no AWS region")
	r = runShell(t, "", "--endpoint=localhost:8000", "-c", list)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `--endpoint "localhost:8000" is not an absolute URL such as http://127.0.0.1:8000`)
	r = runShell(t, "", "--dsn=region=us-east-1;scan=sometimes", "-c", list)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `ERROR: --dsn: dynamosql: invalid DSN: scan="sometimes": use allow, warn or deny`)
}

// TestSecretsNeverShown runs failing statements, a bad DSN and an
// unreachable endpoint with a DSN holding a secret key and a session
// token: neither appears in anything the shell writes.
func TestSecretsNeverShown(t *testing.T) {
	const secret, token = "TopSecretKey0123456789", "SessionTokenABCDEFGHIJ"
	ep := dynamotest.MustEndpoint(t)
	good := "region=us-east-1;endpoint=" + ep + ";akid=local;secret_key=" + secret + ";session_token=" + token
	var all strings.Builder
	for _, c := range []struct {
		env  []string
		args []string
	}{
		{nil, []string{"--dsn=" + good, "-c", `SELECT * FROM "no_such_table_here" WHERE id = 'x'`}},
		{nil, []string{"--dsn=" + good, "-c", `\d no_such_table_here`}},
		{nil, []string{"--dsn=" + good + ";bogus=1", "-c", `\dt`}},
		{nil, []string{"--dsn=secret_key=" + secret + ";region=us-east-1;akid=", "-c", `\dt`}},
		{nil, []string{"--dsn=region=us-east-1;endpoint=http://127.0.0.1:1;max_retries=0;akid=local;secret_key=" + secret, "-c", `\dt`}},
		{[]string{EnvDSN + "=" + good + ";timeout=nonsense"}, []string{"-c", `\dt`}},
		{nil, []string{"--dsn=" + good, "--format=json", "-c", `\explain SELECT * FROM "t" WHERE a = '` + "x" + `'`}},
	} {
		r := runShellEnv(t, c.env, "", c.args...)
		all.WriteString(r.stdout + r.stderr)
		require.NotContains(t, r.stdout+r.stderr, secret, c.args)
		require.NotContains(t, r.stdout+r.stderr, token, c.args)
	}
	require.Contains(t, all.String(), "ERROR:", "the cases did fail")
}
