package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what reads need: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// appendLockSQL serialises appends within one schema. A transaction takes
// its positions and commits while it holds this lock, so positions become
// visible in increasing order and a feed that remembers the last position it
// read never skips an event committed late.
const appendLockSQL = `SELECT pg_advisory_xact_lock(hashtextextended('events.' || current_schema(), 0))`

const appendSQL = `
INSERT INTO events (event_id, stream_type, stream_id, stream_version, event_type,
	schema_version, data, private_data, metadata)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[],
	$6::int[], $7::jsonb[], $8::jsonb[], $9::jsonb[])`

// notifySQL wakes the feeds of this schema once the transaction commits.
const notifySQL = `SELECT pg_notify(current_schema() || '_events', '')`

// Append records events in tx. Call it as the last write of a transaction:
// it holds the schema's append lock until commit. A concurrent append at the
// same stream version yields ErrVersionConflict.
func Append(ctx context.Context, tx pgx.Tx, events ...Event) error {
	if len(events) == 0 {
		return nil
	}

	n := len(events)
	ids := make([]uuid.UUID, n)
	types, sids, etypes := make([]string, n), make([]string, n), make([]string, n)
	versions := make([]int64, n)
	schemas := make([]int32, n)
	data, private, meta := make([]*string, n), make([]*string, n), make([]*string, n)
	for i, e := range events {
		ids[i], types[i], sids[i], versions[i] = e.ID, e.StreamType, e.StreamID, e.Version
		etypes[i], schemas[i] = e.Type, int32(e.SchemaVersion)
		data[i] = rawText(e.Data)
		private[i] = rawText(e.Private)
		md, err := json.Marshal(e.Metadata)
		if err != nil {
			return fmt.Errorf("marshal event metadata: %w", err)
		}
		meta[i] = rawText(md)
	}

	b := &pgx.Batch{}
	b.Queue(appendLockSQL)
	b.Queue(appendSQL, ids, types, sids, versions, etypes, schemas, data, private, meta)
	b.Queue(notifySQL)
	err := tx.SendBatch(ctx, b).Close()
	if IsUniqueViolation(err) {
		return ErrVersionConflict
	}
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	return nil
}

func rawText(b json.RawMessage) *string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	return &s
}

// IsUniqueViolation reports whether err is PostgreSQL refusing a duplicate key.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgerrcode.UniqueViolation
}

// IsRetryable reports whether err is a conflict that a fresh attempt of the
// same command may not meet again: a version conflict, a unique violation
// raced by a concurrent writer, a serialization failure or a deadlock.
func IsRetryable(err error) bool {
	if errors.Is(err, ErrVersionConflict) {
		return true
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case pgerrcode.UniqueViolation, pgerrcode.SerializationFailure, pgerrcode.DeadlockDetected:
		return true
	}
	return false
}
