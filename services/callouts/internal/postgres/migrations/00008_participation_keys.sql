-- +goose Up
-- Participations no longer carry foreign keys: checking three of them on
-- every row halved the speed of a callout population. The write side keeps
-- the same guarantees with locks it takes once per command: a callout's row
-- lock (creates and populations of its participations, its deletion), and
-- a per-account contacts lock, shared by whatever adds participations and
-- exclusive for a contact's deletion, so no participation is added for a
-- contact being deleted.
ALTER TABLE callout_participations DROP CONSTRAINT callout_participations_account_id_fkey;
ALTER TABLE callout_participations DROP CONSTRAINT callout_participations_callout_id_fkey;
ALTER TABLE callout_participations DROP CONSTRAINT callout_participations_contact_id_fkey;

-- +goose Down
ALTER TABLE callout_participations
	ADD CONSTRAINT callout_participations_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id),
	ADD CONSTRAINT callout_participations_callout_id_fkey FOREIGN KEY (callout_id) REFERENCES callouts (id),
	ADD CONSTRAINT callout_participations_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES contacts (id);
