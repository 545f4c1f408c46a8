package dynamosql

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestItemFormsAreKeptPerNames: the INSERT printed for an item is kept per
// set of attribute names (in any order), up to maxItemForms sets.
func TestItemFormsAreKeptPerNames(t *testing.T) {
	a := analyse(`INSERT INTO "t" VALUE ?`)
	require.NoError(t, a.err)
	require.Equal(t, rewriteItem, a.rw.kind)
	f := a.rw.items
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

	one, err := f.form(map[string]types.AttributeValue{"b": s("2"), "a": s("1"), "it's": s("3")})
	require.NoError(t, err)
	assert.Equal(t, `INSERT INTO "t" VALUE {'a': ?, 'b': ?, 'it''s': ?}`, one.text)
	assert.Equal(t, []types.AttributeValue{s("1"), s("2"), s("3")}, one.params(map[string]types.AttributeValue{"a": s("1"), "b": s("2"), "it's": s("3")}))
	again, err := f.form(map[string]types.AttributeValue{"it's": s("x"), "a": s("y"), "b": s("z")})
	require.NoError(t, err)
	assert.Same(t, one, again, "kept for the same names")

	for i := range maxItemForms + 10 {
		_, err := f.form(map[string]types.AttributeValue{fmt.Sprint("k", i): s("v")})
		require.NoError(t, err)
	}
	kept := 0
	f.forms.Range(func(any, any) bool { kept++; return true })
	assert.Equal(t, maxItemForms, kept, "at most maxItemForms sets are kept")
	past, err := f.form(map[string]types.AttributeValue{"k70": s("v")})
	require.NoError(t, err)
	assert.Equal(t, `INSERT INTO "t" VALUE {'k70': ?}`, past.text, "past the bound, printed each time")
}
