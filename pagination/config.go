package pagination

import "slices"

// Defaults and limits.
const (
	// DefaultSize is the page size when a request gives none.
	DefaultSize = 20
	// DefaultMaxSize is the largest page size a request may ask for.
	DefaultMaxSize = 100
	// DefaultMaxPage is the largest page number a request may ask for
	// without a cursor.
	DefaultMaxPage = 1000
)

// Config configures Middleware and Parse. The zero value is usable: page
// size 20, at most 100, page numbers up to 1000, no sorting, and cursors
// signed with the per-process random key.
type Config struct {
	// DefaultSize is the page size when the request has no size parameter.
	// Zero or less means DefaultSize; more than MaxSize means MaxSize.
	DefaultSize int
	// MaxSize is the largest accepted size. Zero or less means
	// DefaultMaxSize.
	MaxSize int
	// MaxPage is the largest accepted page number without a cursor. Zero
	// or less means DefaultMaxPage. It bounds the cost of page=N on a cold
	// boundary cache (N*size items read); walking by cursor is not limited.
	MaxPage int
	// Sortable lists the properties a request may sort by. Empty means no
	// sorting is allowed: any sort parameter gets a 400. Use WithSortable
	// to derive a per-route Config.
	Sortable []string
	// SortIndexes, when set, lets sort errors say which index sorting by a
	// property requires (see SortIndexes).
	SortIndexes SortIndexes
	// Budget bounds the reads of each request of the route (see Budget);
	// the middleware passes it on in the Pageable. The zero value leaves
	// PageOptions.Budget (or DefaultReadBudget) in force.
	Budget Budget
	// Key signs cursors (see NewSigner). Nil means the per-process random
	// key: cursors then stop working when the process restarts and are not
	// accepted by other replicas. The handler must sign with the same key
	// (Config.Signer).
	Key []byte
}

// WithSortable returns a copy of c whose Sortable list is properties. It
// makes per-route whitelists from one base Config:
//
//	base := pagination.Config{Key: key}
//	mux.Handle("GET /users", pagination.Middleware(base.WithSortable("lastname", "firstname"))(users))
//	mux.Handle("GET /orders", pagination.Middleware(base.WithSortable("date"))(orders))
func (c Config) WithSortable(properties ...string) Config {
	c.Sortable = slices.Clone(properties)
	return c
}

// Signer returns a Signer for c.Key, to give to Paginate in PageOptions so
// that the cursors it issues pass the middleware.
func (c Config) Signer() *Signer { return NewSigner(c.Key) }

func (c Config) withDefaults() Config {
	if c.MaxSize <= 0 {
		c.MaxSize = DefaultMaxSize
	}
	if c.DefaultSize <= 0 {
		c.DefaultSize = DefaultSize
	}
	c.DefaultSize = min(c.DefaultSize, c.MaxSize)
	if c.MaxPage <= 0 {
		c.MaxPage = DefaultMaxPage
	}
	return c
}
