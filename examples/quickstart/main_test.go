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

// TestQuickstart runs the example against DynamoDB Local.
func TestQuickstart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, dynamotest.MustEndpoint(t)))
	assert.Contains(t, out.String(), "birthday for u1: 1 row updated")
	assert.Contains(t, out.String(), "columns: [id age joined tags]")
	assert.Contains(t, out.String(), "user u1: age 43, joined 2024-05-01T12:00:00Z, tags [admin]")
}
