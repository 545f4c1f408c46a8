// Package itemkey finds two operations on one item: DynamoDB refuses a
// transaction, and a BatchWriteItem request, that touch an item twice.
// Append writes a canonical text of a key value (equal texts for equal
// keys, numbers compared by value); Index finds the first repeat among the
// keys of a list of operations. The driver's transactions and the mapper's
// batch writes share it.
package itemkey

import (
	"hash/maphash"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/internal/decimal"
)

// Append appends the canonical text of a key attribute value to b: its
// type (S, N or B), its length and its bytes, numbers spelled canonically.
// The texts of several attributes can be concatenated without ambiguity.
// It reports false for a value of another type (no key attribute has one).
func Append(b []byte, av types.AttributeValue) ([]byte, bool) {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return AppendString(b, v.Value), true
	case *types.AttributeValueMemberN:
		return AppendNumber(b, v.Value), true
	case *types.AttributeValueMemberB:
		return appendTaggedBytes(b, 'B', v.Value), true
	}
	return b, false
}

// AppendString appends the canonical text of the string key value s.
func AppendString(b []byte, s string) []byte { return appendTagged(b, 'S', s) }

// AppendNumber appends the canonical text of the number key value n.
func AppendNumber(b []byte, n string) []byte { return appendTagged(b, 'N', decimal.Key(n)) }

// appendTagged and appendTaggedBytes are one function for a string and
// for bytes. Not a generic function: called through its dictionary, a
// generic function makes escape analysis send b to the heap, and the
// callers' stack buffers with it (one allocation per statement of a
// transaction).
func appendTagged(b []byte, tag byte, s string) []byte {
	b = appendHeader(b, tag, len(s))
	return append(b, s...)
}

func appendTaggedBytes(b []byte, tag byte, s []byte) []byte {
	b = appendHeader(b, tag, len(s))
	return append(b, s...)
}

func appendHeader(b []byte, tag byte, n int) []byte {
	b = append(b, tag)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, ':')
}

// Index remembers the keys of numbered operations and finds repeats. It
// keeps hashes, not texts, so that adding a key allocates nothing; a hash
// two different keys share is told apart by asking for the earlier key's
// text again. The zero Index is ready to use.
type Index struct {
	seed   maphash.Seed
	hashes map[uint64]int
	exact  map[string]int // keys whose hash another key has too
	// Collide makes every key hash alike (tests of the collision path).
	Collide bool
	// SizeHint, when set before the first Add, is how many keys to make
	// room for at once (growing the index a doubling at a time allocates
	// each time).
	SizeHint int
}

// Add records key k of operation i, unless an earlier operation has the
// same key: then it returns that operation and true. keyOf returns the key
// text of an earlier operation (it is called only on a hash collision).
func (x *Index) Add(k []byte, i int, keyOf func(j int) []byte) (int, bool) {
	if x.hashes == nil {
		x.seed = maphash.MakeSeed()
		x.hashes = make(map[uint64]int, x.SizeHint)
	}
	h := uint64(42)
	if !x.Collide {
		h = maphash.Bytes(x.seed, k)
	}
	prev, seen := x.hashes[h]
	if !seen {
		x.hashes[h] = i
		return 0, false
	}
	if string(keyOf(prev)) == string(k) {
		return prev, true
	}
	if j, dup := x.exact[string(k)]; dup {
		return j, true
	}
	if x.exact == nil {
		x.exact = make(map[string]int)
	}
	x.exact[string(k)] = i
	return 0, false
}

// Forget removes the keys of operations numbered from base on.
func (x *Index) Forget(base int) {
	for h, j := range x.hashes {
		if j >= base {
			delete(x.hashes, h)
		}
	}
	for k, j := range x.exact {
		if j >= base {
			delete(x.exact, k)
		}
	}
}
