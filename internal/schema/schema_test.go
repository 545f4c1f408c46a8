package schema

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func attrNames(defs []types.AttributeDefinition) []string {
	var out []string
	for _, d := range defs {
		out = append(out, aws.ToString(d.AttributeName)+":"+string(d.AttributeType))
	}
	return out
}

func TestCreateInput(t *testing.T) {
	tbl := &Table{
		Name:         "events",
		PartitionKey: Attr{"tenant", "S"},
		SortKey:      Attr{"seq", "N"},
		Indexes: []Index{
			{Name: "byKind", PartitionKey: Attr{"tenant", "S"}, SortKey: Attr{"kind", "S"}, Projection: types.ProjectionTypeKeysOnly},
			{Name: "byAt", Global: true, PartitionKey: Attr{"kind", "S"}, SortKey: Attr{"at", "N"},
				Projection: types.ProjectionTypeInclude, NonKeyAttributes: []string{"a", "b"}},
			{Name: "bySeq", Global: true, PartitionKey: Attr{"seq", "N"}},
		},
		Class: types.TableClassStandardInfrequentAccess,
	}
	in, err := tbl.CreateInput()
	require.NoError(t, err)
	assert.Equal(t, "events", aws.ToString(in.TableName))
	assert.Equal(t, types.BillingModePayPerRequest, in.BillingMode)
	assert.Nil(t, in.ProvisionedThroughput)
	assert.Equal(t, types.TableClassStandardInfrequentAccess, in.TableClass)
	assert.Equal(t, []string{"tenant:S", "seq:N", "kind:S", "at:N"}, attrNames(in.AttributeDefinitions), "each key attribute once, in order")
	require.Len(t, in.LocalSecondaryIndexes, 1)
	assert.Equal(t, types.ProjectionTypeKeysOnly, in.LocalSecondaryIndexes[0].Projection.ProjectionType)
	require.Len(t, in.GlobalSecondaryIndexes, 2)
	assert.Equal(t, []string{"a", "b"}, in.GlobalSecondaryIndexes[0].Projection.NonKeyAttributes)
	assert.Equal(t, types.ProjectionTypeAll, in.GlobalSecondaryIndexes[1].Projection.ProjectionType, "no projection: ALL")
	assert.Nil(t, in.GlobalSecondaryIndexes[1].ProvisionedThroughput)
	assert.Len(t, in.GlobalSecondaryIndexes[1].KeySchema, 1)

	tbl.Capacity = Capacity{Read: 3, Write: 4}
	_, err = tbl.CreateInput()
	require.ErrorContains(t, err, `global index "byAt" of provisioned table "events" needs a capacity of its own`)
	tbl.Indexes[1].Capacity = Capacity{Read: 1, Write: 2}
	tbl.Indexes[2].Capacity = Capacity{Read: 1, Write: 2}
	in, err = tbl.CreateInput()
	require.NoError(t, err)
	assert.Equal(t, types.BillingModeProvisioned, in.BillingMode)
	assert.EqualValues(t, 3, aws.ToInt64(in.ProvisionedThroughput.ReadCapacityUnits))
	assert.EqualValues(t, 2, aws.ToInt64(in.GlobalSecondaryIndexes[0].ProvisionedThroughput.WriteCapacityUnits))

	tbl.Indexes[2].PartitionKey.Type = "S"
	_, err = tbl.CreateInput()
	require.ErrorContains(t, err, `key attribute "seq" is declared as N and as S`)
}

func TestAddAndDropIndex(t *testing.T) {
	in, err := AddIndex("t1", Index{Name: "g", Global: true, PartitionKey: Attr{"a", "S"}, SortKey: Attr{"a", "S"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"a:S"}, attrNames(in.AttributeDefinitions))
	c := in.GlobalSecondaryIndexUpdates[0].Create
	assert.Equal(t, "g", aws.ToString(c.IndexName))
	assert.Equal(t, types.ProjectionTypeAll, c.Projection.ProjectionType)
	_, err = AddIndex("t1", Index{Name: "g", PartitionKey: Attr{"a", "S"}, SortKey: Attr{"a", "N"}})
	require.Error(t, err)
	d := DropIndex("t1", "g")
	assert.Equal(t, "g", aws.ToString(d.GlobalSecondaryIndexUpdates[0].Delete.IndexName))
}

func desc(onDemand bool, r, w int64, gsis ...string) *types.TableDescription {
	d := &types.TableDescription{
		TableName:             aws.String("t1"),
		TableStatus:           types.TableStatusActive,
		ProvisionedThroughput: &types.ProvisionedThroughputDescription{ReadCapacityUnits: aws.Int64(r), WriteCapacityUnits: aws.Int64(w)},
	}
	if onDemand {
		d.BillingModeSummary = &types.BillingModeSummary{BillingMode: types.BillingModePayPerRequest}
	}
	for _, g := range gsis {
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, types.GlobalSecondaryIndexDescription{
			IndexName: aws.String(g), IndexStatus: types.IndexStatusActive,
			ProvisionedThroughput: &types.ProvisionedThroughputDescription{ReadCapacityUnits: aws.Int64(r), WriteCapacityUnits: aws.Int64(w)},
		})
	}
	return d
}

func TestAlterTable(t *testing.T) {
	c := func(r, w int64) *Capacity { return &Capacity{Read: r, Write: w} }
	// Provisioned to on-demand.
	in := AlterTable(desc(false, 1, 2, "g1"), c(0, 0), "")
	require.NotNil(t, in)
	assert.Equal(t, types.BillingModePayPerRequest, in.BillingMode)
	assert.Nil(t, in.ProvisionedThroughput)
	assert.Nil(t, AlterTable(desc(true, 0, 0), c(0, 0), ""), "on-demand already")
	// On-demand to provisioned: every global index gets the capacity.
	in = AlterTable(desc(true, 0, 0, "g1", "g2"), c(5, 6), "")
	require.NotNil(t, in)
	assert.Equal(t, types.BillingModeProvisioned, in.BillingMode)
	assert.EqualValues(t, 5, aws.ToInt64(in.ProvisionedThroughput.ReadCapacityUnits))
	require.Len(t, in.GlobalSecondaryIndexUpdates, 2)
	assert.Equal(t, "g2", aws.ToString(in.GlobalSecondaryIndexUpdates[1].Update.IndexName))
	assert.EqualValues(t, 6, aws.ToInt64(in.GlobalSecondaryIndexUpdates[1].Update.ProvisionedThroughput.WriteCapacityUnits))
	// Provisioned, new capacity; the same: nothing.
	in = AlterTable(desc(false, 1, 2, "g1"), c(3, 2), "")
	require.NotNil(t, in)
	assert.Empty(t, in.BillingMode)
	assert.Empty(t, in.GlobalSecondaryIndexUpdates)
	assert.Nil(t, AlterTable(desc(false, 3, 2), c(3, 2), ""))
	// Class: DynamoDB reports none for STANDARD (Local never does).
	assert.Nil(t, AlterTable(desc(true, 0, 0), nil, types.TableClassStandard))
	in = AlterTable(desc(true, 0, 0), nil, types.TableClassStandardInfrequentAccess)
	require.NotNil(t, in)
	assert.Equal(t, types.TableClassStandardInfrequentAccess, in.TableClass)
	d := desc(true, 0, 0)
	d.TableClassSummary = &types.TableClassSummary{TableClass: types.TableClassStandardInfrequentAccess}
	assert.Nil(t, AlterTable(d, nil, types.TableClassStandardInfrequentAccess))
	assert.Nil(t, AlterTable(d, nil, ""))
}

func TestSetIndexCapacity(t *testing.T) {
	_, err := SetIndexCapacity(desc(true, 0, 0, "g1"), "g1", Capacity{1, 1})
	require.ErrorIs(t, err, ErrOnDemand)
	_, err = SetIndexCapacity(desc(false, 1, 1, "g1"), "g2", Capacity{1, 1})
	require.ErrorIs(t, err, ErrIndexNotFound)
	in, err := SetIndexCapacity(desc(false, 1, 1, "g1"), "g1", Capacity{1, 1})
	require.NoError(t, err)
	assert.Nil(t, in, "unchanged")
	in, err = SetIndexCapacity(desc(false, 1, 1, "g1"), "g1", Capacity{Read: 2, Write: 3})
	require.NoError(t, err)
	u := in.GlobalSecondaryIndexUpdates[0].Update
	assert.EqualValues(t, 2, aws.ToInt64(u.ProvisionedThroughput.ReadCapacityUnits))
	assert.EqualValues(t, 3, aws.ToInt64(u.ProvisionedThroughput.WriteCapacityUnits))
}

func TestFromDescriptionRoundTrip(t *testing.T) {
	tbl := &Table{
		Name:         "events",
		PartitionKey: Attr{"tenant", "S"},
		SortKey:      Attr{"seq", "N"},
		Capacity:     Capacity{Read: 3, Write: 4},
		Class:        types.TableClassStandardInfrequentAccess,
		Indexes: []Index{
			{Name: "byKind", PartitionKey: Attr{"tenant", "S"}, SortKey: Attr{"kind", "B"}, Projection: types.ProjectionTypeKeysOnly},
			{Name: "byAt", Global: true, PartitionKey: Attr{"kind", "B"}, Projection: types.ProjectionTypeInclude, NonKeyAttributes: []string{"x"}, Capacity: Capacity{1, 2}},
		},
	}
	in, err := tbl.CreateInput()
	require.NoError(t, err)
	// What DynamoDB would describe for it.
	d := &types.TableDescription{
		TableName: in.TableName, KeySchema: in.KeySchema, AttributeDefinitions: in.AttributeDefinitions,
		ProvisionedThroughput: &types.ProvisionedThroughputDescription{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(4)},
		TableClassSummary:     &types.TableClassSummary{TableClass: in.TableClass},
		LocalSecondaryIndexes: []types.LocalSecondaryIndexDescription{{IndexName: aws.String("byKind"), KeySchema: in.LocalSecondaryIndexes[0].KeySchema, Projection: in.LocalSecondaryIndexes[0].Projection}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndexDescription{{IndexName: aws.String("byAt"), KeySchema: in.GlobalSecondaryIndexes[0].KeySchema, Projection: in.GlobalSecondaryIndexes[0].Projection,
			ProvisionedThroughput: &types.ProvisionedThroughputDescription{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(2)}}},
	}
	assert.Equal(t, tbl, FromDescription(d))

	// On-demand: no capacities, even where DynamoDB reports zeros.
	d.BillingModeSummary = &types.BillingModeSummary{BillingMode: types.BillingModePayPerRequest}
	d.TableClassSummary = nil
	got := FromDescription(d)
	assert.True(t, got.Capacity.IsZero())
	assert.True(t, got.Indexes[1].Capacity.IsZero())
	assert.Empty(t, got.Class)
}

// fakeAPI answers DescribeTable with a sequence of descriptions (nil: the
// table does not exist), repeating the last one.
type fakeAPI struct {
	mu    sync.Mutex
	descs []*types.TableDescription
	errs  []error
	calls int
}

func (f *fakeAPI) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := min(f.calls, len(f.descs)-1)
	f.calls++
	if i < len(f.errs) && f.errs[i] != nil {
		return nil, f.errs[i]
	}
	if f.descs[i] == nil {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}
	}
	return &dynamodb.DescribeTableOutput{Table: f.descs[i]}, nil
}

func status(table types.TableStatus, gsis ...string) *types.TableDescription {
	d := &types.TableDescription{TableName: aws.String("t1"), TableStatus: table}
	for i := 0; i+1 < len(gsis); i += 2 {
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, types.GlobalSecondaryIndexDescription{
			IndexName: aws.String(gsis[i]), IndexStatus: types.IndexStatus(gsis[i+1]),
		})
	}
	return d
}

func TestWait(t *testing.T) {
	ctx := context.Background()
	fast := Waiter{Poll: time.Millisecond}
	tests := []struct {
		name   string
		tg     Target
		last   *types.TableDescription
		descs  []*types.TableDescription
		calls  int
		err    string
		status []string
	}{
		{"ready from the request's answer", Target{Table: "t1"}, status("ACTIVE"), []*types.TableDescription{nil}, 0, "", nil},
		{"not listed, then creating, then active", Target{Table: "t1"}, nil,
			[]*types.TableDescription{nil, status("CREATING"), status("ACTIVE")}, 3, "", []string{"MISSING", "CREATING"}},
		{"index creating", Target{Table: "t1", Index: "g1"}, status("ACTIVE", "g1", "CREATING"),
			[]*types.TableDescription{status("ACTIVE", "g1", "CREATING"), status("ACTIVE", "g1", "ACTIVE")}, 2, "",
			[]string{"index g1 CREATING", "index g1 CREATING"}},
		{"index not listed yet", Target{Table: "t1", Index: "g1"}, nil,
			[]*types.TableDescription{status("ACTIVE"), status("ACTIVE", "g1", "ACTIVE")}, 2, "", []string{"index g1 not listed yet"}},
		{"another index creating", Target{Table: "t1"}, nil,
			[]*types.TableDescription{status("ACTIVE", "g1", "ACTIVE", "g2", "CREATING"), status("ACTIVE", "g1", "ACTIVE", "g2", "ACTIVE")}, 2, "", []string{"index g2 CREATING"}},
		{"index gone", Target{Table: "t1", Index: "g1", Gone: true}, status("ACTIVE", "g1", "DELETING"),
			[]*types.TableDescription{status("ACTIVE")}, 1, "", []string{"deleting index g1 (DELETING)"}},
		{"table gone", Target{Table: "t1", Gone: true}, nil,
			[]*types.TableDescription{status("DELETING"), nil}, 2, "", []string{"DELETING"}},
		{"table deleted while waiting", Target{Table: "t1"}, nil,
			[]*types.TableDescription{status("CREATING"), nil}, 2, `table "t1" was deleted while waiting for table "t1"`, []string{"CREATING"}},
		{"table being deleted", Target{Table: "t1", Index: "g1"}, nil,
			[]*types.TableDescription{status("DELETING")}, 1, `table "t1" is being deleted: index "g1" of table "t1" will not be ACTIVE`, nil},
		{"index disappeared", Target{Table: "t1", Index: "g1"}, status("ACTIVE", "g1", "CREATING"),
			[]*types.TableDescription{status("ACTIVE")}, 1, `index "g1" disappeared from table "t1"`, []string{"index g1 CREATING"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{descs: tt.descs}
			var seen []string
			w := fast
			w.Progress = func(p Progress) {
				assert.Equal(t, tt.tg.Table, p.Table)
				seen = append(seen, p.Status)
			}
			d, err := w.Wait(ctx, api, tt.tg, tt.last)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
			} else {
				require.NoError(t, err)
				if tt.tg.Gone && tt.tg.Index == "" {
					assert.Nil(t, d)
				} else {
					require.NotNil(t, d)
					assert.Equal(t, types.TableStatusActive, d.TableStatus)
				}
			}
			assert.Equal(t, tt.calls, api.calls)
			assert.Equal(t, tt.status, seen)
		})
	}
}

func TestWaitContextEnds(t *testing.T) {
	api := &fakeAPI{descs: []*types.TableDescription{status("ACTIVE", "g1", "CREATING")}}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := Waiter{}.Wait(ctx, api, Target{Table: "t1", Index: "g1"}, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var we *WaitError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, "index g1 CREATING", we.Status)
	assert.Contains(t, err.Error(), `index "g1" of table "t1" not ACTIVE after`)
	assert.Contains(t, err.Error(), "(status index g1 CREATING): context deadline exceeded; the operation continues on the server")
	assert.GreaterOrEqual(t, api.calls, 2, "polled after 50 ms, then 75 ms...")

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = Waiter{}.Wait(ctx, &fakeAPI{descs: []*types.TableDescription{nil}}, Target{Table: "t1", Gone: true}, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), `table "t1" not deleted after`)

	boom := errors.New("boom")
	_, err = Waiter{}.Wait(context.Background(), &fakeAPI{descs: []*types.TableDescription{nil}, errs: []error{boom}}, Target{Table: "t1"}, nil)
	require.ErrorIs(t, err, boom)
	assert.True(t, strings.HasSuffix(err.Error(), "boom; the operation continues on the server"), err.Error())
}

func TestWaitBacksOff(t *testing.T) {
	api := &fakeAPI{descs: []*types.TableDescription{status("CREATING")}}
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	_, err := Waiter{}.Wait(ctx, api, Target{Table: "t1"}, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// Polls at 0, 50, 125, 237, 406, 659 ms: 6 calls, where a fixed 50 ms
	// would make 14.
	assert.InDelta(t, 6, api.calls, 1)
}

func TestDescribe(t *testing.T) {
	d, err := Describe(context.Background(), &fakeAPI{descs: []*types.TableDescription{nil}}, "t1")
	require.NoError(t, err)
	assert.Nil(t, d)
	boom := errors.New("boom")
	_, err = Describe(context.Background(), &fakeAPI{descs: []*types.TableDescription{nil}, errs: []error{boom}}, "t1")
	require.ErrorIs(t, err, boom)
	assert.True(t, IsNotFound(&types.ResourceNotFoundException{}))
	assert.True(t, IsInUse(&types.ResourceInUseException{}))
	assert.False(t, IsInUse(boom))
}
