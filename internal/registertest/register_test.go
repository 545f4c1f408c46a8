package registertest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/tempmod"
)

// fakeDriver is a package that registers another driver as "dynamodb" in
// its init, as github.com/mightyguava/dynamosql, github.com/viant/dyndb and
// github.com/xo/dbimp do.
const fakeDriver = `package fake

import (
	"database/sql"
	"database/sql/driver"
	"errors"
)

// Fake is another DynamoDB driver.
type Fake struct{}

func (Fake) Open(string) (driver.Conn, error) { return nil, errors.New("fake") }

func init() { sql.Register("dynamodb", Fake{}) }
`

// program imports the fake driver and this repository's, then prints
// which driver each registered name opens.
const program = `package main

import (
	"database/sql"
	"fmt"

	_ "%s/fake"
	_ "github.com/dynamosql/dynamosql"
)

func main() {
	for _, name := range sql.Drivers() {
		db, err := sql.Open(name, "region=us-east-1")
		if err != nil {
			panic(err)
		}
		fmt.Printf("%%s %%T\n", name, db.Driver())
	}
}
`

// build writes the fake driver and the program into a module with the
// module path path and builds the program with the build tags tags.
func build(t *testing.T, path, tags string) string {
	t.Helper()
	m := tempmod.New(t, path)
	m.Write(t, "fake/fake.go", fakeDriver)
	m.Write(t, "main.go", fmt.Sprintf(program, path))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(m.Dir, "prog")
	_, err := m.Go(ctx, "build", "-tags="+tags, "-o", bin, ".")
	require.NoError(t, err)
	return bin
}

// Go initializes, at each step, the first package in import-path order
// whose imports are all initialized. The fake driver imports only
// database/sql, which ours imports too, so its path alone decides: under
// aaa.test it is initialized before github.com/dynamosql/dynamosql, under
// zzz.test (after every standard library path) after it.

// TestOtherDriverInitializedFirst: a driver initialized before ours keeps
// "dynamodb"; ours registers only "dynamosql" and nothing panics.
func TestOtherDriverInitializedFirst(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(build(t, "aaa.test", "")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "dynamodb fake.Fake\ndynamosql *dynamosql.Driver\n", string(out))
}

// TestOtherDriverInitializedAfter: a driver that registers "dynamodb"
// unconditionally and is initialized after ours panics in its own init,
// because the name is taken; built with -tags dynamosql_nodynamodb, ours
// leaves the name free and both drivers load.
func TestOtherDriverInitializedAfter(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(build(t, "zzz.test", "")).CombinedOutput()
	require.Error(t, err, "%s", out)
	assert.Contains(t, string(out), "sql: Register called twice for driver dynamodb")
	assert.Contains(t, string(out), "zzz.test/fake.init")

	out, err = exec.Command(build(t, "zzz.test", "dynamosql_nodynamodb")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "dynamodb fake.Fake\ndynamosql *dynamosql.Driver\n", string(out))
}
