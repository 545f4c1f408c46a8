package dynamosql

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/dynamosql/dynamosql/indexhint"
)

// timedDescribe bounds each DescribeTable call of the connector's catalog
// with Config.Timeout, like every other DynamoDB call of the driver: the
// catalog describes a table the first time a statement needs its keys or
// indexes, with the statement's context.
type timedDescribe struct {
	api     indexhint.DescribeTableAPI
	timeout time.Duration
}

// DescribeTable calls DescribeTable with the timeout applied.
func (d timedDescribe) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if d.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.timeout)
		defer cancel()
	}
	return d.api.DescribeTable(ctx, in, optFns...)
}
