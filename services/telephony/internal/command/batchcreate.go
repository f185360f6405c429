package command

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"scfm/shared/batchops"
	"scfm/shared/commands"
	tel "scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
	"scfm/telephony/internal/domain/phonecall"
	"scfm/telephony/internal/query"
)

// CreateCalls runs one step of a phone call creation: it selects the
// account's participations the operation's filters match, after the step's
// cursor, and creates a call for each one with no call in flight, as the
// single create would. Selected participations with a call in flight are
// skipped, so however often and however concurrently operations run, a
// participation never has two calls in flight.
func (h *Handlers) CreateCalls(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	check := func(step batchops.Step, errs reply.Errors) {
		checkType(step, errs, batchops.PhoneCallCreate)
		if msg := phonecall.CheckRequestParams(step.RemoteRequestParams); msg != "" {
			errs.Add("remote_request_params", msg)
		}
	}
	return h.batchStep(ctx, req, check, h.createCalls(req.AccountID))
}

// createCalls decides a creation step of account.
func (h *Handlers) createCalls(account int64) decideStep {
	return func(
		ctx context.Context, tx pgx.Tx, rec *commands.Recorder, step batchops.Step,
	) (batchops.StepResult, error) {
		ids, err := selectParticipations(ctx, tx, account, step)
		if err != nil || len(ids) == 0 {
			return stepResult(step, ids, 0), err
		}

		// Lock the participations in id order, so concurrent steps over the
		// same ones take turns instead of deadlocking; only then look for
		// calls in flight, in a statement that sees what the step before
		// this one committed.
		parts, err := lockParticipations(ctx, tx, account, ids)
		if err != nil {
			return batchops.StepResult{}, err
		}
		busy, err := participationsInFlight(ctx, tx, ids)
		if err != nil {
			return batchops.StepResult{}, err
		}
		// A call whose effective call flow logic is not accepted here would
		// be refused by the single create too.
		parts = slices.DeleteFunc(parts, func(p participation) bool {
			return busy[p.id] || (p.flow != nil && !h.flows.Registered(*p.flow))
		})
		if len(parts) == 0 {
			return stepResult(step, ids, 0), nil
		}

		callIDs, err := nextCallIDs(ctx, tx, len(parts))
		if err != nil {
			return batchops.StepResult{}, err
		}
		events := createdEvents(account, step, parts, callIDs, h.clock(), rec.Metadata())
		if err := rec.Record(ctx, events...); err != nil {
			return batchops.StepResult{}, err
		}
		return stepResult(step, ids, len(parts)), project(ctx, tx, events)
	}
}

// createdEvents records a new call, with id callIDs[i], for each of parts:
// created, to the participation's number, with the step's provider
// parameters and empty metadata, inheriting its call flow logic.
func createdEvents(
	account int64, step batchops.Step, parts []participation, callIDs []int64, at time.Time,
	md eventstore.Metadata,
) []eventstore.Event {
	op := step.OperationID
	params, empty := metadata.Encode(step.RemoteRequestParams), metadata.Encode(map[string]any{})
	events := make([]eventstore.Event, len(parts))
	for i, p := range parts {
		events[i] = eventstore.New(tel.AggregatePhoneCall, strconv.FormatInt(callIDs[i], 10), 1,
			tel.PhoneCallCreated, tel.PhoneCallCreatedV1{
				ID: callIDs[i], AccountID: account, CalloutParticipationID: &p.id,
				CalloutID: &p.calloutID, ContactID: &p.contactID, CreateBatchOperationID: &op,
				Status: tel.StatusCreated, MSISDN: p.number, Metadata: empty,
				RemoteRequestParams: params, CreatedAt: at,
			}, md)
	}
	return events
}

// selectParticipations returns the ids of the account's participations the
// step selects: those its participation and callout filters match, after
// its cursor, in id order, at most its limit.
func selectParticipations(
	ctx context.Context, tx pgx.Tx, account int64, step batchops.Step,
) ([]int64, error) {
	var b filter.Builder
	b.Where("kp.account_id = " + b.Arg(account))
	b.Where("kp.id > " + b.Arg(step.After))
	query.ParticipationFilter(&b, step.ParticipationFilter)
	query.CalloutFilter(&b, step.CalloutFilter)
	sql := `SELECT kp.id FROM known_participations kp JOIN known_callouts kk ON kk.id = kp.callout_id
		WHERE ` + b.SQL() + ` ORDER BY kp.id LIMIT ` + b.Arg(step.Limit)
	return collectIDs(ctx, tx, "select participations", sql, b.Args()...)
}

// lockParticipations locks and reads the participations ids of account
// that still exist, in id order.
func lockParticipations(
	ctx context.Context, tx pgx.Tx, account int64, ids []int64,
) ([]participation, error) {
	rows, err := tx.Query(ctx, `
		SELECT kp.id, kp.callout_id, kp.contact_id, kp.msisdn,
			coalesce(kp.call_flow_logic, kk.call_flow_logic, ka.settings->>'call_flow_logic')
		FROM known_participations kp
		LEFT JOIN known_callouts kk ON kk.id = kp.callout_id
		LEFT JOIN known_accounts ka ON ka.id = kp.account_id
		WHERE kp.id = ANY($1) AND kp.account_id = $2
		ORDER BY kp.id FOR UPDATE OF kp`, ids, account)
	if err != nil {
		return nil, fmt.Errorf("lock participations: %w", err)
	}
	parts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (participation, error) {
		var p participation
		err := row.Scan(&p.id, &p.calloutID, &p.contactID, &p.number, &p.flow)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("lock participations: %w", err)
	}
	return parts, nil
}

// participationsInFlight returns which of the participations ids have a
// call in flight.
func participationsInFlight(ctx context.Context, tx pgx.Tx, ids []int64) (map[int64]bool, error) {
	busy, err := collectIDs(ctx, tx, "find calls in flight", `
		SELECT DISTINCT callout_participation_id FROM phone_calls
		WHERE callout_participation_id = ANY($1) AND status = ANY($2)`, ids, tel.InFlightStatuses())
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(busy))
	for _, id := range busy {
		out[id] = true
	}
	return out, nil
}

// nextCallIDs allocates n phone call ids, ascending.
func nextCallIDs(ctx context.Context, tx pgx.Tx, n int) ([]int64, error) {
	ids, err := collectIDs(ctx, tx, "allocate phone call ids", `
		SELECT nextval(pg_get_serial_sequence('phone_calls', 'id')) FROM generate_series(1, $1)`, n)
	slices.Sort(ids)
	return ids, err
}

// collectIDs runs a query of one bigint column and returns its values.
func collectIDs(ctx context.Context, tx pgx.Tx, what, sql string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return ids, nil
}
