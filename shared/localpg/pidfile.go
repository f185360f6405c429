package localpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// pidFile is the lock file a running server keeps in its data directory.
const pidFile = "postmaster.pid"

// clearStale makes sure no earlier server holds dir: a server still running
// there (left by a crashed supervisor) is stopped in the given mode, and a
// lock file whose process is gone is removed, since its pid may have been
// reused by an unrelated process and would then block the start.
func (r *runner) clearStale(ctx context.Context, dir, mode string) (stopped bool, err error) {
	pid, ok := readPID(dir)
	if !ok {
		return false, nil
	}

	defer removeOwnSocketDir(pidFileLine(dir, 4))

	if isPostgres(pid) {
		_, err := r.run(ctx, "pg_ctl", "stop", "-D", dir, "-m", mode, "-w", "-t", "60")
		if err != nil {
			return false, fmt.Errorf("stop server left running in %s: %w", dir, err)
		}

		return true, nil
	}

	err = os.Remove(filepath.Join(dir, pidFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("remove stale %s: %w", pidFile, err)
	}

	return false, nil
}

// readPID returns the pid in dir's lock file, if there is one.
func readPID(dir string) (int, bool) {
	pid, err := strconv.Atoi(pidFileLine(dir, 0))
	if err != nil || pid <= 0 {
		return 0, false
	}

	return pid, true
}

// pidFileLine returns line n (from 0) of dir's lock file, or "". The lock
// file holds the pid, data directory, start time, port and socket directory.
func pidFileLine(dir string, n int) string {
	data, err := os.ReadFile(filepath.Join(dir, pidFile))
	if err != nil {
		return ""
	}

	lines := strings.Split(string(data), "\n")
	if n >= len(lines) {
		return ""
	}

	return strings.TrimSpace(lines[n])
}

// removeOwnSocketDir removes sock, a socket directory read from a lock
// file, when it is one that Start created, so that crashed runs leave none
// behind.
func removeOwnSocketDir(sock string) {
	if sock == "" {
		return
	}

	rel, err := filepath.Rel(os.TempDir(), sock)
	if err == nil && !strings.Contains(rel, string(filepath.Separator)) &&
		strings.HasPrefix(rel, socketDirPrefix) {
		_ = os.RemoveAll(sock)
	}
}

// isPostgres reports whether pid is a live postgres process. Where /proc
// exists the process name is checked too, to see through reused pids.
func isPostgres(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}

	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return true
	}

	return strings.HasPrefix(strings.TrimSpace(string(comm)), "postgres")
}

// StopDir stops a server running in data directory dir that no Cluster
// controls any more, such as one left behind by a crashed process. It uses
// immediate mode; finding no server is not an error.
func StopDir(ctx context.Context, dir string) error {
	if _, ok := readPID(dir); !ok {
		return nil
	}

	r, err := newRunner("")
	if err != nil {
		return err
	}

	_, err = r.clearStale(ctx, dir, "immediate")
	return err
}
