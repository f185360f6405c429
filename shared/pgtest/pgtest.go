// Package pgtest gives integration tests a migrated schema in a fresh
// database, on the server testenv provides.
package pgtest

import (
	"context"
	"io/fs"
	"log/slog"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/shared/eventstore"
	"scfm/shared/pgdb"
	"scfm/shared/testenv"
)

// Pool migrates schema in a fresh database (the event store plus the SQL
// files of fsys, which may be nil) and returns a pool working in it, closed
// when the test ends. It also returns the database URL.
func Pool(t testing.TB, schema string, fsys fs.FS) (*pgxpool.Pool, string) {
	t.Helper()

	url := testenv.Postgres(t)
	if fsys == nil {
		fsys = fstest.MapFS{}
	}
	ctx := context.Background()
	if err := pgdb.Migrate(ctx, url, schema, fsys, slog.New(slog.DiscardHandler), eventstore.Migration()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	pool, err := pgdb.Open(ctx, url, schema, pgdb.PoolConfig{MaxConns: 16})
	if err != nil {
		t.Fatalf("open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool, url
}
