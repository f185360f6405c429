package localpg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned when no PostgreSQL server binaries are found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (pg_ctl, initdb, postgres) " +
	"not found in /usr/lib/postgresql/*/bin or on PATH: install the PostgreSQL " +
	"server package (Debian/Ubuntu: apt-get install postgresql; " +
	"macOS: brew install postgresql@15)")

// debianRoot is where Debian and Ubuntu install one directory per major version.
const debianRoot = "/usr/lib/postgresql"

// FindBinDir returns the directory holding pg_ctl, initdb and postgres: the
// highest version under /usr/lib/postgresql, else the directory of pg_ctl
// found on PATH. It returns ErrNoBinaries when there is neither.
func FindBinDir() (string, error) {
	if dir := newestDebianBinDir(); dir != "" {
		return dir, nil
	}

	path, err := exec.LookPath("pg_ctl")
	if err != nil {
		return "", ErrNoBinaries
	}

	// A symlinked pg_ctl (for example in /usr/local/bin) is resolved so that
	// initdb and postgres are looked up next to the real file.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}

	dir := filepath.Dir(path)
	if !hasBinaries(dir) {
		return "", fmt.Errorf("%w (pg_ctl found at %s, but not initdb and postgres beside it)",
			ErrNoBinaries, path)
	}

	return dir, nil
}

// newestDebianBinDir returns /usr/lib/postgresql/<highest>/bin or "".
func newestDebianBinDir() string {
	entries, err := os.ReadDir(debianRoot)
	if err != nil {
		return ""
	}

	best, bestVersion := "", -1.0
	for _, e := range entries {
		version, err := strconv.ParseFloat(strings.TrimSpace(e.Name()), 64)
		if err != nil {
			continue
		}

		dir := filepath.Join(debianRoot, e.Name(), "bin")
		if version > bestVersion && hasBinaries(dir) {
			best, bestVersion = dir, version
		}
	}

	return best
}

// hasBinaries reports whether dir holds the three programs localpg runs.
func hasBinaries(dir string) bool {
	for _, name := range []string{"pg_ctl", "initdb", "postgres"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return false
		}
	}

	return true
}
