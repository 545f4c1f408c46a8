package partiql

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestParseCached(t *testing.T) {
	src := `SELECT * FROM "cache_test" WHERE pk = ?`
	a, err := ParseCached(src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseCached(src)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("ParseCached returned a new statement for the same text")
	}
	fresh, _ := Parse(src)
	if !Equal(a, fresh) {
		t.Error("ParseCached differs from Parse")
	}

	bad := `SELECT * FROM cache_test JOIN x`
	_, err1 := ParseCached(bad)
	_, err2 := ParseCached(bad)
	if !errors.Is(err1, ErrUnsupported) || err1 != err2 {
		t.Errorf("cached errors: %v, %v", err1, err2)
	}
}

func TestParseCachedHitDoesNotAllocate(t *testing.T) {
	src := `SELECT * FROM "T" WHERE pk = ? AND sk BETWEEN ? AND ? ORDER BY sk DESC`
	if _, err := ParseCached(src); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseCached(src); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a ParseCached hit allocates %v times", allocs)
	}
}

func TestParseCachedIsBounded(t *testing.T) {
	for i := 0; i < 3*cacheShards*cacheShardCap; i++ {
		if _, err := ParseCached(fmt.Sprintf(`SELECT * FROM "T" WHERE n = %d`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := cacheLen(); n > cacheShards*cacheShardCap {
		t.Errorf("cache holds %d statements, more than %d", n, cacheShards*cacheShardCap)
	}
}

func TestParseCachedConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				src := fmt.Sprintf(`SELECT * FROM "T" WHERE k = %d`, i%50)
				stmt, err := ParseCached(src)
				if err != nil {
					t.Error(err)
					return
				}
				if got := Print(stmt); got != src {
					t.Errorf("Print(ParseCached(%q)) = %q", src, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
