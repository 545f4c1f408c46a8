package pagination

import "encoding/json"

// Page is one page of a result. Its JSON form is
//
//	{"content": [...], "page": 0, "size": 20, "numberOfElements": 20, "hasNext": true, "nextCursor": "..."}
//
// where content is always an array (never null) and nextCursor is omitted
// when it is empty, which Paginate guarantees happens exactly on the last
// page.
type Page[T any] struct {
	// Content holds the items of the page, in order.
	Content []T `json:"content"`
	// Page is the zero-based page number.
	Page int `json:"page"`
	// Size is the requested page size; only the last page holds fewer items.
	Size int `json:"size"`
	// NumberOfElements is len(Content).
	NumberOfElements int `json:"numberOfElements"`
	// HasNext reports whether at least one more item follows this page.
	HasNext bool `json:"hasNext"`
	// NextCursor addresses the next page; "" when HasNext is false.
	NextCursor string `json:"nextCursor,omitempty"`
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
}

// MarshalJSON encodes the page, with a nil Content as an empty array.
func (p Page[T]) MarshalJSON() ([]byte, error) {
	j := pageJSON[T](p)
	if j.Content == nil {
		j.Content = []T{}
	}
	return json.Marshal(j)
}
