package mapper_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/mapper"
)

type Base struct {
	ID      string `dynamodbav:"id" dynamo:"pk"`
	Created time.Time
}

type Embedding struct {
	Base
	*Audit
	Name    string           `dynamodbav:"name"`
	Skipped string           `dynamodbav:"-"`
	hidden  string           //lint:ignore U1000 an unexported field, which the mapper must skip
	Count   dynamosql.Number `dynamodbav:"count"`
	AsText  int              `dynamodbav:"as_text,string"`
	Epoch   time.Time        `dynamodbav:"epoch,unixtime"`
}

type Audit struct {
	By string `dynamodbav:"by"`
}

func TestRegisterMetadata(t *testing.T) {
	e, err := mapper.Register[Embedding](mapper.Table("things"),
		mapper.GSI("byName", mapper.Key("name"), mapper.Key("Created", "by")),
		mapper.GSI("byCount", mapper.Key("count")),
		mapper.GSI("byText", mapper.Key("as_text"), mapper.Key("epoch")),
	)
	require.NoError(t, err)
	m := e.Metadata()
	assert.Equal(t, "mapper_test.Embedding", m.Entity)
	assert.Equal(t, "things", m.Table)
	assert.Equal(t, "id", m.PartitionKey)
	assert.Equal(t, "", m.SortKey)
	var names, fields []string
	for _, a := range m.Attributes {
		names = append(names, a.Name)
		fields = append(fields, a.Field)
	}
	assert.Equal(t, []string{"id", "Created", "by", "name", "count", "as_text", "epoch"}, names)
	assert.Equal(t, []string{"Base.ID", "Base.Created", "Audit.By", "Name", "Count", "AsText", "Epoch"}, fields)
	keyTypes := map[string]types.ScalarAttributeType{}
	for _, a := range m.Attributes {
		keyTypes[a.Name] = a.KeyType
	}
	assert.Equal(t, map[string]types.ScalarAttributeType{"id": "S", "Created": "S", "by": "S", "name": "S", "count": "N", "as_text": "S", "epoch": "N"}, keyTypes)
	require.Len(t, m.Composites, 1)
	assert.Equal(t, indexhint.Composite{Attribute: "Created#by", Components: []string{"Created", "by"}, Kinds: []indexhint.ComponentKind{indexhint.KindTime, indexhint.KindString}}, m.Composites[0])
	ix, ok := m.Index("byName")
	require.True(t, ok)
	assert.Equal(t, mapper.Index{Name: "byName", Global: true, PartitionKey: "name", SortKey: "Created#by", PartitionComponents: []string{"name"}, SortComponents: []string{"Created", "by"}}, ix)
	assert.Equal(t, map[string][]string{"byName": {"Created", "by"}, "byText": {"epoch"}}, m.SortIndexes())
	assert.Equal(t, []string{"Created", "by", "epoch"}, m.Sortable())
	_, ok = m.Composite("Created#by")
	assert.True(t, ok)
	assert.Equal(t, []string{"Created", "by"}, mapper.Key("Created", "by").Attributes())
}

func TestRegisterErrors(t *testing.T) {
	type Good struct {
		ID   string  `dynamodbav:"id" dynamo:"pk"`
		SK   int     `dynamodbav:"sk" dynamo:"sk"`
		A    string  `dynamodbav:"a"`
		B    int     `dynamodbav:"b"`
		F    float64 `dynamodbav:"f"`
		Flag bool    `dynamodbav:"flag"`
		A2B  string  `dynamodbav:"a#b"`
		B2A  string  `dynamodbav:"b#a"`
	}
	good := func(opts ...mapper.Option) error {
		_, err := mapper.Register[Good](append([]mapper.Option{mapper.Table("good")}, opts...)...)
		return err
	}
	gsis := make([]mapper.Option, 21)
	for i := range gsis {
		gsis[i] = mapper.GSI(fmt.Sprintf("ix%02d", i), mapper.Key("a"))
	}
	lsis := make([]mapper.Option, 6)
	for i := range lsis {
		lsis[i] = mapper.LSI(fmt.Sprintf("lx%02d", i), mapper.Key("b"))
	}
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"no table", func() error { _, err := mapper.Register[Good](); return err }(), []string{"Good", "no table"}},
		{"two tables", good(mapper.Table("x2x")), []string{"mapper.Table given 2 times"}},
		{"bad table name", func() error { _, err := mapper.Register[Good](mapper.Table("a b")); return err }(), []string{`"a b"`}},
		{"unknown attribute", good(mapper.GSI("ix1", mapper.Key("nope"))), []string{"Good", `index "ix1"`, `"nope"`, "attributes: id, sk, a, b, f, flag, a#b, b#a"}},
		{"bool key", good(mapper.GSI("ix1", mapper.Key("flag"))), []string{`"flag"`, "field Flag", "bool"}},
		{"float component", good(mapper.GSI("ix1", mapper.Key("a"), mapper.Key("b", "f"))), []string{`"f"`, "field F", "float64", "cannot be a component"}},
		{"float plain key is fine", good(mapper.GSI("ix1", mapper.Key("a"), mapper.Key("f"))), nil},
		{"duplicate component", good(mapper.GSI("ix1", mapper.Key("a"), mapper.Key("b", "b"))), []string{`lists attribute "b" twice`}},
		{"duplicate index", good(mapper.GSI("ix1", mapper.Key("a")), mapper.GSI("ix1", mapper.Key("b"))), []string{`index "ix1" is declared twice`}},
		{"bad index name", good(mapper.GSI("x", mapper.Key("a"))), []string{`index name "x"`}},
		{"two sort keys", good(mapper.GSI("ix1", mapper.Key("a"), mapper.Key("b"), mapper.Key("f"))), []string{"2 sort keys"}},
		{"empty partition key", good(mapper.GSI("ix1", mapper.Key())), []string{"names no attribute"}},
		{"same pk and sk", good(mapper.GSI("ix1", mapper.Key("a"), mapper.Key("a"))), []string{"both"}},
		{"composite name clash", good(mapper.GSI("ix1", mapper.Key("b"), mapper.Key("a", "b"))), []string{`attribute "a#b"`, "already field A2B"}},
		{"shared composite", good(mapper.GSI("ix1", mapper.Key("b"), mapper.Key("a", "f2")), mapper.GSI("ix2", mapper.Key("flag"))), []string{`"f2"`}},
		{"same composite twice is one column", good(mapper.GSI("ix1", mapper.Key("b"), mapper.Key("a", "sk")), mapper.GSI("ix2", mapper.Key("a", "sk"))), nil},
		{"composite # collision", good(mapper.GSI("ix1", mapper.Key("a#b", "a")), mapper.GSI("ix2", mapper.Key("a", "b#a"))), []string{`"a#b#a"`}},
		{"lsi same sort key", good(mapper.LSI("lx1", mapper.Key("sk"))), []string{"another sort key"}},
		{"lsi no sort key", good(mapper.LSI("lx1", mapper.Key())), []string{"needs a sort key"}},
		{"too many gsis", good(gsis...), []string{"21 global secondary indexes"}},
		{"too many lsis", good(lsis...), []string{"6 local secondary indexes"}},
	}
	for _, tt := range tests {
		if tt.want == nil {
			assert.NoError(t, tt.err, tt.name)
			continue
		}
		if assert.Error(t, tt.err, tt.name) {
			for _, w := range tt.want {
				assert.Contains(t, tt.err.Error(), w, tt.name)
			}
		}
	}
}

func TestRegisterFieldErrors(t *testing.T) {
	type NoPK struct {
		A string
	}
	type TwoPK struct {
		A string `dynamo:"pk"`
		B string `dynamo:"pk"`
	}
	type BoolPK struct {
		A bool `dynamo:"pk"`
	}
	type StrVersion struct {
		A string `dynamo:"pk"`
		V string `dynamo:"version"`
	}
	type OmitVersion struct {
		A string `dynamo:"pk"`
		V int    `dynamodbav:"v,omitempty" dynamo:"version"`
	}
	type BadRole struct {
		A string `dynamo:"id,pk"`
	}
	type TwoRoles struct {
		A string `dynamo:"pk,sk"`
	}
	type IgnoredKey struct {
		A string `dynamodbav:"-" dynamo:"pk"`
	}
	type Dup struct {
		A string `dynamodbav:"x" dynamo:"pk"`
		B string `dynamodbav:"x"`
	}
	type NoLSI struct {
		A string `dynamo:"pk"`
		B string
	}
	tests := []struct {
		err  error
		want []string
	}{
		{reg[NoPK](), []string{"NoPK", "no partition key"}},
		{reg[TwoPK](), []string{"fields A and B", "pk"}},
		{reg[BoolPK](), []string{"field A", "bool"}},
		{reg[StrVersion](), []string{"field V", "integer"}},
		{reg[OmitVersion](), []string{"field V", "omitempty"}},
		{reg[BadRole](), []string{"field A", `unknown dynamo tag "id"`, "dynamodbav"}},
		{reg[TwoRoles](), []string{"field A", "several roles"}},
		{reg[IgnoredKey](), []string{"field A", `dynamodbav:"-"`}},
		{reg[Dup](), []string{"fields A and B", `"x"`}},
		{reg[NoLSI](mapper.LSI("lx1", mapper.Key("B"))), []string{"needs a table with a sort key"}},
		{func() error { _, err := mapper.Register[*NoPK](mapper.Table("tbl")); return err }(), []string{"not a struct"}},
	}
	for _, tt := range tests {
		if assert.Error(t, tt.err) {
			for _, w := range tt.want {
				assert.Contains(t, tt.err.Error(), w)
			}
		}
	}
	assert.Panics(t, func() { mapper.MustRegister[NoPK](mapper.Table("tbl")) })
}

func reg[T any](opts ...mapper.Option) error {
	_, err := mapper.Register[T](append([]mapper.Option{mapper.Table("tbl")}, opts...)...)
	return err
}
