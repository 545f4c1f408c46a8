package dynamotest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEndpointIdempotent(t *testing.T) {
	first, err := Endpoint()
	if err != nil {
		t.Fatalf("Endpoint: %v", err)
	}
	if !strings.HasPrefix(first, "http://") && !strings.HasPrefix(first, "https://") {
		t.Fatalf("Endpoint = %q, want an http(s) URL", first)
	}
	for range 3 {
		again, err := Endpoint()
		if err != nil || again != first {
			t.Fatalf("Endpoint again = %q, %v; want %q, nil", again, err, first)
		}
	}
	if got := MustEndpoint(t); got != first {
		t.Fatalf("MustEndpoint = %q, want %q", got, first)
	}
	if env := os.Getenv(EnvEndpoint); env != "" && strings.TrimRight(env, "/") != first {
		t.Fatalf("Endpoint = %q, want %s=%q", first, EnvEndpoint, env)
	}
}

func TestEndpointConcurrent(t *testing.T) {
	want := MustEndpoint(t)
	errs := make(chan error, 8)
	got := make(chan string, 8)
	for range 8 {
		go func() {
			ep, err := Endpoint()
			errs <- err
			got <- ep
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if ep := <-got; ep != want {
			t.Fatalf("Endpoint = %q, want %q", ep, want)
		}
	}
}

func TestDSN(t *testing.T) {
	want := "region=us-east-1;endpoint=" + MustEndpoint(t) + ";akid=local;secret_key=local"
	if got := DSN(t); got != want {
		t.Fatalf("DSN = %q, want %q", got, want)
	}
}

func TestResolveEndpointFromEnv(t *testing.T) {
	ep := MustEndpoint(t)
	got, err := resolveEndpoint(context.Background(), " "+ep+"/ ", 10*time.Second)
	if err != nil {
		t.Fatalf("resolveEndpoint(%q): %v", ep, err)
	}
	if got != ep {
		t.Fatalf("resolveEndpoint = %q, want %q", got, ep)
	}
}

func TestResolveEndpointNotAnswering(t *testing.T) {
	// A port that was free a moment ago: nothing answers there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()

	_, err = resolveEndpoint(context.Background(), dead, 500*time.Millisecond)
	if err == nil {
		t.Fatalf("resolveEndpoint(%q) succeeded, want an error", dead)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "dynamotest: ") || !strings.Contains(msg, dead) {
		t.Fatalf("error %q does not start with dynamotest: and name %s", msg, dead)
	}
}

func TestFindRepoRoot(t *testing.T) {
	root := t.TempDir()
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "go.mod"), "// comment\nmodule github.com/dynamosql/dynamosql // ours\n\ngo 1.26\n")
	// A nested module of another path must be skipped.
	write(filepath.Join(root, "examples", "other", "go.mod"), "module example.com/other\n")
	// A module whose path merely starts with ours is not ours.
	write(filepath.Join(root, "x", "go.mod"), "module \"github.com/dynamosql/dynamosql/x\"\n")
	deep := filepath.Join(root, "examples", "other", "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, start := range []string{root, deep, filepath.Join(root, "x")} {
		got, err := findRepoRoot(start)
		if err != nil {
			t.Fatalf("findRepoRoot(%s): %v", start, err)
		}
		if got != root {
			t.Fatalf("findRepoRoot(%s) = %s, want %s", start, got, root)
		}
	}

	lone := t.TempDir()
	if _, err := findRepoRoot(lone); err == nil || !strings.HasPrefix(err.Error(), "dynamotest: ") {
		t.Fatalf("findRepoRoot(%s) error = %v, want a dynamotest: error", lone, err)
	}
}

func TestFindRepoRootOfThisRepo(t *testing.T) {
	got, err := findRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(got, startScript)); err != nil {
		t.Fatalf("repository root %s has no %s: %v", got, startScript, err)
	}
}

func TestModulePathOf(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]string{
		"module github.com/dynamosql/dynamosql\n":      modulePath,
		"module\t\"github.com/dynamosql/dynamosql\"\n": modulePath,
		"// module github.com/dynamosql/dynamosql\n":   "",
		"modules github.com/dynamosql/dynamosql\n":     "",
		"go 1.26\n": "",
		"\n  module example.com/m // trailing comment\n": "example.com/m",
	} {
		p := filepath.Join(dir, "go.mod")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := modulePathOf(p); got != want {
			t.Errorf("modulePathOf(%q) = %q, want %q", content, got, want)
		}
	}
	if got := modulePathOf(filepath.Join(dir, "missing.mod")); got != "" {
		t.Errorf("modulePathOf(missing) = %q, want \"\"", got)
	}
}
