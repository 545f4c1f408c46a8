package planner

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

// The hand-built catalog of the planner tests.
var (
	userTable = &Table{
		Name: "user",
		Key:  KeySchema{PartitionKey: "id"},
		Indexes: []Index{
			{Name: "byEmail", Global: true, Key: KeySchema{PartitionKey: "email"}, Projection: types.ProjectionTypeKeysOnly},
			{Name: "byAge", Global: true, Key: KeySchema{PartitionKey: "age", SortKey: "name"}, Projection: types.ProjectionTypeAll},
			{Name: "ageIndex", Global: true, Key: KeySchema{PartitionKey: "age", SortKey: "lastname#firstname"}, Projection: types.ProjectionTypeAll},
			{Name: "byCity", Global: true, Key: KeySchema{PartitionKey: "city", SortKey: "age"}, Projection: types.ProjectionTypeInclude, NonKeyAttributes: []string{"name"}},
			{Name: "byDay", Global: true, Key: KeySchema{PartitionKey: "city", SortKey: "day#seq"}, Projection: types.ProjectionTypeAll},
			{Name: "byTenant", Global: true, Key: KeySchema{PartitionKey: "tenant#region", SortKey: "id"}, Projection: types.ProjectionTypeAll},
		},
	}
	userComposites = []Composite{
		{Attribute: "lastname#firstname", Components: []string{"lastname", "firstname"}, Kinds: []ComponentKind{KindString, KindString}},
		{Attribute: "tenant#region", Components: []string{"tenant", "region"}, Kinds: []ComponentKind{KindString, KindString}},
		{Attribute: "day#seq", Components: []string{"day", "seq"}, Kinds: []ComponentKind{KindTime, KindInt}},
	}
	ordersTable = &Table{
		Name: "orders",
		Key:  KeySchema{PartitionKey: "customer", SortKey: "orderId"},
		Indexes: []Index{
			{Name: "byStatus", Global: true, Key: KeySchema{PartitionKey: "status", SortKey: "date"}, Projection: types.ProjectionTypeAll},
			{Name: "byDate", Key: KeySchema{PartitionKey: "customer", SortKey: "date"}, Projection: types.ProjectionTypeKeysOnly},
			{Name: "byTotal", Key: KeySchema{PartitionKey: "customer", SortKey: "total"}, Projection: types.ProjectionTypeAll},
		},
	}
)

// enc and pre spell the expected composite parameters.
func encFull(vals ...any) string {
	s, err := indexhint.EncodeComposite(vals...)
	if err != nil {
		panic(err)
	}
	return s
}

func encPrefix(vals ...any) string {
	s, err := indexhint.EncodeCompositePrefix(vals...)
	if err != nil {
		panic(err)
	}
	return s
}

// avText renders a parameter for comparison: an S as its text, an N as
// "N:" and its text.
func avText(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return "N:" + v.Value
	}
	return fmt.Sprintf("%T", av)
}

func avS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func avN(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func TestPlanSelect(t *testing.T) {
	tests := []struct {
		name   string
		table  *Table
		opts   Options
		in     string
		want   string // "" means sent as written
		index  string
		access Access
		args   []types.AttributeValue // nil means S values "p0", "p1", ...
		params []string               // nil means the input parameters unchanged
		reason []string               // substrings of Reason
	}{
		{name: "full key", table: userTable,
			in: `SELECT * FROM "user" WHERE id = ?`, access: AccessItem,
			reason: []string{"single-item read"}},
		{name: "table pk wins over an index", table: userTable,
			in: `SELECT * FROM "user" WHERE id = ? AND age = ?`, access: AccessItem},
		{name: "keys only index refuses SELECT *", table: userTable,
			in: `SELECT * FROM "user" WHERE email = ?`, access: AccessScan,
			reason: []string{`not global index "byEmail": SELECT * needs every attribute and it projects KEYS_ONLY`}},
		{name: "keys only index serves its keys", table: userTable,
			in:   `SELECT id, email FROM "user" WHERE email = ?`,
			want: `SELECT id, email FROM "user"."byEmail" WHERE email = ?`, index: "byEmail", access: AccessQuery,
			reason: []string{`query on global index "byEmail"`, `partition key "id" has no = or IN`}},
		{name: "keys only index lacks an attribute of the projection", table: userTable,
			in: `SELECT id, name FROM "user" WHERE email = ?`, access: AccessScan,
			reason: []string{`its KEYS_ONLY projection lacks "name"`}},
		{name: "keys only index lacks an attribute of WHERE", table: userTable,
			in: `SELECT id FROM "user" WHERE email = ? AND score > 3`, access: AccessScan},
		{name: "include projection", table: userTable,
			in:   `SELECT id, name FROM "user" WHERE city = ? AND age > ?`,
			want: `SELECT id, name FROM "user"."byCity" WHERE city = ? AND age > ?`, index: "byCity", access: AccessQuery},
		{name: "include projection lacks", table: userTable,
			in:   `SELECT id, score FROM "user" WHERE city = ?`,
			want: `SELECT id, score FROM "user"."byDay" WHERE city = ?`, index: "byDay", access: AccessQuery,
			reason: []string{`not global index "byCity": its INCLUDE projection lacks "score"`}},
		{name: "single sort key preferred", table: userTable,
			in:   `SELECT * FROM "user" WHERE age = ? AND name > ?`,
			want: `SELECT * FROM "user"."byAge" WHERE age = ? AND name > ?`, index: "byAge", access: AccessQuery,
			reason: []string{`range condition on its sort key "name"`}},
		{name: "param on the left", table: userTable,
			in:   `SELECT * FROM "user" WHERE ? = age AND begins_with(name, ?)`,
			want: `SELECT * FROM "user"."byAge" WHERE ? = age AND begins_with(name, ?)`, index: "byAge", access: AccessQuery},
		{name: "first index on a tie", table: userTable,
			in:   `SELECT * FROM "user" WHERE age = ?`,
			want: `SELECT * FROM "user"."byAge" WHERE age = ?`, index: "byAge", access: AccessQuery},
		{name: "IN on an index partition key", table: userTable,
			in:   `SELECT * FROM "user" WHERE age IN [?, ?] AND x = 1`,
			want: `SELECT * FROM "user"."byAge" WHERE age IN [?, ?] AND x = 1`, index: "byAge", access: AccessQuery,
			reason: []string{`IN on its partition key "age"`}},
		{name: "composite equality", table: userTable,
			in:     `SELECT * FROM "user" WHERE age = ? AND lastname = ? AND firstname = ?`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE age = ? AND "lastname#firstname" = ?`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{"p0", encFull("p1", "p2")},
			reason: []string{`= on "lastname", "firstname", the components of its sort key "lastname#firstname"`}},
		{name: "composite equality in another order", table: userTable,
			in:     `SELECT * FROM "user" WHERE firstname = ? AND x = ? AND lastname = ? AND age = ?`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE "lastname#firstname" = ? AND x = ? AND age = ?`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{encFull("p2", "p0"), "p1", "p3"}},
		{name: "composite prefix", table: userTable,
			in:     `SELECT * FROM "user" WHERE lastname = ? AND age = ?`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE begins_with("lastname#firstname", ?) AND age = ?`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{encPrefix("p0"), "p1"},
			reason: []string{`= on "lastname", leading components of its sort key "lastname#firstname"`}},
		{name: "composite prefix from a literal", table: userTable,
			in:     `SELECT * FROM "user" WHERE age = ? AND lastname = 'Smith'`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE age = ? AND begins_with("lastname#firstname", ?)`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{"p0", encPrefix("Smith")}},
		{name: "composite prefix and a range on the next component", table: userTable,
			in:     `SELECT * FROM "user" WHERE age = ? AND lastname = ? AND firstname > ?`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE age = ? AND "lastname#firstname" BETWEEN ? AND ? AND firstname > ?`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{"p0", encFull("p1", "p2") + "$", "p1$", "p2"},
			reason: []string{`= on "lastname" and > on "firstname"`}},
		{name: "range on the first component", table: userTable,
			in:     `SELECT * FROM "user" WHERE lastname < ? AND age = ?`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE "lastname#firstname" < ? AND lastname < ? AND age = ?`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{"p0#", "p0", "p1"}},
		{name: "BETWEEN on the first component", table: userTable,
			in:     `SELECT * FROM "user" WHERE age = ? AND lastname BETWEEN ? AND ?`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE age = ? AND "lastname#firstname" BETWEEN ? AND ? AND lastname BETWEEN ? AND ?`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{"p0", "p1#", "p2$", "p1", "p2"}},
		{name: "begins_with on the second component", table: userTable,
			in:     `SELECT * FROM "user" WHERE age = ? AND lastname = ? AND begins_with(firstname, ?)`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE age = ? AND begins_with("lastname#firstname", ?) AND begins_with(firstname, ?)`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{"p0", "p1#p2", "p2"}},
		{name: "reversed comparison on a component", table: userTable,
			in:     `SELECT * FROM "user" WHERE age = ? AND lastname = ? AND ? <= firstname`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE age = ? AND "lastname#firstname" BETWEEN ? AND ? AND ? <= firstname`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{"p0", "p1#p2", "p1$", "p2"}},
		{name: "time components keep their equalities", table: userTable,
			in:     `SELECT * FROM "user" WHERE city = ? AND "day" = ? AND seq = ?`,
			args:   []types.AttributeValue{avS("Paris"), avS("2024-05-01T10:00:00+02:00"), avN("7")},
			want:   `SELECT * FROM "user"."byDay" WHERE city = ? AND "day#seq" = ? AND "day" = ? AND seq = ?`,
			index:  "byDay",
			access: AccessQuery,
			params: []string{"Paris", "2024-05-01T08:00:00.000000000Z#P0000000000000000007", "2024-05-01T10:00:00+02:00", "N:7"}},
		{name: "an integer component", table: userTable,
			in:     `SELECT * FROM "user" WHERE city = ? AND "day" = '2024-05-01T08:00:00Z' AND seq >= 10`,
			want:   `SELECT * FROM "user"."byDay" WHERE city = ? AND "day#seq" BETWEEN ? AND ? AND "day" = '2024-05-01T08:00:00Z' AND seq >= 10`,
			index:  "byDay",
			access: AccessQuery,
			params: []string{"p0", "2024-05-01T08:00:00.000000000Z#P0000000000000000010", "2024-05-01T08:00:00.000000000Z$"}},
		{name: "only the second component does not match", table: userTable,
			in:   `SELECT * FROM "user" WHERE age = ? AND firstname = ?`,
			want: `SELECT * FROM "user"."byAge" WHERE age = ? AND firstname = ?`, index: "byAge", access: AccessQuery},
		{name: "composite ORDER BY", table: userTable,
			in:     `SELECT * FROM "user" WHERE age = ? ORDER BY lastname, firstname`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE age = ? ORDER BY "lastname#firstname"`,
			index:  "ageIndex",
			access: AccessQuery,
			reason: []string{`ORDER BY "lastname#firstname"`}},
		{name: "composite ORDER BY on the first component, descending", table: userTable,
			in:     `SELECT * FROM "user" WHERE age = ? AND lastname = ? ORDER BY lastname DESC`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE age = ? AND begins_with("lastname#firstname", ?) ORDER BY "lastname#firstname" DESC`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{"p0", encPrefix("p1")}},
		{name: "ORDER BY picks the index", table: userTable,
			in:   `SELECT * FROM "user" WHERE age = ? AND lastname = ? ORDER BY name`,
			want: `SELECT * FROM "user"."byAge" WHERE age = ? AND lastname = ? ORDER BY name`, index: "byAge", access: AccessQuery},
		{name: "ORDER BY mixed directions on components is not on the key", table: userTable,
			in:   `SELECT * FROM "user" WHERE age = ? ORDER BY lastname, firstname DESC`,
			want: `SELECT * FROM "user"."byAge" WHERE age = ? ORDER BY lastname, firstname DESC`, index: "byAge", access: AccessQuery,
			reason: []string{"ORDER BY is not on the key", "DynamoDB will refuse it"}},
		{name: "composite partition key", table: userTable,
			in:     `SELECT * FROM "user" WHERE region = ? AND tenant = ?`,
			want:   `SELECT * FROM "user"."byTenant" WHERE "tenant#region" = ?`,
			index:  "byTenant",
			access: AccessQuery,
			params: []string{encFull("p1", "p0")}},
		{name: "half a composite partition key is a scan", table: userTable,
			in: `SELECT * FROM "user" WHERE tenant = ?`, access: AccessScan,
			reason: []string{`"tenant" and "region" (index "byTenant")`}},
		{name: "no WHERE", table: userTable,
			in: `SELECT * FROM "user"`, access: AccessScan,
			reason: []string{`scan of table "user"`, `needs one on "id" (table) or "email" (index "byEmail") or "age" (index "byAge")`}},
		{name: "range on a partition key", table: userTable,
			in: `SELECT * FROM "user" WHERE age > ?`, access: AccessScan},
		{name: "OR", table: userTable,
			in: `SELECT * FROM "user" WHERE age = ? OR id = ?`, access: AccessScan},
		{name: "NOT IN", table: userTable,
			in: `SELECT * FROM "user" WHERE age NOT IN [1, 2]`, access: AccessScan},
		{name: "attribute compared with an attribute", table: userTable,
			in: `SELECT * FROM "user" WHERE age = score`, access: AccessScan},
		{name: "FROM names an index", table: userTable,
			in: `SELECT * FROM "user"."byAge" WHERE age = ? AND lastname = ?`, index: "byAge", access: AccessQuery,
			reason: []string{"names global index \"byAge\": sent as written"}},
		{name: "FROM names an index without its partition key", table: userTable,
			in: `SELECT * FROM "user"."byAge" WHERE id = ?`, index: "byAge", access: AccessScan,
			reason: []string{`scan of global index "byAge"`, `its partition key "age"`}},
		{name: "FROM names an unknown index", table: userTable,
			in: `SELECT * FROM "user"."nope" WHERE id = ?`, index: "nope", access: AccessUnknown},
		{name: "NoIndexHint", table: userTable, opts: Options{NoHint: true},
			in: `SELECT * FROM "user" WHERE age = ? AND lastname = ?`, access: AccessScan,
			reason: []string{"NoIndexHint"}},
		{name: "NoIndexHint with the table key", table: userTable, opts: Options{NoHint: true},
			in: `SELECT * FROM "user" WHERE id IN [?, ?]`, access: AccessQuery},
		{name: "UseIndex", table: userTable, opts: Options{Index: "ageIndex"},
			in:     `SELECT * FROM "user" WHERE age = ? AND lastname = ?`,
			want:   `SELECT * FROM "user"."ageIndex" WHERE age = ? AND begins_with("lastname#firstname", ?)`,
			index:  "ageIndex",
			access: AccessQuery,
			params: []string{"p0", encPrefix("p1")},
			reason: []string{`UseIndex("ageIndex")`}},
		{name: "UseIndex beats the table key", table: userTable, opts: Options{Index: "byAge"},
			in:   `SELECT * FROM "user" WHERE id = ? AND age = ?`,
			want: `SELECT * FROM "user"."byAge" WHERE id = ? AND age = ?`, index: "byAge", access: AccessQuery},
		{name: "UseIndex of an index lacking attributes", table: userTable, opts: Options{Index: "byEmail"},
			in:   `SELECT * FROM "user" WHERE email = ?`,
			want: `SELECT * FROM "user"."byEmail" WHERE email = ?`, index: "byEmail", access: AccessQuery,
			reason: []string{"beware: SELECT * needs every attribute"}},
		{name: "UseIndex naming the index of FROM", table: userTable, opts: Options{Index: "byAge"},
			in: `SELECT * FROM "user"."byAge" WHERE age = ?`, index: "byAge", access: AccessQuery},
		{name: "UseIndex scanning an index", table: userTable, opts: Options{Index: "byAge"},
			in:   `SELECT * FROM "user" WHERE id = ?`,
			want: `SELECT * FROM "user"."byAge" WHERE id = ?`, index: "byAge", access: AccessScan},
		{name: "consistent reads avoid global indexes", table: userTable, opts: Options{Consistent: true},
			in: `SELECT * FROM "user" WHERE age = ?`, access: AccessScan,
			reason: []string{"no consistent reads on global indexes"}},

		{name: "table query", table: ordersTable,
			in: `SELECT * FROM orders WHERE customer = ?`, access: AccessQuery,
			reason: []string{`query on table "orders": WHERE has = on its partition key "customer"`}},
		{name: "table query on the sort key", table: ordersTable,
			in: `SELECT * FROM orders WHERE customer = ? AND begins_with(orderId, ?)`, access: AccessQuery},
		{name: "full key", table: ordersTable,
			in: `SELECT * FROM orders WHERE orderId = ? AND customer = ?`, access: AccessItem},
		{name: "IN on the full key is a query", table: ordersTable,
			in: `SELECT * FROM orders WHERE orderId = ? AND customer IN [?]`, access: AccessQuery},
		{name: "local index for its sort key", table: ordersTable,
			in:   `SELECT * FROM orders WHERE customer = ? AND total >= ?`,
			want: `SELECT * FROM "orders"."byTotal" WHERE customer = ? AND total >= ?`, index: "byTotal", access: AccessQuery,
			reason: []string{"chosen over the table"}},
		{name: "table sort key beats a local index", table: ordersTable,
			in: `SELECT * FROM orders WHERE customer = ? AND total >= ? AND orderId = ?`, access: AccessItem},
		{name: "local index for ORDER BY", table: ordersTable,
			in:   `SELECT orderId, "date" FROM orders WHERE customer = ? ORDER BY "date" DESC`,
			want: `SELECT orderId, "date" FROM "orders"."byDate" WHERE customer = ? ORDER BY "date" DESC`, index: "byDate", access: AccessQuery,
			reason: []string{"ORDER BY is on its sort key"}},
		{name: "keys only local index fetches other attributes", table: ordersTable,
			in:   `SELECT orderId, note FROM orders WHERE customer = ? AND "date" > ?`,
			want: `SELECT orderId, note FROM "orders"."byDate" WHERE customer = ? AND "date" > ?`, index: "byDate", access: AccessQuery},
		{name: "keys only local index and SELECT *", table: ordersTable,
			in: `SELECT * FROM orders WHERE customer = ? ORDER BY "date"`, access: AccessQuery,
			reason: []string{"DynamoDB will refuse it"}},
		{name: "local index under consistent read", table: ordersTable, opts: Options{Consistent: true},
			in:   `SELECT * FROM orders WHERE customer = ? AND total >= ?`,
			want: `SELECT * FROM "orders"."byTotal" WHERE customer = ? AND total >= ?`, index: "byTotal", access: AccessQuery},
		{name: "global index with range", table: ordersTable,
			in:   `SELECT * FROM orders WHERE status = ? AND "date" BETWEEN ? AND ? ORDER BY "date"`,
			want: `SELECT * FROM "orders"."byStatus" WHERE status = ? AND "date" BETWEEN ? AND ? ORDER BY "date"`, index: "byStatus", access: AccessQuery},
	}
	comps := map[*Table][]Composite{userTable: userComposites}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmt, err := partiql.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			sel := stmt.(*partiql.Select)
			before := partiql.Print(sel)
			p, err := PlanSelect(tt.table, comps[tt.table], sel, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if after := partiql.Print(sel); after != before {
				t.Errorf("the planned statement changed: %s", after)
			}
			if tt.want == "" {
				if p.Rewritten {
					t.Errorf("rewritten to %s, want it sent as written", p.Text)
				}
			} else if !p.Rewritten || p.Text != tt.want {
				t.Errorf("text\n got %s (rewritten %v)\nwant %s", p.Text, p.Rewritten, tt.want)
			}
			if p.Index != tt.index {
				t.Errorf("index %q, want %q", p.Index, tt.index)
			}
			if p.Access != tt.access {
				t.Errorf("access %v, want %v (%s)", p.Access, tt.access, p.Reason)
			}
			for _, r := range tt.reason {
				if !strings.Contains(p.Reason, r) {
					t.Errorf("reason %q lacks %q", p.Reason, r)
				}
			}
			in := tt.args
			if in == nil {
				in = make([]types.AttributeValue, len(partiql.Params(sel)))
				for i := range in {
					in[i] = avS(fmt.Sprintf("p%d", i))
				}
			}
			var inText []string
			for _, av := range in {
				inText = append(inText, avText(av))
			}
			out, err := p.Params(in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, av := range out {
				got = append(got, avText(av))
			}
			want := tt.params
			if want == nil {
				want = inText
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("params %q, want %q", got, want)
			}
			if p.ParamCount() != len(out) {
				t.Errorf("ParamCount %d, sent %d", p.ParamCount(), len(out))
			}
			text := tt.in
			if p.Rewritten {
				text = p.Text
			}
			if s, err := partiql.Parse(text); err != nil || len(partiql.Params(s)) != len(out) {
				t.Errorf("the statement sent has %d ? for %d parameters (%v)", len(partiql.Params(s)), len(out), err)
			}
		})
	}
}

func TestPlanSelectErrors(t *testing.T) {
	sel := func(q string) *partiql.Select {
		s, err := partiql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		return s.(*partiql.Select)
	}
	_, err := PlanSelect(userTable, nil, sel(`SELECT * FROM "user" WHERE age = ?`), Options{Index: "nope"})
	if !errors.Is(err, ErrUnknownIndex) || !strings.Contains(err.Error(), `"byEmail", "byAge"`) {
		t.Errorf("UseIndex of a missing index: %v", err)
	}
	_, err = PlanSelect(userTable, nil, sel(`SELECT * FROM "user"."byAge" WHERE age = ?`), Options{Index: "byEmail"})
	if err == nil || !strings.Contains(err.Error(), "contradicts") {
		t.Errorf("UseIndex contradicting FROM: %v", err)
	}
	p, err := PlanSelect(userTable, userComposites, sel(`SELECT * FROM "user" WHERE age = ? AND lastname = ?`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Params([]types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}}); err == nil {
		t.Error("Params with too few values succeeded")
	}
}
