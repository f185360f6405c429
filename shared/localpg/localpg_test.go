package localpg_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"scfm/shared/localpg"
)

// newDataDir returns a data directory path whose parent the server user
// may enter, removed after the test.
func newDataDir(t *testing.T) string {
	t.Helper()

	base, err := os.MkdirTemp("", "localpg-test-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	require.NoError(t, localpg.PrepareParent(base))

	return filepath.Join(base, "data")
}

// startCluster starts a throwaway cluster that is stopped after the test.
func startCluster(t *testing.T, dir string) *localpg.Cluster {
	t.Helper()

	c, err := localpg.Start(t.Context(), localpg.Options{Dir: dir, NoFsync: true})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Stop(context.Background())) })

	return c
}

// queryInt runs a query returning one integer.
func queryInt(t *testing.T, url, sql string) int {
	t.Helper()

	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())

	var n int
	require.NoError(t, conn.QueryRow(t.Context(), sql).Scan(&n))

	return n
}

// exec runs statements on url.
func execSQL(t *testing.T, url string, sql ...string) {
	t.Helper()

	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())

	for _, s := range sql {
		_, err := conn.Exec(t.Context(), s)
		require.NoError(t, err)
	}
}

func TestStartServesDatabases(t *testing.T) {
	t.Parallel()

	c := startCluster(t, newDataDir(t))
	require.Less(t, c.Port(), 32768)
	require.Equal(t, 1, queryInt(t, c.AdminURL(), "SELECT 1"))

	require.NoError(t, localpg.EnsureDatabase(t.Context(), c.AdminURL(), "app"))
	require.NoError(t, localpg.EnsureDatabase(t.Context(), c.AdminURL(), "app"))

	execSQL(t, c.URL("app"), "CREATE TABLE t (n int)", "INSERT INTO t VALUES (7)")
	require.Equal(t, 7, queryInt(t, c.URL("app"), "SELECT n FROM t"))
}

func TestRestartKeepsData(t *testing.T) {
	t.Parallel()

	dir := newDataDir(t)
	c, err := localpg.Start(t.Context(), localpg.Options{Dir: dir})
	require.NoError(t, err)
	execSQL(t, c.AdminURL(), "CREATE TABLE kept (n int)", "INSERT INTO kept VALUES (42)")
	require.NoError(t, c.Stop(t.Context()))
	require.NoError(t, c.Stop(t.Context()))

	c = startCluster(t, dir)
	require.Equal(t, 42, queryInt(t, c.AdminURL(), "SELECT n FROM kept"))
}

func TestStartWipesUnfinishedInitdb(t *testing.T) {
	t.Parallel()

	dir := newDataDir(t)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "global"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "postgresql.conf"), []byte("x"), 0o600))

	c := startCluster(t, dir)
	require.Equal(t, 1, queryInt(t, c.AdminURL(), "SELECT 1"))
}

func TestStartRefusesForeignDirectory(t *testing.T) {
	t.Parallel()

	dir := newDataDir(t)
	notes := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(notes, []byte("keep me"), 0o600))

	_, err := localpg.Start(t.Context(), localpg.Options{Dir: dir})
	require.ErrorContains(t, err, "not empty")
	require.FileExists(t, notes)
}

func TestStartReplacesStaleLockFile(t *testing.T) {
	t.Parallel()

	dir := newDataDir(t)
	c, err := localpg.Start(t.Context(), localpg.Options{Dir: dir, NoFsync: true})
	require.NoError(t, err)
	require.NoError(t, c.Stop(t.Context()))

	// A lock file naming a process that has exited, as after a crash.
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	pid := strconv.Itoa(dead.Process.Pid)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "postmaster.pid"),
		[]byte(pid+"\n"+dir+"\n"), 0o600))

	c = startCluster(t, dir)
	require.Equal(t, 1, queryInt(t, c.AdminURL(), "SELECT 1"))
}

func TestStartStopsLeftoverServer(t *testing.T) {
	t.Parallel()

	dir := newDataDir(t)
	_, err := localpg.Start(t.Context(), localpg.Options{Dir: dir, NoFsync: true})
	require.NoError(t, err)

	c := startCluster(t, dir)
	require.Equal(t, 1, queryInt(t, c.AdminURL(), "SELECT 1"))
}

func TestStopDirStopsOrphan(t *testing.T) {
	t.Parallel()

	dir := newDataDir(t)
	c, err := localpg.Start(t.Context(), localpg.Options{Dir: dir, NoFsync: true})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Stop(context.Background())) })

	require.NoError(t, localpg.StopDir(t.Context(), dir))
	require.NoFileExists(t, filepath.Join(dir, "postmaster.pid"))
	require.NoError(t, localpg.StopDir(t.Context(), dir))

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	_, err = pgx.Connect(ctx, c.AdminURL())
	require.Error(t, err)
}

func TestStartFailsOnTakenPort(t *testing.T) {
	t.Parallel()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })

	port := l.Addr().(*net.TCPAddr).Port
	_, err = localpg.Start(t.Context(), localpg.Options{Dir: newDataDir(t), Port: port})
	require.ErrorContains(t, err, "port "+strconv.Itoa(port))
}

func TestStartReportsMissingBinaries(t *testing.T) {
	t.Parallel()

	_, err := localpg.Start(t.Context(), localpg.Options{Dir: newDataDir(t), BinDir: t.TempDir()})
	require.ErrorIs(t, err, localpg.ErrNoBinaries)
	require.ErrorContains(t, err, "install the PostgreSQL server package")
}
