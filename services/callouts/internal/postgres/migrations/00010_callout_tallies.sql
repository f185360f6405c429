-- +goose Up
-- A callout's summary (participations by the status of their latest call,
-- calls by status) is read every second or so by whoever watches a running
-- callout. Counting a million rows each time costs seconds, so the counts
-- are kept here instead, per callout, and moved by triggers on the tables
-- they count: every writer (commands, projections, a rebuild) keeps them
-- right without knowing about them. Statement triggers with transition
-- tables add one grouped upsert per statement, not one per row.
--
-- kind 'participation' counts participations by last_phone_call_status
-- ('none' when not called yet); kind 'call' counts call_history rows by
-- status, under the callout of their participation.
CREATE TABLE callout_tallies (
	callout_id bigint NOT NULL,
	kind       text   NOT NULL,
	status     text   NOT NULL,
	n          bigint NOT NULL,
	PRIMARY KEY (callout_id, kind, status)
);

-- tally_add applies signed counts. Rows are upserted in key order, so two
-- transactions moving the same counts lock them in the same order.
-- +goose StatementBegin
CREATE FUNCTION tally_add(callouts bigint[], kinds text[], statuses text[], deltas bigint[])
RETURNS void LANGUAGE sql AS $$
	INSERT INTO callout_tallies AS t (callout_id, kind, status, n)
	SELECT c, k, s, sum(d) FROM unnest(callouts, kinds, statuses, deltas) AS x (c, k, s, d)
	GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
	ON CONFLICT (callout_id, kind, status) DO UPDATE SET n = t.n + excluded.n
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION tally_participations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	c bigint[]; s text[]; d bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(callout_id), array_agg(st), array_agg(n) INTO c, s, d FROM (
			SELECT callout_id, coalesce(last_phone_call_status, 'none') AS st, count(*) AS n
			FROM new_rows GROUP BY 1, 2) x;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(callout_id), array_agg(st), array_agg(-n) INTO c, s, d FROM (
			SELECT callout_id, coalesce(last_phone_call_status, 'none') AS st, count(*) AS n
			FROM old_rows GROUP BY 1, 2) x;
	ELSE
		SELECT array_agg(callout_id), array_agg(st), array_agg(n) INTO c, s, d FROM (
			SELECT o.callout_id, coalesce(o.last_phone_call_status, 'none') AS st, -1 AS n
			FROM old_rows o JOIN new_rows w ON w.id = o.id
			WHERE o.last_phone_call_status IS DISTINCT FROM w.last_phone_call_status
				OR o.callout_id <> w.callout_id
			UNION ALL
			SELECT w.callout_id, coalesce(w.last_phone_call_status, 'none'), 1
			FROM old_rows o JOIN new_rows w ON w.id = o.id
			WHERE o.last_phone_call_status IS DISTINCT FROM w.last_phone_call_status
				OR o.callout_id <> w.callout_id) x;
	END IF;
	IF c IS NOT NULL THEN
		PERFORM tally_add(c, array_fill('participation'::text, ARRAY[cardinality(c)]), s, d);
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION tally_calls() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	c bigint[]; s text[]; d bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(callout_id), array_agg(status), array_agg(n) INTO c, s, d FROM (
			SELECT p.callout_id, h.status, count(*) AS n
			FROM new_rows h JOIN callout_participations p ON p.id = h.participation_id GROUP BY 1, 2) x;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(callout_id), array_agg(status), array_agg(-n) INTO c, s, d FROM (
			SELECT p.callout_id, h.status, count(*) AS n
			FROM old_rows h JOIN callout_participations p ON p.id = h.participation_id GROUP BY 1, 2) x;
	ELSE
		SELECT array_agg(callout_id), array_agg(status), array_agg(n) INTO c, s, d FROM (
			SELECT p.callout_id, o.status, -1 AS n
			FROM old_rows o JOIN new_rows w ON w.phone_call_id = o.phone_call_id
			JOIN callout_participations p ON p.id = o.participation_id
			WHERE o.status <> w.status OR o.participation_id IS DISTINCT FROM w.participation_id
			UNION ALL
			SELECT p.callout_id, w.status, 1
			FROM old_rows o JOIN new_rows w ON w.phone_call_id = o.phone_call_id
			JOIN callout_participations p ON p.id = w.participation_id
			WHERE o.status <> w.status OR o.participation_id IS DISTINCT FROM w.participation_id) x;
	END IF;
	IF c IS NOT NULL THEN
		PERFORM tally_add(c, array_fill('call'::text, ARRAY[cardinality(c)]), s, d);
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER tally_participations_inserted AFTER INSERT ON callout_participations
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_participations();
CREATE TRIGGER tally_participations_deleted AFTER DELETE ON callout_participations
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_participations();
CREATE TRIGGER tally_participations_updated AFTER UPDATE ON callout_participations
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION tally_participations();
CREATE TRIGGER tally_calls_inserted AFTER INSERT ON call_history
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_calls();
CREATE TRIGGER tally_calls_deleted AFTER DELETE ON call_history
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_calls();
CREATE TRIGGER tally_calls_updated AFTER UPDATE ON call_history
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION tally_calls();

-- The counts of the rows already here.
INSERT INTO callout_tallies (callout_id, kind, status, n)
SELECT callout_id, 'participation', coalesce(last_phone_call_status, 'none'), count(*)
FROM callout_participations GROUP BY 1, 3;
INSERT INTO callout_tallies (callout_id, kind, status, n)
SELECT p.callout_id, 'call', h.status, count(*)
FROM call_history h JOIN callout_participations p ON p.id = h.participation_id GROUP BY 1, 3;

-- +goose Down
DROP TRIGGER tally_calls_updated ON call_history;
DROP TRIGGER tally_calls_deleted ON call_history;
DROP TRIGGER tally_calls_inserted ON call_history;
DROP TRIGGER tally_participations_updated ON callout_participations;
DROP TRIGGER tally_participations_deleted ON callout_participations;
DROP TRIGGER tally_participations_inserted ON callout_participations;
DROP FUNCTION tally_calls();
DROP FUNCTION tally_participations();
DROP FUNCTION tally_add(bigint[], text[], text[], bigint[]);
DROP TABLE callout_tallies;
