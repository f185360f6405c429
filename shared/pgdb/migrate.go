package pgdb

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrate creates schema if needed and applies every pending migration: the
// Go migrations given (shared tables such as the event log) and the SQL files
// of fsys. A session advisory lock makes concurrent runs (several replicas or
// a migration Job racing a start-up) apply each migration exactly once.
func Migrate(
	ctx context.Context, url, schema string, fsys fs.FS, log *slog.Logger,
	goMigrations ...*goose.Migration,
) error {
	pool, err := Open(ctx, url, schema, PoolConfig{MaxConns: 2, AppName: schema + "-migrate"})
	if err != nil {
		return err
	}
	defer pool.Close()

	if _, err := pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}

	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("create migration lock: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()

	provider, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(goMigrations...),
	)
	if err != nil {
		return fmt.Errorf("create migration provider: %w", err)
	}

	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate schema %s: %w", schema, err)
	}
	for _, r := range results {
		log.InfoContext(ctx, "migration applied", "schema", schema,
			"version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}
