package dynamosql

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// slab hands out the attribute values of the arguments of a transaction's
// statements, and their parameter slices, from chunks, so that a
// statement's arguments cost an allocation now and then instead of one
// each. A transaction has one; database/sql never uses its connection from
// two goroutines at once.
//
// What it hands out is never written again: the statements buffered in the
// transaction hold it until the commit, rows of a SELECT run inside the
// transaction until their last page. The slab goes with its transaction,
// so it keeps nothing alive that the transaction's statements do not
// already hold; statements outside a transaction allocate their values
// (nothing would end a slab's chunk on an idle pooled connection).
//
// Each chunk is used up by index: advancing a slice would store a pointer,
// with a write barrier whenever the garbage collector runs.
type slab struct {
	s  []types.AttributeValueMemberS
	n  []types.AttributeValueMemberN
	ps []types.AttributeValue
	si int // next free element of s
	ni int // of n
	pi int // of ps
}

// slabChunk is the number of values (or parameter slots) of a chunk.
const slabChunk = 32

// str returns an S holding v.
func (b *slab) str(v string) *types.AttributeValueMemberS {
	if b.si == len(b.s) {
		b.s, b.si = make([]types.AttributeValueMemberS, slabChunk), 0
	}
	av := &b.s[b.si]
	b.si++
	av.Value = v
	return av
}

// num returns an N holding v.
func (b *slab) num(v string) *types.AttributeValueMemberN {
	if b.ni == len(b.n) {
		b.n, b.ni = make([]types.AttributeValueMemberN, slabChunk), 0
	}
	av := &b.n[b.ni]
	b.ni++
	av.Value = v
	return av
}

// params returns a zeroed parameter slice of length and capacity n (an
// append to it copies it elsewhere).
func (b *slab) params(n int) []types.AttributeValue {
	if n > slabChunk/2 {
		return make([]types.AttributeValue, n)
	}
	if len(b.ps)-b.pi < n {
		b.ps, b.pi = make([]types.AttributeValue, slabChunk), 0
	}
	p := b.ps[b.pi : b.pi+n : b.pi+n]
	b.pi += n
	return p
}
