package pagination

import "encoding/json"

// Page is one page of a result. Its JSON form is
//
//	{"content": [...], "page": 0, "size": 20, "numberOfElements": 20, "hasNext": true, "nextCursor": "..."}
//
// where content is always an array (never null) and nextCursor is omitted
// when it is empty, which Paginate guarantees happens exactly on the last
// page. An answer cut short by the read budget (see Budget) also has
// "partial": true, and the answer that continues it "offset": n.
type Page[T any] struct {
	// Content holds the items of the page, in order.
	Content []T `json:"content"`
	// Page is the zero-based page number.
	Page int `json:"page"`
	// Size is the requested page size; only the last page holds fewer
	// items (and the answers of a page split by the read budget).
	Size int `json:"size"`
	// NumberOfElements is len(Content).
	NumberOfElements int `json:"numberOfElements"`
	// HasNext reports whether at least one more item follows this page.
	// On a partial answer it is true and means "not known to have ended":
	// follow NextCursor.
	HasNext bool `json:"hasNext"`
	// NextCursor addresses the next page (or, after a partial answer, the
	// rest of this one); "" when HasNext is false.
	NextCursor string `json:"nextCursor,omitempty"`
	// Offset is how many items of this page earlier answers already
	// returned: non-zero only in an answer that continues a partial one.
	Offset int `json:"offset,omitempty"`
	// Partial reports that the read budget ran out before the page was
	// complete (Content holds fewer items than the page still needed), or
	// before Paginate could tell whether another item follows. NextCursor
	// then continues where the reads stopped: this page's remaining items
	// when Content is short, the next page otherwise.
	Partial bool `json:"partial,omitempty"`
}

// pageJSON has the same fields and tags as Page; it carries the default
// encoding without recursing into Page.MarshalJSON.
type pageJSON[T any] struct {
	Content          []T    `json:"content"`
	Page             int    `json:"page"`
	Size             int    `json:"size"`
	NumberOfElements int    `json:"numberOfElements"`
	HasNext          bool   `json:"hasNext"`
	NextCursor       string `json:"nextCursor,omitempty"`
	Offset           int    `json:"offset,omitempty"`
	Partial          bool   `json:"partial,omitempty"`
}

// MarshalJSON encodes the page, with a nil Content as an empty array.
func (p Page[T]) MarshalJSON() ([]byte, error) {
	j := pageJSON[T](p)
	if j.Content == nil {
		j.Content = []T{}
	}
	return json.Marshal(j)
}
