-- +goose Up
-- service_info records facts about this schema, starting with when it was
-- created; the service's own tables arrive in later migrations.
CREATE TABLE service_info (
	key   text PRIMARY KEY,
	value text NOT NULL
);
INSERT INTO service_info (key, value) VALUES ('created_at', now()::text);

-- +goose Down
DROP TABLE service_info;
