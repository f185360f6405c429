-- +goose Up
-- The batch operations of the batches service, as far as deletions here
-- need them: an account or a callout that batch operations name is not
-- deleted. Kept from the batches service's events.
CREATE TABLE known_batch_operations (
	id         bigint PRIMARY KEY,
	account_id bigint NOT NULL,
	callout_id bigint
);
CREATE INDEX known_batch_operations_account ON known_batch_operations (account_id);
CREATE INDEX known_batch_operations_callout ON known_batch_operations (callout_id)
	WHERE callout_id IS NOT NULL;

-- +goose Down
DROP TABLE known_batch_operations;
