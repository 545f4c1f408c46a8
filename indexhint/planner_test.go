package indexhint

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
	s, err := partiql.ParseCached(q)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*partiql.Select)
}

func TestPlannerCachesPlans(t *testing.T) {
	f := &fakeDescribe{desc: userDescription()}
	cat := NewCatalog(f)
	pl := NewPlanner(cat)
	ctx := context.Background()
	q := `SELECT * FROM "user" WHERE age = ? AND lastname = ?`
	sel := parseSelect(t, q)

	p1, err := pl.Plan(ctx, q, sel, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p1.Index != "byAge" {
		t.Fatalf("index %q, want byAge", p1.Index)
	}
	p2, err := pl.Plan(ctx, q, sel, Options{})
	if err != nil || p2 != p1 {
		t.Fatalf("second Plan = %p, %v; want the cached %p", p2, err, p1)
	}
	p3, err := pl.Plan(ctx, q, sel, Options{NoHint: true})
	if err != nil || p3 == p1 || p3.Access != AccessScan {
		t.Fatalf("options are part of the key: got %+v, %v", p3, err)
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
	p4, err := pl.Plan(ctx, q, sel, Options{})
	if err != nil || p4 == p1 || p4.Index != "byAge" {
		t.Fatalf("after RegisterComposites: %+v, %v", p4, err)
	}
	cat.Invalidate("user")
	p5, err := pl.Plan(ctx, q, sel, Options{})
	if err != nil || p5.Index != "by_age" || !p5.Rewritten {
		t.Fatalf("after Invalidate: %+v, %v", p5, err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("%d DescribeTable calls, want 2", n)
	}
	if pl.Len() != 2 {
		t.Fatalf("%d plans cached, want 2 (one per key)", pl.Len())
	}
}

func TestPlannerErrors(t *testing.T) {
	f := &fakeDescribe{}
	pl := NewPlanner(NewCatalog(f))
	ctx := context.Background()
	q := `SELECT * FROM "user" WHERE age = ?`
	sel := parseSelect(t, q)

	// A missing table is not remembered: it may be created.
	for range 2 {
		if _, err := pl.Plan(ctx, q, sel, Options{}); !errors.Is(err, ErrTableNotFound) {
			t.Fatalf("missing table: %v", err)
		}
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("%d DescribeTable calls, want 2", n)
	}

	// Another failure is, for a while.
	f.set(nil, errors.New("AccessDeniedException: no"))
	for range 3 {
		if _, err := pl.Plan(ctx, q, sel, Options{}); !errors.Is(err, ErrNoMetadata) {
			t.Fatalf("denied: %v", err)
		}
	}
	if n := f.calls.Load(); n != 3 {
		t.Fatalf("%d DescribeTable calls, want 3", n)
	}

	// A cancelled call (of another caller sharing it) is not remembered.
	pl = NewPlanner(NewCatalog(f))
	f.set(nil, fmt.Errorf("operation error: %w", context.Canceled))
	if _, err := pl.Plan(ctx, q, sel, Options{}); !errors.Is(err, context.Canceled) || errors.Is(err, ErrNoMetadata) {
		t.Fatalf("cancelled: %v", err)
	}
	f.set(userDescription(), nil)
	if _, err := pl.Plan(ctx, q, sel, Options{}); err != nil {
		t.Fatalf("after a cancelled call: %v", err)
	}

	// An index the description lacks makes the planner describe the table
	// again, at most once in a while.
	pl = NewPlanner(NewCatalog(f))
	f.set(userDescription(), nil)
	before := f.calls.Load()
	for range 3 {
		_, err := pl.Plan(ctx, q, sel, Options{Index: "byCity"})
		if !errors.Is(err, ErrUnknownIndex) {
			t.Fatalf("UseIndex of a missing index: %v", err)
		}
	}
	if n := f.calls.Load() - before; n != 2 {
		t.Fatalf("%d DescribeTable calls, want 2 (one, and one refresh)", n)
	}
	f.set(userDescription("city"), nil)
	pl = NewPlanner(NewCatalog(f))
	if _, err := pl.Plan(ctx, q, sel, Options{}); err != nil { // cache the old description
		t.Fatal(err)
	}
	fq := `SELECT * FROM "user"."by_city" WHERE city = ?`
	p, err := pl.Plan(ctx, fq, parseSelect(t, fq), Options{})
	if err != nil || p.Access != AccessQuery {
		t.Fatalf("FROM naming a known index: %+v, %v", p, err)
	}
}

func TestPlannerBoundedAndConcurrent(t *testing.T) {
	f := &fakeDescribe{desc: userDescription()}
	pl := NewPlanner(NewCatalog(f))
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1500 {
				q := fmt.Sprintf(`SELECT * FROM "user" WHERE age = %d`, w*1500+i)
				if _, err := pl.Plan(ctx, q, parseSelect(t, q), Options{}); err != nil {
					t.Error(err)
					return
				}
				if _, err := pl.Plan(ctx, q, parseSelect(t, q), Options{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := pl.Len(); n > planShards*planShardCap || n < planShards*planShardCap/2 {
		t.Fatalf("%d plans cached, want at most %d", n, planShards*planShardCap)
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d DescribeTable calls, want 1", n)
	}
}

// BenchmarkPlannerHit measures planning a statement whose plan is cached:
// the cost every SELECT pays for index hints.
func BenchmarkPlannerHit(b *testing.B) {
	f := &fakeDescribe{desc: userDescription("age")}
	cat := NewCatalog(f)
	if err := cat.RegisterComposites("user", Composite{Attribute: "lastname#firstname",
		Components: []string{"lastname", "firstname"}, Kinds: []ComponentKind{KindString, KindString}}); err != nil {
		b.Fatal(err)
	}
	pl := NewPlanner(cat)
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
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				st, err := partiql.ParseCached(bc.q)
				if err != nil {
					b.Fatal(err)
				}
				p, err := pl.Plan(ctx, bc.q, st.(*partiql.Select), Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.Params(in[:p.inParams]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
