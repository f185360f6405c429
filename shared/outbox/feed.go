// Package outbox tails a service's event log in position order. A Feed
// hands each batch of new events to a sink and remembers how far it got;
// the relay is the feed whose sink publishes to JetStream.
package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/shared/eventstore"
)

// Sink receives events in position order. A nil error means every event was
// handled; the feed then records the last position and never offers those
// events again. An error makes the feed offer the same events again later,
// so a sink must tolerate repeats.
type Sink func(ctx context.Context, events []eventstore.Event) error

// Config tunes a Feed.
type Config struct {
	// Name identifies the feed's checkpoint, e.g. "relay".
	Name string
	// BatchSize caps events per sink call. Default 500.
	BatchSize int
	// PollInterval is how often the feed looks for events when no
	// notification arrives. Default 1s.
	PollInterval time.Duration
	// MaxBackoff caps the wait between failed sink calls. Default 5s.
	MaxBackoff time.Duration
	// StreamTypes limits the feed to events of these stream types; all
	// events when empty.
	StreamTypes []string
}

// Feed tails the event log of the pool's schema.
type Feed struct {
	cfg  Config
	pool *pgxpool.Pool
	sink Sink
	log  *slog.Logger
	wake chan struct{}
}

// NewFeed returns a feed that hands new events of pool's schema to sink.
func NewFeed(pool *pgxpool.Pool, sink Sink, cfg Config, log *slog.Logger) *Feed {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	return &Feed{
		cfg: cfg, pool: pool, sink: sink,
		log:  log.With("component", "feed."+cfg.Name),
		wake: make(chan struct{}, 1),
	}
}

// Run tails the log until ctx ends. It survives database and sink outages by
// retrying with backoff from the last recorded position.
func (f *Feed) Run(ctx context.Context) error {
	go f.listen(ctx)

	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		n, err := f.step(ctx)
		if err != nil && ctx.Err() == nil {
			f.log.WarnContext(ctx, "feed step failed; will retry", "err", err, "backoff", backoff)
			sleep(ctx, backoff)
			backoff = min(backoff*2, f.cfg.MaxBackoff)
			continue
		}
		backoff = 50 * time.Millisecond
		if n == f.cfg.BatchSize {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
		case <-f.wake:
		case <-time.After(f.cfg.PollInterval):
		}
	}
	return nil
}

// step hands one batch to the sink and returns how many events it held.
func (f *Feed) step(ctx context.Context) (int, error) {
	pos, err := eventstore.Checkpoint(ctx, f.pool, f.cfg.Name)
	if err != nil {
		return 0, err
	}
	events, err := eventstore.ReadFrom(ctx, f.pool, pos, f.cfg.BatchSize, f.cfg.StreamTypes...)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	if err := f.sink(ctx, events); err != nil {
		return 0, fmt.Errorf("sink: %w", err)
	}
	last := events[len(events)-1].Position
	if err := eventstore.SaveCheckpoint(ctx, f.pool, f.cfg.Name, last); err != nil {
		return 0, err
	}
	return len(events), nil
}

// listen turns the schema's commit notifications into wake-ups, so events
// travel with low latency; polling covers the time the listener is down.
func (f *Feed) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := f.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		f.log.DebugContext(ctx, "feed listener reconnecting", "err", err)
		sleep(ctx, time.Second)
	}
}

func (f *Feed) listenOnce(ctx context.Context) error {
	conn, err := f.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()

	var channel string
	if err := conn.QueryRow(ctx, `SELECT current_schema() || '_events'`).Scan(&channel); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	defer func() {
		// The connection returns to the pool: stop listening on it.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "UNLISTEN *")
	}()
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		select {
		case f.wake <- struct{}{}:
		default:
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
