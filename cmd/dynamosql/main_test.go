package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
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
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// shellBin is the dynamosql binary the tests run, built once by TestMain.
var shellBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dynamosql-shell-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shellBin = filepath.Join(dir, "dynamosql")
	args := []string{"build", "-o", shellBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the shell:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the shell did.
type result struct {
	stdout, stderr string
	code           int
}

// shellCmd returns a command running the built shell with args, with an
// environment free of AWS settings and DYNAMOSQL_DSN (plus env), and the
// config directory in a temporary directory.
func shellCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(shellBin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(),
		"AWS_EC2_METADATA_DISABLED=true", // never ask for instance credentials
		"GORACE=atexit_sleep_ms=0",       // a race-enabled shell otherwise sleeps 1 s at exit
	}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// runShell runs the shell with stdin and args and returns what it wrote.
func runShell(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runShellEnv(t, nil, stdin, args...)
}

func runShellEnv(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := shellCmd(t, env, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running the shell: %v", err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// dsnArg returns --dsn with the test endpoint's DSN.
func dsnArg(t *testing.T) string { return "--dsn=" + dynamotest.DSN(t) }

// q quotes a table name for PartiQL.
func q(table string) string { return `"` + table + `"` }

// usersTable creates a table with partition key id (S), sort key-less, and
// a global index by_age on age (N).
func usersTable(t *testing.T) string {
	t.Helper()
	return dynamotest.CreateTable(t, &dynamodb.CreateTableInput{
		TableName: aws.String("shell_users"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("age"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("by_age"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("age"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
	})
}

// bigItems is how many items bigTable holds: k00000 to k19999, each
// with a number n and a 1 KB payload.
const bigItems = 20000

// payloadSize is the size of each big item's payload attribute.
const payloadSize = 200

// bigTable creates and fills the table of bigItems items, deleted when
// the test ends. It writes with BatchWriteItem, four requests at a time.
func bigTable(t *testing.T) string {
	t.Helper()
	c := dynamotest.Client(t)
	name := dynamotest.SimpleTable(t, "shell_big", "id", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	payload := strings.Repeat("x", payloadSize)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 4)
	for start := 0; start < bigItems; start += 25 {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var reqs []types.WriteRequest
			for i := start; i < start+25 && i < bigItems; i++ {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
					"id":      &types.AttributeValueMemberS{Value: fmt.Sprintf("k%05d", i)},
					"n":       &types.AttributeValueMemberN{Value: fmt.Sprint(i)},
					"payload": &types.AttributeValueMemberS{Value: payload},
				}}})
			}
			in := map[string][]types.WriteRequest{name: reqs}
			for len(in) > 0 {
				out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: in})
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				in = out.UnprocessedItems
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("filling the big table: %v", firstErr)
	}
	return name
}
