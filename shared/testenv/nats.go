package testenv

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"scfm/shared/natsembed"
)

// NATS returns the URL of a NATS server with JetStream: TEST_NATS_URL when
// set, otherwise an embedded server shared by the whole test process. Tests
// sharing it keep apart by naming their streams with Prefix.
func NATS(t testing.TB) string {
	t.Helper()
	shared.requireMain(t)

	u, err := shared.nats()
	if err != nil {
		t.Fatalf("testenv: start embedded nats server: %v", err)
	}

	return u
}

// nats returns the process's NATS URL, starting the server on first use.
func (e *environment) nats() (string, error) {
	e.natsOnce.Do(func() {
		if u := os.Getenv("TEST_NATS_URL"); u != "" {
			e.natsURL = u
			return
		}

		e.natsURL, e.natsErr = e.startNATS()
	})

	return e.natsURL, e.natsErr
}

// startNATS starts the embedded server with its store in a temporary
// directory.
func (e *environment) startNATS() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	reapOrphans(ctx, natsDirPrefix, func(context.Context, string) {})

	root, err := newOwnedDir(natsDirPrefix)
	if err != nil {
		return "", err
	}

	srv, err := natsembed.Start(ctx, natsembed.Options{StoreDir: filepath.Join(root, "store")})
	if err != nil {
		_ = os.RemoveAll(root)
		return "", err
	}

	e.onStop(func(context.Context) {
		srv.Shutdown()
		_ = os.RemoveAll(root)
	})

	return srv.ClientURL(), nil
}
