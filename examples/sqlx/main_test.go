package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// TestRunsTwice builds the example and runs it twice in a row against
// DynamoDB Local: the second run finds the item of the first and must
// still succeed (the README's first example used to fail there with a
// duplicate key). Each run prints the item it read back and nothing on
// stderr. The example creates the table "people"; the test deletes it.
func TestRunsTwice(t *testing.T) {
	ep := dynamotest.MustEndpoint(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = dynamotest.Client(t).DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("people")})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "sqlx")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	for run := 1; run <= 2; run++ {
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, bin)
		cmd.Env = append(os.Environ(), "DYNAMODB_ENDPOINT="+ep)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), "run %d: %s", run, stderr.String())
		assert.Equal(t, "Ada Lovelace: roles [admin], tags [math engines]\n", stdout.String(), "run %d", run)
		assert.Empty(t, stderr.String(), "run %d", run)
	}
}
