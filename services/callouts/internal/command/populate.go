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
// population's stream; their projection inserts the rows.
//
// The work is set-based, a few statements per step whatever its size, and
// the step holds its callout's row lock, so single participation creates
// in the same callout wait for it, and its account's contacts lock (shared),
// so no contact it adds is deleted under it. A write that still races with it (a
// participation update taking the number of a contact the step adds) ends
// the step in a unique violation, which rolls it back; the runner then
// decides it again.
func (h *Handlers) Populate(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var s batchops.Step
	if r, ok := commands.Decode(req.Data, &s); !ok {
		return r, nil
	}
	if r, ok := checkStep(s); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		if err := lockAccountContacts(ctx, tx, req.AccountID, false); err != nil {
			return reply.Reply{}, err
		}
		k, found, err := loadCallout(ctx, tx, req.AccountID, *s.CalloutID)
		if err != nil || !found {
			return reply.NotFound(), err
		}

		selected, err := selectPopulation(ctx, tx, req.AccountID, k.id, s)
		if err != nil {
			return reply.Reply{}, err
		}
		res := batchops.StepResult{Selected: len(selected), Last: s.After, Done: len(selected) < s.Limit}
		if len(selected) > 0 {
			res.Last = selected[len(selected)-1].ContactID
		}
		fresh := make([]calloutsv1.PopulatedParticipationV1, 0, len(selected))
		for _, c := range selected {
			if c.ID != 0 {
				fresh = append(fresh, c)
			}
		}
		res.Applied = len(fresh)

		events, err := populationEvents(ctx, tx, rec, req.AccountID, k.id, s.OperationID, fresh, h.clock())
		if err != nil {
			return reply.Reply{}, err
		}
		if err := rec.Record(ctx, events...); err != nil {
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

// selectPopulation returns the contacts a step selects, in id order. Those
// already in the callout (by contact or by number) come with ID 0; the
// others with the id of their new participation, drawn from the
// participations' identity sequence in the same statement. Contact numbers
// are unique within an account, so two selected contacts never compete for
// one number.
func selectPopulation(
	ctx context.Context,
	tx pgx.Tx,
	accountID, calloutID int64,
	s batchops.Step,
) ([]calloutsv1.PopulatedParticipationV1, error) {
	var b filter.Builder
	b.Where("c.account_id = " + b.Arg(accountID))
	b.Where("c.id > " + b.Arg(s.After))
	query.ContactFilter(&b, s.ContactFilter, "c")
	limit := b.Arg(s.Limit)
	k := b.Arg(calloutID)

	// Each candidate is looked up by the two unique keys, one index probe
	// each, however many participations the callout has already: scalar
	// subqueries are never turned into a scan of the whole callout. The
	// sequence name is an init plan, looked up once, and nextval runs only
	// for the candidates that are new, in contact id order.
	sql := `
		SELECT s.id, s.msisdn,
			CASE WHEN (SELECT true FROM callout_participations p
					WHERE p.callout_id = ` + k + ` AND p.contact_id = s.id) IS NULL
				AND (SELECT true FROM callout_participations p
					WHERE p.callout_id = ` + k + ` AND p.msisdn = s.msisdn) IS NULL
			THEN nextval((SELECT pg_get_serial_sequence('callout_participations', 'id'))::regclass)
			ELSE 0 END
		FROM (SELECT c.id, c.msisdn FROM contacts c WHERE ` + b.SQL() + `
			ORDER BY c.id LIMIT ` + limit + `) s
		ORDER BY s.id`
	rows, err := tx.Query(ctx, sql, b.Args()...)
	if err != nil {
		return nil, fmt.Errorf("select population of callout %d: %w", calloutID, err)
	}
	out := make([]calloutsv1.PopulatedParticipationV1, 0, min(s.Limit, 1<<16))
	var p calloutsv1.PopulatedParticipationV1
	_, err = pgx.ForEachRow(rows, []any{&p.ContactID, &p.MSISDN, &p.ID}, func() error {
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select population of callout %d: %w", calloutID, err)
	}
	return out, nil
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
