package localenv

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFrom(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tt := range []struct {
		name string
		env  func(string) string
		want string
	}{
		{"nothing set", env(), "http://127.0.0.1:8000"},
		{"only the port", env("DYNAMODB_LOCAL_PORT", "8105"), "http://127.0.0.1:8105"},
		{"the endpoint wins", env("DYNAMODB_ENDPOINT", "http://db:9000", "DYNAMODB_LOCAL_PORT", "8105"), "http://db:9000"},
		{"blank endpoint", env("DYNAMODB_ENDPOINT", " ", "DYNAMODB_LOCAL_PORT", "8105"), "http://127.0.0.1:8105"},
	} {
		got, err := From(tt.env)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
	for _, p := range []string{"http://x", "0", "65536", "-1"} {
		_, err := From(env("DYNAMODB_LOCAL_PORT", p))
		require.ErrorContains(t, err, "is not a port number", p)
		assert.ErrorContains(t, err, "DYNAMODB_ENDPOINT", p)
	}
}
