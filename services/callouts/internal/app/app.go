// Package app wires the callouts service: database, NATS, handlers, feeds
// and the operations server, started and stopped in order.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"scfm/callouts/internal/callhistory"
	"scfm/callouts/internal/command"
	"scfm/callouts/internal/config"
	"scfm/callouts/internal/credkv"
	"scfm/callouts/internal/knownbatches"
	"scfm/callouts/internal/postgres"
	"scfm/callouts/internal/tokenkv"
	"scfm/shared/callflow"
	"scfm/shared/contract/batchesv1"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/outbox"
	"scfm/shared/pgdb"
	"scfm/shared/svc"
)

// Migrate applies the service's migrations.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	return pgdb.Migrate(ctx, cfg.DatabaseURL, postgres.Schema, postgres.Migrations(), log,
		eventstore.Migration())
}

// SeedSuperAdmin creates the super-admin account if none exists and returns
// a new token for it.
func SeedSuperAdmin(ctx context.Context, cfg config.Config) (string, error) {
	pool, err := pgdb.Open(ctx, cfg.DatabaseURL, postgres.Schema, pgdb.PoolConfig{MaxConns: 2})
	if err != nil {
		return "", err
	}
	defer pool.Close()
	return command.New(pool, time.Now, callflow.NewRegistry(cfg.CallFlowLogics)).SeedSuperAdmin(ctx)
}

// Run serves the callouts service until ctx ends.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	// Connect PostgreSQL and NATS.
	rt, err := svc.Open(ctx, cfg.Config, log, postgres.Schema)
	if err != nil {
		return err
	}

	// Streams and the token bucket.
	// The service also reads the telephony and batches services' events,
	// whichever service starts first.
	for _, s := range []string{calloutsv1.Service, telephonyv1.Service, batchesv1.Service} {
		if err := natsbus.EnsureStreams(ctx, rt.JS, rt.Names, s, rt.StreamConfig()); err != nil {
			return err
		}
	}
	kv, err := natsbus.EnsureBucket(ctx, rt.JS, rt.Names, calloutsv1.TokenBucket, cfg.StreamReplicas)
	if err != nil {
		return err
	}
	creds, err := natsbus.EnsureBucket(ctx, rt.JS, rt.Names, calloutsv1.CredentialsBucket, cfg.StreamReplicas)
	if err != nil {
		return err
	}

	// Command and query handlers.
	cmds := command.New(rt.Pool, time.Now, callflow.NewRegistry(cfg.CallFlowLogics))
	// Commands wait for their batch without a connection, so there are
	// more of them than workers: under load the batches grow instead of
	// the queue of commands.
	commandWorkers := 4 * cfg.Workers
	batcher := eventstore.NewBatcher(rt.Pool, commandWorkers)
	cmds.UseBatcher(batcher)
	cmds.OnTokenChange(func(ctx context.Context, hash string) {
		if err := tokenkv.Sync(ctx, rt.Pool, kv, hash); err != nil {
			log.Warn("token bucket not updated at once; the token feed will", "err", err)
		}
	})
	server := natsbus.NewServer(rt.NC, rt.JS, rt.Names, natsbus.ServerConfig{
		Service: calloutsv1.Service, Workers: cfg.Workers, CommandWorkers: commandWorkers,
	}, log)
	register(server, cmds, rt.Pool)
	if err := server.Start(ctx); err != nil {
		return fmt.Errorf("start nats server: %w", err)
	}
	rt.OnStop(server.Stop)
	rt.OnStop(func(context.Context) { batcher.Close() })

	// Feeds: the public event relay and the private token and credentials
	// buckets.
	rt.Go("relay", outbox.NewRelay(rt.Pool, rt.JS, rt.Names, calloutsv1.Service, log).Run)
	rt.Go("token-bucket", tokenkv.NewFeed(rt.Pool, kv, log).Run)
	rt.Go("credentials-bucket", credkv.NewFeed(rt.Pool, creds, log).Run)

	// The batch operations that keep accounts and callouts from deletion.
	rt.Go("batch-operations", func(ctx context.Context) error {
		return knownbatches.Run(ctx, rt.Pool, rt.JS, rt.Names, log)
	})

	// The call history of participations, from telephony's events.
	rt.Go("call-history", func(ctx context.Context) error {
		return callhistory.Run(ctx, rt.Pool, rt.JS, rt.Names, cmds.EnsureContact, log)
	})

	// Imports whose upload broke off, failed once they are long quiet.
	rt.Go("import-sweeper", func(ctx context.Context) error { return cmds.RunImportSweeper(ctx, log) })

	return rt.Serve(ctx, nil)
}
