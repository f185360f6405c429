-- +goose Up
-- The statuses of all of a participation's latest calls: calls created at
-- the same instant are all the latest, and a retry filter matches any.
ALTER TABLE callout_participations
	ADD COLUMN last_phone_call_statuses text[] NOT NULL DEFAULT '{}';
UPDATE callout_participations p SET last_phone_call_statuses = coalesce((
	SELECT array_agg(h.status) FROM call_history h
	WHERE h.participation_id = p.id AND h.created_at = (
		SELECT max(created_at) FROM call_history WHERE participation_id = p.id)), '{}')
WHERE p.phone_calls_count > 0;

-- +goose Down
ALTER TABLE callout_participations DROP COLUMN last_phone_call_statuses;
