// Package known keeps the telephony service's copy of what it needs from
// the callouts service (accounts' provider settings, contacts, callouts and
// participations), built from the callouts event stream. Phone call
// commands read this copy; they never call the callouts service.
package known

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/contract"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
)

// batchSize caps the events applied in one transaction.
const batchSize = 500

// Orphaned is told, inside the batch's transaction, that a participation
// was deleted, so calls created for it in a race with the deletion are
// removed too.
type Orphaned func(ctx context.Context, tx pgx.Tx, participationID int64) error

// Run consumes the callouts events with the durable consumer
// "telephony-known" until ctx ends, applying each batch in one transaction.
// Every row remembers the version of the last event applied, so
// redeliveries change nothing.
func Run(
	ctx context.Context, pool *pgxpool.Pool, js jetstream.JetStream, n natsbus.Names,
	orphaned Orphaned, log *slog.Logger,
) error {
	cfg := jetstream.ConsumerConfig{
		Durable: "telephony-known",
		// Every callouts event, including the bulk participations of a
		// callout population and those this copy ignores (tokens, users):
		// the position it reports must reach the last one the callouts
		// service recorded, whatever its kind.
		FilterSubjects: []string{n.Subject(calloutsv1.Service + ".evt.>")},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	}
	apply := func(ctx context.Context, events []contract.Envelope) error {
		return ApplyBatch(ctx, pool, events, orphaned)
	}
	return natsbus.ConsumeEvents(ctx, js, n.EventStream(calloutsv1.Service), cfg, batchSize, apply, log)
}

// ApplyBatch applies events in one transaction and records the highest
// log position among them in the same transaction, so the position never
// claims rows that are not here yet.
func ApplyBatch(
	ctx context.Context, pool *pgxpool.Pool, events []contract.Envelope, orphaned Orphaned,
) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var last int64
		for _, env := range events {
			if err := Apply(ctx, tx, env); err != nil {
				return err
			}
			if env.EventType == calloutsv1.ParticipationDeleted {
				id, _ := strconv.ParseInt(env.AggregateID, 10, 64)
				if err := orphaned(ctx, tx, id); err != nil {
					return err
				}
			}
			last = max(last, env.Position)
		}
		if last == 0 {
			return nil
		}
		return exec(ctx, tx, `UPDATE known_position SET position = greatest(position, $1)`, last)
	})
}

// Position is the highest callouts log position the copy has applied.
func Position(ctx context.Context, db eventstore.Querier) (int64, error) {
	var pos int64
	if err := db.QueryRow(ctx, `SELECT position FROM known_position`).Scan(&pos); err != nil {
		return 0, fmt.Errorf("read known position: %w", err)
	}
	return pos, nil
}

// Apply records one callouts event in the known tables.
func Apply(ctx context.Context, tx pgx.Tx, env contract.Envelope) error {
	id, err := strconv.ParseInt(env.AggregateID, 10, 64)
	if err != nil {
		return nil // not an id this service tracks
	}
	v := env.AggregateVersion
	switch env.EventType {
	case calloutsv1.AccountCreated, calloutsv1.AccountUpdated:
		var d calloutsv1.AccountV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		return exec(ctx, tx, `
			INSERT INTO known_accounts (id, settings, twilio_account_sid, somleng_account_sid, version)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET settings = excluded.settings,
				twilio_account_sid = excluded.twilio_account_sid,
				somleng_account_sid = excluded.somleng_account_sid, version = excluded.version
			WHERE known_accounts.version < excluded.version`,
			id, d.Settings, d.TwilioAccountSID, d.SomlengAccountSID, v)
	case calloutsv1.ContactCreated, calloutsv1.ContactUpdated:
		var d struct {
			AccountID int64  `json:"account_id"`
			MSISDN    string `json:"msisdn"`
		}
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		return exec(ctx, tx, `
			INSERT INTO known_contacts (id, account_id, msisdn, version) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET msisdn = excluded.msisdn, version = excluded.version
			WHERE known_contacts.version < excluded.version`, id, d.AccountID, d.MSISDN, v)
	case calloutsv1.CalloutCreated:
		var d calloutsv1.CalloutCreatedV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		return exec(ctx, tx, `
			INSERT INTO known_callouts (id, account_id, status, call_flow_logic, metadata, created_at,
				updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $6, $7) ON CONFLICT (id) DO NOTHING`,
			id, d.AccountID, d.Status, d.CallFlowLogic, object(d.Metadata), d.CreatedAt, v)
	case calloutsv1.CalloutUpdated:
		var d calloutsv1.CalloutUpdatedV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		return exec(ctx, tx, `UPDATE known_callouts SET call_flow_logic = $2,
			metadata = $3, updated_at = $4, version = $5
			WHERE id = $1 AND version < $5`, id, d.CallFlowLogic, object(d.Metadata), d.UpdatedAt, v)
	case calloutsv1.CalloutStarted,
		calloutsv1.CalloutPaused,
		calloutsv1.CalloutResumed,
		calloutsv1.CalloutStopped:
		var d calloutsv1.CalloutStatusChangedV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		return exec(ctx, tx, `UPDATE known_callouts SET status = $2, updated_at = $3, version = $4
			WHERE id = $1 AND version < $4`, id, d.Status, d.UpdatedAt, v)
	case calloutsv1.ParticipationCreated:
		var d calloutsv1.ParticipationCreatedV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		return exec(ctx, tx, `
			INSERT INTO known_participations (id, account_id, callout_id, contact_id, msisdn,
				call_flow_logic, metadata, callout_population_id, created_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
			ON CONFLICT (id) DO NOTHING`,
			id, d.AccountID, d.CalloutID, d.ContactID, d.MSISDN, d.CallFlowLogic, object(d.Metadata),
			d.CalloutPopulationID, d.CreatedAt, v)
	case calloutsv1.ParticipationUpdated:
		var d calloutsv1.ParticipationUpdatedV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		return exec(ctx, tx, `UPDATE known_participations SET msisdn = $2, call_flow_logic = $3,
			metadata = $4, updated_at = $5, version = $6
			WHERE id = $1 AND version < $6`,
			id, d.MSISDN, d.CallFlowLogic, object(d.Metadata), d.UpdatedAt, v)
	case calloutsv1.ParticipationsPopulated:
		return applyPopulated(ctx, tx, env)
	case calloutsv1.ContactsImported:
		return applyContactsImported(ctx, tx, env)
	case calloutsv1.ContactDeleted:
		return exec(ctx, tx, `DELETE FROM known_contacts WHERE id = $1`, id)
	case calloutsv1.CalloutDeleted:
		return exec(ctx, tx, `DELETE FROM known_callouts WHERE id = $1`, id)
	case calloutsv1.ParticipationDeleted:
		return exec(ctx, tx, `DELETE FROM known_participations WHERE id = $1`, id)
	case calloutsv1.AccountDeleted:
		return exec(ctx, tx, `DELETE FROM known_accounts WHERE id = $1`, id)
	}
	return nil
}

// object is a metadata payload as stored: an absent or null one is {}.
func object(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "{}"
	}
	return string(raw)
}

func exec(ctx context.Context, tx pgx.Tx, sql string, args ...any) error {
	_, err := tx.Exec(ctx, sql, args...)
	return err
}
