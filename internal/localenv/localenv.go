// Package localenv tells the example programs which DynamoDB endpoint to
// use, from the same environment variables as the Makefile and
// scripts/dynamodb-local.sh:
//
//   - DYNAMODB_ENDPOINT, when set, is the endpoint (`make run` and
//     `make test` set it);
//   - otherwise DYNAMODB_LOCAL_PORT, when set, is the port on 127.0.0.1
//     where scripts/dynamodb-local.sh starts DynamoDB Local;
//   - otherwise http://127.0.0.1:8000, the script's default.
package localenv

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The environment variables read by Endpoint.
const (
	EnvEndpoint = "DYNAMODB_ENDPOINT"
	EnvPort     = "DYNAMODB_LOCAL_PORT"
)

// DefaultEndpoint is the endpoint when neither variable is set.
const DefaultEndpoint = "http://127.0.0.1:8000"

// Endpoint returns the DynamoDB endpoint named by the process environment.
func Endpoint() (string, error) { return From(os.Getenv) }

// From returns the DynamoDB endpoint named by the environment that getenv
// reads. A DYNAMODB_LOCAL_PORT that is not a port number is an error.
func From(getenv func(string) string) (string, error) {
	if ep := strings.TrimSpace(getenv(EnvEndpoint)); ep != "" {
		return ep, nil
	}
	p := strings.TrimSpace(getenv(EnvPort))
	if p == "" {
		return DefaultEndpoint, nil
	}
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%s=%q is not a port number (1-65535); set it to the port DynamoDB Local listens on, or set %s to its URL", EnvPort, p, EnvEndpoint)
	}
	return "http://127.0.0.1:" + p, nil
}
