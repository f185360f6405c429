package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FindRoot returns the repository root: the nearest directory at or above
// dir that holds go.work.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dir, err)
	}

	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}

		if d == filepath.Dir(d) {
			return "", errors.New("find repository root: no go.work at or above " + abs)
		}
	}
}
