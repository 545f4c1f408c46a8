package docscheck

// TestGoBlocks compiles every ```go block of the Markdown files at the
// repository's root and in docs/. The convention, also in CONTRIBUTING.md:
//
//  1. A block preceded by the comment <!-- from examples/x/main.go --> must
//     equal the lines of that file between the lines "// docs:begin" and
//     "// docs:end". The file is compiled by go vet ./... and run by its
//     own test; the block is not compiled again.
//  2. A block that starts with a package clause is a whole file: it is
//     compiled (and vetted) as it is, in a package of its own.
//  3. A block of top-level declarations (types, functions, variables) is
//     compiled as a file of its own package, with the imports below.
//  4. Any other block is a fragment of statements: it becomes the body of
//     a function, in a package of its own, with the imports below and,
//     at package level, the names of the environment below (ctx, db, ...),
//     which the fragment may use or declare again. The compiler's
//     "declared and not used" errors are ignored for fragments (a fragment
//     shows how to obtain a value; the reader uses it next); every other
//     error fails the test.
//
// The imports are those of the imports table; a block may use any of them
// without listing them. Blocks are compiled in one temporary module that
// requires this repository (internal/tempmod) with one `go build`, and
// //line comments make the errors name the Markdown file and line.
// Blocks in other languages (sh, sql, json, text) are not checked.

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dynamosql/dynamosql/internal/tempmod"
)

// imports are the packages every block that is not a whole file may use,
// each with an expression that uses it (so that a block need not).
var imports = []struct{ path, name, use string }{
	{"context", "context", "context.Background"},
	{"database/sql", "sql", "sql.Open"},
	{"encoding/json", "json", "json.Marshal"},
	{"errors", "errors", "errors.New"},
	{"fmt", "fmt", "fmt.Sprint"},
	{"log", "log", "log.Print"},
	{"log/slog", "slog", "slog.Default"},
	{"net/http", "http", "http.NewServeMux"},
	{"time", "time", "time.Now"},
	{"github.com/aws/aws-sdk-go-v2/aws", "aws", "aws.String"},
	{"github.com/aws/aws-sdk-go-v2/service/dynamodb", "dynamodb", "dynamodb.New"},
	{"github.com/aws/aws-sdk-go-v2/service/dynamodb/types", "types", "types.KeyTypeHash"},
	{"github.com/jmoiron/sqlx", "sqlx", "sqlx.Open"},
	{"github.com/dynamosql/dynamosql", "dynamosql", "dynamosql.NewConfig"},
	{"github.com/dynamosql/dynamosql/mapper", "mapper", "mapper.Eq"},
	{"github.com/dynamosql/dynamosql/pagination", "pagination", "pagination.FromContext"},
}

// environment declares, at package level, the names fragments may use
// without declaring them: one declaration per name.
var environment = map[string]string{
	"ctx":       "var ctx context.Context",
	"db":        "var db *sql.DB",
	"sqlxDB":    "var sqlxDB *sqlx.DB",
	"q":         "var q string // a SELECT statement",
	"awsCfg":    "var awsCfg aws.Config",
	"myClient":  "var myClient *dynamodb.Client",
	"mux":       "var mux *http.ServeMux",
	"cursorKey": "var cursorKey []byte",
	"User":      "type User struct{ ID string `dynamodbav:\"id\" dynamo:\"pk\"`; Age int `dynamodbav:\"age\"` }",
	"users":     "var users = mapper.MustRegister[User](mapper.Table(\"user\"))",
	"meta":      "var meta = users.Metadata()",
}

// markdownFiles returns the Markdown files the tests check, relative to
// the repository root.
func markdownFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.md", "docs/*.md"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		require.NoError(t, err)
		for _, f := range m {
			rel, err := filepath.Rel(root, f)
			require.NoError(t, err)
			files = append(files, filepath.ToSlash(rel))
		}
	}
	require.Contains(t, files, "README.md")
	return files
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := tempmod.RepoRoot()
	require.NoError(t, err)
	return root
}

func read(t *testing.T, root, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(b)
}

type blockKind int

const (
	wholeFile blockKind = iota
	declarations
	fragment
)

var packageClause = regexp.MustCompile(`(?m)^package\s+\w+`)

// kind classifies a block's code (see the convention above) and returns
// the names a declarations block declares.
func kind(code string) (blockKind, []string) {
	fset := token.NewFileSet()
	if f, err := parser.ParseFile(fset, "", code, parser.PackageClauseOnly); err == nil && f.Name != nil && packageClause.MatchString(code) {
		return wholeFile, nil
	}
	f, err := parser.ParseFile(fset, "", "package p\n"+code, 0)
	if err != nil {
		return fragment, nil
	}
	var names []string
	for _, obj := range f.Scope.Objects {
		names = append(names, obj.Name)
	}
	return declarations, names
}

// wrap returns the Go file for a block that is not a whole file, and the
// package's environment file.
func wrap(b Block, file string, k blockKind, declared []string) (src, env string) {
	var imp strings.Builder
	imp.WriteString("package snippet\n\nimport (\n")
	for _, i := range imports {
		fmt.Fprintf(&imp, "\t%q\n", i.path)
	}
	imp.WriteString(")\n\n")
	uses := func(w *strings.Builder) {
		w.WriteString("\n//line docscheck-wrapper.go:1\n")
		for _, i := range imports {
			fmt.Fprintf(w, "var _ = %s\n", i.use)
		}
	}

	var s strings.Builder
	s.WriteString(imp.String())
	if k == fragment {
		s.WriteString("func _() {\n")
	}
	fmt.Fprintf(&s, "//line %s:%d\n", file, b.Line)
	s.WriteString(b.Code)
	if k == fragment {
		s.WriteString("}\n")
	}
	uses(&s)

	var e strings.Builder
	e.WriteString(imp.String())
	names := make([]string, 0, len(environment))
	for n := range environment {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if !slices.Contains(declared, n) {
			e.WriteString(environment[n] + "\n")
		}
	}
	uses(&e)
	return s.String(), e.String()
}

// region returns the lines of file between "// docs:begin" and
// "// docs:end", without trailing blank lines.
func region(src string) (string, bool) {
	_, rest, ok := strings.Cut(src, "// docs:begin\n")
	if !ok {
		return "", false
	}
	body, _, ok := strings.Cut(rest, "// docs:end\n")
	if !ok {
		return "", false
	}
	return strings.TrimRight(body, "\n") + "\n", true
}

var goError = regexp.MustCompile(`^(\S+?):(\d+)(:\d+)?: (.*)$`)

func TestGoBlocks(t *testing.T) {
	root := repoRoot(t)
	m := tempmod.New(t, "docsnippets")
	type pkg struct {
		dir  string
		kind blockKind
	}
	var pkgs []pkg
	for _, file := range markdownFiles(t, root) {
		for _, b := range Blocks(read(t, root, file)) {
			if b.Lang != "go" {
				continue
			}
			where := fmt.Sprintf("%s:%d", file, b.Line)
			if b.From != "" {
				want, ok := region(read(t, root, b.From))
				if assert.True(t, ok, "%s: %s has no // docs:begin ... // docs:end region", where, b.From) {
					assert.Equal(t, want, b.Code, "%s: the block differs from the region of %s", where, b.From)
				}
				continue
			}
			dir := fmt.Sprintf("b%03d", len(pkgs)+1)
			k, declared := kind(b.Code)
			if k == wholeFile {
				m.Write(t, dir+"/block.go", fmt.Sprintf("//line %s:%d\n%s", file, b.Line, b.Code))
			} else {
				src, env := wrap(b, file, k, declared)
				m.Write(t, dir+"/block.go", src)
				m.Write(t, dir+"/env.go", env)
			}
			pkgs = append(pkgs, pkg{dir: dir, kind: k})
		}
	}
	require.NotEmpty(t, pkgs)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := m.Go(ctx, "build", "-gcflags=-e", "./...")
	if err != nil {
		// Keep the errors that count: all but "declared and not used" in
		// fragments.
		kinds := map[string]blockKind{}
		for _, p := range pkgs {
			kinds["docsnippets/"+p.dir] = p.kind
		}
		var current string
		var failures []string
		for _, line := range strings.Split(out, "\n") {
			if pkgPath, ok := strings.CutPrefix(line, "# "); ok {
				current = pkgPath
				continue
			}
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "go build ") {
				continue
			}
			if kinds[current] == fragment && goError.MatchString(line) && strings.Contains(line, "declared and not used") {
				continue
			}
			failures = append(failures, line)
		}
		if len(failures) > 0 || !strings.Contains(out, "declared and not used") {
			t.Fatalf("code blocks do not compile:\n%s\n\n(full output of go build:)\n%s", strings.Join(failures, "\n"), out)
		}
	}

	var vet []string
	for _, p := range pkgs {
		if p.kind != fragment {
			vet = append(vet, "./"+p.dir)
		}
	}
	if len(vet) > 0 {
		_, err := m.Go(ctx, append([]string{"vet"}, vet...)...)
		require.NoError(t, err)
	}
	t.Logf("compiled %d blocks", len(pkgs))
}

// TestFromRegionsExist: every <!-- from --> comment names a file with a
// docs region (TestGoBlocks compares the blocks with them).
func TestFromRegionsExist(t *testing.T) {
	root := repoRoot(t)
	n := 0
	for _, file := range markdownFiles(t, root) {
		for _, b := range Blocks(read(t, root, file)) {
			if b.From == "" {
				continue
			}
			n++
			_, ok := region(read(t, root, b.From))
			assert.True(t, ok, "%s:%d: %s has no docs region", file, b.Line, b.From)
		}
	}
	assert.Positive(t, n, "the README's first example comes from examples/sqlx")
}

// TestLinks: every relative link of the Markdown files names a file or
// directory that exists, and every #anchor one of its headings.
func TestLinks(t *testing.T) {
	root := repoRoot(t)
	anchors := map[string]map[string]bool{}
	anchorsOf := func(name string) map[string]bool {
		if a, ok := anchors[name]; ok {
			return a
		}
		anchors[name] = Anchors(read(t, root, name))
		return anchors[name]
	}
	for _, file := range markdownFiles(t, root) {
		for line, targets := range Links(read(t, root, file)) {
			for _, target := range targets {
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, anchor, _ := strings.Cut(target, "#")
				name := file
				if path != "" {
					name = filepath.ToSlash(filepath.Join(filepath.Dir(file), path))
					if _, err := os.Stat(filepath.Join(root, name)); err != nil {
						t.Errorf("%s:%d: link to %s: no such file", file, line, target)
						continue
					}
				}
				if anchor != "" && strings.HasSuffix(name, ".md") && !anchorsOf(name)[anchor] {
					t.Errorf("%s:%d: link to %s: %s has no heading with the anchor #%s", file, line, target, name, anchor)
				}
			}
		}
	}
}

// mdName matches what looks like the name of a Markdown file in a comment.
var mdName = regexp.MustCompile(`[\w./-]*[\w-]\.md\b`)

// TestFilesNamedInGoComments: the Markdown files that doc comments and
// other comments of the Go code name exist, relative to the repository
// root or to the comment's directory.
func TestFilesNamedInGoComments(t *testing.T) {
	root := repoRoot(t)
	n := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, cg := range f.Comments {
			for _, name := range mdName.FindAllString(cg.Text(), -1) {
				n++
				name = strings.TrimPrefix(name, "./")
				if exists(filepath.Join(root, name)) || exists(filepath.Join(filepath.Dir(path), name)) {
					continue
				}
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d: a comment names %s, which does not exist", rel, fset.Position(cg.Pos()).Line, name)
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Positive(t, n)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestReadmeFirstScreen: the README's first 40 lines show how to get the
// module and the two commands.
func TestReadmeFirstScreen(t *testing.T) {
	lines := strings.SplitN(read(t, repoRoot(t), "README.md"), "\n", 41)
	first := strings.Join(lines[:min(40, len(lines))], "\n")
	for _, want := range []string{"go get github.com/dynamosql/dynamosql", "make run", "make test"} {
		assert.Contains(t, first, want)
	}
}

// TestMakeHelp: make help lists the targets with their variables
// expanded.
func TestMakeHelp(t *testing.T) {
	cmd := exec.Command("make", "-s", "help")
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "DYNAMOSQL_CACHE=/tmp/dynamosql-cache-for-help")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	assert.NotContains(t, s, "$(")
	for _, target := range []string{"run", "test", "bench", "local-start", "local-stop", "clean"} {
		assert.Contains(t, s, "  "+target+": ")
	}
	assert.Contains(t, s, "remove the cache (/tmp/dynamosql-cache-for-help)")
}
