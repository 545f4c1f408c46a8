package pagination

import "context"

// Pageable is a request for one page of a result.
type Pageable struct {
	// Page is the zero-based page number.
	Page int `json:"page"`
	// Size is the number of items per page.
	Size int `json:"size"`
	// Sort is the requested order; empty means the natural order.
	Sort Sort `json:"sort,omitempty"`
	// Cursor is the NextCursor of a previous page of the same query, or ""
	// to address the page by number. When set, Page and Size are the ones
	// the cursor was issued for.
	Cursor string `json:"cursor,omitempty"`
	// Budget, when set, bounds the reads of this request, overriding the
	// fields of PageOptions.Budget it sets. Middleware sets it from
	// Config.Budget, so each route can have its own.
	Budget Budget `json:"-"`
}

// Offset returns the number of items before the page: Page*Size.
func (p Pageable) Offset() int { return p.Page * p.Size }

type contextKey struct{}

// NewContext returns a copy of ctx that carries p.
func NewContext(ctx context.Context, p Pageable) context.Context {
	return context.WithValue(ctx, contextKey{}, p)
}

// FromContext returns the Pageable that Middleware (or NewContext) stored in
// ctx, and whether there was one.
func FromContext(ctx context.Context) (Pageable, bool) {
	p, ok := ctx.Value(contextKey{}).(Pageable)
	return p, ok
}
