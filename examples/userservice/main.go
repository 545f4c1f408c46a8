// Command userservice is the seed system's Express user service in Go: a
// JSON API on net/http over a DynamoDB table, through the mapper and the
// pagination package.
//
// On start it syncs the user table (partition key id) with the global
// secondary index ageIndex (partition key age, sort key the composite
// ["lastname", "firstname"]), optionally seeds a few users, prints example
// curl commands and serves until SIGINT or SIGTERM, then shuts down
// gracefully (requests in flight finish, for up to 15 s).
//
// Routes:
//
//	POST   /users        create a user: {"id", "firstname", "lastname", "age"}; 201, 409 if the id exists
//	GET    /users/{id}   200, 404 when missing
//	PUT    /users/{id}   create or replace: 200 replaced, 201 created; 400 if the body's id differs
//	DELETE /users/{id}   204 (also when missing)
//	GET    /users        a page of users: ?age=&page=&size=&sort=&cursor= and the filters
//	                     firstname=, lastname=, lastnamePrefix=
//
// GET /users with age queries the index ageIndex and can sort by lastname
// (then firstname), ascending or descending; without age it pages through
// the whole table (a scan) in DynamoDB's order; each page request reads at
// most 10,000 items and a third of the request timeout, then answers a
// partial page whose cursor continues it. Errors are JSON: {"error":
// "...", "message": "..."} (plus "parameter" or "field" when one is at
// fault); client errors are 4xx, never 500. A write answered 503
// (DynamoDB unreachable, with Retry-After) was not applied; one answered
// 502 outcome_unknown may have been. Bodies are at most 64 KB (413). The
// repository's docs/userservice.md describes every status and limit.
//
// Configuration (flags override the environment):
//
//	ADDR               -addr      listen address (default 127.0.0.1:8080)
//	DYNAMODB_ENDPOINT  -endpoint  DynamoDB endpoint (default http://127.0.0.1:$DYNAMODB_LOCAL_PORT,
//	                              or http://127.0.0.1:8000 without DYNAMODB_LOCAL_PORT)
//	USER_TABLE         -table     table name (default user)
//	SEED               -seed      number of demo users to write on start (default 0)
//	REQUEST_TIMEOUT    -request-timeout
//	                              how long one request may take (default 30s); a request
//	                              past it stops reading DynamoDB and is answered 504
//	                              (or 502 for a write that may have been applied)
//	CURSOR_KEY                    HMAC key for page cursors, at least 32 bytes; without
//	                              it a random key per process is used, so cursors do not
//	                              survive a restart and are refused by other replicas
//	AWS_REGION                    region (default us-east-1)
//
// The DSN uses the dummy credentials DynamoDB Local accepts. `make run`
// starts DynamoDB Local and runs this service with SEED=25.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/dynamosql/dynamosql/internal/localenv"
)

// Defaults of the configuration.
const (
	defaultAddr     = "127.0.0.1:8080"
	defaultEndpoint = localenv.DefaultEndpoint // without DYNAMODB_LOCAL_PORT
	defaultTable    = "user"
	defaultRegion   = "us-east-1"
	// minCursorKey is the shortest CURSOR_KEY accepted, in bytes.
	minCursorKey = 32
	// maxSeed bounds SEED.
	maxSeed = 100000
	// shutdownTimeout bounds the wait for requests in flight on shutdown.
	shutdownTimeout = 15 * time.Second
	// defaultRequestTimeout is the deadline of each request's work.
	defaultRequestTimeout = 30 * time.Second
	// maxRequestTimeout bounds REQUEST_TIMEOUT.
	maxRequestTimeout = 10 * time.Minute
	// writeSlack is how much longer the server's write timeout is than
	// the request timeout, so that a request that ran out of time still
	// delivers its answer.
	writeSlack = 30 * time.Second
)

// config is the service's configuration.
type config struct {
	// Addr is the address to listen on ("127.0.0.1:0" picks a free port).
	Addr string
	// Endpoint is the DynamoDB endpoint.
	Endpoint string
	// Region is the AWS region of the DSN.
	Region string
	// Table is the name of the user table.
	Table string
	// CursorKey signs page cursors; nil means a random per-process key.
	CursorKey []byte
	// Seed is the number of demo users written on start.
	Seed int
	// RequestTimeout is the deadline of each request's work; 0 means
	// defaultRequestTimeout.
	RequestTimeout time.Duration
	// Logger receives the service's logs; nil means text to stderr.
	Logger *slog.Logger

	// onReady, when set, is called with the listening address once the
	// service accepts connections (for tests).
	onReady func(addr string)
	// clientOptions are added to the DynamoDB client's options (for tests:
	// fault injection).
	clientOptions []func(*dynamodb.Options)
}

// loadConfig reads the configuration from the environment (through
// getenv) and the command-line flags args (without the program name).
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	cfg := config{Region: env("AWS_REGION", defaultRegion)}
	endpoint, err := localenv.From(getenv)
	if err != nil {
		return config{}, fmt.Errorf("userservice: %w", err)
	}
	seed := env("SEED", "0")
	fs := flag.NewFlagSet("userservice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", env("ADDR", defaultAddr), "listen address (env ADDR)")
	fs.StringVar(&cfg.Endpoint, "endpoint", endpoint, "DynamoDB endpoint (env DYNAMODB_ENDPOINT, or DYNAMODB_LOCAL_PORT on 127.0.0.1)")
	fs.StringVar(&cfg.Table, "table", env("USER_TABLE", defaultTable), "user table name (env USER_TABLE)")
	fs.StringVar(&seed, "seed", seed, "number of demo users to write on start (env SEED)")
	timeout := env("REQUEST_TIMEOUT", defaultRequestTimeout.String())
	fs.StringVar(&timeout, "request-timeout", timeout, "how long one request may take (env REQUEST_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("userservice: unexpected arguments %q", fs.Args())
	}
	n, err := strconv.Atoi(seed)
	if err != nil || n < 0 || n > maxSeed {
		return config{}, fmt.Errorf("userservice: SEED must be an integer between 0 and %d, got %q", maxSeed, seed)
	}
	cfg.Seed = n
	if cfg.RequestTimeout, err = time.ParseDuration(timeout); err != nil || cfg.RequestTimeout <= 0 {
		return config{}, fmt.Errorf("userservice: REQUEST_TIMEOUT must be a duration such as 30s, at most %v, got %q", maxRequestTimeout, timeout)
	}
	if k := getenv("CURSOR_KEY"); k != "" {
		cfg.CursorKey = []byte(k)
	}
	return cfg, cfg.check()
}

// check validates the configuration.
func (c config) check() error {
	switch {
	case c.Addr == "":
		return errors.New("userservice: the listen address is empty")
	case c.Endpoint == "":
		return errors.New("userservice: the DynamoDB endpoint is empty")
	case c.Table == "":
		return errors.New("userservice: the table name is empty")
	case c.Seed < 0 || c.Seed > maxSeed:
		return fmt.Errorf("userservice: seed %d: want 0 to %d", c.Seed, maxSeed)
	case c.RequestTimeout < 0 || c.RequestTimeout > maxRequestTimeout:
		return fmt.Errorf("userservice: REQUEST_TIMEOUT must be a duration such as 30s, at most %v, got %v", maxRequestTimeout, c.RequestTimeout)
	case len(c.CursorKey) > 0 && len(c.CursorKey) < minCursorKey:
		// The key is never echoed.
		return fmt.Errorf("userservice: CURSOR_KEY has %d bytes; use at least %d random bytes (for example: openssl rand -base64 32)", len(c.CursorKey), minCursorKey)
	}
	return nil
}

func main() {
	cfg, err := loadConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = run(ctx, cfg, os.Stdout)
	if err != nil && !(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run starts the service: it connects to DynamoDB, syncs the table, seeds
// cfg.Seed users, listens on cfg.Addr, prints example curl commands to out
// and serves until ctx is cancelled, then shuts down gracefully. It
// returns nil after a clean shutdown, and ctx's error when ctx ends before
// the service is up.
func run(ctx context.Context, cfg config, out io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	log := cfg.Logger
	if len(cfg.CursorKey) == 0 {
		log.Warn("CURSOR_KEY is not set: page cursors are signed with a random per-process key, " +
			"so they will not survive a restart and are not accepted by other replicas; " +
			"set CURSOR_KEY (at least 32 random bytes, the same on every replica) to keep them valid")
	}

	a, err := newApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("userservice: %w", err)
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      a.requestTimeout() + writeSlack,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	base := baseURL(ln.Addr())
	if err := a.printUsage(ctx, out, base); err != nil {
		ln.Close()
		return err
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "url", base, "table", cfg.Table, "dynamodb", cfg.Endpoint)
	if cfg.onReady != nil {
		cfg.onReady(ln.Addr().String())
	}

	select {
	case err := <-served:
		return fmt.Errorf("userservice: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("userservice: shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("userservice: %w", err)
	}
	log.Info("stopped")
	return nil
}

// baseURL is the URL clients use to reach addr: an unspecified host
// (0.0.0.0, ::) is shown as 127.0.0.1.
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
