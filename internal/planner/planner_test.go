package planner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/partiql"
)

// fakeDescribe answers DescribeTable from a table description (swappable)
// and counts the calls.
type fakeDescribe struct {
	mu    sync.Mutex
	desc  *types.TableDescription
	err   error
	calls atomic.Int64
}

func (f *fakeDescribe) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if f.desc == nil || aws.ToString(in.TableName) != aws.ToString(f.desc.TableName) {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}
	}
	return &dynamodb.DescribeTableOutput{Table: f.desc}, nil
}

func (f *fakeDescribe) set(desc *types.TableDescription, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.desc, f.err = desc, err
}

// userDescription describes table "user" (key id) with GSIs on age
// (sort key name) and on the given extra partition keys.
func userDescription(extra ...string) *types.TableDescription {
	gsi := func(name, pk, sk string) types.GlobalSecondaryIndexDescription {
		ks := []types.KeySchemaElement{{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash}}
		if sk != "" {
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange})
		}
		return types.GlobalSecondaryIndexDescription{IndexName: aws.String(name), KeySchema: ks,
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}
	}
	d := &types.TableDescription{
		TableName:              aws.String("user"),
		KeySchema:              []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndexDescription{gsi("byAge", "age", "name")},
	}
	for _, pk := range extra {
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, gsi("by_"+pk, pk, "lastname#firstname"))
	}
	return d
}

func parseSelect(t testing.TB, q string) *partiql.Select {
	t.Helper()
	s, err := partiql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*partiql.Select)
}

func TestPlannerReusesCurrentEntries(t *testing.T) {
	f := &fakeDescribe{desc: userDescription()}
	cat := indexhint.NewCatalog(f)
	pl := New(cat)
	ctx := context.Background()
	sel := parseSelect(t, `SELECT * FROM "user" WHERE age = ? AND lastname = ?`)

	e1, err := pl.Plan(ctx, sel, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e1.Plan.Index != "byAge" {
		t.Fatalf("index %q, want byAge", e1.Plan.Index)
	}
	e2, err := pl.Plan(ctx, sel, Options{}, e1)
	if err != nil || e2 != e1 {
		t.Fatalf("second Plan = %p, %v; want the entry given, %p", e2, err, e1)
	}
	e3, err := pl.Plan(ctx, sel, Options{NoHint: true}, e1)
	if err != nil || e3 == e1 || e3.Plan.Access != AccessScan {
		t.Fatalf("an entry of other options is not reused: got %+v, %v", e3.Plan, err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d DescribeTable calls, want 1", n)
	}

	// Registering a composite changes the plan.
	if err := cat.RegisterComposites("user", Composite{Attribute: "lastname#firstname",
		Components: []string{"lastname", "firstname"}, Kinds: []ComponentKind{KindString, KindString}}); err != nil {
		t.Fatal(err)
	}
	f.set(userDescription("age"), nil) // not seen until the catalog forgets the table
	e4, err := pl.Plan(ctx, sel, Options{}, e1)
	if err != nil || e4 == e1 || e4.Plan.Index != "byAge" {
		t.Fatalf("after RegisterComposites: %+v, %v", e4, err)
	}
	cat.Invalidate("user")
	e5, err := pl.Plan(ctx, sel, Options{}, e4)
	if err != nil || e5.Plan.Index != "by_age" || !e5.Plan.Rewritten {
		t.Fatalf("after Invalidate: %+v, %v", e5.Plan, err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("%d DescribeTable calls, want 2", n)
	}
	if e6, err := pl.Plan(ctx, sel, Options{}, e5); err != nil || e6 != e5 {
		t.Fatalf("the new entry is current: %p, %v; want %p", e6, err, e5)
	}
}

func TestPlannerErrors(t *testing.T) {
	f := &fakeDescribe{}
	pl := New(indexhint.NewCatalog(f))
	ctx := context.Background()
	sel := parseSelect(t, `SELECT * FROM "user" WHERE age = ?`)

	// A missing table is not remembered: it may be created.
	for range 2 {
		if _, err := pl.Plan(ctx, sel, Options{}, nil); !errors.Is(err, ErrTableNotFound) {
			t.Fatalf("missing table: %v", err)
		}
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("%d DescribeTable calls, want 2", n)
	}

	// A passing failure (an outage, a 5xx, throttling) is not remembered.
	f.set(nil, fmt.Errorf("operation error: %w", errors.New("dial tcp: connection refused")))
	for range 2 {
		if _, err := pl.Plan(ctx, sel, Options{}, nil); !errors.Is(err, ErrNoMetadata) {
			t.Fatalf("outage: %v", err)
		}
	}
	f.set(nil, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down", Fault: smithy.FaultClient})
	if _, err := pl.Plan(ctx, sel, Options{}, nil); !errors.Is(err, ErrNoMetadata) {
		t.Fatalf("throttled: %v", err)
	}
	if n := f.calls.Load(); n != 5 {
		t.Fatalf("%d DescribeTable calls, want 5 (none remembered)", n)
	}

	// A refusal (no permission) is remembered, for a while.
	f.calls.Store(2)
	f.set(nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no", Fault: smithy.FaultClient})
	for range 3 {
		if _, err := pl.Plan(ctx, sel, Options{}, nil); !errors.Is(err, ErrNoMetadata) {
			t.Fatalf("denied: %v", err)
		}
	}
	if n := f.calls.Load(); n != 3 {
		t.Fatalf("%d DescribeTable calls, want 3", n)
	}

	// A cancelled call (of another caller sharing it) is not remembered.
	pl = New(indexhint.NewCatalog(f))
	f.set(nil, fmt.Errorf("operation error: %w", context.Canceled))
	if _, err := pl.Plan(ctx, sel, Options{}, nil); !errors.Is(err, context.Canceled) || errors.Is(err, ErrNoMetadata) {
		t.Fatalf("cancelled: %v", err)
	}
	f.set(userDescription(), nil)
	if _, err := pl.Plan(ctx, sel, Options{}, nil); err != nil {
		t.Fatalf("after a cancelled call: %v", err)
	}

	// An index the description lacks makes the planner describe the table
	// again, at most once in a while.
	pl = New(indexhint.NewCatalog(f))
	f.set(userDescription(), nil)
	before := f.calls.Load()
	for range 3 {
		_, err := pl.Plan(ctx, sel, Options{Index: "byCity"}, nil)
		if !errors.Is(err, ErrUnknownIndex) {
			t.Fatalf("UseIndex of a missing index: %v", err)
		}
	}
	if n := f.calls.Load() - before; n != 2 {
		t.Fatalf("%d DescribeTable calls, want 2 (one, and one refresh)", n)
	}
	f.set(userDescription("city"), nil)
	pl = New(indexhint.NewCatalog(f))
	if _, err := pl.Plan(ctx, sel, Options{}, nil); err != nil { // cache the old description
		t.Fatal(err)
	}
	fq := `SELECT * FROM "user"."by_city" WHERE city = ?`
	e, err := pl.Plan(ctx, parseSelect(t, fq), Options{}, nil)
	if err != nil || e.Plan.Access != AccessQuery {
		t.Fatalf("FROM naming a known index: %+v, %v", e, err)
	}
}

func TestPlannerConcurrent(t *testing.T) {
	f := &fakeDescribe{desc: userDescription()}
	pl := New(indexhint.NewCatalog(f))
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				sel := parseSelect(t, fmt.Sprintf(`SELECT * FROM "user" WHERE age = %d`, w*500+i))
				e, err := pl.Plan(ctx, sel, Options{}, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if again, err := pl.Plan(ctx, sel, Options{}, e); err != nil || again != e {
					t.Errorf("Plan(%p) = %p, %v", e, again, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d DescribeTable calls, want 1", n)
	}
}

// BenchmarkPlannerHit measures planning a statement whose entry is current:
// the cost every SELECT pays for index hints.
func BenchmarkPlannerHit(b *testing.B) {
	f := &fakeDescribe{desc: userDescription("age")}
	cat := indexhint.NewCatalog(f)
	if err := cat.RegisterComposites("user", Composite{Attribute: "lastname#firstname",
		Components: []string{"lastname", "firstname"}, Kinds: []ComponentKind{KindString, KindString}}); err != nil {
		b.Fatal(err)
	}
	pl := New(cat)
	ctx := context.Background()
	in := []types.AttributeValue{
		&types.AttributeValueMemberN{Value: "42"},
		&types.AttributeValueMemberS{Value: "Smith"},
		&types.AttributeValueMemberS{Value: "John"},
	}
	for _, bc := range []struct{ name, q string }{
		{"unchanged", `SELECT * FROM "user" WHERE id = ?`},
		{"index", `SELECT * FROM "user" WHERE age = ? AND name = ?`},
		{"composite", `SELECT * FROM "user" WHERE age = ? AND lastname = ? AND firstname = ?`},
	} {
		sel := parseSelect(b, bc.q)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var e *Entry
			for b.Loop() {
				var err error
				if e, err = pl.Plan(ctx, sel, Options{}, e); err != nil {
					b.Fatal(err)
				}
				if _, err := e.Plan.Params(in[:e.Plan.inParams]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
