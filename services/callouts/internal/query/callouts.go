package query

import (
	"strings"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/readmodel"
)

// Callouts returns the callout queries. A contact_id scope lists the
// callouts the contact participates in.
func Callouts(db eventstore.Querier) Resource {
	return Resource{
		DB:    db,
		From:  "callouts k",
		Alias: "k",
		Columns: `k.id, k.status, k.call_flow_logic, k.metadata, api_time(k.created_at) AS created_at,
			api_time(k.updated_at) AS updated_at, k.account_id`,
		Sort: map[string]string{
			"id": "k.id", "status": "k.status", "created_at": "k.created_at", "updated_at": "k.updated_at",
		},
		Filter: func(b *filter.Builder, q map[string]any) {
			b.ExactList(q, "status", "k.status")
			b.ExactList(q, "call_flow_logic", "k.call_flow_logic")
			readmodel.MetadataFilter("k")(b, q)
		},
		Scope: readmodel.Scoped(db, "k.account_id", map[string]readmodel.Parent{
			"contact_id": {Table: "contacts", Cond: "EXISTS (SELECT 1 FROM callout_participations sp " +
				"WHERE sp.callout_id = k.id AND sp.contact_id = %s)"},
		}),
	}
}

// Participations returns the callout participation queries. Their
// call_flow_logic is the effective one: their own, else the callout's.
func Participations(db eventstore.Querier) Resource {
	return Resource{
		DB:        db,
		From:      "callout_participations p JOIN callouts pk ON pk.id = p.callout_id",
		CountFrom: "callout_participations p",
		Alias:     "p",
		Columns: `p.id, p.callout_id, p.contact_id, p.callout_population_id, p.msisdn,
			coalesce(p.call_flow_logic, pk.call_flow_logic) AS call_flow_logic, p.metadata,
			api_time(p.created_at) AS created_at, api_time(p.updated_at) AS updated_at`,
		Sort: map[string]string{
			"id": "p.id", "msisdn": "p.msisdn", "created_at": "p.created_at", "updated_at": "p.updated_at",
		},
		Filter: ParticipationFilter,
		Scope: readmodel.Scoped(db, "p.account_id", map[string]readmodel.Parent{
			"callout_id": {Table: "callouts", Cond: "p.callout_id = %s"},
			"contact_id": {Table: "contacts", Cond: "p.contact_id = %s"},
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
	// Calls created at the same instant are all the latest.
	if v, ok := q["last_phone_call_attempt"]; ok {
		b.Where("p.last_phone_call_statuses && " + b.Arg(filter.List(filter.Text(v))) + "::text[]")
	}
	if v, ok := q["no_phone_calls_or_last_attempt"]; ok {
		b.Where("(p.phone_calls_count = 0 OR p.last_phone_call_statuses && " +
			b.Arg(filter.List(filter.Text(v))) + "::text[])")
	}
}
