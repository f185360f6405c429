package query

import (
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/readmodel"
)

// RemoteEvents returns the remote phone call event queries.
func RemoteEvents(db eventstore.Querier) readmodel.Resource {
	return readmodel.Resource{
		DB:    db,
		From:  "remote_phone_call_events re",
		Alias: "re",
		Columns: `re.id, re.phone_call_id, re.details, re.metadata, re.remote_call_id, re.remote_direction,
			re.call_flow_logic, api_time(re.created_at) AS created_at, api_time(re.updated_at) AS updated_at`,
		Sort: readmodel.TimestampSort("re"),
		Filter: func(b *filter.Builder, q map[string]any) {
			for _, k := range []string{"phone_call_id", "call_flow_logic", "remote_call_id", "remote_direction"} {
				b.ExactList(q, k, "re."+k)
			}
			b.JSONPath(q, "details", "re.details")
			readmodel.MetadataFilter("re")(b, q)
		},
		Scope: readmodel.Scoped(db, "re.account_id", map[string]readmodel.Parent{
			"phone_call_id": {Table: "phone_calls", Cond: "re.phone_call_id = %s"},
			"callout_participation_id": {
				Table: "known_participations",
				Cond:  "re.callout_participation_id = %s",
			},
			"callout_id": {Table: "known_callouts", Cond: "re.callout_id = %s"},
			"contact_id": {Table: "known_contacts", Cond: "(re.contact_id = %[1]s OR re.phone_call_id IN (" +
				"SELECT pc.id FROM phone_calls pc WHERE pc.contact_id IS NULL AND pc.account_id = re.account_id " +
				"AND pc.msisdn = (SELECT msisdn FROM known_contacts WHERE id = %[1]s)))"},
		}),
	}
}
