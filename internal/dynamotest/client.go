package dynamotest

import (
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Region and AccessKey are the region and dummy credentials (access key ID
// and secret alike) that the test helpers use. DynamoDB Local runs with
// -sharedDb, so any credentials see the same tables.
const (
	Region    = "us-east-1"
	AccessKey = "local"
)

var (
	clientOnce sync.Once
	client     *dynamodb.Client
)

// Client returns a raw SDK client for the test endpoint, with static
// credentials local/local and region us-east-1. One client is shared by the
// whole test process.
func Client(tb testing.TB) *dynamodb.Client {
	tb.Helper()
	ep := MustEndpoint(tb)
	clientOnce.Do(func() { client = newClient(ep) })
	return client
}

// newClient builds a client for endpoint that reads nothing from the
// environment or shared AWS files.
func newClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, AccessKey, ""),
	})
}
