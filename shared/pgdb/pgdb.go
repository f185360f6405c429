// Package pgdb opens PostgreSQL connection pools and applies a service's
// embedded migrations into the service's own schema.
package pgdb

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolConfig tunes a pool. Zero values take the defaults noted per field.
type PoolConfig struct {
	// MaxConns caps open connections. Default 8.
	MaxConns int32
	// AppName is reported to PostgreSQL as application_name.
	AppName string
}

// Open connects a pool whose every connection works inside schema: unqualified
// table names resolve there first, so a service's SQL never names its schema.
func Open(ctx context.Context, url, schema string, cfg PoolConfig) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}

	pc.MaxConns = 8
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	pc.MinConns = 1
	pc.MaxConnIdleTime = 5 * time.Minute
	pc.HealthCheckPeriod = 30 * time.Second
	pc.ConnConfig.RuntimeParams["search_path"] = schema + ",public"
	if cfg.AppName != "" {
		pc.ConnConfig.RuntimeParams["application_name"] = cfg.AppName
	}

	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return pool, nil
}
