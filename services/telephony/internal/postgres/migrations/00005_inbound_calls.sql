-- +goose Up
-- An inbound call from a number that is no contact yet has no contact_id;
-- it belongs to the contact with its msisdn once the callouts service has
-- created that contact.
ALTER TABLE phone_calls ALTER COLUMN contact_id DROP NOT NULL;
CREATE INDEX phone_calls_msisdn ON phone_calls (account_id, msisdn) WHERE contact_id IS NULL;

-- +goose Down
DROP INDEX phone_calls_msisdn;
ALTER TABLE phone_calls ALTER COLUMN contact_id SET NOT NULL;
