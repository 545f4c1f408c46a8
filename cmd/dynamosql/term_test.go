package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyTerm runs the shell on a pseudo-terminal, as a person would.
type ptyTerm struct {
	t    *testing.T
	cmd  *exec.Cmd
	pty  *os.File
	mu   sync.Mutex
	buf  []byte
	pos  int // expect matched up to here
	done chan struct{}
}

// expectTimeout only guards against a hang; it is not a speed assertion.
const expectTimeout = 60 * time.Second

func startTerm(t *testing.T, args ...string) *ptyTerm {
	t.Helper()
	return startTermEnv(t, nil, args...)
}

func startTermEnv(t *testing.T, env []string, args ...string) *ptyTerm {
	t.Helper()
	cmd := shellCmd(t, append(env, "TERM=xterm"), args...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 250})
	if err != nil {
		t.Fatalf("starting the shell on a pty: %v", err)
	}
	tm := &ptyTerm{t: t, cmd: cmd, pty: f, done: make(chan struct{})}
	go func() {
		defer close(tm.done)
		b := make([]byte, 32<<10)
		for {
			n, err := f.Read(b)
			tm.mu.Lock()
			tm.buf = append(tm.buf, b[:n]...)
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		if tm.cmd.ProcessState == nil {
			_ = tm.cmd.Process.Kill()
			_ = tm.cmd.Wait()
		}
		f.Close()
		<-tm.done
	})
	return tm
}

// expect waits until the output after the last match holds s.
func (tm *ptyTerm) expect(s string) {
	tm.t.Helper()
	deadline := time.Now().Add(expectTimeout)
	for {
		tm.mu.Lock()
		if i := bytes.Index(tm.buf[tm.pos:], []byte(s)); i >= 0 {
			tm.pos += i + len(s)
			tm.mu.Unlock()
			return
		}
		tail := string(tm.buf[max(0, len(tm.buf)-2000):])
		tm.mu.Unlock()
		if time.Now().After(deadline) {
			tm.t.Fatalf("waited %v for %q; the terminal's last output:\n%s", expectTimeout, s, tail)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (tm *ptyTerm) send(s string) {
	tm.t.Helper()
	if _, err := tm.pty.WriteString(s); err != nil {
		tm.t.Fatalf("typing %q: %v", s, err)
	}
}

// output returns everything the shell wrote so far.
func (tm *ptyTerm) output() []byte {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return bytes.Clone(tm.buf)
}

// wait waits for the shell to exit and returns its exit status.
func (tm *ptyTerm) wait() int {
	tm.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- tm.cmd.Wait() }()
	select {
	case err := <-errc:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			tm.t.Fatalf("waiting for the shell: %v", err)
		}
		return 0
	case <-time.After(expectTimeout):
		tm.t.Fatalf("the shell did not exit; its last output:\n%s", tm.output())
		return -1
	}
}
