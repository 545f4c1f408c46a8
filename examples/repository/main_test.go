package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
)

// TestRepositoryExample runs the example against DynamoDB Local.
func TestRepositoryExample(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, dynamotest.MustEndpoint(t)))
	got := out.String()
	assert.Contains(t, got, "table created: true")
	assert.Contains(t, got, "get u1: Johnny Smith, 42")
	assert.Contains(t, got, "u1 lastname#firstname = Smith#Johnny")
	assert.Contains(t, got, "page 0: Brown Bob; Smith Jane; hasNext=true\n")
	assert.Contains(t, got, "page 1: Smith Johnny; Smithson Ann; hasNext=false\n")
	assert.Contains(t, got, "u1 deleted: not found")
}
