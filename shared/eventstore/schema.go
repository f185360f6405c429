package eventstore

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// schemaSQL creates the tables every service's schema shares: the event log
// (which is also the outbox), the processed commands and the checkpoints of
// the feeds that tail the log; and api_time, which renders timestamps.
const schemaSQL = `
CREATE TABLE events (
	position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	event_id       uuid        NOT NULL UNIQUE,
	stream_type    text        NOT NULL,
	stream_id      text        NOT NULL,
	stream_version bigint      NOT NULL,
	event_type     text        NOT NULL,
	schema_version int         NOT NULL,
	data           jsonb       NOT NULL,
	private_data   jsonb,
	metadata       jsonb       NOT NULL,
	recorded_at    timestamptz NOT NULL DEFAULT now(),
	UNIQUE (stream_type, stream_id, stream_version)
);

CREATE TABLE processed_commands (
	command_id  text        PRIMARY KEY,
	status      int         NOT NULL,
	location    text        NOT NULL DEFAULT '',
	body        bytea       NOT NULL,
	recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE feed_checkpoints (
	name     text   PRIMARY KEY,
	position bigint NOT NULL
);

-- api_time renders a timestamp as the API does: UTC, milliseconds, Z.
CREATE FUNCTION api_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
`

const dropSQL = `DROP FUNCTION api_time; DROP TABLE feed_checkpoints; DROP TABLE processed_commands; DROP TABLE events;`

// Migration returns the goose migration (version 1) that creates the shared
// tables. Each service applies it before its own SQL migrations, which
// therefore start at version 2.
func Migration() *goose.Migration {
	run := func(q string) *goose.GoFunc {
		return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, q)
			return err
		}}
	}
	return goose.NewGoMigration(1, run(schemaSQL), run(dropSQL))
}
