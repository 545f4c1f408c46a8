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

// TestTransactions runs the example against DynamoDB Local. run itself
// verifies the table contents after each step and fails otherwise.
func TestTransactions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, dynamotest.MustEndpoint(t)))
	s := out.String()
	assert.Contains(t, s, "registered alice@example.com: 8 statements in one transaction\n")
	assert.Contains(t, s, "tables: users=1 profiles=1 wallets=1 audit_logs=3 temp_registrations=2\n")
	assert.Contains(t, s, `read atomically: user u-1001 (alice@example.com), profile "Alice", wallet 0 EUR`)
	assert.Contains(t, s, "duplicate registration refused: the e-mail address alice@example.com is taken (dynamosql.ErrDuplicateItem); nothing was written\n")
	// The raw reason stays visible: DynamoDB Local says ValidationError
	// where the service says DuplicateItem.
	assert.Regexp(t, `\n  failed statement 0: INSERT INTO "tx_users_\d+" VALUE \.\.\. \(DynamoDB's reason: ValidationError: Duplicate primary key exists in table\)\n`, s)
	assert.Contains(t, s, "tables unchanged: users=1 profiles=1 wallets=1 audit_logs=3 temp_registrations=2\n")
}
