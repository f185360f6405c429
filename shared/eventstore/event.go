// Package eventstore keeps a service's event log in PostgreSQL: append with
// optimistic concurrency, a global position that becomes visible in order,
// and the record of processed commands with their answers.
package eventstore

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// ErrVersionConflict reports that another writer appended to the same stream
// at the same version first. The caller reloads and decides again.
var ErrVersionConflict = errors.New("eventstore: stream version conflict")

// Event is one recorded fact about one stream (aggregate instance).
type Event struct {
	// ID is the event's UUIDv7; subscribers deduplicate on it.
	ID uuid.UUID
	// Position is the global, gap-tolerant order of the log. Set on read.
	Position int64
	// StreamType names the aggregate type, e.g. "contact".
	StreamType string
	// StreamID identifies the aggregate instance within its type.
	StreamID string
	// Version is the stream version this event creates, starting at 1.
	Version int64
	// Type is the stable event name, e.g. "contact.created".
	Type string
	// SchemaVersion is the version of Data's shape for Type.
	SchemaVersion int
	// Data is the public payload: it is published to subscribers as is.
	Data json.RawMessage
	// Private holds secrets (credential and token hashes) that rebuilds need
	// but that must never reach the public event stream. Nil when none.
	Private json.RawMessage
	// Metadata carries the command, correlation and account of the write.
	Metadata Metadata
	// RecordedAt is the commit-side timestamp. Set on read.
	RecordedAt time.Time
}

// Metadata links an event to the request that caused it.
type Metadata struct {
	CommandID     string `json:"command_id,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	AccountID     int64  `json:"account_id,omitempty"`
}

// New builds an event for stream at version with data marshalled to JSON.
// It panics only if data cannot be marshalled, which is a programming error
// for the plain structs used as payloads.
func New(streamType, streamID string, version int64, typ string, data any, md Metadata) Event {
	raw, err := json.Marshal(data)
	if err != nil {
		panic("eventstore: marshal " + typ + ": " + err.Error())
	}
	return Event{
		ID:            uuid.Must(uuid.NewV7()),
		StreamType:    streamType,
		StreamID:      streamID,
		Version:       version,
		Type:          typ,
		SchemaVersion: 1,
		Data:          raw,
		Metadata:      md,
	}
}
