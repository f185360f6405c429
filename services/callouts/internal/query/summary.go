package query

import (
	"context"
	"encoding/json"
	"fmt"

	"scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Summary is a callout's progress at a glance.
type Summary struct {
	CalloutID      int64                `json:"callout_id"`
	Status         string               `json:"status"`
	Participations ParticipationSummary `json:"participations"`
	PhoneCalls     CallSummary          `json:"phone_calls"`
}

// ParticipationSummary counts participations by the status of their latest
// call ("none" for participations not called yet).
type ParticipationSummary struct {
	Total              int64            `json:"total"`
	ByLastCallStatus   map[string]int64 `json:"by_last_call_status"`
	WithCallInProgress int64            `json:"with_call_in_flight"`
}

// CallSummary counts the callout's phone calls by status.
type CallSummary struct {
	Total    int64            `json:"total"`
	ByStatus map[string]int64 `json:"by_status"`
	InFlight int64            `json:"in_flight"`
}

// CalloutSummary answers the summary of one of the caller's callouts. It
// reads the counts the database keeps per callout (callout_tallies), so it
// costs the same for ten participations as for a million.
func CalloutSummary(db eventstore.Querier) natsbus.Handler {
	return func(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
		r, err := filter.DecodeRequest(req.Data)
		if err != nil {
			return reply.BadRequest("base", "is invalid"), nil
		}
		s := Summary{CalloutID: r.ID}
		var byLast, byCall []byte
		inFlight := telephonyv1.InFlightStatuses()
		err = db.QueryRow(ctx, `
			SELECT k.status,
				(SELECT coalesce(sum(n), 0) FROM callout_tallies
					WHERE callout_id = k.id AND kind = 'participation'),
				(SELECT coalesce(json_object_agg(status, n), '{}') FROM callout_tallies
					WHERE callout_id = k.id AND kind = 'participation' AND n > 0),
				(SELECT coalesce(sum(n), 0) FROM callout_tallies
					WHERE callout_id = k.id AND kind = 'participation' AND status = ANY($3)),
				(SELECT coalesce(json_object_agg(status, n), '{}') FROM callout_tallies
					WHERE callout_id = k.id AND kind = 'call' AND n > 0)
			FROM callouts k WHERE k.id = $1 AND k.account_id = $2`,
			r.ID, req.AccountID, inFlight).Scan(&s.Status, &s.Participations.Total, &byLast,
			&s.Participations.WithCallInProgress, &byCall)
		if err != nil {
			if isNoRows(err) {
				return reply.NotFound(), nil
			}
			return reply.Reply{}, fmt.Errorf("summarise callout %d: %w", r.ID, err)
		}
		if err := json.Unmarshal(byLast, &s.Participations.ByLastCallStatus); err != nil {
			return reply.Reply{}, err
		}
		if err := json.Unmarshal(byCall, &s.PhoneCalls.ByStatus); err != nil {
			return reply.Reply{}, err
		}
		for status, n := range s.PhoneCalls.ByStatus {
			s.PhoneCalls.Total += n
			if telephonyv1.InFlight(status) {
				s.PhoneCalls.InFlight += n
			}
		}
		return reply.JSON(200, s), nil
	}
}
