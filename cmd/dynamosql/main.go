// Command dynamosql is a SQL shell for Amazon DynamoDB, built on the
// dynamosql database/sql driver: PartiQL statements, interactively with
// line editing, history and completion, or from scripts, with results as
// aligned tables, NDJSON or CSV.
//
//	go install github.com/dynamosql/dynamosql/cmd/dynamosql@latest
//	dynamosql --dsn 'region=us-east-1;endpoint=http://127.0.0.1:8000;akid=local;secret_key=local'
//	dynamosql --region eu-west-1 --format json -c 'SELECT * FROM "user" WHERE id = '"'u1'"
//
// See docs/shell.md for everything it does.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
	"golang.org/x/term"

	"github.com/dynamosql/dynamosql"
)

// EnvDSN is the environment variable read for the DSN when --dsn is not
// given. Prefer it to --dsn for DSNs with secrets: the command line is
// visible to other users of the machine.
const EnvDSN = "DYNAMOSQL_DSN"

const usage = `Usage: dynamosql [flags]

A SQL (PartiQL) shell for Amazon DynamoDB. Interactive on a terminal;
otherwise it runs the statements of -c, -f or standard input.

Connecting (in this order):
  --dsn DSN            the driver's DSN, e.g. 'region=us-east-1;endpoint=http://127.0.0.1:8000'
                       (else the DYNAMOSQL_DSN environment variable, else the AWS chain)
  --region REGION      AWS region (overrides the DSN's)
  --endpoint URL       DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local
  --profile NAME       shared AWS config profile
  --scan allow|warn|deny  what to do with a SELECT that scans a whole table (default: the DSN's, warn)

Input:
  -c STATEMENT         run STATEMENT(s) and exit; repeatable, run in order with -f
  -f FILE              run the statements of FILE ('-': standard input); repeatable
  --continue           after an error, run the rest (the exit status is still 1)

Output:
  --format table|json|csv  table on a terminal, json (one object per row) otherwise
  -x, --expanded       expanded table display: one line per column
  --timing             show each statement's elapsed time (on by default interactively)
  --binary base64|hex  binary values in table and csv output (default base64; json: base64)
  -q, --quiet          no footers after results
  --progress auto|on|off  live progress of reads on stderr (auto: reads over 0.5 s, when stderr
                       is a terminal; on: always, from the first rows)
  --page-size N        items DynamoDB reads per request (1-10000; default: 1 MB pages)
  --chunk N            rows per chunk of the table format; widths come from the first (default 500)
  --history FILE       interactive history file (default in the user's config dir; 'off': none)

Exit status: 0 when every statement succeeded, 1 otherwise, 2 for bad flags.
`

// options are the command-line flags.
type options struct {
	dsn, region, endpoint, profile, scan string
	sources                              []source
	cont                                 bool
	format                               string
	expanded, timing, quiet              bool
	binary                               string
	progress                             string
	pageSize, chunk                      int
	history                              string
	debugHeap                            bool
}

// source is one -c statement or -f file, in command-line order.
type source struct {
	command bool
	text    string
}

type sourceFlag struct {
	list    *[]source
	command bool
}

func (f sourceFlag) String() string { return "" }
func (f sourceFlag) Set(v string) error {
	*f.list = append(*f.list, source{command: f.command, text: v})
	return nil
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("dynamosql", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.dsn, "dsn", "", "")
	fs.StringVar(&o.region, "region", "", "")
	fs.StringVar(&o.endpoint, "endpoint", "", "")
	fs.StringVar(&o.profile, "profile", "", "")
	fs.StringVar(&o.scan, "scan", "", "")
	fs.Var(sourceFlag{&o.sources, true}, "c", "")
	fs.Var(sourceFlag{&o.sources, false}, "f", "")
	fs.BoolVar(&o.cont, "continue", false, "")
	fs.StringVar(&o.format, "format", "", "")
	fs.BoolVar(&o.expanded, "x", false, "")
	fs.BoolVar(&o.expanded, "expanded", false, "")
	fs.BoolVar(&o.timing, "timing", false, "")
	fs.StringVar(&o.binary, "binary", "base64", "")
	fs.BoolVar(&o.quiet, "q", false, "")
	fs.BoolVar(&o.quiet, "quiet", false, "")
	fs.StringVar(&o.progress, "progress", "auto", "")
	fs.IntVar(&o.pageSize, "page-size", 0, "")
	fs.IntVar(&o.chunk, "chunk", 500, "")
	fs.StringVar(&o.history, "history", "", "")
	// Hidden: memory figures on stderr at exit, for tests and measurements.
	fs.BoolVar(&o.debugHeap, "debug-heap", false, "")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: statements go in -c '...' or -f FILE", fs.Arg(0))
	}
	if o.format != "" {
		f, err := parseFormat(o.format)
		if err != nil {
			return nil, fmt.Errorf("--format: %w", err)
		}
		o.format = f
	}
	switch o.binary {
	case "base64", "hex":
	default:
		return nil, fmt.Errorf("--binary %q: use base64 or hex", o.binary)
	}
	switch o.progress {
	case "auto", "on", "off":
	default:
		return nil, fmt.Errorf("--progress %q: use auto, on or off", o.progress)
	}
	if o.pageSize < 0 || o.pageSize > 10000 {
		return nil, fmt.Errorf("--page-size %d: use 1 to 10000 (0: DynamoDB's 1 MB pages)", o.pageSize)
	}
	if o.chunk < 1 {
		return nil, fmt.Errorf("--chunk %d: use 1 or more rows", o.chunk)
	}
	return o, nil
}

// config builds the driver configuration: --dsn, else $DYNAMOSQL_DSN,
// else the AWS chain; --region, --endpoint, --profile and --scan on top.
// It returns the secret values too, to keep them out of messages.
func (o *options) config(getenv func(string) string) (*dynamosql.Config, []string, error) {
	dsn, from := o.dsn, "--dsn"
	if dsn == "" {
		dsn, from = getenv(EnvDSN), EnvDSN
	}
	cfg := dynamosql.NewConfig()
	if dsn != "" {
		var err error
		if cfg, err = dynamosql.ParseDSN(dsn); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", from, err) // the driver's DSN errors never hold secrets
		}
	}
	secrets := []string{cfg.SecretAccessKey, cfg.SessionToken}
	if o.region != "" {
		cfg.Region = o.region
	}
	if o.endpoint != "" {
		u, err := url.Parse(o.endpoint)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, nil, fmt.Errorf("--endpoint %q is not an absolute URL such as http://127.0.0.1:8000", o.endpoint)
		}
		cfg.Endpoint = o.endpoint
	}
	if o.profile != "" {
		cfg.Profile = o.profile
	}
	if o.scan != "" {
		p, err := dynamosql.ParseScanPolicy(o.scan)
		if err != nil {
			return nil, nil, fmt.Errorf("--scan: %w", err)
		}
		cfg.Scan = p
	}
	// The shell shows values itself: lists and maps as the driver's List
	// and Map (not JSON text, which would look like binary) and strings as
	// strings.
	cfg.JSONDocuments = false
	cfg.ParseTime = false
	return cfg, secrets, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// isTerminal reports whether f is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// run is the whole command; it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	o, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "dynamosql: %v\n(dynamosql --help lists the flags)\n", err)
		return 2
	}
	interactive := len(o.sources) == 0 && isTerminal(stdin)
	errTerminal := isTerminal(stderr)
	if o.format == "" {
		o.format = formatJSON
		if isTerminal(stdout) {
			o.format = formatTable
		}
	}

	prog := &progress{w: stderr, on: o.progress == "on" || o.progress == "auto" && errTerminal}
	if o.progress == "auto" {
		prog.delay = progressDelay
	}
	var errMu sync.Mutex
	errOut := &lockedWriter{mu: &errMu, w: clearingWriter{w: stderr, p: prog}}
	cfg, secrets, err := o.config(getenv)
	if err != nil {
		fmt.Fprintf(errOut, "ERROR: %v\n", err)
		return 1
	}
	cfg.Logger = slog.New(&warnHandler{w: errOut})
	cfg.ClientOptions = append(cfg.ClientOptions, func(o *dynamodb.Options) { o.Logger = sdkLogger{w: errOut} })
	connector, err := dynamosql.NewConnector(cfg)
	if err != nil {
		fmt.Fprintf(errOut, "ERROR: %s\n", scrub(err.Error(), secrets))
		return 1
	}
	db := sql.OpenDB(connector)
	defer db.Close()

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	s := &shell{
		db:             db,
		cfg:            cfg,
		out:            bufio.NewWriterSize(clearingWriter{w: stdout, p: prog}, 64<<10),
		stderr:         errOut,
		values:         valueFormat{hex: o.binary == "hex"},
		format:         o.format,
		expanded:       o.expanded,
		timing:         o.timing || interactive,
		quiet:          o.quiet,
		cont:           o.cont,
		chunk:          o.chunk,
		pageSize:       o.pageSize,
		stderrTerminal: errTerminal,
		catalog:        sqlCatalog{db: db},
		meter:          newDriverCapacity(),
		names:          newCompleter(),
		prog:           prog,
		secrets:        secrets,
		root:           ctx,
	}
	if o.debugHeap {
		s.heap = newHeapStats()
		defer s.heap.report(errOut)
	}

	// SIGINT cancels the running statement. Interactively the shell goes
	// on; a script stops.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			if interactive {
				s.interrupt()
				continue
			}
			stop()
		}
	}()

	if interactive {
		history := o.history
		switch history {
		case "":
			history = defaultHistoryPath()
		case "off":
			history = ""
		}
		s.interactive(ctx, history)
		return 0
	}

	ok := true
	if len(o.sources) == 0 {
		ok = s.runScript(ctx, stdin, "stdin")
	}
	for i, src := range o.sources {
		if !ok {
			break
		}
		switch {
		case src.command:
			ok = s.runScript(ctx, strings.NewReader(src.text), fmt.Sprintf("-c#%d", i+1))
		case src.text == "-":
			ok = s.runScript(ctx, stdin, "stdin")
		default:
			f, err := os.Open(src.text)
			if err != nil {
				s.report("", fmt.Errorf("-f: %w", err))
				ok = false
				break
			}
			ok = s.runScript(ctx, f, src.text)
			f.Close()
		}
	}
	if ctx.Err() != nil {
		s.report("", errors.New("interrupted"))
	}
	s.out.Flush()
	s.finish()
	if s.failed {
		return 1
	}
	return 0
}

// lockedWriter serialises writes to stderr from the shell and the
// driver's logger.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// warnHandler is the slog.Handler the driver logs its warnings through
// (a full scan under scan=warn, for example): one line on stderr each,
// "WARNING: message (key=value, ...)".
type warnHandler struct {
	w     io.Writer
	attrs []slog.Attr
}

func (h *warnHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *warnHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("ERROR: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("WARNING: ")
	default:
		b.WriteString("NOTICE: ")
	}
	b.WriteString(r.Message)
	var kv []string
	add := func(a slog.Attr) bool {
		if v := a.Value.String(); v != "" {
			kv = append(kv, a.Key+"="+v)
		}
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	if len(kv) > 0 {
		b.WriteString(" (" + strings.Join(kv, ", ") + ")")
	}
	b.WriteByte('\n')
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *warnHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &warnHandler{w: h.w, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *warnHandler) WithGroup(string) slog.Handler { return h }

// sdkLogger passes the AWS SDK's log messages to stderr, through the
// shell's error writer (which clears the progress line first). The
// driver's client no longer provokes the checksum warning DynamoDB Local's
// error answers used to cause (the driver's checksum.go).
type sdkLogger struct{ w io.Writer }

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	level := "NOTICE"
	if c == logging.Warn {
		level = "WARNING"
	}
	fmt.Fprintf(l.w, "%s: aws sdk: %s\n", level, msg)
}
