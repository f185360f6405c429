package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ownerFile names the file holding the pid of the test process that owns a
// temporary server directory.
const ownerFile = "owner.pid"

// orphanGrace is how old a directory without an owner file must be before
// it counts as abandoned rather than still being set up.
const orphanGrace = time.Minute

// newOwnedDir creates a temporary directory marked as owned by this process.
func newOwnedDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix+"*")
	if err != nil {
		return "", fmt.Errorf("create temp dir: %w", err)
	}

	pid := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(dir, ownerFile), pid, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("write owner file: %w", err)
	}

	return dir, nil
}

// reapOrphans cleans up directories with the given prefix whose owning test
// process is gone, as happens when go test kills a binary on timeout before
// Main could stop its servers. stop is called on each before removal.
func reapOrphans(ctx context.Context, prefix string, stop func(context.Context, string)) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, dir := range dirs {
		if !isOrphan(dir) {
			continue
		}

		stop(ctx, dir)
		_ = os.RemoveAll(dir)
	}
}

// isOrphan reports whether dir's owner process has exited.
func isOrphan(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		info, statErr := os.Stat(dir)
		return statErr == nil && time.Since(info.ModTime()) > orphanGrace
	}

	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return true
	}

	err = syscall.Kill(pid, 0)
	return err != nil && !errors.Is(err, syscall.EPERM)
}
