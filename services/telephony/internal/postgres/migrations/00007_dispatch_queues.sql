-- +goose Up
-- The dispatcher looks for queued calls, calls waiting for a remote fetch
-- and calls the provider has gone quiet about several times a second. In a
-- large callout almost every call has ended, so without indexes of their
-- own these lookups walk past every finished call each time. Partial
-- indexes hold only the calls waiting, and stay small whatever the history.
CREATE INDEX phone_calls_queued ON phone_calls (account_id, id) WHERE status = 'queued';
CREATE INDEX phone_calls_fetch_queued ON phone_calls (id) WHERE status = 'remote_fetch_queued';
CREATE INDEX phone_calls_unheard ON phone_calls (updated_at)
	WHERE status IN ('remotely_queued', 'in_progress') AND remote_call_id IS NOT NULL;

-- +goose Down
DROP INDEX phone_calls_unheard;
DROP INDEX phone_calls_fetch_queued;
DROP INDEX phone_calls_queued;
