package dynamosql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/dynamosql/dynamosql/indexhint"
	"github.com/dynamosql/dynamosql/internal/planner"
)

// Connector is a driver.Connector that owns one DynamoDB client shared by
// every connection of the *sql.DB it is opened with (sql.OpenDB).
// Connections are cheap: they hold no network state of their own.
type Connector struct {
	cfg     *Config
	client  *dynamodb.Client
	catalog *indexhint.Catalog
	planner *planner.Planner
	stmts   *statementCache // analyse.go
	warned  warnings        // plan.go
	logger  *slog.Logger
	obs     *observer // observe.go
}

var _ driver.Connector = (*Connector)(nil)

// NewConnector returns a connector for cfg, for use with sql.OpenDB. The
// DynamoDB client is built once, here: from cfg.Client as is when set,
// otherwise from cfg.AWSConfig or the standard AWS configuration, with the
// region, endpoint, credentials, retries and connection pool settings of
// cfg on top, then cfg.ClientOptions (see docs/network.md). Settings that
// cannot work (a malformed region, out-of-range numbers) are refused here.
// No network call is made; use db.PingContext to check the endpoint and
// credentials.
func NewConnector(cfg *Config) (*Connector, error) {
	if cfg == nil {
		cfg = NewConfig()
	}
	cfg = cfg.Clone()
	client := cfg.Client
	if client == nil {
		if err := cfg.validate(); err != nil { // netconfig.go
			return nil, err
		}
		var err error
		if client, err = newClient(cfg); err != nil {
			return nil, err
		}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	obs := newObserver(cfg, logger) // observe.go
	catalog := indexhint.NewCatalog(timedDescribe{api: client, timeout: cfg.Timeout, option: obs.option})
	return &Connector{
		cfg:     cfg,
		client:  client,
		catalog: catalog,
		planner: planner.New(catalog),
		stmts:   newStatementCache(cfg.StatementCacheSize),
		logger:  logger,
		obs:     obs,
	}, nil
}

// timedDescribe bounds each DescribeTable call of the connector's catalog
// with Config.Timeout, like every other DynamoDB call of the driver: the
// catalog describes a table the first time a statement needs its keys or
// indexes, with the statement's context.
type timedDescribe struct {
	api     indexhint.DescribeTableAPI
	timeout time.Duration
	option  func(*dynamodb.Options) // the connector's observer (observe.go)
}

// DescribeTable calls DescribeTable with the timeout applied.
func (d timedDescribe) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if d.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.timeout)
		defer cancel()
	}
	if d.option != nil {
		optFns = append(optFns, d.option)
	}
	return d.api.DescribeTable(ctx, in, optFns...)
}

func newClient(cfg *Config) (*dynamodb.Client, error) {
	var awsCfg aws.Config
	if cfg.AWSConfig != nil {
		awsCfg = cfg.AWSConfig.Copy()
	} else {
		var opts []func(*config.LoadOptions) error
		if cfg.Profile != "" {
			opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
		}
		if cfg.Region != "" {
			opts = append(opts, config.WithRegion(cfg.Region))
		}
		var err error
		awsCfg, err = config.LoadDefaultConfig(context.Background(), opts...)
		if err != nil {
			// The SDK's message names files and profiles, never secrets.
			return nil, fmt.Errorf("%w: loading the AWS configuration: %v", ErrInvalidDSN, err)
		}
	}
	if cfg.Region != "" {
		awsCfg.Region = cfg.Region
	}
	if awsCfg.Region == "" {
		return nil, fmt.Errorf("%w: no AWS region: add region=... to the DSN (for example region=us-east-1) or set AWS_REGION", ErrInvalidDSN)
	}
	if cfg.Region == "" {
		if err := checkRegion(awsCfg.Region, "the region of the AWS configuration (AWSConfig, AWS_REGION or the shared config file)"); err != nil {
			return nil, err
		}
	}
	if cfg.AccessKeyID != "" || cfg.SecretAccessKey != "" {
		if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
			return nil, fmt.Errorf("%w: akid and secret_key must be given together (or neither, to use the standard AWS credential chain)", ErrInvalidDSN)
		}
		awsCfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken))
	}
	// Endpoint, retries and connection pool (netconfig.go), then the
	// user's options, which win.
	return dynamodb.NewFromConfig(awsCfg, cfg.clientOptions(awsCfg), func(o *dynamodb.Options) {
		for _, f := range cfg.ClientOptions {
			f(o)
		}
	}), nil
}

// Connect returns a new connection. It makes no network call.
func (c *Connector) Connect(context.Context) (driver.Conn, error) {
	return &conn{c: c}, nil
}

// Driver returns the driver.
func (c *Connector) Driver() driver.Driver { return &Driver{} }

// Client returns the DynamoDB client the connector owns, for operations
// PartiQL cannot express (CreateTable, for example).
func (c *Connector) Client() *dynamodb.Client { return c.client }

// Catalog returns the connector's cache of table and index metadata.
func (c *Connector) Catalog() *indexhint.Catalog { return c.catalog }

// Config returns a copy of the connector's configuration.
func (c *Connector) Config() *Config { return c.cfg.Clone() }

// ConnectorOf returns the Connector behind db, which must have been opened
// with this driver (sql.Open("dynamosql", ...) or sql.OpenDB(connector)).
func ConnectorOf(ctx context.Context, db *sql.DB) (*Connector, error) {
	if _, ok := db.Driver().(*Driver); ok {
		// sql.DB does not expose its connector; borrow a connection.
		sc, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer sc.Close()
		var found *Connector
		err = sc.Raw(func(dc any) error {
			if c, ok := dc.(*conn); ok {
				found = c.c
				return nil
			}
			return errNotOurs
		})
		return found, err
	}
	return nil, errNotOurs
}

// Client returns the DynamoDB client behind db (see ConnectorOf), for the
// operations PartiQL cannot express, such as CreateTable.
func Client(ctx context.Context, db *sql.DB) (*dynamodb.Client, error) {
	c, err := ConnectorOf(ctx, db)
	if err != nil {
		return nil, err
	}
	return c.client, nil
}
