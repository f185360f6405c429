package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"scfm/shared/localpg"
)

// Prefixes of the temporary directories holding this package's servers.
const (
	pgDirPrefix   = "scfm-testpg-"
	natsDirPrefix = "scfm-testnats-"
)

// startLocalCluster starts a throwaway cluster from the machine's server
// binaries, with fsync off, in a new temporary directory.
func startLocalCluster(ctx context.Context) (string, func(context.Context), error) {
	reapOrphans(ctx, pgDirPrefix, func(ctx context.Context, dir string) {
		_ = localpg.StopDir(ctx, filepath.Join(dir, "data"))
	})

	root, err := newOwnedDir(pgDirPrefix)
	if err != nil {
		return "", nil, err
	}

	if err := localpg.PrepareParent(root); err != nil {
		_ = os.RemoveAll(root)
		return "", nil, fmt.Errorf("prepare %s: %w", root, err)
	}

	c, err := localpg.Start(ctx, localpg.Options{
		Dir:           filepath.Join(root, "data"),
		NoFsync:       true,
		ImmediateStop: true,
	})
	if err != nil {
		_ = os.RemoveAll(root)
		return "", nil, err
	}

	stop := func(ctx context.Context) {
		_ = c.Stop(ctx)
		_ = os.RemoveAll(root)
	}

	return c.AdminURL(), stop, nil
}
