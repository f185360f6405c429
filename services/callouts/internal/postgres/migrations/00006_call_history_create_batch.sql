-- +goose Up
-- The batch operation that created each call, so the participations and
-- contacts a phone call creation reached are found without asking
-- telephony. Calls reported before this column existed keep null: no batch
-- operation had created any then.
ALTER TABLE call_history ADD COLUMN create_batch_operation_id bigint;
CREATE INDEX call_history_create_batch ON call_history (create_batch_operation_id, participation_id)
	WHERE create_batch_operation_id IS NOT NULL;

-- +goose Down
DROP INDEX call_history_create_batch;
ALTER TABLE call_history DROP COLUMN create_batch_operation_id;
