package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/contract"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
)

// NewRelay returns the feed that publishes service's events, in position
// order, to its JetStream event stream. Each message carries the event id as
// Nats-Msg-Id, so a batch re-sent after a failure is deduplicated by the
// server within its window and by subscribers on event id beyond it.
func NewRelay(
	pool *pgxpool.Pool,
	js jetstream.JetStream,
	n natsbus.Names,
	service string,
	log *slog.Logger,
) *Feed {
	sink := func(ctx context.Context, events []eventstore.Event) error {
		return publish(ctx, js, n, service, events)
	}
	return NewFeed(pool, sink, Config{Name: "relay"}, log)
}

func publish(
	ctx context.Context,
	js jetstream.JetStream,
	n natsbus.Names,
	service string,
	events []eventstore.Event,
) error {
	futures := make([]jetstream.PubAckFuture, 0, len(events))
	for _, e := range events {
		m, err := Message(n, service, e)
		if err != nil {
			return err
		}
		if max := js.Conn().MaxPayload(); int64(len(m.Data)) > max-4096 {
			// Published whole it would be refused for ever and stop every
			// later event: publish the envelope without its data instead.
			e.Data = []byte(`{"omitted":"larger than the server's maximum message size"}`)
			if m, err = Message(n, service, e); err != nil {
				return err
			}
		}
		f, err := js.PublishMsgAsync(m)
		if err != nil {
			return fmt.Errorf("publish event %s: %w", e.ID, err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("publish event: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Message encodes e as the public message on service's event stream. Private
// data never leaves the database.
func Message(n natsbus.Names, service string, e eventstore.Event) (*nats.Msg, error) {
	env := contract.Envelope{
		EventID:          e.ID.String(),
		EventType:        e.Type,
		SchemaVersion:    e.SchemaVersion,
		AggregateType:    e.StreamType,
		AggregateID:      e.StreamID,
		AggregateVersion: e.Version,
		Position:         e.Position,
		OccurredAt:       e.RecordedAt.UTC(),
		AccountID:        e.Metadata.AccountID,
		CorrelationID:    e.Metadata.CorrelationID,
		CausationID:      e.Metadata.CausationID,
		Data:             e.Data,
	}
	data, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}

	verb := e.Type[strings.LastIndexByte(e.Type, '.')+1:]
	m := nats.NewMsg(n.Subject(service + ".evt." + e.StreamType + "." + e.StreamID + "." + verb))
	m.Header.Set(nats.MsgIdHdr, env.EventID)
	m.Header.Set(natsbus.HeaderEventType, e.Type)
	m.Header.Set(natsbus.HeaderVersion, strconv.FormatInt(e.Version, 10))
	if e.Metadata.CorrelationID != "" {
		m.Header.Set(natsbus.HeaderCorrelationID, e.Metadata.CorrelationID)
	}
	if e.Metadata.CausationID != "" {
		m.Header.Set(natsbus.HeaderCausationID, e.Metadata.CausationID)
	}
	m.Data = data
	return m, nil
}
