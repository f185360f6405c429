// Package tokenkv keeps the token bucket the gateway authenticates with in
// step with the access tokens of the event log.
package tokenkv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/callouts/internal/query"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/outbox"
)

// NewFeed returns the feed that writes every token event's current state to
// kv: the token's principal while it exists, no key once it is gone. It
// reads the state from the read tables, so replays are harmless.
func NewFeed(pool *pgxpool.Pool, kv jetstream.KeyValue, log *slog.Logger) *outbox.Feed {
	sink := func(ctx context.Context, events []eventstore.Event) error {
		for _, e := range events {
			if e.StreamType != calloutsv1.AggregateAccessToken || len(e.Private) == 0 {
				continue
			}
			var secret calloutsv1.AccessTokenSecretV1
			if err := json.Unmarshal(e.Private, &secret); err != nil {
				return fmt.Errorf("read token secret of event %s: %w", e.ID, err)
			}
			if err := Sync(ctx, pool, kv, secret.TokenHash); err != nil {
				return err
			}
		}
		return nil
	}
	return outbox.NewFeed(pool, sink, outbox.Config{
		Name: "token-bucket", StreamTypes: []string{calloutsv1.AggregateAccessToken},
	}, log)
}

// Sync writes the current state of the token with hash to kv.
func Sync(ctx context.Context, pool *pgxpool.Pool, kv jetstream.KeyValue, hash string) error {
	p, found, err := query.PrincipalByHash(ctx, pool, hash)
	if err != nil {
		return err
	}
	if !found {
		err := kv.Delete(ctx, hash)
		if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("delete token key: %w", err)
		}
		return nil
	}
	raw, _ := json.Marshal(p)
	if _, err := kv.Put(ctx, hash, raw); err != nil {
		return fmt.Errorf("put token key: %w", err)
	}
	return nil
}
