package e2e_test

// Helpers of the scfm command-line client tests. Their names start with
// "cli" so that they do not collide with helpers of other test files.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"scfm/devstack/stack"
)

// cliTimeout bounds one run of the command-line client.
const cliTimeout = 5 * time.Minute

// cliBuild holds the binaries of scfm and the contact file generator,
// built once per test run.
var cliBuild struct {
	once sync.Once
	dir  string
	err  error
}

// cliBinaries builds scfm and contactsgen once and returns their
// directory, which goes away with the shared system.
func cliBinaries(t testing.TB) string {
	t.Helper()

	gateway(t)
	cliBuild.once.Do(func() {
		root, err := stack.FindRoot(".")
		if err != nil {
			cliBuild.err = err
			return
		}

		dir, err := os.MkdirTemp("", "scfm-cli-")
		if err != nil {
			cliBuild.err = err
			return
		}
		system.owner.Cleanup(func() { _ = os.RemoveAll(dir) })

		ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
		defer cancel()

		cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator),
			"./services/gateway/cmd/scfm", "./examples/contactsgen")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			cliBuild.err = fmt.Errorf("build scfm: %w\n%s", err, out)
			return
		}

		cliBuild.dir = dir
	})
	require.NoError(t, cliBuild.err)

	return cliBuild.dir
}

// cliResult is how one run of scfm ended.
type cliResult struct {
	Code   int
	Stdout string
	Stderr string
}

// String describes the run for failure messages.
func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.Code, r.Stdout, r.Stderr)
}

// cliEnv returns the settings that point scfm at the system as a.
func cliEnv(t testing.TB, a account) []string {
	t.Helper()

	base, _ := gateway(t)
	return []string{"SCFM_URL=" + base, "SCFM_TOKEN=" + a.Token}
}

// cliCommand prepares a run of scfm with the given extra environment, in
// an empty working directory so that no ./.data is found by accident.
func cliCommand(ctx context.Context, t testing.TB, env []string, args ...string) *exec.Cmd {
	t.Helper()

	cmd := exec.CommandContext(ctx, filepath.Join(cliBinaries(t), "scfm"), args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(cliCleanEnv(), env...)
	cmd.WaitDelay = 5 * time.Second

	return cmd
}

// cliRun runs scfm to its end.
func cliRun(t testing.TB, env []string, args ...string) cliResult {
	t.Helper()

	ctx, cancel := context.WithTimeout(t.Context(), cliTimeout)
	defer cancel()

	var stdout, stderr strings.Builder
	cmd := cliCommand(ctx, t, env, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr

	return cliResult{Code: cliExitCode(t, cmd.Run()), Stdout: stdout.String(),
		Stderr: stderr.String()}
}

// cliExitCode returns the exit code of a finished command.
func cliExitCode(t testing.TB, err error) int {
	t.Helper()

	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	require.NoError(t, err, "run scfm")

	return 0
}

// cliCleanEnv is the test process's environment without the settings scfm
// reads.
func cliCleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		switch key {
		case "SCFM_URL", "SCFM_TOKEN", "NATS_URL", "NATS_PREFIX":
			continue
		}
		out = append(out, kv)
	}

	return out
}

// cliSimulator points a's account at the provider simulator.
func cliSimulator(t testing.TB, a account) {
	t.Helper()

	r := a.form(t, http.MethodPatch, "/api/account",
		"settings[platform_provider_name]=simulator&settings[calls_per_second]=100"+
			"&settings[max_concurrent_calls]=500")
	require.Equal(t, http.StatusNoContent, r.Status, "use the simulator: %s", r)
}

// cliWriteFile writes a file in a fresh temporary directory.
func cliWriteFile(t testing.TB, name, content string) string {
	t.Helper()

	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))

	return path
}

// cliID reads the id scfm printed.
func cliID(t testing.TB, r cliResult) int64 {
	t.Helper()

	require.Equal(t, 0, r.Code, "%s", r)
	id, err := strconv.ParseInt(strings.TrimSpace(r.Stdout), 10, 64)
	require.NoError(t, err, "scfm printed no id: %s", r)

	return id
}

// cliTotal reads the Total of a listing as a.
func cliTotal(t testing.TB, a account, path string, q url.Values) int64 {
	t.Helper()

	q.Set("per_page", "1")
	r, _ := a.list(t, path+"?"+q.Encode())
	n, err := strconv.ParseInt(r.Header.Get("Total"), 10, 64)
	require.NoError(t, err, "Total of %s", path)

	return n
}

// cliAll reads every row of a listing as a.
func cliAll(t testing.TB, a account, path string) []map[string]any {
	t.Helper()

	var out []map[string]any
	for page := 1; ; page++ {
		_, rows := a.list(t, fmt.Sprintf("%s?per_page=1000&page=%d", path, page))
		out = append(out, rows...)
		if len(rows) < 1000 {
			return out
		}
	}
}
