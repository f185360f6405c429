-- +goose Up
-- Calls were counted under the callout of their participation, found by a
-- join when the call's row changed. A participation deleted while it had
-- calls made that join find nothing when telephony later deleted or moved
-- those calls, and the counts kept them for ever (a watcher waited for
-- calls in flight that no longer existed). Each call now carries its own
-- callout, so its counts move with its own row and nothing else.
ALTER TABLE call_history ADD COLUMN callout_id bigint;
UPDATE call_history h SET callout_id = p.callout_id
FROM callout_participations p WHERE p.id = h.participation_id;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tally_calls() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	c bigint[]; s text[]; d bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(callout_id), array_agg(status), array_agg(n) INTO c, s, d FROM (
			SELECT callout_id, status, count(*) AS n
			FROM new_rows WHERE callout_id IS NOT NULL GROUP BY 1, 2) x;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(callout_id), array_agg(status), array_agg(-n) INTO c, s, d FROM (
			SELECT callout_id, status, count(*) AS n
			FROM old_rows WHERE callout_id IS NOT NULL GROUP BY 1, 2) x;
	ELSE
		SELECT array_agg(callout_id), array_agg(status), array_agg(n) INTO c, s, d FROM (
			SELECT o.callout_id, o.status, -1 AS n
			FROM old_rows o JOIN new_rows w ON w.phone_call_id = o.phone_call_id
			WHERE o.callout_id IS NOT NULL
				AND (o.status <> w.status OR o.callout_id IS DISTINCT FROM w.callout_id)
			UNION ALL
			SELECT w.callout_id, w.status, 1
			FROM old_rows o JOIN new_rows w ON w.phone_call_id = o.phone_call_id
			WHERE w.callout_id IS NOT NULL
				AND (o.status <> w.status OR o.callout_id IS DISTINCT FROM w.callout_id)) x;
	END IF;
	IF c IS NOT NULL THEN
		PERFORM tally_add(c, array_fill('call'::text, ARRAY[cardinality(c)]), s, d);
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

DELETE FROM callout_tallies WHERE kind = 'call';
INSERT INTO callout_tallies (callout_id, kind, status, n)
SELECT callout_id, 'call', status, count(*)
FROM call_history WHERE callout_id IS NOT NULL GROUP BY 1, 3;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tally_calls() RETURNS trigger LANGUAGE plpgsql AS $$
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
ALTER TABLE call_history DROP COLUMN callout_id;
DELETE FROM callout_tallies WHERE kind = 'call';
INSERT INTO callout_tallies (callout_id, kind, status, n)
SELECT p.callout_id, 'call', h.status, count(*)
FROM call_history h JOIN callout_participations p ON p.id = h.participation_id GROUP BY 1, 3;
