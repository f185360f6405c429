package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/contract"
)

// EnvelopeBatch handles a batch of events; a nil error acknowledges all of
// them, an error has the same batch applied again after a pause. It must
// tolerate repeats.
type EnvelopeBatch func(ctx context.Context, events []contract.Envelope) error

// ConsumeEvents feeds the events of a durable consumer on stream to apply,
// up to size at a time, until ctx ends. Batching lets a projector apply many
// events in one transaction. Messages that are not event envelopes are
// acknowledged and skipped.
func ConsumeEvents(
	ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig,
	size int, apply EnvelopeBatch, log *slog.Logger,
) error {
	cfg.AckPolicy = jetstream.AckExplicitPolicy
	if cfg.AckWait == 0 {
		cfg.AckWait = 30 * time.Second
	}
	cfg.MaxAckPending = size * 2
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, cfg)
	if err != nil {
		return fmt.Errorf("ensure consumer %s: %w", cfg.Durable, err)
	}
	log = log.With("consumer", cfg.Durable)
	for ctx.Err() == nil {
		// Take what is waiting at once; when nothing is, wait for the next
		// event, so an event is applied within milliseconds of arriving.
		msgs, err := nextBatch(cons, size)
		if err != nil {
			log.WarnContext(ctx, "fetch events", "err", err)
			pause(ctx, time.Second)
			continue
		}
		var events []contract.Envelope
		for _, m := range msgs {
			var env contract.Envelope
			if json.Unmarshal(m.Data(), &env) == nil && env.EventType != "" {
				events = append(events, env)
			}
		}
		if len(msgs) == 0 {
			continue
		}
		if err := applyInOrder(ctx, msgs, events, apply, log); err != nil {
			return nil // ctx ended: the unacknowledged events are redelivered
		}
		for _, m := range msgs {
			_ = m.Ack()
		}
	}
	return nil
}

// applyInOrder applies a batch until it succeeds or ctx ends. A failed
// batch is tried again as it is, with a growing pause, instead of being
// handed back to the server: later events must not be applied before it,
// since projectors record how far in the stream they are.
func applyInOrder(
	ctx context.Context, msgs []jetstream.Msg, events []contract.Envelope, apply EnvelopeBatch, log *slog.Logger,
) error {
	wait := 100 * time.Millisecond
	for {
		err := apply(ctx, events)
		if err == nil || ctx.Err() != nil {
			return ctx.Err()
		}
		log.WarnContext(ctx, "apply events; trying again", "err", err, "count", len(msgs))
		for _, m := range msgs {
			_ = m.InProgress() // keep them ours while we retry
		}
		pause(ctx, wait)
		wait = min(2*wait, 10*time.Second)
	}
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// nextBatch returns the messages waiting now (up to size), or when none
// are, the next one to arrive within a second.
func nextBatch(cons jetstream.Consumer, size int) ([]jetstream.Msg, error) {
	b, err := cons.FetchNoWait(size)
	if err != nil {
		return nil, err
	}
	msgs, err := drain(b)
	if len(msgs) > 0 || err != nil {
		return msgs, err
	}
	if b, err = cons.Fetch(1, jetstream.FetchMaxWait(time.Second)); err != nil {
		return nil, err
	}
	return drain(b)
}

func drain(b jetstream.MessageBatch) ([]jetstream.Msg, error) {
	var msgs []jetstream.Msg
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	err := b.Error()
	if errors.Is(err, jetstream.ErrNoMessages) || errors.Is(err, nats.ErrTimeout) {
		err = nil
	}
	return msgs, err
}
