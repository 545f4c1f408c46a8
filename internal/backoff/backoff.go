// Package backoff is the one pause between attempts that every retry loop
// of the driver and the mapper uses: exponential growth from a base, a
// cap, and "equal jitter" (a random half on top of a fixed half), so that
// clients retrying together spread out without ever retrying at once.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy is a backoff: the pause before retry n (n >= 1) is Base·2^(n-1),
// at most Max, of which a random half.
type Policy struct {
	Base time.Duration
	Max  time.Duration
}

// Duration returns the pause before retry n (n >= 1): a random duration
// from half of Base·2^(n-1) (capped at Max) to all of it.
func (p Policy) Duration(n int) time.Duration {
	d := p.Base
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// Sleep pauses before retry n, or until ctx ends: then it returns
// ctx.Err().
func (p Policy) Sleep(ctx context.Context, n int) error {
	d := p.Duration(n)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
