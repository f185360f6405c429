// Package app wires the batches service: database, NATS, handlers, the
// runner of queued operations, the event relay and the operations server,
// started and stopped in order.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"scfm/batches/internal/command"
	"scfm/batches/internal/config"
	"scfm/batches/internal/owners"
	"scfm/batches/internal/postgres"
	"scfm/batches/internal/query"
	"scfm/batches/internal/run"
	"scfm/shared/batchops"
	b "scfm/shared/contract/batchesv1"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/outbox"
	"scfm/shared/pgdb"
	"scfm/shared/readmodel"
	"scfm/shared/svc"
)

// Migrate applies the service's migrations.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	return pgdb.Migrate(ctx, cfg.DatabaseURL, postgres.Schema, postgres.Migrations(), log,
		eventstore.Migration())
}

// Run serves the batches service until ctx ends.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	// Connect PostgreSQL and NATS.
	rt, err := svc.Open(ctx, cfg.Config, log, postgres.Schema)
	if err != nil {
		return err
	}

	// Streams, and the client that asks the services owning the rows.
	if err := natsbus.EnsureStreams(ctx, rt.JS, rt.Names, b.Service, rt.StreamConfig()); err != nil {
		return err
	}
	client, err := natsbus.NewClient(rt.NC, rt.JS, rt.Names, cfg.RequestTimeout)
	if err != nil {
		return err
	}
	own := owners.Owners{Client: client}

	// The runner of queued operations, woken by the queue command.
	runner := run.New(rt.Pool, own, run.Config{
		Parallel: cfg.Parallel, Poll: cfg.Poll,
		StepRows: map[string]int{
			batchops.CalloutPopulation:         cfg.PopulateStepRows,
			batchops.PhoneCallCreate:           cfg.CallStepRows,
			batchops.PhoneCallQueue:            cfg.CallStepRows,
			batchops.PhoneCallQueueRemoteFetch: cfg.CallStepRows,
		},
	}, time.Now, log)
	cmds := command.New(rt.Pool, time.Now, own)
	cmds.OnQueued(runner.Wake)

	// Command and query handlers.
	server := natsbus.NewServer(rt.NC, rt.JS, rt.Names, natsbus.ServerConfig{
		Service: b.Service, Workers: cfg.Workers,
	}, log)
	register(server, cmds, rt.Pool, own)
	if err := server.Start(ctx); err != nil {
		return fmt.Errorf("start nats server: %w", err)
	}
	rt.OnStop(server.Stop)

	rt.Go("runner", runner.Run)
	rt.Go("relay", outbox.NewRelay(rt.Pool, rt.JS, rt.Names, b.Service, log).Run)

	return rt.Serve(ctx, nil)
}

// register maps command and query names to their handlers.
func register(s *natsbus.Server, cmds *command.Handlers, db eventstore.Querier, own owners.Owners) {
	s.HandleCommand("batch_operation.create", cmds.CreateOperation)
	s.HandleCommand("batch_operation.update", cmds.UpdateOperation)
	s.HandleCommand("batch_operation.delete", cmds.DeleteOperation)
	s.HandleCommand("batch_operation.event", cmds.OperationEvent)

	ops := query.Operations(db, own)
	s.HandleQuery("batch_operation.get", ops.Get)
	s.HandleQuery("batch_operation.list", ops.List)
	for _, verb := range query.Verbs() {
		s.HandleQuery("batch_operation."+verb, query.Listing(db, own, verb))
	}
	s.HandleQuery("command.answer", readmodel.CommandAnswer(db))
}
