-- +goose Up
-- Batch operations select participations and calls with the filters of the
-- API, so the copy of the callouts data keeps what those filters read.
-- Rows copied before this migration have null timestamps (a later change
-- fills updated_at): the events that carried them were applied already.
ALTER TABLE known_participations
	ADD COLUMN metadata              jsonb NOT NULL DEFAULT '{}',
	ADD COLUMN callout_population_id bigint,
	ADD COLUMN created_at            timestamptz,
	ADD COLUMN updated_at            timestamptz;
CREATE INDEX known_participations_account ON known_participations (account_id, id);

ALTER TABLE known_callouts
	ADD COLUMN created_at timestamptz,
	ADD COLUMN updated_at timestamptz;

-- The callouts log position the copy has applied up to, so a batch run can
-- wait until the participations its operation selects have arrived here.
CREATE TABLE known_position (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	position  bigint  NOT NULL
);
INSERT INTO known_position (singleton, position) VALUES (true, 0);

-- The latest call of a participation decides the retry filters; an
-- operation's results are the calls that carry its id; throttling counts an
-- account's calls queued at the provider in a recent period.
CREATE INDEX phone_calls_participation_latest ON phone_calls (callout_participation_id, created_at);
CREATE INDEX phone_calls_create_batch ON phone_calls (create_batch_operation_id, id)
	WHERE create_batch_operation_id IS NOT NULL;
CREATE INDEX phone_calls_queue_batch ON phone_calls (queue_batch_operation_id, id)
	WHERE queue_batch_operation_id IS NOT NULL;
CREATE INDEX phone_calls_fetch_batch ON phone_calls (queue_remote_fetch_batch_operation_id, id)
	WHERE queue_remote_fetch_batch_operation_id IS NOT NULL;
CREATE INDEX phone_calls_remotely_queued ON phone_calls (account_id, remotely_queued_at);

-- +goose Down
DROP INDEX phone_calls_remotely_queued;
DROP INDEX phone_calls_fetch_batch;
DROP INDEX phone_calls_queue_batch;
DROP INDEX phone_calls_create_batch;
DROP INDEX phone_calls_participation_latest;
DROP TABLE known_position;
ALTER TABLE known_callouts DROP COLUMN updated_at, DROP COLUMN created_at;
DROP INDEX known_participations_account;
ALTER TABLE known_participations DROP COLUMN updated_at, DROP COLUMN created_at,
	DROP COLUMN callout_population_id, DROP COLUMN metadata;
