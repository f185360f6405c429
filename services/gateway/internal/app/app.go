// Package app wires the gateway: NATS, the token resolver, the REST API and
// the operations endpoints.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"scfm/gateway/internal/auth"
	"scfm/gateway/internal/config"
	"scfm/gateway/internal/httpapi"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/natsbus"
	"scfm/shared/svc"
)

// services are the services whose command streams the gateway publishes to.
func services() []string { return []string{calloutsv1.Service, "telephony", "batches"} }

// Run serves the gateway until ctx ends.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	// Connect NATS; the gateway has no database.
	rt, err := svc.Open(ctx, cfg.Config, log, "")
	if err != nil {
		return err
	}

	// The streams and bucket it uses, so it can start before the services.
	for _, s := range services() {
		if err := natsbus.EnsureStreams(ctx, rt.JS, rt.Names, s, rt.StreamConfig()); err != nil {
			return err
		}
	}
	kv, err := natsbus.EnsureBucket(ctx, rt.JS, rt.Names, calloutsv1.TokenBucket, cfg.StreamReplicas)
	if err != nil {
		return err
	}

	// The bus client and the token resolver, kept current by a watch.
	bus, err := natsbus.NewClient(rt.NC, rt.JS, rt.Names, cfg.CommandTimeout)
	if err != nil {
		return fmt.Errorf("start bus client: %w", err)
	}
	tokens := auth.NewResolver(kv, bus, log)
	rt.Go("token-watch", func(ctx context.Context) error {
		for ctx.Err() == nil {
			if err := tokens.Watch(ctx); err != nil {
				log.Warn("token watch restarting", "err", err)
				time.Sleep(time.Second)
			}
		}
		return nil
	})

	// The REST API on the public address.
	creds, err := natsbus.EnsureBucket(ctx, rt.JS, rt.Names, calloutsv1.CredentialsBucket, cfg.StreamReplicas)
	if err != nil {
		return err
	}
	signers := auth.NewSigners(creds, log)
	rt.Go("credentials-watch", func(ctx context.Context) error {
		for ctx.Err() == nil {
			if err := signers.Watch(ctx); err != nil {
				log.Warn("credentials watch restarting", "err", err)
				time.Sleep(time.Second)
			}
		}
		return nil
	})
	webhooks := httpapi.WebhookConfig{
		PublicBaseURL: cfg.PublicBaseURL, TrustedProxies: cfg.TrustedProxies, Signers: signers,
	}
	api := httpapi.New(
		httpapi.Config{MaxBodyBytes: cfg.MaxBodyBytes, MaxImportBytes: cfg.MaxImportBytes},
		webhooks,
		bus,
		tokens,
		rt.Registry,
		log,
	)
	return rt.Serve(ctx, api.Handler())
}
