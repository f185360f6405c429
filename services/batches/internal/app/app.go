// Package app wires the batches service: database, NATS, the event relay and
// the operations server, started and stopped in order.
package app

import (
	"context"
	"log/slog"

	"scfm/batches/internal/config"
	"scfm/batches/internal/postgres"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/outbox"
	"scfm/shared/pgdb"
	"scfm/shared/svc"
)

// Service is the name in the service's subjects and streams.
const Service = "batches"

// Migrate applies the service's migrations.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	return pgdb.Migrate(ctx, cfg.DatabaseURL, postgres.Schema, postgres.Migrations(), log,
		eventstore.Migration())
}

// Run serves the batches service until ctx ends.
//
// TODO: the service only starts, keeps its streams and relay, and serves
// health; its domain (batch operations that populate callouts and create,
// queue and fetch calls) is to come, done when its commands and queries are
// registered here like the callouts service's.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	// Connect PostgreSQL and NATS.
	rt, err := svc.Open(ctx, cfg.Config, log, postgres.Schema)
	if err != nil {
		return err
	}

	// Streams, and the relay that publishes the event log.
	if err := natsbus.EnsureStreams(ctx, rt.JS, rt.Names, Service, rt.StreamConfig()); err != nil {
		return err
	}
	rt.Go("relay", outbox.NewRelay(rt.Pool, rt.JS, rt.Names, Service, log).Run)

	return rt.Serve(ctx, nil)
}
