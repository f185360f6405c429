package natsbus

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// RecommendedMaxPayload is the server max_payload every deployment sets, so
// a 1,000-row page fits in one reply.
const RecommendedMaxPayload = 8 << 20

// Connect opens a connection that reconnects forever and logs its state
// changes, and warns when the server's max payload is below the
// recommended size (large pages would then fail).
func Connect(ctx context.Context, url, name string, log *slog.Logger) (*nats.Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("nats reconnected", "url", c.ConnectedUrlRedacted())
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("connect nats: %w", err)
	}

	// RetryOnFailedConnect returns at once; wait for the first connection.
	deadline := time.Now().Add(30 * time.Second)
	for !nc.IsConnected() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			nc.Close()
			return nil, fmt.Errorf("connect nats %s: no server answered", url)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if mp := nc.MaxPayload(); mp < RecommendedMaxPayload {
		log.Warn("nats max_payload is below the recommended size; large pages will fail",
			"max_payload", mp, "recommended", RecommendedMaxPayload)
	}
	return nc, nil
}

// StreamConfig tunes the streams a service creates.
type StreamConfig struct {
	// Replicas of each stream. Default 1; 3 in production clusters.
	Replicas int
	// Duplicates is the server-side dedupe window. Default 2m.
	Duplicates time.Duration
}

// EnsureStreams creates or updates service's command and event streams.
// Commands use work-queue retention (a command is gone once handled);
// events are kept for subscribers under limits retention.
func EnsureStreams(
	ctx context.Context,
	js jetstream.JetStream,
	n Names,
	service string,
	cfg StreamConfig,
) error {
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.Duplicates <= 0 {
		cfg.Duplicates = 2 * time.Minute
	}
	streams := []jetstream.StreamConfig{{
		Name:       n.CommandStream(service),
		Subjects:   []string{n.Subject(service + ".cmd.>")},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   cfg.Replicas,
		Duplicates: cfg.Duplicates,
		MaxAge:     24 * time.Hour,
	}, {
		Name:       n.EventStream(service),
		Subjects:   []string{n.Subject(service + ".evt.>")},
		Retention:  jetstream.LimitsPolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   cfg.Replicas,
		Duplicates: cfg.Duplicates,
		MaxAge:     30 * 24 * time.Hour,
		DenyDelete: true,
		DenyPurge:  true,
	}}
	for _, sc := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("ensure stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// EnsureBucket creates or updates the key-value bucket named base (under
// the prefix) with one revision per key. Writers and readers both call it,
// so neither depends on the other having started first.
func EnsureBucket(
	ctx context.Context,
	js jetstream.JetStream,
	n Names,
	base string,
	replicas int,
) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   n.Stream(base),
		History:  1,
		Storage:  jetstream.FileStorage,
		Replicas: max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("ensure bucket %s: %w", base, err)
	}
	return kv, nil
}
