package partiql

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

const (
	cacheShards   = 64
	cacheShardCap = 64 // cacheShards*cacheShardCap = 4096 statements

	// maxCachedLen is the longest text ParseCached keeps: DynamoDB refuses
	// statements over 8,192 characters anyway.
	maxCachedLen = 8192
)

type cacheEntry struct {
	stmt Statement
	err  error
}

// cacheShard holds an immutable map, replaced whole (copy on write) under
// mu, so that a lookup is a lock-free atomic load: hits on one hot statement
// from many goroutines do not contend.
type cacheShard struct {
	mu sync.Mutex
	m  atomic.Pointer[map[string]cacheEntry]
}

var (
	cacheSeed = maphash.MakeSeed()
	cache     [cacheShards]cacheShard
)

// ParseCached is Parse memoised by text: it keeps the results (statements
// and errors) of up to 4,096 statements, evicting at random when full. It is
// safe for concurrent use; a hit takes no lock and does not allocate.
//
// The statement returned is shared by every caller: treat it as immutable
// and Clone it before changing anything.
func ParseCached(src string) (Statement, error) {
	if len(src) > maxCachedLen {
		return Parse(src)
	}
	sh := &cache[maphash.String(cacheSeed, src)%cacheShards]
	if m := sh.m.Load(); m != nil {
		if e, ok := (*m)[src]; ok {
			return e.stmt, e.err
		}
	}
	stmt, err := Parse(src)

	sh.mu.Lock()
	defer sh.mu.Unlock()
	var next map[string]cacheEntry
	if old := sh.m.Load(); old != nil {
		if e, ok := (*old)[src]; ok { // another goroutine was quicker
			return e.stmt, e.err
		}
		next = make(map[string]cacheEntry, len(*old)+1)
		evict := len(*old) >= cacheShardCap
		for k, v := range *old { // map iteration starts at a random entry
			if evict {
				evict = false
				continue
			}
			next[k] = v
		}
	} else {
		next = make(map[string]cacheEntry, 1)
	}
	// Clone the key so the cache never pins a larger buffer src points into.
	next[strings.Clone(src)] = cacheEntry{stmt, err}
	sh.m.Store(&next)
	return stmt, err
}

// cacheLen returns the number of cached statements (for tests).
func cacheLen() int {
	n := 0
	for i := range cache {
		if m := cache[i].m.Load(); m != nil {
			n += len(*m)
		}
	}
	return n
}
