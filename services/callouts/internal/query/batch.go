package query

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"scfm/shared/batchops"
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// selector adds to b the conditions that keep the rows of a batch
// operation's selection in the account.
type selector func(b *filter.Builder, accountID int64, s batchops.Selection)

// BatchContacts answers pages of the contacts a batch operation previews or
// reached: a population's matching contacts or those it added to its
// callout; the contacts of the participations a phone call creation would
// call or called, each once.
func BatchContacts(db eventstore.Querier) natsbus.Handler {
	return batchPage(Contacts(db), func(typ string, mode batchops.Mode) selector {
		switch {
		case typ == batchops.CalloutPopulation && mode == batchops.Preview:
			return func(b *filter.Builder, acct int64, s batchops.Selection) {
				b.Where("c.account_id = " + b.Arg(acct))
				ContactFilter(b, s.ContactFilter, "c")
			}
		case typ == batchops.CalloutPopulation && mode == batchops.Results:
			return func(b *filter.Builder, acct int64, s batchops.Selection) {
				b.Where("c.account_id = " + b.Arg(acct))
				b.Where("EXISTS (SELECT 1 FROM callout_participations sp WHERE sp.contact_id = c.id " +
					"AND sp.callout_population_id = " + b.Arg(s.OperationID) + ")")
			}
		case typ == batchops.PhoneCallCreate && mode == batchops.Preview:
			return func(b *filter.Builder, acct int64, s batchops.Selection) {
				b.Where("c.account_id = " + b.Arg(acct))
				b.Where("EXISTS (SELECT 1 FROM callout_participations p WHERE p.contact_id = c.id AND " +
					nested(b, func(sub *filter.Builder) { callCandidates(sub, acct, s) }) + ")")
			}
		case typ == batchops.PhoneCallCreate && mode == batchops.Results:
			return func(b *filter.Builder, acct int64, s batchops.Selection) {
				b.Where("c.account_id = " + b.Arg(acct))
				b.Where("EXISTS (SELECT 1 FROM callout_participations sp " +
					"JOIN call_history h ON h.participation_id = sp.id WHERE sp.contact_id = c.id " +
					"AND h.create_batch_operation_id = " + b.Arg(s.OperationID) + ")")
			}
		}
		return nil
	})
}

// BatchParticipations answers pages of the participations a batch
// operation previews or reached: those a population created, and those a
// phone call creation would call or called.
func BatchParticipations(db eventstore.Querier) natsbus.Handler {
	return batchPage(Participations(db), func(typ string, mode batchops.Mode) selector {
		switch {
		case typ == batchops.CalloutPopulation && mode == batchops.Results:
			return func(b *filter.Builder, acct int64, s batchops.Selection) {
				b.Where("p.account_id = " + b.Arg(acct))
				b.Where("p.callout_population_id = " + b.Arg(s.OperationID))
			}
		case typ == batchops.PhoneCallCreate && mode == batchops.Preview:
			return func(b *filter.Builder, acct int64, s batchops.Selection) {
				callCandidates(b, acct, s)
			}
		case typ == batchops.PhoneCallCreate && mode == batchops.Results:
			return func(b *filter.Builder, acct int64, s batchops.Selection) {
				b.Where("p.account_id = " + b.Arg(acct))
				b.Where("EXISTS (SELECT 1 FROM call_history h WHERE h.participation_id = p.id " +
					"AND h.create_batch_operation_id = " + b.Arg(s.OperationID) + ")")
			}
		}
		return nil
	})
}

// callCandidates selects, as participations aliased p, the account's
// participations a phone call creation would call: those matching its
// participation filter whose callout matches its callout filter.
func callCandidates(b *filter.Builder, acct int64, s batchops.Selection) {
	b.Where("p.account_id = " + b.Arg(acct))
	ParticipationFilter(b, s.ParticipationFilter)
	onCallout := nested(b, func(sub *filter.Builder) { Callouts(nil).Filter(sub, s.CalloutFilter) })
	if onCallout != "TRUE" {
		b.Where("EXISTS (SELECT 1 FROM callouts k WHERE k.id = p.callout_id AND " + onCallout + ")")
	}
}

// nested returns the conditions add writes as one SQL fragment, to be
// placed inside a subquery, with their arguments numbered after b's and
// moved to b. Nothing may be added to b while add runs.
func nested(b *filter.Builder, add func(*filter.Builder)) string {
	var sub filter.Builder
	before := len(b.Args())
	for _, a := range b.Args() {
		sub.Arg(a)
	}
	add(&sub)
	for _, a := range sub.Args()[before:] {
		b.Arg(a)
	}
	return sub.SQL()
}

// batchPage answers a PageQuery over res, narrowed to the selection that
// pick returns for the query's type and mode (404 when it returns none).
// Pages look exactly like res's own listings, with the client's filter,
// sort and paging on top of the selection.
func batchPage(res Resource, pick func(typ string, mode batchops.Mode) selector) natsbus.Handler {
	return func(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
		q, err := decodePageQuery(req.Data)
		if err != nil {
			return reply.BadRequest("base", "is invalid"), nil
		}
		sel := pick(q.Selection.Type, q.Mode)
		if sel == nil {
			return reply.NotFound(), nil
		}
		if q.Exists {
			return exists(ctx, res, req.AccountID, q, sel)
		}

		// The selection takes the place of the resource's own scope, on a
		// copy of the resource that belongs to this request; List reads the
		// client's q, sort and paging from the same payload.
		page := res
		page.Scope = func(
			_ context.Context, req natsbus.Request, _ filter.Request, b *filter.Builder,
		) (bool, error) {
			sel(b, req.AccountID, q.Selection)
			return true, nil
		}
		return page.List(ctx, req)
	}
}

// exists answers whether any row of the selection matches the client's
// filter, without counting them.
func exists(
	ctx context.Context,
	res Resource,
	accountID int64,
	q batchops.PageQuery,
	sel selector,
) (reply.Reply, error) {
	var b filter.Builder
	sel(&b, accountID, q.Selection)
	res.Filter(&b, q.Q)
	from := res.From
	if res.CountFrom != "" {
		from = res.CountFrom
	}
	var found bool
	err := res.DB.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+from+" WHERE "+b.SQL()+" LIMIT 1)",
		b.Args()...).Scan(&found)
	if err != nil {
		return reply.Reply{}, fmt.Errorf("check batch selection of %s: %w", from, err)
	}
	return reply.JSON(200, batchops.ExistsResult{Exists: found}), nil
}

// decodePageQuery reads a page query as listings read their requests:
// numbers in filters kept as written, page 1 and 25 per page by default.
func decodePageQuery(data []byte) (batchops.PageQuery, error) {
	var q batchops.PageQuery
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&q); err != nil {
		return q, fmt.Errorf("decode page query: %w", err)
	}
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage < 1 {
		q.PerPage = 25
	}
	if q.Q == nil {
		q.Q = map[string]any{}
	}
	return q, nil
}

// Position answers the position of the last event the service recorded
// (0 while there is none). Positions become visible in order, so every
// event up to it is committed.
func Position(db eventstore.Querier) natsbus.Handler {
	return func(ctx context.Context, _ natsbus.Request) (reply.Reply, error) {
		var pos int64
		if err := db.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM events`).Scan(&pos); err != nil {
			return reply.Reply{}, fmt.Errorf("read event log position: %w", err)
		}
		return reply.JSON(200, batchops.PositionResult{Position: pos}), nil
	}
}
