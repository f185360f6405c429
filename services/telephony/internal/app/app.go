// Package app wires the telephony service: database, NATS, the copy of the
// callouts service's data, phone call commands and queries, the event
// relay and the operations server, started and stopped in order.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"scfm/shared/batchops"
	"scfm/shared/callflow"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/outbox"
	"scfm/shared/pgdb"
	"scfm/shared/readmodel"
	"scfm/shared/svc"
	"scfm/telephony/internal/command"
	"scfm/telephony/internal/config"
	"scfm/telephony/internal/dispatch"
	"scfm/telephony/internal/known"
	"scfm/telephony/internal/postgres"
	"scfm/telephony/internal/query"
	"scfm/telephony/internal/simulator"
)

// Migrate applies the service's migrations.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	return pgdb.Migrate(ctx, cfg.DatabaseURL, postgres.Schema, postgres.Migrations(), log,
		eventstore.Migration())
}

// Run serves the telephony service until ctx ends.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	// Connect PostgreSQL and NATS.
	rt, err := svc.Open(ctx, cfg.Config, log, postgres.Schema)
	if err != nil {
		return err
	}

	// Its own streams, and the callouts events it reads.
	for _, s := range []string{telephonyv1.Service, calloutsv1.Service} {
		if err := natsbus.EnsureStreams(ctx, rt.JS, rt.Names, s, rt.StreamConfig()); err != nil {
			return err
		}
	}

	// Commands and queries.
	cmds := command.New(rt.Pool, time.Now, callflow.NewRegistry(cfg.CallFlowLogics))
	// Commands wait for their batch without a connection, so there are
	// more of them than workers: under load the batches grow instead of
	// the queue of commands.
	commandWorkers := 4 * cfg.Workers
	batcher := eventstore.NewBatcher(rt.Pool, commandWorkers)
	cmds.UseBatcher(batcher)
	calls := query.PhoneCalls(rt.Pool)
	server := natsbus.NewServer(rt.NC, rt.JS, rt.Names, natsbus.ServerConfig{
		Service: telephonyv1.Service, Workers: cfg.Workers, CommandWorkers: commandWorkers,
	}, log)
	server.HandleCommand("phone_call.create", cmds.CreatePhoneCall)
	server.HandleCommand("phone_call.update", cmds.UpdatePhoneCall)
	server.HandleCommand("phone_call.delete", cmds.DeletePhoneCall)
	server.HandleCommand("phone_call.event", cmds.PhoneCallEvent)
	server.HandleCommand("remote_event.create", cmds.RecordCallback)
	server.HandleCommand("remote_event.update", cmds.UpdateRemoteEvent)
	server.HandleCommand(batchops.CommandCreateCalls, cmds.CreateCalls)
	server.HandleCommand(batchops.CommandQueueCalls, cmds.QueueCalls)
	events := query.RemoteEvents(rt.Pool)
	server.HandleQuery("remote_event.get", events.Get)
	server.HandleQuery("remote_event.list", events.List)
	server.HandleQuery("phone_call.get", calls.Get)
	server.HandleQuery("phone_call.list", calls.List)
	server.HandleQuery("command.answer", readmodel.CommandAnswer(rt.Pool))
	batch := query.NewBatch(rt.Pool)
	server.HandleQuery(batchops.QueryPhoneCalls, batch.PhoneCalls)
	server.HandleQuery(batchops.QueryPeriodCount, batch.PeriodCount)
	server.HandleQuery(batchops.QueryPosition, batch.Position)
	if err := server.Start(ctx); err != nil {
		return fmt.Errorf("start nats server: %w", err)
	}
	rt.OnStop(server.Stop)
	rt.OnStop(func(context.Context) { batcher.Close() })

	// The dispatcher, dialling with the private credentials.
	creds, err := natsbus.EnsureBucket(ctx, rt.JS, rt.Names, calloutsv1.CredentialsBucket, cfg.StreamReplicas)
	if err != nil {
		return err
	}
	dialer := dispatch.New(dispatch.Config{
		PublicBaseURL: cfg.PublicBaseURL, TwilioBaseURL: cfg.TwilioBaseURL,
		SomlengBaseURL: cfg.SomlengBaseURL, SimulatorURL: cfg.SimulatorURL,
		CallsPerSecond: float64(cfg.CallsPerSecond), MaxConcurrentCalls: cfg.MaxConcurrentCalls,
		RequestTimeout: cfg.ProviderTimeout, StaleAfter: cfg.StaleAfter, ExpireAfter: cfg.ExpireAfter,
		ReconcileAfter: cfg.ReconcileAfter, AllowPrivateProviders: cfg.AllowPrivateProviders,
	}, rt.Pool, cmds, creds, log)
	rt.Go("dispatcher", dialer.Run)

	// The provider simulator, when asked to run beside the service.
	if cfg.SimulatorAddr != "" {
		rt.Go("simulator", func(ctx context.Context) error { return RunSimulator(ctx, cfg, log) })
	}

	// Feeds: the callouts data it needs, and the relay of its own events.
	rt.Go("known", func(ctx context.Context) error {
		return known.Run(ctx, rt.Pool, rt.JS, rt.Names, cmds.DropOrphans, log)
	})
	rt.Go("relay", outbox.NewRelay(rt.Pool, rt.JS, rt.Names, telephonyv1.Service, log).Run)

	return rt.Serve(ctx, nil)
}

// RunSimulator runs the built-in Twilio-compatible provider simulator until
// ctx ends, on SimulatorAddr (":8090" when empty).
func RunSimulator(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	addr := cfg.SimulatorAddr
	if addr == "" {
		addr = ":8090"
	}
	return simulator.Run(ctx, simulator.Config{Addr: addr, Seed: 1}, log.With("component", "simulator"))
}
