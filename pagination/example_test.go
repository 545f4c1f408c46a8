package pagination_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"

	"github.com/dynamosql/dynamosql/pagination"
)

// A Fetch over a slice that behaves like DynamoDB with a filter: limit
// counts the items read, only even numbers match, and pages may be empty.
func evenNumbers(n int) pagination.Fetch[int] {
	return func(ctx context.Context, token string, limit int) ([]int, string, error) {
		start := 0
		if token != "" {
			start, _ = strconv.Atoi(token)
		}
		end := min(start+limit, n)
		var items []int
		for i := start; i < end; i++ {
			if i%2 == 0 {
				items = append(items, i)
			}
		}
		if end == n {
			return items, "", nil
		}
		return items, strconv.Itoa(end), nil
	}
}

func ExamplePaginate() {
	fetch := evenNumbers(25) // 0, 2, ..., 24: 13 items
	opts := pagination.PageOptions{
		Signer:      pagination.NewSigner([]byte("example key, use 32 random bytes")),
		Fingerprint: pagination.Fingerprint("SELECT * FROM numbers WHERE even"),
		Cache:       pagination.NewBoundaryCache(0),
	}
	p := pagination.Pageable{Size: 5}
	for {
		page, err := pagination.Paginate(context.Background(), fetch, p, opts)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(page.Page, page.Content, page.HasNext)
		if !page.HasNext {
			b, _ := json.Marshal(page)
			fmt.Println(string(b))
			break
		}
		p = pagination.Pageable{Cursor: page.NextCursor}
	}
	// page=N without a cursor returns the same page.
	page, _ := pagination.Paginate(context.Background(), fetch, pagination.Pageable{Page: 1, Size: 5}, opts)
	fmt.Println(page.Page, page.Content, page.HasNext)
	// Output:
	// 0 [0 2 4 6 8] true
	// 1 [10 12 14 16 18] true
	// 2 [20 22 24] false
	// {"content":[20,22,24],"page":2,"size":5,"numberOfElements":3,"hasNext":false}
	// 1 [10 12 14 16 18] true
}

func ExampleMiddleware() {
	cfg := pagination.Config{MaxSize: 50}
	mux := http.NewServeMux()
	mux.Handle("GET /users", pagination.Middleware(cfg.WithSortable("lastname", "firstname"))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, _ := pagination.FromContext(r.Context())
			fmt.Fprintf(w, "page %d, size %d, sort %s\n", p.Page, p.Size, p.Sort)
		})))

	for _, target := range []string{"/users?page=2&sort=lastname,desc&sort=firstname", "/users?size=500", "/users?sort=age"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		fmt.Print(rec.Code, " ")
		_, _ = rec.Body.WriteTo(os.Stdout)
	}
	// Output:
	// 200 page 2, size 20, sort lastname,desc;firstname,asc
	// 400 {"error":"invalid_parameter","parameter":"size","message":"size must be an integer between 1 and 50","allowed":{"min":1,"max":50}}
	// 400 {"error":"invalid_parameter","parameter":"sort","message":"cannot sort by \"age\"; sortable properties: lastname, firstname","allowed":{"properties":["lastname","firstname"],"directions":["asc","desc"]}}
}
