package known

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract"
	"scfm/shared/contract/calloutsv1"
)

// applyPopulated copies the participations a callout population created,
// all in one statement: an event carries thousands of them. Each starts at
// version 1 with empty metadata and no call flow logic of its own, as the
// callouts service created it; one already here (a redelivery) is kept.
func applyPopulated(ctx context.Context, tx pgx.Tx, env contract.Envelope) error {
	var d calloutsv1.ParticipationsPopulatedV1
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return err
	}
	if len(d.Participations) == 0 {
		return nil
	}

	ids := make([]int64, len(d.Participations))
	contacts := make([]int64, len(d.Participations))
	numbers := make([]string, len(d.Participations))
	for i, p := range d.Participations {
		ids[i], contacts[i], numbers[i] = p.ID, p.ContactID, p.MSISDN
	}
	return exec(ctx, tx, `
		INSERT INTO known_participations (id, account_id, callout_id, contact_id, msisdn,
			call_flow_logic, metadata, callout_population_id, created_at, updated_at, version)
		SELECT p.id, $1, $2, p.contact_id, p.msisdn, NULL, '{}', $3, $4, $4, 1
		FROM unnest($5::bigint[], $6::bigint[], $7::text[]) AS p (id, contact_id, msisdn)
		ON CONFLICT (id) DO NOTHING`,
		d.AccountID, d.CalloutID, d.BatchOperationID, d.CreatedAt, ids, contacts, numbers)
}
