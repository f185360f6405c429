package projection

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
)

// populationSQL inserts the participations of one population event, sent
// as three arrays, in one statement: version 1, no call flow logic of
// their own, empty metadata. It returns those that calls were already
// reported for: none for a new event, but a rebuild replays this log after
// the call history mirrored from telephony.
const populationSQL = `
WITH ins AS (
	INSERT INTO callout_participations (id, account_id, callout_id, contact_id, callout_population_id,
		msisdn, metadata, created_at, updated_at, version)
	SELECT r.id, $1, $2, r.contact_id, $3, r.msisdn, '{}', $4, $4, 1
	FROM unnest($5::bigint[], $6::bigint[], $7::text[]) AS r (id, contact_id, msisdn)
	RETURNING id
)
SELECT DISTINCT h.participation_id FROM call_history h JOIN ins ON h.participation_id = ins.id`

// applyParticipationsPopulated inserts a population event's participations
// and counts the calls already reported for any of them.
func applyParticipationsPopulated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ParticipationsPopulatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	n := len(d.Participations)
	ids, contacts, numbers := make([]int64, n), make([]int64, n), make([]string, n)
	for i, p := range d.Participations {
		ids[i], contacts[i], numbers[i] = p.ID, p.ContactID, p.MSISDN
	}

	rows, err := tx.Query(ctx, populationSQL, d.AccountID, d.CalloutID, d.BatchOperationID, d.CreatedAt,
		ids, contacts, numbers)
	if err != nil {
		return err
	}
	called, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("insert populated participations: %w", err)
	}
	return RefreshCallHistory(ctx, tx, called...)
}
