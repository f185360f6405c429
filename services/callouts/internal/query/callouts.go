package query

import (
	"context"
	"fmt"
	"strings"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
)

// Callouts returns the callout queries. A contact_id scope lists the
// callouts the contact participates in.
func Callouts(db eventstore.Querier) Resource {
	return Resource{
		db:    db,
		from:  "callouts k",
		alias: "k",
		columns: `k.id, k.status, k.call_flow_logic, k.metadata, api_time(k.created_at) AS created_at,
			api_time(k.updated_at) AS updated_at, k.account_id`,
		sort: map[string]string{
			"id": "k.id", "status": "k.status", "created_at": "k.created_at", "updated_at": "k.updated_at",
		},
		filter: func(b *filter.Builder, q map[string]any) {
			b.ExactList(q, "status", "k.status")
			b.ExactList(q, "call_flow_logic", "k.call_flow_logic")
			metadataFilter("k")(b, q)
		},
		scope: scoped(db, "k.account_id", map[string]string{
			"contact_id": "EXISTS (SELECT 1 FROM callout_participations sp WHERE sp.callout_id = k.id AND sp.contact_id = %s)",
		}),
	}
}

// Participations returns the callout participation queries. Their
// call_flow_logic is the effective one: their own, else the callout's.
func Participations(db eventstore.Querier) Resource {
	return Resource{
		db:    db,
		from:  "callout_participations p JOIN callouts pk ON pk.id = p.callout_id",
		alias: "p",
		columns: `p.id, p.callout_id, p.contact_id, p.callout_population_id, p.msisdn,
			coalesce(p.call_flow_logic, pk.call_flow_logic) AS call_flow_logic, p.metadata,
			api_time(p.created_at) AS created_at, api_time(p.updated_at) AS updated_at`,
		sort: map[string]string{
			"id": "p.id", "msisdn": "p.msisdn", "created_at": "p.created_at", "updated_at": "p.updated_at",
		},
		filter: ParticipationFilter,
		scope: scoped(db, "p.account_id", map[string]string{
			"callout_id": "p.callout_id = %s",
			"contact_id": "p.contact_id = %s",
		}),
	}
}

// ParticipationFilter adds the participation filters of q, including the
// call-history ones that select who to call (again).
func ParticipationFilter(b *filter.Builder, q map[string]any) {
	for _, k := range []string{"call_flow_logic", "callout_id", "contact_id", "callout_population_id"} {
		b.ExactList(q, k, "p."+k)
	}
	ContactFilter(b, q, "p")
	if v, ok := q["has_phone_calls"]; ok && strings.TrimSpace(filter.Text(v)) != "" {
		if filter.Falsy(filter.Text(v)) {
			b.Where("p.phone_calls_count = 0")
		} else {
			b.Where("p.phone_calls_count > 0")
		}
	}
	if v, ok := q["last_phone_call_attempt"]; ok {
		b.Where("p.last_phone_call_status = ANY(" + b.Arg(filter.List(filter.Text(v))) + "::text[])")
	}
	if v, ok := q["no_phone_calls_or_last_attempt"]; ok {
		b.Where("(p.last_phone_call_status IS NULL OR p.last_phone_call_status = ANY(" +
			b.Arg(filter.List(filter.Text(v))) + "::text[]))")
	}
}

// scoped scopes rows to the caller's account through accountColumn, and for
// each parent named in the request's scope (a nested route) checks that the
// parent is the caller's (else 404) and adds its condition (a format with
// one %s for the parent id).
func scoped(db eventstore.Querier, accountColumn string, parents map[string]string) func(
	context.Context, natsbus.Request, filter.Request, *filter.Builder,
) (bool, error) {
	return func(ctx context.Context, req natsbus.Request, r filter.Request, b *filter.Builder) (bool, error) {
		b.Where(accountColumn + " = " + b.Arg(req.AccountID))
		for key, cond := range parents {
			id, ok := r.Scope[key]
			if !ok {
				continue
			}
			found, err := ownsParent(ctx, db, req.AccountID, key, id)
			if err != nil || !found {
				return false, err
			}
			b.Where(fmt.Sprintf(cond, b.Arg(id)))
		}
		return true, nil
	}
}

// ownsParent reports whether the parent of kind key with id belongs to
// account.
func ownsParent(ctx context.Context, db eventstore.Querier, account int64, key string, id int64) (bool, error) {
	tables := map[string]string{
		"contact_id": "contacts", "callout_id": "callouts", "callout_participation_id": "callout_participations",
	}
	table, ok := tables[key]
	if !ok {
		return false, nil
	}
	var found bool
	err := db.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+" WHERE id = $1 AND account_id = $2)",
		id, account).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("check %s %d: %w", table, id, err)
	}
	return found, nil
}
