package dynamosql

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dynamosql/dynamosql/internal/partiql"
)

// stmtFacts is what the driver learns from a statement's text alone,
// before any argument is looked at: its summary or why it is refused
// (summarize), and whether translate must parse it (scanSQL). Programs run
// the same few statement texts over and over, so the facts are memoised by
// text: a hit costs a hash and a map lookup instead of two scans of the
// text.
type stmtFacts struct {
	// text is the statement text (the cache's own copy; "" for a text
	// never cached).
	text  string
	sum   partiql.Summary
	err   error
	parse bool
	ext   string

	// proj is the statement's result columns (columns.go), worked out the
	// first time a SELECT with this text runs. Rows only read them.
	proj atomic.Pointer[projFacts]
}

// projFacts is what projection returns for a text.
type projFacts struct {
	cols []column
	star bool
}

const (
	factShards   = 32
	factShardCap = 128 // factShards*factShardCap = 4096 statement texts
)

// factShard holds an immutable map, replaced whole (copy on write) under
// mu, so that a lookup is a lock-free atomic load that does not allocate.
type factShard struct {
	mu sync.Mutex
	m  atomic.Pointer[map[string]*stmtFacts]
}

var (
	factSeed  = maphash.MakeSeed()
	factCache [factShards]factShard
)

// factsOf returns the facts of query, from the cache when it has them.
// Texts longer than DynamoDB accepts are refused by summarize and never
// cached.
func factsOf(query string) *stmtFacts {
	if len(query) > MaxStatementLength {
		return computeFacts(query)
	}
	sh := &factCache[maphash.String(factSeed, query)%factShards]
	if m := sh.m.Load(); m != nil {
		if f, ok := (*m)[query]; ok {
			return f
		}
	}
	f := computeFacts(query)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var next map[string]*stmtFacts
	if old := sh.m.Load(); old != nil {
		if g, ok := (*old)[query]; ok { // another goroutine was quicker
			return g
		}
		next = make(map[string]*stmtFacts, len(*old)+1)
		evict := len(*old) >= factShardCap
		for k, v := range *old { // map iteration starts at a random entry
			if evict {
				evict = false
				continue
			}
			next[k] = v
		}
	} else {
		next = make(map[string]*stmtFacts, 1)
	}
	// Clone the key so the cache never pins a larger buffer query points into.
	f.text = strings.Clone(query)
	next[f.text] = f
	sh.m.Store(&next)
	return f
}

// factsOf returns the facts of query, without a hash or a lookup when the
// connection's last statement had the same text (a loop of one statement,
// the statements of a transaction).
func (c *conn) factsOf(query string) *stmtFacts {
	if f := c.facts; f != nil && f.text == query {
		return f
	}
	f := factsOf(query)
	if f.text != "" {
		c.facts = f
	}
	return f
}

func computeFacts(query string) *stmtFacts {
	f := &stmtFacts{}
	f.sum, f.err = summarize(query)
	if f.err == nil {
		f.parse, f.ext = scanSQL(query, f.sum.Kind)
	}
	return f
}

// scanFacts returns scanSQL's answer for p's text: from the facts
// prepare found while p still holds the original text, otherwise memoised
// by text.
func (p *prepared) scanFacts() (parse bool, ext string) {
	if f := p.facts; f != nil && f.err == nil && f.sum.Kind == p.sum.Kind && p.query == p.original {
		return f.parse, f.ext
	}
	if f := factsOf(p.query); f.err == nil && f.sum.Kind == p.sum.Kind {
		return f.parse, f.ext
	}
	return scanSQL(p.query, p.sum.Kind)
}

// projection returns projection(p.query), memoised with the text's facts.
func (p *prepared) projection() (cols []column, star bool) {
	f := p.facts
	if f == nil || p.query != p.original {
		f = factsOf(p.query)
	}
	if f.err != nil || f.text != p.query {
		return projection(p.query)
	}
	if pf := f.proj.Load(); pf != nil {
		return pf.cols, pf.star
	}
	cols, star = projection(p.query)
	f.proj.Store(&projFacts{cols: cols, star: star})
	return cols, star
}
