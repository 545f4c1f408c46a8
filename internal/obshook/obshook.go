// Package obshook lets the packages built on the driver (the mapper)
// record what they send through a connector's client as the driver
// records its own statements (observe.go in the root package), without
// more exported API: the root package sets Batch when it is initialised.
package obshook

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Batch starts recording a batch write of items items (op such as "BATCH
// PUT") to table, made through connector (a *dynamosql.Connector). It
// returns the context to send the batch's requests with, the client
// option to pass to each request, and the function that ends the record
// with the batch's error (and returns it). Set by the root package.
var Batch func(connector any, ctx context.Context, op, table string, items int) (context.Context, func(*dynamodb.Options), func(error) error)
