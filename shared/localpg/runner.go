package localpg

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// runner runs the PostgreSQL programs, as the postgres OS user when this
// process is root, because initdb and postgres refuse to run as root.
type runner struct {
	binDir string

	// user is the account the programs run as, nil when they run as the
	// current user.
	user *osUser
}

// newRunner prepares a runner for the binaries in binDir.
func newRunner(binDir string) (*runner, error) {
	if binDir == "" {
		dir, err := FindBinDir()
		if err != nil {
			return nil, err
		}

		binDir = dir
	} else if !hasBinaries(binDir) {
		return nil, fmt.Errorf("%w (looked in %s)", ErrNoBinaries, binDir)
	}

	u, err := serverUser()
	if err != nil {
		return nil, err
	}

	return &runner{binDir: binDir, user: u}, nil
}

// run executes a program from binDir and returns its combined output. The
// program runs in its own process group, so a Ctrl-C aimed at the caller's
// terminal does not reach the server that pg_ctl starts.
func (r *runner) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(r.binDir, name), args...)
	cmd.Dir = "/"
	cmd.Env = r.env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if r.user != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{
			Uid: r.user.uid, Gid: r.user.gid, Groups: []uint32{},
		}
	}

	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second

	err := cmd.Run()
	if err != nil {
		return out.Bytes(), fmt.Errorf("run %s: %w: %s", name, err,
			strings.TrimSpace(out.String()))
	}

	return out.Bytes(), nil
}

// env returns the environment for the programs: the caller's, without the
// PG* variables that could redirect them, and with HOME pointing somewhere
// the server user may read.
func (r *runner) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}

		if r.user != nil && strings.HasPrefix(kv, "HOME=") {
			continue
		}

		env = append(env, kv)
	}

	if r.user != nil {
		env = append(env, "HOME="+r.user.home)
	}

	return env
}

// chown hands path and everything below it to the server user.
func (r *runner) chown(path string) error {
	if r.user == nil {
		return nil
	}

	err := filepath.WalkDir(path, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}

		return os.Lchown(p, int(r.user.uid), int(r.user.gid))
	})
	if err != nil {
		return fmt.Errorf("chown %s to %s: %w", path, r.user.name, err)
	}

	return nil
}
