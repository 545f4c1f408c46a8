package pagination

import (
	"container/list"
	"slices"
	"sync"
)

// DefaultCacheSize is the capacity of NewBoundaryCache(0).
const DefaultCacheSize = 10000

// BoundaryCache remembers where pages start: for a query fingerprint, a page
// size and a page number, the Position of the page's first item. Paginate
// records the start of every page it serves or skips over and, for page=N
// without a cursor, resumes from the highest cached page not above N
// instead of reading the whole result from its start.
//
// It is bounded (least recently used entries are evicted beyond its
// capacity) and safe for concurrent use; share one per service. Each entry
// holds a DynamoDB NextToken, typically a few hundred bytes, and the items
// a cursor would carry (PaginateCarrying), at most MaxCarryBytes.
//
// Positions are not refreshed when items are written: after inserts or
// deletes, page=N served from a cached boundary starts where page N started
// when the boundary was recorded, like any offset pagination over changing
// data. Call Clear to forget everything.
type BoundaryCache struct {
	mu     sync.Mutex
	max    int
	lru    *list.List // of *cacheEntry, most recently used first
	groups map[groupKey]*cacheGroup
}

type groupKey struct {
	fingerprint string
	size        int
}

// cacheGroup holds the boundaries of one (fingerprint, size), with its page
// numbers sorted for nearest-lower lookups.
type cacheGroup struct {
	pages   []int
	entries map[int]*list.Element
}

type cacheEntry struct {
	key groupKey
	pos Position
}

// NewBoundaryCache returns a cache holding at most n positions; n <= 0
// means DefaultCacheSize.
func NewBoundaryCache(n int) *BoundaryCache {
	if n <= 0 {
		n = DefaultCacheSize
	}
	return &BoundaryCache{max: n, lru: list.New(), groups: make(map[groupKey]*cacheGroup)}
}

// Len returns the number of cached positions.
func (c *BoundaryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Clear removes every cached position.
func (c *BoundaryCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.groups)
}

// nearest returns the cached position of the highest page in [1, page] for
// (fingerprint, size). A nil cache finds nothing.
func (c *BoundaryCache) nearest(fingerprint []byte, size, page int) (Position, bool) {
	if c == nil || page < 1 {
		return Position{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[groupKey{string(fingerprint), size}]
	if g == nil {
		return Position{}, false
	}
	i, found := slices.BinarySearch(g.pages, page)
	if !found {
		i--
	}
	if i < 0 {
		return Position{}, false
	}
	e := g.entries[g.pages[i]]
	c.lru.MoveToFront(e)
	return e.Value.(*cacheEntry).pos, true
}

// put records pos (the start of page pos.Page for size pos.Size). Page 0
// is never stored: it always starts at the beginning. A nil cache ignores
// it.
func (c *BoundaryCache) put(fingerprint []byte, pos Position) {
	if c == nil || pos.Page < 1 {
		return
	}
	key := groupKey{string(fingerprint), pos.Size}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[key]
	if g == nil {
		g = &cacheGroup{entries: make(map[int]*list.Element)}
		c.groups[key] = g
	}
	if e, ok := g.entries[pos.Page]; ok {
		e.Value.(*cacheEntry).pos = pos
		c.lru.MoveToFront(e)
		return
	}
	i, _ := slices.BinarySearch(g.pages, pos.Page)
	g.pages = slices.Insert(g.pages, i, pos.Page)
	g.entries[pos.Page] = c.lru.PushFront(&cacheEntry{key: key, pos: pos})
	for c.lru.Len() > c.max {
		c.evict(c.lru.Back())
	}
}

func (c *BoundaryCache) evict(e *list.Element) {
	ce := c.lru.Remove(e).(*cacheEntry)
	g := c.groups[ce.key]
	delete(g.entries, ce.pos.Page)
	if i, found := slices.BinarySearch(g.pages, ce.pos.Page); found {
		g.pages = slices.Delete(g.pages, i, i+1)
	}
	if len(g.pages) == 0 {
		delete(c.groups, ce.key)
	}
}
