package callhistory

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract"
	"scfm/shared/contract/telephonyv1"
)

// writes gathers the call history changes of a batch of events as columns,
// so that each kind of change is one statement however many calls it
// touches.
type writes struct {
	// New calls, one entry per call (a repeated creation is dropped).
	ids, accounts, versions                     []int64
	participations, contacts, batches, callouts []*int64
	msisdns, statuses                           []string
	createdAt                                   []time.Time
	created                                     map[int64]bool

	// Status changes: at most one per call, the newest.
	changedIDs, changedVersions []int64
	changedStatuses             []string

	deleted []int64

	// Participations whose summary columns must be refreshed.
	participationIDs map[int64]bool
}

// add decodes env and gathers its change. Events of other types are
// ignored.
func (w *writes) add(env contract.Envelope) error {
	switch env.EventType {
	case telephonyv1.PhoneCallCreated:
		var d telephonyv1.PhoneCallCreatedV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return fmt.Errorf("decode %s: %w", env.EventType, err)
		}
		w.touch(d.CalloutParticipationID)
		if w.created[d.ID] {
			return nil
		}
		if w.created == nil {
			w.created = map[int64]bool{}
		}
		w.created[d.ID] = true
		w.ids = append(w.ids, d.ID)
		w.participations = append(w.participations, d.CalloutParticipationID)
		w.contacts = append(w.contacts, d.ContactID)
		w.accounts = append(w.accounts, d.AccountID)
		w.batches = append(w.batches, d.CreateBatchOperationID)
		w.callouts = append(w.callouts, d.CalloutID)
		w.msisdns = append(w.msisdns, d.MSISDN)
		// The telephony service's internal dispatching status counts as
		// queued, as the API shows it.
		w.statuses = append(w.statuses, apiStatus(d.Status))
		w.createdAt = append(w.createdAt, d.CreatedAt)
		w.versions = append(w.versions, env.AggregateVersion)

	case telephonyv1.PhoneCallStatusChanged:
		var d telephonyv1.PhoneCallStatusChangedV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return fmt.Errorf("decode %s: %w", env.EventType, err)
		}
		w.changedIDs = append(w.changedIDs, d.ID)
		w.changedStatuses = append(w.changedStatuses, apiStatus(d.Status))
		w.changedVersions = append(w.changedVersions, env.AggregateVersion)
		w.touch(d.CalloutParticipationID)

	case telephonyv1.PhoneCallDeleted:
		var d telephonyv1.PhoneCallDeletedV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return fmt.Errorf("decode %s: %w", env.EventType, err)
		}
		w.deleted = append(w.deleted, d.ID)
		w.touch(d.CalloutParticipationID)
	}
	return nil
}

// touch notes a participation whose summary the changes alter.
func (w *writes) touch(participation *int64) {
	if participation == nil {
		return
	}
	if w.participationIDs == nil {
		w.participationIDs = map[int64]bool{}
	}
	w.participationIDs[*participation] = true
}

// touched lists the participations the gathered changes concern.
func (w *writes) touched() []int64 {
	return slices.Collect(maps.Keys(w.participationIDs))
}

// write applies the gathered changes in tx: creations first, so that a
// status change or deletion of a call created in the same batch finds it.
// Status changes older than what a call has are skipped, which makes a
// replayed batch change nothing.
func (w *writes) write(ctx context.Context, tx pgx.Tx) error {
	b := &pgx.Batch{}
	if len(w.ids) > 0 {
		b.Queue(`
			INSERT INTO call_history (phone_call_id, participation_id, contact_id, account_id, msisdn,
				status, created_at, version, create_batch_operation_id, callout_id)
			SELECT x.id, x.pid, x.contact, x.account, x.msisdn, x.status, x.created_at, x.version,
				x.batch, coalesce(x.callout, (SELECT p.callout_id FROM callout_participations p
					WHERE p.id = x.pid))
			FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[],
				$6::text[], $7::timestamptz[], $8::bigint[], $9::bigint[], $10::bigint[])
				AS x (id, pid, contact, account, msisdn, status, created_at, version, batch, callout)
			ORDER BY x.id
			ON CONFLICT (phone_call_id) DO NOTHING`,
			w.ids, w.participations, w.contacts, w.accounts, w.msisdns, w.statuses, w.createdAt,
			w.versions, w.batches, w.callouts)
	}
	if len(w.changedIDs) > 0 {
		b.Queue(`
			UPDATE call_history h SET status = x.status, version = x.version
			FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS x (id, status, version)
			WHERE h.phone_call_id = x.id AND h.version < x.version`,
			w.changedIDs, w.changedStatuses, w.changedVersions)
	}
	if len(w.deleted) > 0 {
		b.Queue(`DELETE FROM call_history WHERE phone_call_id = ANY($1::bigint[])`, w.deleted)
	}
	if b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write call history: %w", err)
	}
	return nil
}
