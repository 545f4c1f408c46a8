package pagination

import (
	"sync"
	"testing"
)

func TestBoundaryCacheNearest(t *testing.T) {
	c := NewBoundaryCache(0)
	fp := Fingerprint("q")
	for _, pg := range []int{3, 7, 5} {
		c.put(fp, Position{Token: "t", Page: pg, Size: 10})
	}
	c.put(fp, Position{Page: 0, Size: 10})                   // page 0 is never stored
	c.put(Fingerprint("other"), Position{Page: 4, Size: 10}) // other query
	c.put(fp, Position{Page: 4, Size: 20})                   // other size
	if c.Len() != 5 {
		t.Fatalf("Len = %d, want 5", c.Len())
	}
	for page, want := range map[int]int{0: -1, 1: -1, 2: -1, 3: 3, 4: 3, 5: 5, 6: 5, 7: 7, 100: 7} {
		pos, ok := c.nearest(fp, 10, page)
		if (want < 0) == ok || ok && pos.Page != want {
			t.Fatalf("nearest(%d) = %+v, %v; want page %d", page, pos, ok, want)
		}
	}
	if _, ok := c.nearest(Fingerprint("none"), 10, 7); ok {
		t.Fatal("found a position of an unknown query")
	}
	// Updating an entry keeps one entry.
	c.put(fp, Position{Token: "new", Page: 5, Size: 10, Skip: 2})
	if pos, _ := c.nearest(fp, 10, 5); pos.Token != "new" || pos.Skip != 2 || c.Len() != 5 {
		t.Fatalf("update: %+v, Len %d", pos, c.Len())
	}
	c.Clear()
	if _, ok := c.nearest(fp, 10, 7); ok || c.Len() != 0 {
		t.Fatal("Clear left entries")
	}
	var nilCache *BoundaryCache
	nilCache.put(fp, Position{Page: 1, Size: 1})
	if _, ok := nilCache.nearest(fp, 1, 1); ok {
		t.Fatal("nil cache found something")
	}
}

func TestBoundaryCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := NewBoundaryCache(3)
	fp := Fingerprint("q")
	for pg := 1; pg <= 3; pg++ {
		c.put(fp, Position{Page: pg, Size: 1})
	}
	c.nearest(fp, 1, 1) // page 1 becomes the most recently used
	c.put(fp, Position{Page: 4, Size: 1})
	if c.Len() != 3 {
		t.Fatalf("Len = %d", c.Len())
	}
	if pos, ok := c.nearest(fp, 1, 2); !ok || pos.Page != 1 {
		t.Fatalf("page 2 should be evicted and page 1 kept: %+v %v", pos, ok)
	}
	for _, pg := range []int{3, 4} {
		if pos, _ := c.nearest(fp, 1, pg); pos.Page != pg {
			t.Fatalf("page %d evicted", pg)
		}
	}
	// Evicting a group's last entry drops the group.
	c = NewBoundaryCache(1)
	c.put(Fingerprint("a"), Position{Page: 1, Size: 1})
	c.put(Fingerprint("b"), Position{Page: 1, Size: 1})
	if len(c.groups) != 1 || c.Len() != 1 {
		t.Fatalf("groups %d, Len %d", len(c.groups), c.Len())
	}
	if NewBoundaryCache(-1).max != DefaultCacheSize {
		t.Fatal("default capacity")
	}
}

func TestBoundaryCacheConcurrent(t *testing.T) {
	c := NewBoundaryCache(100)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			fp := Fingerprint(string(rune('a' + g%3)))
			for i := range 2000 {
				c.put(fp, Position{Page: 1 + i%300, Size: 1 + g%2})
				c.nearest(fp, 1+g%2, i%300)
				if i%500 == 0 {
					c.Len()
				}
			}
		})
	}
	wg.Wait()
	if c.Len() != 100 {
		t.Fatalf("Len = %d, want 100", c.Len())
	}
	n := 0
	for _, g := range c.groups {
		if len(g.pages) != len(g.entries) {
			t.Fatal("group index out of sync")
		}
		n += len(g.pages)
	}
	if n != 100 {
		t.Fatalf("groups hold %d entries", n)
	}
}
