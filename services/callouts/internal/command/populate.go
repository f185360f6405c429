package command

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"scfm/callouts/internal/query"
	"scfm/shared/batchops"
	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Populate runs one step of a callout population: it selects up to
// Step.Limit of the account's contacts matching the population's contact
// filter with ids above Step.After, and adds those not yet in the callout
// to it. The participations are recorded as bulk events on the
// population's stream.
//
// The work is set-based, a few statements per step whatever its size: the
// step inserts the rows itself (see insertPopulation) and records the
// events that describe them. It holds its callout's row lock, so single
// participation creates in the same callout wait for it, and its account's
// contacts lock (shared), so no contact it adds is deleted under it.
func (h *Handlers) Populate(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var s batchops.Step
	if r, ok := commands.Decode(req.Data, &s); !ok {
		return r, nil
	}
	if r, ok := checkStep(s); !ok {
		return r, nil
	}
	return h.runAlone(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		if err := lockAccountContacts(ctx, tx, req.AccountID, false); err != nil {
			return reply.Reply{}, err
		}
		k, found, err := loadCallout(ctx, tx, req.AccountID, *s.CalloutID)
		if err != nil || !found {
			return reply.NotFound(), err
		}

		at := h.clock()
		sel, err := insertPopulation(ctx, tx, req.AccountID, k.id, s, at)
		if err != nil {
			return reply.Reply{}, err
		}
		res := batchops.StepResult{
			Selected: sel.count, Applied: len(sel.fresh), Last: s.After, Done: sel.count < s.Limit,
		}
		if sel.count > 0 {
			res.Last = sel.last
		}
		events, err := populationEvents(ctx, tx, rec, req.AccountID, k.id, s.OperationID, sel.fresh, at)
		if err != nil {
			return reply.Reply{}, err
		}
		if err := rec.Projected(events...); err != nil {
			return reply.Reply{}, err
		}
		return reply.JSON(200, res), nil
	})
}

// checkStep refuses steps no population can run.
func checkStep(s batchops.Step) (reply.Reply, bool) {
	switch {
	case s.Type != "" && s.Type != batchops.CalloutPopulation:
		return reply.Invalid1("type", msgNotIncluded), false
	case s.CalloutID == nil:
		return reply.NotFound(), false
	case s.OperationID <= 0:
		return reply.Invalid1("operation_id", "must be greater than 0"), false
	case s.Limit <= 0:
		return reply.Invalid1("limit", "must be greater than 0"), false
	}
	return reply.Reply{}, true
}

// population is what one step selected and created.
type population struct {
	count int   // contacts selected
	last  int64 // the last one's id
	fresh []calloutsv1.PopulatedParticipationV1
}

// insertPopulation selects the contacts of a step, in id order, and inserts
// a participation for each that is not in the callout yet, in one
// statement. The rows are the projection of the events the step records,
// written here set-based; replaying those events writes the same rows.
//
// The first try is a plain INSERT that skips the step's contacts already in
// the callout, found by a range probe of its (callout, contact) key. It is
// half again as fast as ON CONFLICT DO NOTHING, whose speculative insert
// costs an extra write per row, and it is safe because every writer of the
// callout's participations holds the callout's row lock, as this step does.
// A number already in the callout under another contact (a contact whose
// number changed) is the one conflict the probe misses: the unique key
// refuses it, and the step is redone with ON CONFLICT DO NOTHING.
func insertPopulation(
	ctx context.Context,
	tx pgx.Tx,
	accountID, calloutID int64,
	s batchops.Step,
	at time.Time,
) (population, error) {
	var b filter.Builder
	b.Where("c.account_id = " + b.Arg(accountID))
	after := b.Arg(s.After)
	b.Where("c.id > " + after)
	query.ContactFilter(&b, s.ContactFilter, "c")
	limit := b.Arg(s.Limit)
	acct, k, op, when := b.Arg(accountID), b.Arg(calloutID), b.Arg(s.OperationID), b.Arg(at)

	sql := func(skip string) string {
		return `
		WITH s AS (
			SELECT c.id, c.msisdn FROM contacts c WHERE ` + b.SQL() + ` ORDER BY c.id LIMIT ` + limit + `
		), ins AS (
			INSERT INTO callout_participations (account_id, callout_id, contact_id, callout_population_id,
				msisdn, metadata, created_at, updated_at, version)
			SELECT ` + acct + `, ` + k + `, s.id, ` + op + `, s.msisdn, '{}', ` + when + `, ` + when + `, 1
			FROM s ` + skip + `
			RETURNING id, contact_id, msisdn
		)
		SELECT (SELECT count(*) FROM s), (SELECT coalesce(max(id), 0) FROM s),
			coalesce(array_agg(id ORDER BY contact_id), '{}'),
			coalesce(array_agg(contact_id ORDER BY contact_id), '{}'),
			coalesce(array_agg(msisdn ORDER BY contact_id), '{}')
		FROM ins`
	}
	probe := sql(`WHERE NOT EXISTS (
				SELECT 1 FROM callout_participations p WHERE p.callout_id = ` + k + ` AND p.contact_id = s.id
					AND p.contact_id > ` + after + ` AND p.contact_id <= (SELECT max(id) FROM s))
			ORDER BY s.id`)

	sp, err := tx.Begin(ctx)
	if err != nil {
		return population{}, fmt.Errorf("populate callout %d: %w", calloutID, err)
	}
	p, err := selectPopulation(ctx, sp, probe, b.Args())
	if err == nil {
		err = sp.Commit(ctx)
	}
	if eventstore.IsUniqueViolation(err) {
		if err := sp.Rollback(ctx); err != nil {
			return p, fmt.Errorf("populate callout %d: %w", calloutID, err)
		}
		p, err = selectPopulation(ctx, tx, sql(`ORDER BY s.id ON CONFLICT DO NOTHING`), b.Args())
	}
	if err != nil {
		return p, fmt.Errorf("populate callout %d: %w", calloutID, err)
	}
	return p, nil
}

// selectPopulation runs one form of the population statement.
func selectPopulation(ctx context.Context, tx pgx.Tx, sql string, args []any) (population, error) {
	var p population
	var ids, contacts []int64
	var numbers []string
	if err := tx.QueryRow(ctx, sql, args...).Scan(&p.count, &p.last, &ids, &contacts, &numbers); err != nil {
		return p, err
	}
	p.fresh = make([]calloutsv1.PopulatedParticipationV1, len(ids))
	for i := range ids {
		p.fresh[i] = calloutsv1.PopulatedParticipationV1{ID: ids[i], ContactID: contacts[i], MSISDN: numbers[i]}
	}
	return p, nil
}

// populationEvents splits the new participations into events of at most
// PopulationEventRows, continuing the version of the population's stream.
func populationEvents(
	ctx context.Context,
	tx pgx.Tx,
	rec *recorder,
	accountID, calloutID, operationID int64,
	fresh []calloutsv1.PopulatedParticipationV1,
	at time.Time,
) ([]eventstore.Event, error) {
	if len(fresh) == 0 {
		return nil, nil
	}
	stream := strconv.FormatInt(operationID, 10)
	var version int64
	err := tx.QueryRow(ctx, `
		SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_type = $1 AND stream_id = $2`,
		calloutsv1.AggregateCalloutPopulation, stream).Scan(&version)
	if err != nil {
		return nil, fmt.Errorf("read version of population %d: %w", operationID, err)
	}

	var events []eventstore.Event
	for start := 0; start < len(fresh); start += calloutsv1.PopulationEventRows {
		end := min(start+calloutsv1.PopulationEventRows, len(fresh))
		version++
		events = append(events, eventstore.New(calloutsv1.AggregateCalloutPopulation, stream, version,
			calloutsv1.ParticipationsPopulated, calloutsv1.ParticipationsPopulatedV1{
				BatchOperationID: operationID, AccountID: accountID, CalloutID: calloutID,
				Participations: fresh[start:end], CreatedAt: at,
			}, rec.Metadata()))
	}
	return events, nil
}
