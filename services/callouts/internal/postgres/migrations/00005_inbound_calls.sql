-- +goose Up
-- An inbound call from a number that is no contact yet has no contact; the
-- service creates the contact when it learns of the call.
ALTER TABLE call_history ALTER COLUMN contact_id DROP NOT NULL;
ALTER TABLE call_history ADD COLUMN account_id bigint;
ALTER TABLE call_history ADD COLUMN msisdn text;

-- +goose Down
ALTER TABLE call_history DROP COLUMN msisdn;
ALTER TABLE call_history DROP COLUMN account_id;
DELETE FROM call_history WHERE contact_id IS NULL;
ALTER TABLE call_history ALTER COLUMN contact_id SET NOT NULL;
