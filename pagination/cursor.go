package pagination

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"sync"
)

// MaxCursorLength is the longest cursor, in characters, that is encoded or
// accepted. Longer cursors are refused before any work is done.
const MaxCursorLength = 8192

// Layout of a cursor before base64url encoding. Version 1:
//
//	version     1 byte (1)
//	binding     16 bytes: HMAC(bindKey, fingerprint), truncated
//	page        uvarint
//	size        uvarint
//	skip        uvarint
//	token len   uvarint
//	token       bytes
//	mac         32 bytes: HMAC-SHA256(macKey, all of the above)
//
// Version 2 has the same fields, then, before the mac:
//
//	filled      uvarint
//	rate        uvarint
//	reread      uvarint
//	carry len   uvarint
//	carry       bytes
//
// A position whose version 2 fields are all zero is encoded as version 1,
// so cursors issued before version 2 existed keep working and every
// position has exactly one encoding.
const (
	cursorV1     = 1
	cursorV2     = 2
	bindingLen   = 16
	macLen       = sha256.Size
	minCursorLen = 1 + bindingLen + 4 + macLen
)

var cursorEncoding = base64.RawURLEncoding.Strict()

// processKey is the random key used by NewSigner(nil), generated once per
// process.
var processKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails (crypto/rand panics on failure)
	return k
})

// Position is a place in a result: resume reading at Token, then skip Skip
// matching items. It is what a cursor carries, together with the page
// number and size it leads to.
type Position struct {
	// Token is DynamoDB's NextToken to resume at; "" is the start of the
	// result.
	Token string
	// Page is the zero-based number of the page that starts here.
	Page int
	// Size is the page size the position was computed for.
	Size int
	// Skip is the number of matching items to skip after resuming at
	// Token (non-zero only when a read returned more items than needed).
	Skip int
	// Carry holds matching items that come before the ones at Token: the
	// first items of the page, read along with the previous page so that
	// it costs no request of its own. It is opaque (the items encoded by
	// an ItemCodec, each prefixed with its length); "" when none.
	Carry string
	// Filled is how many items of page Page were already returned (by a
	// partial answer, see Page.Partial): the position is inside the page,
	// and the next answer holds the rest of it.
	Filled int
	// Rate is the fraction of the items read that matched the query's
	// filter so far, in units of 1/RateScale (1 to RateScale); 0 when
	// unknown. It only sizes the next reads.
	Rate int
	// Reread, when Skip is not zero, is the limit of the read at Token
	// that returned the items to skip: reading it again with that limit
	// returns them (and the ones after them) and ends on a token, so the
	// skipped items cost one request. 0 when unknown.
	Reread int
}

// RateScale is the unit of Position.Rate: a Rate of RateScale means every
// item read matched.
const RateScale = 10000

// v2 reports whether pos needs version 2 of the cursor layout.
func (pos Position) v2() bool {
	return pos.Filled != 0 || pos.Rate != 0 || pos.Reread != 0 || pos.Carry != ""
}

// Signer encodes positions into cursors and decodes them back. A cursor is
// opaque, URL-safe (base64url without padding) and tamper-evident: it is
// signed with HMAC-SHA256 and bound to the query it was issued for. A
// Signer is safe for concurrent use.
type Signer struct {
	macKey  []byte
	bindKey []byte
}

// NewSigner returns a Signer using key, which should be at least 32 random
// bytes and is shared by every replica of a service. A nil or empty key
// selects a random key generated once per process: every Signer created
// without a key in the same process shares it, but cursors then become
// invalid when the process restarts, and a cursor issued by one replica is
// refused by another. Configure a key when cursors must survive restarts or
// be served by several replicas; rotating the key invalidates all cursors.
func NewSigner(key []byte) *Signer {
	if len(key) == 0 {
		key = processKey()
	}
	return &Signer{
		macKey:  derive(key, "dynamosql/pagination cursor mac v1"),
		bindKey: derive(key, "dynamosql/pagination query binding v1"),
	}
}

func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Fingerprint hashes the parts that identify a query (its statement, its
// parameters, its sort: everything that determines the items and their
// order, but not the page, size or cursor) into a 32-byte SHA-256 digest.
// Each part is length-prefixed, so ("ab", "c") and ("a", "bc") differ.
func Fingerprint(parts ...string) []byte {
	h := sha256.New()
	h.Write([]byte("dynamosql/pagination fingerprint v1\x00"))
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

func (s *Signer) binding(fingerprint []byte) []byte {
	m := hmac.New(sha256.New, s.bindKey)
	m.Write(fingerprint)
	return m.Sum(nil)[:bindingLen]
}

func (s *Signer) mac(b []byte) hash.Hash {
	m := hmac.New(sha256.New, s.macKey)
	m.Write(b)
	return m
}

// Encode returns the cursor for pos in the query identified by fingerprint.
// It fails when pos is out of range (negative page or skip, size below 1)
// or when the cursor would exceed MaxCursorLength (a NextToken longer than
// about 6 KB).
func (s *Signer) Encode(pos Position, fingerprint []byte) (string, error) {
	if pos.Page < 0 || pos.Skip < 0 || pos.Size < 1 || pos.Filled < 0 || pos.Filled >= pos.Size || pos.Rate < 0 || pos.Rate > RateScale || pos.Reread < 0 || pos.Reread > math.MaxInt32 ||
		pos.Page > math.MaxInt32 || pos.Skip > math.MaxInt32 || pos.Size > math.MaxInt32 {
		return "", fmt.Errorf("pagination: cannot encode position with page %d, size %d, skip %d, filled %d, rate %d", pos.Page, pos.Size, pos.Skip, pos.Filled, pos.Rate)
	}
	if n := cursorEncoding.EncodedLen(minCursorLen + 8*binary.MaxVarintLen32 + len(pos.Token) + len(pos.Carry)); n > MaxCursorLength {
		return "", fmt.Errorf("pagination: cursor would be about %d characters, over the limit of %d: NextToken of %d bytes and %d bytes of carried items are too long", n, MaxCursorLength, len(pos.Token), len(pos.Carry))
	}
	b := make([]byte, 0, minCursorLen+8*binary.MaxVarintLen32+len(pos.Token)+len(pos.Carry))
	if pos.v2() {
		b = append(b, cursorV2)
	} else {
		b = append(b, cursorV1)
	}
	b = append(b, s.binding(fingerprint)...)
	b = binary.AppendUvarint(b, uint64(pos.Page))
	b = binary.AppendUvarint(b, uint64(pos.Size))
	b = binary.AppendUvarint(b, uint64(pos.Skip))
	b = binary.AppendUvarint(b, uint64(len(pos.Token)))
	b = append(b, pos.Token...)
	if pos.v2() {
		b = binary.AppendUvarint(b, uint64(pos.Filled))
		b = binary.AppendUvarint(b, uint64(pos.Rate))
		b = binary.AppendUvarint(b, uint64(pos.Reread))
		b = binary.AppendUvarint(b, uint64(len(pos.Carry)))
		b = append(b, pos.Carry...)
	}
	b = s.mac(b).Sum(b)
	if n := cursorEncoding.EncodedLen(len(b)); n > MaxCursorLength {
		return "", fmt.Errorf("pagination: cursor would be %d characters, over the limit of %d: NextToken of %d bytes and %d bytes of carried items are too long", n, MaxCursorLength, len(pos.Token), len(pos.Carry))
	}
	return cursorEncoding.EncodeToString(b), nil
}

// Decode returns the position in cursor, after checking that it was issued
// by this Signer's key for the query identified by fingerprint. Any other
// cursor (malformed, too long, edited, truncated, signed with another key,
// issued for another query) yields an error matching ErrInvalidCursor that
// says why without repeating the cursor. The signature and the query
// binding are compared in constant time.
func (s *Signer) Decode(cursor string, fingerprint []byte) (Position, error) {
	body, err := s.open(cursor)
	if err != nil {
		return Position{}, err
	}
	if !hmac.Equal(body[1:1+bindingLen], s.binding(fingerprint)) {
		return Position{}, &cursorError{"it belongs to another query (other statement, parameters or sort)"}
	}
	return parseBody(body)
}

// Verify checks the cursor's format and signature, without checking which
// query it belongs to, and returns the page number and size it leads to.
// The middleware uses it; Paginate later checks the query with Decode.
func (s *Signer) Verify(cursor string) (page, size int, err error) {
	body, err := s.open(cursor)
	if err != nil {
		return 0, 0, err
	}
	pos, err := parseBody(body)
	if err != nil {
		return 0, 0, err
	}
	return pos.Page, pos.Size, nil
}

// open decodes cursor and checks its version and signature, returning the
// signed body (without the MAC).
func (s *Signer) open(cursor string) ([]byte, error) {
	switch {
	case cursor == "":
		return nil, &cursorError{"it is empty"}
	case len(cursor) > MaxCursorLength:
		return nil, &cursorError{fmt.Sprintf("it is longer than %d characters", MaxCursorLength)}
	}
	for i := 0; i < len(cursor); i++ {
		if !isBase64URL(cursor[i]) {
			return nil, &cursorError{"it contains characters outside the base64url alphabet"}
		}
	}
	raw, err := cursorEncoding.DecodeString(cursor)
	if err != nil {
		return nil, &cursorError{"it is not valid base64url"}
	}
	if len(raw) < minCursorLen {
		return nil, &cursorError{"it is too short (truncated?)"}
	}
	if raw[0] != cursorV1 && raw[0] != cursorV2 {
		return nil, &cursorError{"its version is not supported"}
	}
	body, sum := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(s.mac(body).Sum(nil), sum) {
		return nil, &cursorError{"its signature does not match (edited, truncated or issued with another key)"}
	}
	return body, nil
}

var errMalformed = &cursorError{"it is malformed"}

// parseBody parses a signed body. The body is authentic, so failures here
// mean a bug or a key shared with an incompatible writer.
func parseBody(body []byte) (Position, error) {
	b := body[1+bindingLen:]
	uvarint := func() (int, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > math.MaxInt32 {
			return 0, false
		}
		b = b[n:]
		return int(v), true
	}
	blob := func() (string, bool) {
		n, ok := uvarint()
		if !ok || n > len(b) {
			return "", false
		}
		s := string(b[:n])
		b = b[n:]
		return s, true
	}
	var pos Position
	var ok [4]bool
	pos.Page, ok[0] = uvarint()
	pos.Size, ok[1] = uvarint()
	pos.Skip, ok[2] = uvarint()
	pos.Token, ok[3] = blob()
	if ok != [4]bool{true, true, true, true} || pos.Size < 1 {
		return Position{}, errMalformed
	}
	if body[0] == cursorV2 {
		pos.Filled, ok[0] = uvarint()
		pos.Rate, ok[1] = uvarint()
		pos.Reread, ok[2] = uvarint()
		pos.Carry, ok[3] = blob()
		if ok != [4]bool{true, true, true, true} || pos.Filled >= pos.Size || pos.Rate > RateScale {
			return Position{}, errMalformed
		}
	}
	if len(b) != 0 {
		return Position{}, errMalformed
	}
	return pos, nil
}

func isBase64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
