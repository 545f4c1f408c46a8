package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dynamosql/dynamosql"
)

// errQuit is what \q returns: stop reading input.
var errQuit = errors.New("quit")

// shell runs statements and meta-commands on one *sql.DB and writes their
// results. Its settings are those of the flags, changed by meta-commands.
type shell struct {
	db       *sql.DB
	cfg      *dynamosql.Config // for display: print only cfg.String()
	out      *bufio.Writer     // stdout: results, and footers in table format
	stderr   io.Writer         // errors, warnings, progress
	values   valueFormat
	format   string
	expanded bool
	timing   bool
	capacity bool
	quiet    bool
	cont     bool // --continue
	chunk    int  // rows per chunk of the table format
	pageSize int  // DynamoDB's Limit per request; 0 leaves it to DynamoDB (1 MB pages)
	// stderrTerminal: footers of json and csv output go to stderr only on a
	// terminal, where a person reads them.
	stderrTerminal bool

	catalog tableCatalog
	meter   capacityMeter
	names   *completer
	prog    *progress
	heap    *heapStats
	secrets []string // secret values of the DSN, scrubbed from messages

	root context.Context // lives as long as the shell: transactions use it

	tx        *sql.Tx
	txResults []sql.Result

	mu      sync.Mutex
	running context.CancelFunc // cancels the statement being run
	failed  bool               // a statement failed
}

// interrupt cancels the statement being run and reports whether there was
// one.
func (s *shell) interrupt() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		return false
	}
	s.running()
	return true
}

// statementContext returns the context of one statement, which interrupt
// cancels, and the function that ends it.
func (s *shell) statementContext(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.running = cancel
	s.mu.Unlock()
	return ctx, func() {
		s.mu.Lock()
		s.running = nil
		s.mu.Unlock()
		cancel()
	}
}

// execute runs one statement (without its ';') or one meta-command line.
func (s *shell) execute(ctx context.Context, text string) error {
	if isMetaLine(text) {
		return s.meta(ctx, strings.TrimSpace(text))
	}
	w := words(text)
	if cmd, err := txCommand(w); cmd != "" || err != nil {
		if err != nil {
			return err
		}
		return s.transaction(cmd)
	}
	ctx, done := s.statementContext(ctx)
	defer done()
	if isQuery(w) {
		return s.query(ctx, text)
	}
	return s.exec(ctx, text)
}

// isMetaLine reports whether a line is a meta-command (starts with \).
func isMetaLine(line string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), `\`)
}

// isQuery reports whether a statement returns rows: a SELECT, or a write
// with RETURNING. Other statements run with Exec, and fall back to Query
// when the driver says they return rows (dynamosql.ErrNotQuery), which
// keeps statements the shell does not know working.
func isQuery(w []string) bool {
	if len(w) == 0 {
		return false
	}
	switch w[0] {
	case "SELECT", "SHOW", "DESCRIBE", "LIST":
		return true
	}
	return slices.Contains(w, "RETURNING")
}

// txCommand recognises BEGIN, START TRANSACTION, COMMIT and ROLLBACK
// (with an optional WORK or TRANSACTION).
func txCommand(w []string) (string, error) {
	if len(w) == 0 {
		return "", nil
	}
	cmd, rest := w[0], w[1:]
	switch cmd {
	case "START":
		if len(rest) == 0 || rest[0] != "TRANSACTION" {
			return "", nil
		}
		cmd, rest = "BEGIN", rest[1:]
	case "BEGIN", "COMMIT", "ROLLBACK":
		if len(rest) > 0 && (rest[0] == "WORK" || rest[0] == "TRANSACTION") {
			rest = rest[1:]
		}
	default:
		return "", nil
	}
	if len(rest) > 0 {
		return "", fmt.Errorf("%s takes no options (found %s): write %s alone", cmd, strings.Join(rest, " "), cmd)
	}
	return cmd, nil
}

// transaction runs BEGIN, COMMIT or ROLLBACK on a sql.Tx: the driver
// buffers the writes in between and sends them at COMMIT in one
// ExecuteTransaction.
func (s *shell) transaction(cmd string) error {
	switch cmd {
	case "BEGIN":
		if s.tx != nil {
			return errors.New("a transaction is already open: COMMIT or ROLLBACK it first")
		}
		// The transaction's context is the shell's: database/sql rolls a
		// transaction back when its context ends.
		tx, err := s.db.BeginTx(s.root, nil)
		if err != nil {
			return err
		}
		s.tx, s.txResults = tx, nil
		s.writeStatus("BEGIN")
		return nil
	case "COMMIT":
		if s.tx == nil {
			return errors.New("COMMIT without a transaction: start one with BEGIN")
		}
		start := time.Now()
		tx, results := s.tx, s.txResults
		s.tx, s.txResults = nil, nil
		if err := tx.Commit(); err != nil {
			if errors.Is(err, dynamosql.ErrTxOutcomeUnknown) {
				return fmt.Errorf("COMMIT: DynamoDB may or may not have applied the transaction: %w", err)
			}
			return fmt.Errorf("COMMIT failed, nothing was written: %w", err)
		}
		var n int64
		for _, r := range results {
			if a, err := r.RowsAffected(); err == nil {
				n += a
			}
		}
		if s.format == formatTable {
			s.writeStatus("COMMIT (%s affected)", plural(int(n), "row"))
		} else {
			s.writeAffected(n)
		}
		s.footer(footer{elapsed: time.Since(start)})
		return nil
	default: // ROLLBACK
		if s.tx == nil {
			return errors.New("ROLLBACK without a transaction: start one with BEGIN")
		}
		tx := s.tx
		s.tx, s.txResults = nil, nil
		if err := tx.Rollback(); err != nil {
			return err
		}
		s.writeStatus("ROLLBACK")
		return nil
	}
}

// querier is the transaction when one is open, else the database.
func (s *shell) querier() interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
} {
	if s.tx != nil {
		return s.tx
	}
	return s.db
}

// exec runs a statement that returns no rows and prints the rows it
// affected.
func (s *shell) exec(ctx context.Context, text string) error {
	start := time.Now()
	res, err := s.querier().ExecContext(ctx, text, s.meter.options()...)
	if errors.Is(err, dynamosql.ErrNotQuery) {
		return s.query(ctx, text)
	}
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if errors.Is(err, dynamosql.ErrTxPending) {
		s.txResults = append(s.txResults, res)
		s.writeStatus("BUFFERED (%s pending COMMIT)", plural(len(s.txResults), "statement"))
		return nil
	}
	if err != nil {
		return err
	}
	s.writeAffected(n)
	s.footer(footer{elapsed: time.Since(start)})
	return nil
}

// query runs a statement that returns rows and streams them to the
// output: the driver holds one DynamoDB page at a time and the writers at
// most one chunk of rows.
func (s *shell) query(ctx context.Context, text string) error {
	// Explain sends nothing: it tells the access path and the scan
	// guard's advice for the footer.
	plan, _ := dynamosql.Explain(ctx, s.db, text)
	var pos dynamosql.Position
	args := []any{dynamosql.Track(&pos), dynamosql.MarkMissing()}
	if s.pageSize > 0 {
		args = append(args, dynamosql.PageSize(s.pageSize))
	}
	args = append(args, s.meter.options()...)
	start := time.Now()
	s.prog.begin(start)
	defer s.prog.clear()
	rows, err := s.querier().QueryContext(ctx, text, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	s.names.addAttributes(cols)
	w := s.newResultWriter(cols)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			w.end()
			if ctx.Err() != nil {
				// database/sql closes the rows of a cancelled context on
				// its own; the Scan that meets them says so.
				return fmt.Errorf("statement cancelled after %s: %w", plural(n, "row"), err)
			}
			return err
		}
		w.row(vals)
		n++
		s.prog.tick(n, pos.Pages)
		s.heap.sample(n)
	}
	err = rows.Err()
	s.prog.clear()
	w.end()
	s.heap.sample(0)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("statement cancelled after %s: %w", plural(n, "row"), err)
		}
		if n > 0 {
			return fmt.Errorf("after %s: %w", plural(n, "row"), err)
		}
		return err
	}
	s.footer(footer{query: true, rows: n, pages: pos.Pages, elapsed: time.Since(start), plan: plan})
	return nil
}

// report prints an error on stderr, prefixed by where it happened, with
// the DSN's secrets scrubbed (the driver never puts them in errors; this
// is a second guard).
func (s *shell) report(where string, err error) {
	s.failed = true
	msg := err.Error()
	if errors.Is(err, context.Canceled) && !strings.Contains(msg, "cancelled") {
		msg = "statement cancelled: " + msg
	}
	s.prog.clear()
	fmt.Fprintf(s.stderr, "%sERROR: %s\n", where, scrub(msg, s.secrets))
}

// scrub replaces the DSN's secret values in msg.
func scrub(msg string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			msg = strings.ReplaceAll(msg, v, "***")
		}
	}
	return msg
}

// runScript runs the statements and meta-commands read from r; name labels
// its errors. It returns false when the shell must stop: a statement
// failed without --continue, \q, or the shell was interrupted.
func (s *shell) runScript(ctx context.Context, r io.Reader, name string) bool {
	br := bufio.NewReaderSize(r, 64<<10)
	var sp splitter
	lineNo := 0
	run := func(p piece) bool {
		err := s.execute(ctx, p.text)
		if errors.Is(err, errQuit) {
			return false
		}
		if err != nil {
			s.report(fmt.Sprintf("%s:%d: ", name, p.line), err)
			return s.cont && ctx.Err() == nil
		}
		return ctx.Err() == nil
	}
	for {
		line, rerr := br.ReadString('\n')
		if line == "" && rerr != nil {
			if rerr != io.EOF {
				s.report(name+": ", fmt.Errorf("reading: %w", rerr))
				return false
			}
			break
		}
		lineNo++
		line = strings.TrimRight(line, "\r\n")
		if sp.empty() && isMetaLine(line) {
			if !run(piece{text: line, line: lineNo}) {
				return false
			}
			continue
		}
		for _, p := range sp.feed(line, lineNo) {
			if !run(p) {
				return false
			}
		}
	}
	if sp.state != inCode {
		s.report(fmt.Sprintf("%s:%d: ", name, sp.line), fmt.Errorf("the input ends inside %s: close it (and end the statement with ;)", sp.state))
		return s.cont
	}
	if p, ok := sp.flush(); ok {
		return run(p)
	}
	return true
}

// String names what a splitter state is inside of.
func (st splitState) String() string {
	switch st {
	case inString:
		return "a quoted string ('...')"
	case inName:
		return `a quoted name ("...")`
	case inBackquote:
		return "a backquoted literal (`...`)"
	case inBlockComment:
		return "a comment (/* ... */)"
	}
	return "a statement"
}

// finish ends the input: a transaction still open is rolled back, and that
// is an error (a script that forgets COMMIT wrote nothing).
func (s *shell) finish() {
	if s.tx == nil {
		return
	}
	n := len(s.txResults)
	_ = s.tx.Rollback()
	s.tx, s.txResults = nil, nil
	s.report("", fmt.Errorf("the input ended inside a transaction (%s buffered): it was rolled back and nothing was written; end the transaction with COMMIT", plural(n, "statement")))
}
