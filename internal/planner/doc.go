// Package planner routes a SELECT to the index of its table that its WHERE
// clause can use, rewrites conditions and ORDER BY on composite columns,
// and classifies the access path (single item, query, scan), from the
// table descriptions and composite columns of an indexhint.Catalog.
//
// It works on the driver's parsed statements (internal/partiql), which is
// why it is internal: the public face of index hints is the indexhint
// package (catalog, composite codec, Access) and the driver's Explain.
// A Planner holds no plan cache of its own: the driver keeps each plan with
// the statement it was made for (see Entry).
package planner

import "github.com/dynamosql/dynamosql/indexhint"

// The catalog's types, under the names the planner has always used.
type (
	// Access is indexhint.Access.
	Access = indexhint.Access
	// Table is indexhint.Table.
	Table = indexhint.Table
	// Index is indexhint.Index.
	Index = indexhint.Index
	// KeySchema is indexhint.KeySchema.
	KeySchema = indexhint.KeySchema
	// Composite is indexhint.Composite.
	Composite = indexhint.Composite
	// ComponentKind is indexhint.ComponentKind.
	ComponentKind = indexhint.ComponentKind
	// KeyCondition is indexhint.KeyCondition.
	KeyCondition = indexhint.KeyCondition
)

// The access paths and the catalog's constants.
const (
	AccessUnknown = indexhint.AccessUnknown
	AccessItem    = indexhint.AccessItem
	AccessQuery   = indexhint.AccessQuery
	AccessScan    = indexhint.AccessScan

	KindString = indexhint.KindString
	KindInt    = indexhint.KindInt
	KindTime   = indexhint.KindTime
	KindBytes  = indexhint.KindBytes

	OpEq         = indexhint.OpEq
	OpLt         = indexhint.OpLt
	OpLe         = indexhint.OpLe
	OpGt         = indexhint.OpGt
	OpGe         = indexhint.OpGe
	OpBetween    = indexhint.OpBetween
	OpBeginsWith = indexhint.OpBeginsWith
)

// ErrTableNotFound is indexhint.ErrTableNotFound.
var ErrTableNotFound = indexhint.ErrTableNotFound
