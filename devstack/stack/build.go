package stack

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Build compiles the service binaries into binDir with one go build run
// from the repository root, so that the workspace resolves the modules.
func Build(ctx context.Context, root, binDir string, log *slog.Logger) error {
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", binDir, err)
	}

	args := []string{"build", "-o", binDir + string(filepath.Separator)}
	for _, name := range Services() {
		args = append(args, "./services/"+name+"/cmd/"+name)
	}

	began := time.Now()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root

	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build services: %w\n%s", err, strings.TrimSpace(out.String()))
	}

	log.InfoContext(ctx, "services built", "bin_dir", binDir, "duration", time.Since(began))
	return nil
}

// sharedBuild is the one build made for all stacks of a process that give
// no BinDir, as the tests of one package do. It is process state because it
// must outlive any single test; RemoveSharedBuild deletes its files.
var sharedBuild struct {
	once sync.Once
	mu   sync.Mutex
	dir  string
	err  error
}

// sharedBuildTimeout bounds the shared build, which a cold cache makes slow.
const sharedBuildTimeout = 10 * time.Minute

// sharedBinDir builds the binaries into a temporary directory on first use
// and returns that directory afterwards. The build does not stop when the
// first caller's ctx ends, since later callers depend on it.
func sharedBinDir(ctx context.Context, root string, log *slog.Logger) (string, error) {
	sharedBuild.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedBuildTimeout)
		defer cancel()

		dir, err := os.MkdirTemp("", "scfm-bin-")
		if err == nil {
			err = Build(ctx, root, dir, log)
		}

		sharedBuild.mu.Lock()
		sharedBuild.dir, sharedBuild.err = dir, err
		sharedBuild.mu.Unlock()
	})

	sharedBuild.mu.Lock()
	defer sharedBuild.mu.Unlock()

	return sharedBuild.dir, sharedBuild.err
}

// RemoveSharedBuild deletes the binaries built for stacks started without a
// BinDir. Call it after the last such stack has stopped, typically by
// passing it to testenv.Main.
func RemoveSharedBuild() {
	sharedBuild.mu.Lock()
	defer sharedBuild.mu.Unlock()

	if sharedBuild.dir != "" {
		_ = os.RemoveAll(sharedBuild.dir)
	}
}
