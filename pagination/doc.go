// Package pagination turns ?page=&size=&sort=&cursor= into a page request
// and serves exact pages over DynamoDB results.
//
// # Requests
//
// Middleware (or Parse) reads the paging parameters of a request into a
// Pageable and stores it in the request context, where FromContext finds
// it:
//
//	cfg := pagination.Config{Key: key, MaxSize: 50}
//	mux.Handle("GET /users", pagination.Middleware(cfg.WithSortable("lastname", "firstname"))(usersHandler))
//
//	func usersHandler(w http.ResponseWriter, r *http.Request) {
//		p, _ := pagination.FromContext(r.Context())
//		page, err := pagination.Paginate(r.Context(), fetch, p, pagination.PageOptions{
//			Signer:      cfg.Signer(),
//			Fingerprint: pagination.Fingerprint(stmt, age, p.Sort.String()),
//			Cache:       boundaries,
//		})
//		if err != nil {
//			pagination.WriteError(w, err) // 400 for bad paging parameters
//			return
//		}
//		json.NewEncoder(w).Encode(page)
//	}
//
// Invalid parameters are answered with HTTP 400 and a JSON body naming the
// parameter and what is allowed:
//
//	{"error": "invalid_parameter", "parameter": "size", "message": "size must be an integer between 1 and 50", "allowed": {"min": 1, "max": 50}}
//
// The properties a request may sort by are whitelisted per route: give each
// route its own Middleware, typically with Config.WithSortable.
//
// # Cursors
//
// Each page but the last carries a NextCursor. A cursor is opaque, URL-safe
// and signed (HMAC-SHA256) with the Signer's key; it holds DynamoDB's
// NextToken, the page number and size it leads to, a count of items to skip
// after the token, and a keyed digest of the query Fingerprint. A cursor
// that was edited, truncated, signed with another key or issued for another
// query (another statement, parameters or sort) is refused with
// ErrInvalidCursor, a 400 through the middleware. Cursors are
// tamper-evident, not encrypted: the NextToken inside is only encoded.
//
// Without a configured key a random key is generated once per process.
// Cursors then stop working when the process restarts (clients get a 400 and
// must start again from page 0), and a cursor issued by one replica is
// refused by the others. Services with several replicas, or whose cursors
// must survive deployments, configure the same key (32 random bytes) on
// every replica.
//
// A cursor fixes the page number and the size: a request with a cursor may
// omit page and size, and if it gives them they must equal the cursor's.
//
// # Exact pages
//
// DynamoDB's Limit counts the items read, not the items matched by a
// filter, so one DynamoDB page may be short or empty and still be followed
// by more; only a missing NextToken ends a result. Paginate reads as many
// DynamoDB pages as needed to fill a page with exactly Size items, and the
// position after the page's last item is exact. HasNext is true only if
// another item exists: Paginate reads ahead to find one (trailing empty
// DynamoDB pages are read and passed over) but the next page still starts
// right after the last item returned.
//
// # Cost
//
// PaginateCarrying (which mapper.Repository.FindPage uses) reads the
// look-ahead item with the page and carries the items read beyond the page
// in the cursor, so a page reached by cursor usually costs one request;
// Paginate costs two (the page, then the look-ahead). Under a filter,
// reads are sized by the fraction of items that matched and grow fourfold
// after a read that matched nothing, so a selective filter costs a few
// large requests, not one per item. page=N without a cursor reads every
// matching item before the page, from the nearest boundary the
// BoundaryCache remembers; MaxPage bounds it. A Budget bounds the items
// read and the time spent by one call: when it runs out, the answer is a
// partial page whose cursor continues it. The repository's
// docs/pagination.md gives the full cost model with measurements.
package pagination
