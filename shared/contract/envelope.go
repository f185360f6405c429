// Package contract defines the public shape of events on the event streams.
// Analytics subscribers and other services read these types: a change that
// breaks their JSON needs a new schema version.
package contract

import (
	"encoding/json"
	"time"
)

// Envelope is the JSON message published for every event on
// "<service>.evt.<aggregate>.<aggregate_id>.<event>".
type Envelope struct {
	// EventID is the event's UUIDv7 and the message's Nats-Msg-Id; a
	// subscriber that sees an id twice must ignore the repeat.
	EventID string `json:"event_id"`
	// EventType is the stable event name, e.g. "contact.created".
	EventType string `json:"event_type"`
	// SchemaVersion is the version of Data's shape for EventType.
	SchemaVersion int `json:"schema_version"`
	// AggregateType names the aggregate, e.g. "contact".
	AggregateType string `json:"aggregate_type"`
	// AggregateID identifies the aggregate instance.
	AggregateID string `json:"aggregate_id"`
	// AggregateVersion is the aggregate's version after this event.
	AggregateVersion int64 `json:"aggregate_version"`
	// Position is the event's position in its service's log.
	Position int64 `json:"position"`
	// OccurredAt is when the event was recorded.
	OccurredAt time.Time `json:"occurred_at"`
	// AccountID is the account the event belongs to, when there is one.
	AccountID int64 `json:"account_id,omitempty"`
	// CorrelationID ties the event to the client request that caused it.
	CorrelationID string `json:"correlation_id,omitempty"`
	// CausationID is the id of the command or event that caused it.
	CausationID string `json:"causation_id,omitempty"`
	// Data is the event's payload; its type depends on EventType.
	Data json.RawMessage `json:"data"`
}
