package eventstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const readSQL = `
SELECT position, event_id, stream_type, stream_id, stream_version, event_type,
	schema_version, data, private_data, metadata, recorded_at
FROM events WHERE position > $1 AND (cardinality($3::text[]) = 0 OR stream_type = ANY($3))
ORDER BY position LIMIT $2`

// ReadFrom returns up to limit events with a position above after, in
// position order; only those of streamTypes when any are given.
func ReadFrom(
	ctx context.Context,
	q Querier,
	after int64,
	limit int,
	streamTypes ...string,
) ([]Event, error) {
	if streamTypes == nil {
		streamTypes = []string{}
	}
	rows, err := q.Query(ctx, readSQL, after, limit, streamTypes)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Event, error) {
		var e Event
		var private []byte
		err := row.Scan(&e.Position, &e.ID, &e.StreamType, &e.StreamID, &e.Version,
			&e.Type, &e.SchemaVersion, &e.Data, &private, &e.Metadata, &e.RecordedAt)
		e.Private = private
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return events, nil
}

// Checkpoint returns the last position the named feed has handled, 0 if none.
func Checkpoint(ctx context.Context, q Querier, name string) (int64, error) {
	var pos int64
	err := q.QueryRow(ctx,
		`SELECT coalesce((SELECT position FROM feed_checkpoints WHERE name = $1), 0)`,
		name).Scan(&pos)
	if err != nil {
		return 0, fmt.Errorf("read checkpoint %s: %w", name, err)
	}
	return pos, nil
}

// SaveCheckpoint records that the named feed has handled every event up to
// position.
func SaveCheckpoint(ctx context.Context, q Querier, name string, position int64) error {
	_, err := q.Exec(ctx, `
		INSERT INTO feed_checkpoints (name, position) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET position = excluded.position`, name, position)
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", name, err)
	}
	return nil
}
