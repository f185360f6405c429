package localpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// errNotDataDir is returned when Dir holds files that are not a cluster.
var errNotDataDir = errors.New("directory is not empty and holds no PostgreSQL cluster")

// partialMarkers are entries that initdb creates early; finding one in a
// directory without PG_VERSION means an earlier initdb stopped half-way.
var partialMarkers = []string{"global", "base", "pg_wal", "postgresql.conf", "pg_hba.conf"}

// isInitialized reports whether dir holds a complete cluster.
func isInitialized(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	return err == nil
}

// initCluster runs initdb in dir unless it already holds a cluster. What a
// half-finished initdb left behind is wiped first; any other content is an
// error, so that a wrong Dir never loses somebody's files.
func (r *runner) initCluster(ctx context.Context, dir string, noSync bool) error {
	if isInitialized(dir) {
		return nil
	}

	if err := clearPartial(dir); err != nil {
		return err
	}

	args := []string{"-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8",
		"--no-instructions"}
	if noSync {
		args = append(args, "--no-sync")
	}

	_, err := r.run(ctx, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil && strings.Contains(err.Error(), "locale") {
		// Some systems (macOS among them) lack the C.UTF-8 locale; the C
		// locale with UTF8 encoding behaves the same for our purposes.
		if clearErr := clearPartial(dir); clearErr != nil {
			return clearErr
		}

		_, err = r.run(ctx, "initdb", append(args, "--locale=C")...)
	}

	if err != nil {
		return fmt.Errorf("initialize cluster in %s: %w", dir, err)
	}

	return nil
}

// clearPartial empties dir if it holds the remains of an unfinished initdb.
func clearPartial(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}

	if len(entries) == 0 {
		return nil
	}

	if !hasPartialMarker(dir) {
		return fmt.Errorf("initialize cluster in %s: %w", dir, errNotDataDir)
	}

	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("wipe unfinished cluster in %s: %w", dir, err)
		}
	}

	return nil
}

// hasPartialMarker reports whether dir contains an entry initdb creates.
func hasPartialMarker(dir string) bool {
	for _, name := range partialMarkers {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}

	return false
}
