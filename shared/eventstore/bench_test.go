package eventstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"scfm/shared/eventstore"
	"scfm/shared/pgtest"
	"scfm/shared/reply"
)

// BenchmarkExecute measures commands per second through Execute, each
// appending one event to its own stream, with 16 concurrent callers: the
// shape of the command handlers under load. Compare with
// BenchmarkRawInsert, the same transactions without the event store.
func BenchmarkExecute(b *testing.B) {
	pool, _ := pgtest.Pool(b, "bench", nil)
	ctx := context.Background()
	var n atomic.Int64

	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			_, err := eventstore.Execute(ctx, pool, uuid.NewString(), func(context.Context, pgx.Tx) (reply.Reply, []eventstore.Event, error) {
				ev := eventstore.New("thing", strconv.FormatInt(i, 10), 1, "thing.created",
					map[string]int64{"i": i}, eventstore.Metadata{})
				return reply.NoContent(), []eventstore.Event{ev}, nil
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRawInsert is the baseline: one small insert and commit per
// transaction with the same concurrency.
func BenchmarkRawInsert(b *testing.B) {
	pool, _ := pgtest.Pool(b, "bench", nil)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE raw (id bigint PRIMARY KEY, data jsonb)`); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64

	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO raw VALUES ($1, '{}')`, i)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
