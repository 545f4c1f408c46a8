// Package tempmod builds Go code against this repository the way a user's
// module would: in a temporary module whose go.mod requires
// github.com/dynamosql/dynamosql and replaces it with the working tree. Tests
// use it for what one test binary cannot show (package initialization
// order, build tags) and to compile the code blocks of the documentation.
//
// The temporary module copies the repository's requirements and go.sum, and
// the go command runs with GOFLAGS=-mod=mod and GOPROXY=off: it never
// downloads anything, since building the repository itself needs the same
// modules in the module cache.
package tempmod

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ModulePath is the path of the repository's module.
const ModulePath = "github.com/dynamosql/dynamosql"

// Module is a temporary Go module that requires the repository.
type Module struct {
	// Dir is the module's directory.
	Dir string
	// Root is the repository's directory (the replacement of ModulePath).
	Root string
}

var moduleLine = regexp.MustCompile(`(?m)^module\s+\S+\s*$`)

// New creates a module with the module path path in a temporary directory
// of tb, requiring the repository found from the working directory.
func New(tb testing.TB, path string) *Module {
	tb.Helper()
	root, err := RepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		tb.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		tb.Fatal(err)
	}
	if !moduleLine.Match(gomod) {
		tb.Fatalf("tempmod: no module line in %s/go.mod", root)
	}
	mod := moduleLine.ReplaceAll(gomod, []byte("module "+path))
	mod = fmt.Appendf(mod, "\nrequire %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n", ModulePath, ModulePath, root)
	m := &Module{Dir: tb.TempDir(), Root: root}
	m.Write(tb, "go.mod", string(mod))
	m.Write(tb, "go.sum", string(gosum))
	return m
}

// Write writes content to name, a slash-separated path in the module,
// creating its directory.
func (m *Module) Write(tb testing.TB, name, content string) {
	tb.Helper()
	p := filepath.Join(m.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// Go runs the go command with args in the module and returns its combined
// output.
func (m *Module) Go(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = m.Dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// RepoRoot returns the directory of the repository's go.mod, asking the go
// command for the main module of the working directory.
func RepoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("tempmod: go env GOMOD: %w", err)
	}
	gomod := string(bytes.TrimSpace(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("tempmod: the working directory is not inside module %s", ModulePath)
	}
	root := filepath.Dir(gomod)
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", fmt.Errorf("tempmod: %w", err)
	}
	if !regexp.MustCompile(`(?m)^module\s+` + regexp.QuoteMeta(ModulePath) + `\s*$`).Match(data) {
		return "", fmt.Errorf("tempmod: %s is not the go.mod of module %s", gomod, ModulePath)
	}
	return root, nil
}
