// Package knownbatches keeps the callouts service's list of batch
// operations from the batches service's events, so that an account or a
// callout that batch operations name is not deleted under them.
package knownbatches

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/contract"
	b "scfm/shared/contract/batchesv1"
	"scfm/shared/natsbus"
)

// batchSize caps the events applied in one transaction.
const batchSize = 500

// Run consumes batch operation events with the durable consumer
// "callouts-batch-operations" until ctx ends; replays change nothing.
func Run(ctx context.Context, pool *pgxpool.Pool, js jetstream.JetStream, n natsbus.Names, log *slog.Logger) error {
	cfg := jetstream.ConsumerConfig{
		Durable: "callouts-batch-operations",
		FilterSubjects: []string{
			n.Subject(b.Service + ".evt." + b.AggregateBatchOperation + ".*.created"),
			n.Subject(b.Service + ".evt." + b.AggregateBatchOperation + ".*.deleted"),
		},
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	apply := func(ctx context.Context, events []contract.Envelope) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			for _, env := range events {
				if err := Apply(ctx, tx, env); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return natsbus.ConsumeEvents(ctx, js, n.EventStream(b.Service), cfg, batchSize, apply, log)
}

// Apply records one batches event.
func Apply(ctx context.Context, tx pgx.Tx, env contract.Envelope) error {
	var err error
	switch env.EventType {
	case b.Created:
		var d b.CreatedV1
		if err = json.Unmarshal(env.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO known_batch_operations (id, account_id, callout_id)
				VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, d.ID, d.AccountID, d.CalloutID)
		}
	case b.Deleted:
		var d b.DeletedV1
		if err = json.Unmarshal(env.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `DELETE FROM known_batch_operations WHERE id = $1`, d.ID)
		}
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", env.EventType, err)
	}
	return nil
}
