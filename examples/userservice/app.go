package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"

	"github.com/dynamosql/dynamosql"
	"github.com/dynamosql/dynamosql/mapper"
	"github.com/dynamosql/dynamosql/pagination"
)

// User is the seed's user. The dynamodbav tags name the DynamoDB
// attributes, the json tags the API's fields; dynamo:"pk" marks the
// partition key.
type User struct {
	ID        string `dynamodbav:"id" dynamo:"pk" json:"id"`
	Firstname string `dynamodbav:"firstname" json:"firstname"`
	Lastname  string `dynamodbav:"lastname" json:"lastname"`
	Age       int    `dynamodbav:"age" json:"age"`
}

// ageIndex is the global secondary index that lists users by age, sorted
// by lastname then firstname.
const ageIndex = "ageIndex"

// userEntity declares the user table and its index, like the seed's
// @GlobalSecondaryIndex({ name: 'ageIndex', partitionKey: 'age',
// sortKey: ['lastname', 'firstname'] }).
func userEntity(table string) (*mapper.Entity[User], error) {
	return mapper.Register[User](
		mapper.Table(table),
		mapper.GSI(ageIndex, mapper.Key("age"), mapper.Key("lastname", "firstname")),
	)
}

// app is the service: a repository of users and the HTTP handlers over it.
type app struct {
	cfg   config
	db    *sql.DB
	users *mapper.Repository[User]
	// paging configures the pagination middleware of GET /users; the
	// repository signs cursors with the same key.
	paging pagination.Config
	log    *slog.Logger
}

// newApp connects to DynamoDB, syncs the user table and its index, and
// writes cfg.Seed demo users.
func newApp(ctx context.Context, cfg config) (*app, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dcfg := dynamosql.NewConfig()
	dcfg.Region = cfg.Region
	dcfg.Endpoint = cfg.Endpoint
	// DynamoDB Local accepts any credentials.
	dcfg.AccessKeyID, dcfg.SecretAccessKey = "local", "local"
	dcfg.Timeout = 10 * time.Second
	// Every full scan must be asked for (GET /users without age does).
	dcfg.Scan = dynamosql.ScanDeny
	dcfg.Logger = log
	// The AWS SDK's own log lines (such as its warning about the checksum
	// of DynamoDB Local's error responses) go to the debug level.
	dcfg.ClientOptions = append(dcfg.ClientOptions, func(o *dynamodb.Options) {
		o.Logger = logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			log.Debug(fmt.Sprintf(format, v...), "source", "aws-sdk", "class", string(c))
		})
	})
	dcfg.ClientOptions = append(dcfg.ClientOptions, cfg.clientOptions...)
	connector, err := dynamosql.NewConnector(dcfg)
	if err != nil {
		return nil, fmt.Errorf("userservice: %w", err)
	}
	db := sql.OpenDB(connector)
	a, err := setup(ctx, cfg, db, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func setup(ctx context.Context, cfg config, db *sql.DB, log *slog.Logger) (*app, error) {
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("userservice: is DynamoDB running at %s? %w", cfg.Endpoint, err)
	}
	users, err := userEntity(cfg.Table)
	if err != nil {
		return nil, err
	}
	// The seed's "synchronize: true": create the table and its index, or
	// add the index to an existing table.
	report, err := mapper.Sync(ctx, db, mapper.SyncOptions{PollInterval: 200 * time.Millisecond, Logger: log}, users)
	if err != nil {
		return nil, err
	}
	for _, t := range report.Tables {
		for _, d := range t.Drift {
			log.Warn("table differs from the declaration", "table", t.Table, "drift", d)
		}
	}
	meta := users.Metadata()
	a := &app{cfg: cfg, db: db, log: log}
	paging := pagination.Config{
		Key:         cfg.CursorKey,
		Sortable:    meta.Sortable(),
		SortIndexes: pagination.SortIndexes(meta.SortIndexes()),
		// A page request reads at most 10,000 items, for at most a third
		// of the request's time, then answers a partial page whose cursor
		// continues (see docs/userservice.md).
		Budget: pagination.Budget{Items: pagination.DefaultReadBudget, Time: a.requestTimeout() / 3},
	}
	repo, err := mapper.NewRepository(ctx, db, users, mapper.RepositoryOptions{
		Paging: pagination.PageOptions{
			Signer:  paging.Signer(),
			Cache:   pagination.NewBoundaryCache(0),
			MaxPage: pagination.DefaultMaxPage,
			MaxSize: pagination.DefaultMaxSize,
		},
	})
	if err != nil {
		return nil, err
	}
	a.users, a.paging = repo, paging
	if cfg.Seed > 0 {
		if err := repo.PutMany(ctx, seedUsers(cfg.Seed)); err != nil {
			return nil, fmt.Errorf("userservice: seeding %d users: %w", cfg.Seed, err)
		}
		log.Info("seeded users", "count", cfg.Seed, "ids", fmt.Sprintf("seed-001 to %s", seedID(cfg.Seed)))
	}
	return a, nil
}

// Close closes the database.
func (a *app) Close() error { return a.db.Close() }

// requestTimeout is the deadline of each request's work.
func (a *app) requestTimeout() time.Duration {
	if a.cfg.RequestTimeout > 0 {
		return a.cfg.RequestTimeout
	}
	return defaultRequestTimeout
}

// Demo data of SEED: ages cycle through seedAges, so with SEED=25 six
// users are 42.
var (
	seedAges       = []int{25, 31, 42, 57}
	seedFirstnames = []string{"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Dennis", "Radia"}
	seedLastnames  = []string{"Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen", "Ritchie", "Perlman", "Smith", "Smithson"}
)

// demoAge is the age the printed examples list.
const demoAge = 42

func seedID(i int) string { return fmt.Sprintf("seed-%03d", i) }

// seedUsers returns n demo users, always the same ones for the same n:
// writing them again replaces them.
func seedUsers(n int) []User {
	out := make([]User, n)
	for i := range out {
		out[i] = User{
			ID:        seedID(i + 1),
			Firstname: seedFirstnames[i%len(seedFirstnames)],
			Lastname:  seedLastnames[(i*5)%len(seedLastnames)],
			Age:       seedAges[i%len(seedAges)],
		}
	}
	return out
}

// printUsage writes example curl commands for the service at base. When
// the seeded users of demoAge fill more than one page of two, the example
// that follows nextCursor carries a real cursor (valid while the cursor
// key stays the same).
func (a *app) printUsage(ctx context.Context, out io.Writer, base string) error {
	list := base + "/users?age=" + fmt.Sprint(demoAge) + "&size=2&sort=lastname,asc&sort=firstname,asc"
	cursor := "NEXT_CURSOR"
	q := mapper.Query{Where: []mapper.Cond{mapper.Eq("age", demoAge)}}
	page, err := a.users.FindPage(ctx, q, pagination.Pageable{Size: 2, Sort: mapper.Asc("lastname", "firstname")})
	if err != nil {
		return fmt.Errorf("userservice: reading the first page of users aged %d: %w", demoAge, err)
	}
	if page.NextCursor != "" {
		cursor = url.QueryEscape(page.NextCursor)
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("")
	p("userservice is listening on %s (table %q at %s, %d users seeded).", base, a.cfg.Table, a.cfg.Endpoint, a.cfg.Seed)
	p("Try:")
	p("")
	p("  # create a user (201; 409 when the id exists, 400 when a field is missing)")
	p(`  curl -i -X POST %s/users -H 'Content-Type: application/json' -d '{"id":"u1","firstname":"Ada","lastname":"Byron","age":%d}'`, base, demoAge)
	p("  # get it (404 when missing)")
	p("  curl -i %s/users/u1", base)
	p("  # replace it (200; 201 when it did not exist; 400 when the body's id differs)")
	p(`  curl -i -X PUT %s/users/u1 -H 'Content-Type: application/json' -d '{"id":"u1","firstname":"Ada","lastname":"Lovelace","age":%d}'`, base, demoAge)
	p("  # users aged %d, two a page, by lastname then firstname (a query on the index %s)", demoAge, ageIndex)
	p("  curl -s '%s'", list)
	p("  # the next page: the same query with the nextCursor of the previous answer (also in its Link header)")
	p("  curl -s '%s&cursor=%s'", list, cursor)
	p("  # page 2 without a cursor, in descending order")
	p("  curl -s '%s/users?age=%d&size=2&page=2&sort=lastname,desc'", base, demoAge)
	p("  # a filter: only users aged %d named Ada; pages stay full", demoAge)
	p("  curl -s '%s/users?age=%d&firstname=Ada'", base, demoAge)
	p("  # every user, ten a page (without age: a scan of the whole table)")
	p("  curl -s '%s/users?size=10'", base)
	p("  # invalid parameters get a 400 that says what is allowed")
	p("  curl -s '%s/users?size=1000'", base)
	p("  curl -s '%s/users?age=%d&sort=age'", base, demoAge)
	p("  # delete it (204)")
	p("  curl -i -X DELETE %s/users/u1", base)
	p("")
	p("Press Ctrl-C to stop.")
	_, err = io.WriteString(out, b.String())
	return err
}
