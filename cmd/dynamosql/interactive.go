package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/peterh/liner"
)

// interactive reads statements from the terminal with line editing,
// history and completion until Ctrl-D or \q. Ctrl-C while a statement
// runs cancels it (SIGINT, see main); Ctrl-C while typing clears the
// statement being typed.
func (s *shell) interactive(ctx context.Context, historyPath string) {
	ln := liner.NewLiner()
	defer ln.Close()
	ln.SetCtrlCAborts(true)
	ln.SetMultiLineMode(true)
	ln.SetTabCompletionStyle(liner.TabPrints)
	ln.SetWordCompleter(s.names.complete)
	hist := &history{path: historyPath, secrets: s.secrets}
	hist.load(ln)
	go s.names.loadTables(ctx, s.catalog)

	fmt.Fprintf(s.out, "dynamosql shell: %s\nType \\? for help, \\q or Ctrl-D to quit.\n", s.cfg.String())
	s.out.Flush()

	var sp splitter
	var typed []string // the lines of the statement being typed, for history
	lineNo := 0
	for {
		line, err := ln.Prompt(s.prompt(&sp))
		if errors.Is(err, liner.ErrPromptAborted) { // Ctrl-C while typing
			sp.reset()
			typed = nil
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.report("", err)
			}
			fmt.Fprintln(s.out)
			break
		}
		lineNo++
		if sp.empty() && isMetaLine(line) {
			hist.add(ln, strings.TrimSpace(line))
			if err := s.execute(ctx, line); err != nil {
				if errors.Is(err, errQuit) {
					break
				}
				s.report("", err)
			}
			continue
		}
		typed = append(typed, line)
		pieces := sp.feed(line, lineNo)
		if !sp.pending() {
			hist.add(ln, strings.Join(typed, " "))
			typed = nil
		}
		for _, p := range pieces {
			if err := s.execute(ctx, p.text); err != nil {
				s.report("", err)
			}
		}
	}
	s.out.Flush()
	s.finish()
}

// prompt returns the prompt: => for a new statement, -> for a
// continuation line, '> or "> inside quotes, and * when a transaction is
// open.
func (s *shell) prompt(sp *splitter) string {
	mark := "="
	switch {
	case sp.state == inString:
		mark = "'"
	case sp.state == inName:
		mark = `"`
	case sp.state == inBlockComment:
		mark = "*"
	case sp.pending():
		mark = "-"
	}
	if s.tx != nil {
		return "dynamosql*" + mark + "> "
	}
	return "dynamosql" + mark + "> "
}

// defaultHistoryPath returns the history file in the user's config
// directory ($XDG_CONFIG_HOME/dynamosql/history on Linux).
func defaultHistoryPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "dynamosql", "history")
}

// history is the persistent history: statements and meta-commands, never
// a DSN or a line holding one of its secrets.
type history struct {
	path    string
	secrets []string
}

// dsnSecret matches the DSN keys that hold secrets, in any spelling the
// driver accepts.
var dsnSecret = regexp.MustCompile(`(?i)(secret_key|secretkey|secret_access_key|session_token|sessiontoken)\s*=`)

// keep reports whether a line may be stored.
func (h *history) keep(line string) bool {
	if strings.TrimSpace(line) == "" || dsnSecret.MatchString(line) {
		return false
	}
	for _, v := range h.secrets {
		if len(v) >= 4 && strings.Contains(line, v) {
			return false
		}
	}
	return true
}

func (h *history) load(ln *liner.State) {
	if h.path == "" {
		return
	}
	f, err := os.Open(h.path)
	if err != nil {
		return // no history yet
	}
	defer f.Close()
	_, _ = ln.ReadHistory(f)
}

// add appends line to the history and rewrites the file (so a killed
// shell loses nothing), readable by the user alone.
func (h *history) add(ln *liner.State, line string) {
	if !h.keep(line) {
		return
	}
	ln.AppendHistory(line)
	if h.path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(h.path), ".history-*")
	if err != nil {
		return
	}
	_, werr := ln.WriteHistory(tmp)
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), h.path) != nil {
		os.Remove(tmp.Name())
	}
}
