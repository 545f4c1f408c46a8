package pagination

import "time"

// DefaultReadBudget is the most items one Paginate call reads when no
// Budget says otherwise: about one full DynamoDB page (1 MB) of items of
// 100 bytes.
const DefaultReadBudget = 10000

// Budget bounds the work of one Paginate call, so that a query whose
// filter matches few items (or none) cannot turn one page request into a
// read of the whole table. When the budget runs out, Paginate returns what
// it has as a partial page (see Page.Partial) whose NextCursor continues
// the reads; page=N without a cursor, which must first read past N pages,
// fails instead with a *ParamError for "page" (HTTP 400).
//
// Every call reads at least once, so following the cursors of partial
// pages always progresses.
type Budget struct {
	// Items is the most items one call reads (evaluates, whether they
	// match or not), counted as the sum of the limits of its reads: an
	// upper bound, since DynamoDB stops a read at 1 MB. Zero means
	// DefaultReadBudget; a negative value means no bound.
	Items int
	// Time bounds how long one call keeps reading: no read starts once
	// Time has passed since the call began (a read in flight finishes, or
	// ends with the context). Zero means no bound.
	Time time.Duration
}

// merge returns b with the fields that o sets replaced.
func (b Budget) merge(o Budget) Budget {
	if o.Items != 0 {
		b.Items = o.Items
	}
	if o.Time != 0 {
		b.Time = o.Time
	}
	return b
}
