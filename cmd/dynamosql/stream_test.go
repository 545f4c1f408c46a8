package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// heapLine matches the hidden --debug-heap report.
var heapLine = regexp.MustCompile(`debug-heap: peak_live_heap_bytes=(\d+) peak_heap_objects_bytes=(\d+) peak_rss_kb=(\d+)`)

// heapFigures returns the peak live heap, heap in use and RSS (KiB) a run
// reported.
func heapFigures(t *testing.T, stderr string) (live, objects, rssKB int64) {
	t.Helper()
	m := heapLine.FindStringSubmatch(stderr)
	require.NotNil(t, m, "no debug-heap line in %q", stderr)
	n := func(s string) int64 { v, err := strconv.ParseInt(s, 10, 64); require.NoError(t, err); return v }
	return n(m[1]), n(m[2]), n(m[3])
}

// TestBigResult reads a table of 20,000 items (about 4.6 MB of JSON).
func TestBigResult(t *testing.T) {
	table := bigTable(t)
	sel := "SELECT * FROM " + q(table)

	// The whole table and its first 5,000 items, streamed as NDJSON with
	// 1,000-item pages: if the shell kept rows, the first run would hold
	// four times the rows of the second. It holds at most two pages (the
	// one being written and the one the driver reads ahead), which the
	// second run reaches several times too: the peaks of the live heap,
	// sampled at each GC, are then comparable.
	t.Run("StreamsWithMemoryBoundedByAPage", func(t *testing.T) {
		args := []string{dsnArg(t), "--format=json", "--scan=allow", "--page-size=1000", "--debug-heap", "--progress=on"}
		all := runShell(t, "", append(args, "-c", sel)...)
		require.Equal(t, 0, all.code, all.stderr)
		some := runShell(t, "", append(args, "-c", sel+" LIMIT 5000")...)
		require.Equal(t, 0, some.code, some.stderr)

		seen := map[string]bool{}
		for line := range strings.Lines(all.stdout) {
			var row struct {
				ID      string      `json:"id"`
				N       json.Number `json:"n"`
				Payload string      `json:"payload"`
			}
			require.NoError(t, json.Unmarshal([]byte(line), &row))
			require.Equal(t, "k"+fmt.Sprintf("%05s", row.N), row.ID)
			require.Len(t, row.Payload, payloadSize)
			seen[row.ID] = true
		}
		require.Len(t, seen, bigItems, "every item once")
		require.Equal(t, 5000, strings.Count(some.stdout, "\n"))
		require.Contains(t, all.stderr, "... ", "--progress=on shows progress on stderr")
		require.Regexp(t, `\.\.\. \d+ rows, \d+ pages, `, all.stderr)

		liveAll, objAll, rssAll := heapFigures(t, all.stderr)
		liveSome, objSome, rssSome := heapFigures(t, some.stderr)
		t.Logf("20,000 rows (%d bytes of NDJSON): peak live heap %d B, peak heap in use %d B, peak RSS %d KiB", len(all.stdout), liveAll, objAll, rssAll)
		t.Logf(" 5,000 rows (%d bytes of NDJSON): peak live heap %d B, peak heap in use %d B, peak RSS %d KiB", len(some.stdout), liveSome, objSome, rssSome)
		// For the record: the same read with DynamoDB's own 1 MB pages.
		onePage := runShell(t, "", dsnArg(t), "--format=json", "--scan=allow", "--debug-heap", "-c", sel)
		require.Equal(t, 0, onePage.code, onePage.stderr)
		liveMB, objMB, rssMB := heapFigures(t, onePage.stderr)
		t.Logf("20,000 rows, 1 MB pages: peak live heap %d B, peak heap in use %d B, peak RSS %d KiB", liveMB, objMB, rssMB)
		extraData := int64(len(all.stdout) - len(some.stdout))
		require.Less(t, liveAll-liveSome, extraData/4,
			"15,000 more rows (%d more bytes of output) must not grow the live heap by a quarter of that", extraData)
	})

	// The table format renders in chunks, with the widths of the first.
	t.Run("TableInChunks", func(t *testing.T) {
		const rows = 3000
		r := runShell(t, "", dsnArg(t), "--format=table", "--scan=allow", "--chunk=1000", "-c", sel+" LIMIT "+strconv.Itoa(rows))
		require.Equal(t, 0, r.code, r.stderr)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		require.Len(t, lines, 2+rows+2, "header, rule, rows, footer and FULL SCAN line")
		require.Regexp(t, `^\(3000 rows, \d+ pages?\)$`, lines[len(lines)-2])
		width := len(lines[2])
		for _, l := range lines[2 : 2+rows] {
			require.Len(t, l, width, "every row is aligned like the first chunk")
		}
	})

	// SIGINT stops a script: the running statement is cancelled, nothing
	// after it runs, and the exit status is 1.
	t.Run("SIGINTStopsAScript", func(t *testing.T) {
		cmd := shellCmd(t, nil, dsnArg(t), "--format=json", "--scan=allow", "--page-size=100")
		cmd.Stdin = strings.NewReader(sel + ";\n\\dt " + table + "\n")
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		first := make([]byte, 1)
		_, err = io.ReadFull(stdout, first) // the scan has begun
		require.NoError(t, err)
		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		rest, err := io.ReadAll(stdout)
		require.NoError(t, err)
		err = cmd.Wait()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		require.Equal(t, 1, ee.ExitCode())
		require.Contains(t, stderr.String(), "stdin:1: ERROR: statement cancelled after ")
		require.Contains(t, stderr.String(), "ERROR: interrupted")
		require.NotContains(t, string(rest), `{"table":`, "\\dt after the scan did not run")
		require.Less(t, strings.Count(string(rest), "\n"), bigItems-1, "the scan stopped early")
	})

	// Ctrl-C cancels a running scan and the shell answers the next
	// statement: first a SIGINT sent to the process, then Ctrl-C typed on
	// the terminal.
	t.Run("CtrlCCancelsAndShellGoesOn", func(t *testing.T) {
		tm := startTerm(t, dsnArg(t), "--scan=allow", "--page-size=100", "--chunk=10", "--history=off")
		tm.expect("dynamosql=> ")
		tm.send(sel + ";\r")
		tm.expect("| payload")
		require.NoError(t, tm.cmd.Process.Signal(syscall.SIGINT))
		tm.expect("ERROR: statement cancelled after ")
		tm.expect("dynamosql=> ")

		tm.send(sel + ";\r")
		tm.expect("| payload")
		tm.send("\x03") // the terminal turns it into SIGINT
		tm.expect("ERROR: statement cancelled after ")
		tm.expect("dynamosql=> ")

		tm.send("SELECT id, n FROM " + q(table) + " WHERE id = 'k00042';\r")
		tm.expect(" k00042 | 42")
		tm.expect("(1 row, 1 page, ")
		tm.send("\\q\r")
		require.Equal(t, 0, tm.wait())
		require.False(t, bytes.Contains(tm.output(), []byte("20000 rows")), "neither scan ran to its end")
	})
}
