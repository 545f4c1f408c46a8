//go:build !dynamosql_nodynamodb

package dynamosql

// registerAlias is whether init registers AliasName too: true unless the
// build tag dynamosql_nodynamodb is set.
const registerAlias = true
