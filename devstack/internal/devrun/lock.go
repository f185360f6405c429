package devrun

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive lock on dataDir for this process, or says
// that another supervisor already runs there. The lock goes with the
// process, so a crashed supervisor leaves none behind.
func lockDataDir(dataDir string) (unlock func(), err error) {
	path := filepath.Join(dataDir, "scfm-dev.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("another scfm-dev is already running on %s (stop it first, "+
			"or set DATABASE_URL and NATS_URL to use other servers)", dataDir)
	}
	return func() { _ = f.Close() }, nil
}
