//go:build dynamosql_nodynamodb

package dynamosql

// registerAlias is false under the build tag dynamosql_nodynamodb: init
// registers only DriverName, leaving "dynamodb" to another driver.
const registerAlias = false
