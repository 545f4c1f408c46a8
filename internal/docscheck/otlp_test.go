package docscheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOTLPExampleBuilds vets and builds examples/otlp, whose main.go
// docs/observability.md shows (convention 1 of TestGoBlocks keeps the
// block equal to it). It is a module of its own, so that the OTLP
// exporters and gRPC are not dependencies of the driver: go vet ./... of
// the repository does not reach it. The go command fetches its modules
// through the Go module proxy when the module cache lacks them.
func TestOTLPExampleBuilds(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "examples", "otlp")
	for _, args := range [][]string{{"vet", "."}, {"build", "-o", os.DevNull, "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %v in examples/otlp:\n%s", args, out)
	}
}
