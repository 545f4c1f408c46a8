package faultinject_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/dynamotest"
	"github.com/dynamosql/dynamosql/internal/faultinject"
)

func TestThrottleBatchRate(t *testing.T) {
	ft := faultinject.New(nil).Seed(42)
	ft.Inject(faultinject.Rule{Op: "BatchExecuteStatement", Fault: faultinject.ThrottleBatchRate(0.3)})
	c := client(t, ft, 1)
	table := dynamotest.SimpleTable(t, "fibrate", "id", "")
	in := &dynamodb.BatchExecuteStatementInput{}
	for i := range 25 {
		in.Statements = append(in.Statements, types.BatchStatementRequest{Statement: insert(table, fmt.Sprint("b", i))})
	}
	out, err := c.BatchExecuteStatement(dynamotest.Context(t), in)
	require.NoError(t, err)
	require.Len(t, out.Responses, 25)
	throttled := 0
	for i, r := range out.Responses {
		id := fmt.Sprint("b", i)
		if r.Error != nil {
			assert.Equal(t, types.BatchStatementErrorCodeEnumThrottlingError, r.Error.Code)
			assert.False(t, exists(t, table, id), "a throttled statement is not applied")
			throttled++
			continue
		}
		assert.True(t, exists(t, table, id))
	}
	assert.Greater(t, throttled, 0)
	assert.Less(t, throttled, 25)
	assert.Equal(t, 1, ft.Injected(faultinject.KindBatchThrottle))
}
