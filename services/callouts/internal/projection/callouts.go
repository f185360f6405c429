package projection

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
)

func applyCalloutCreated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.CalloutCreatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO callouts (id, account_id, status, call_flow_logic, metadata, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
		d.ID, d.AccountID, d.Status, d.CallFlowLogic, d.Metadata, d.CreatedAt, e.Version)
	return err
}

func applyCalloutUpdated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.CalloutUpdatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		UPDATE callouts SET call_flow_logic = $2, metadata = $3, updated_at = $4, version = $5 WHERE id = $1`,
		d.ID, d.CallFlowLogic, d.Metadata, d.UpdatedAt, e.Version)
	return err
}

func applyCalloutStatus(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.CalloutStatusChangedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE callouts SET status = $2, updated_at = $3, version = $4 WHERE id = $1`,
		d.ID, d.Status, d.UpdatedAt, e.Version)
	return err
}

func applyParticipationCreated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ParticipationCreatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO callout_participations (id, account_id, callout_id, contact_id, callout_population_id,
			msisdn, call_flow_logic, metadata, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)`,
		d.ID, d.AccountID, d.CalloutID, d.ContactID, d.CalloutPopulationID, d.MSISDN, d.CallFlowLogic,
		d.Metadata, d.CreatedAt, e.Version)
	if err != nil {
		return err
	}
	// Calls reported before the participation was projected (a rebuild
	// replays this log, not telephony's) are counted now.
	return RefreshCallHistory(ctx, tx, d.ID)
}

func applyParticipationUpdated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ParticipationUpdatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		UPDATE callout_participations SET msisdn = $2, call_flow_logic = $3, metadata = $4,
			updated_at = $5, version = $6
		WHERE id = $1`, d.ID, d.MSISDN, d.CallFlowLogic, d.Metadata, d.UpdatedAt, e.Version)
	return err
}

// RefreshCallHistory recomputes the call count and latest call (by
// creation time, then id) of the participations ids from the calls reported
// for them, and the statuses of all their calls created at that latest
// instant, in one statement. Rows whose summary is unchanged (a call moved
// from queued to dispatching, which the API shows as queued) are not
// written. The ids are read in order, so two
// transactions refreshing the same participations tend to lock them in the
// same order (a deadlock that still happens is retried by the caller).
func RefreshCallHistory(ctx context.Context, tx pgx.Tx, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	_, err := tx.Exec(ctx, `
		UPDATE callout_participations p SET
			phone_calls_count = x.calls,
			last_phone_call_id = x.last_id,
			last_phone_call_status = x.last_status,
			last_phone_call_statuses = x.last_statuses
		FROM (
			SELECT t.pid,
				(SELECT count(*) FROM call_history h WHERE h.participation_id = t.pid) AS calls,
				l.phone_call_id AS last_id, l.status AS last_status,
				coalesce((SELECT array_agg(s.status) FROM call_history s
					WHERE s.participation_id = t.pid AND s.created_at = l.created_at), '{}') AS last_statuses
			FROM unnest($1::bigint[]) AS t (pid)
			LEFT JOIN LATERAL (
				SELECT h.phone_call_id, h.status, h.created_at FROM call_history h
				WHERE h.participation_id = t.pid
				ORDER BY h.created_at DESC, h.phone_call_id DESC LIMIT 1
			) l ON true
			ORDER BY t.pid
		) x
		WHERE p.id = x.pid
			AND (p.phone_calls_count, p.last_phone_call_id, p.last_phone_call_status,
				p.last_phone_call_statuses) IS DISTINCT FROM
				(x.calls, x.last_id, x.last_status, x.last_statuses)`, sorted)
	return err
}
