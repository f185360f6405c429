// Package query answers the telephony service's read requests from its own
// tables.
package query

import (
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/readmodel"
)

// PhoneCalls returns the phone call queries. The dialer's internal
// dispatching status reads as queued, and call_flow_logic is the effective
// one: the call's own, else its participation's, its callout's, or its
// account's setting.
func PhoneCalls(db eventstore.Querier) readmodel.Resource {
	return readmodel.Resource{
		DB: db,
		From: `phone_calls pc
			LEFT JOIN known_participations kp ON kp.id = pc.callout_participation_id
			LEFT JOIN known_callouts kk ON kk.id = pc.callout_id
			LEFT JOIN known_accounts ka ON ka.id = pc.account_id`,
		Alias: "pc",
		Columns: `pc.id, pc.callout_participation_id,
			coalesce(pc.contact_id, (SELECT kc.id FROM known_contacts kc
				WHERE kc.account_id = pc.account_id AND kc.msisdn = pc.msisdn LIMIT 1)) AS contact_id,
			pc.create_batch_operation_id,
			pc.queue_batch_operation_id, pc.queue_remote_fetch_batch_operation_id,
			CASE pc.status WHEN 'dispatching' THEN 'queued' ELSE pc.status END AS status,
			pc.msisdn, pc.remote_call_id, pc.remote_status, pc.remote_direction, pc.remote_error_message,
			pc.metadata, pc.remote_response, pc.remote_request_params, pc.remote_queue_response,
			coalesce(pc.call_flow_logic, kp.call_flow_logic, kk.call_flow_logic,
				ka.settings->>'call_flow_logic') AS call_flow_logic,
			api_time(pc.remotely_queued_at) AS remotely_queued_at,
			api_time(pc.created_at) AS created_at, api_time(pc.updated_at) AS updated_at`,
		Sort: map[string]string{
			"id": "pc.id", "status": "pc.status", "created_at": "pc.created_at",
			"updated_at": "pc.updated_at", "remotely_queued_at": "pc.remotely_queued_at",
		},
		Filter: PhoneCallFilter,
		Scope: readmodel.Scoped(db, "pc.account_id", map[string]readmodel.Parent{
			"callout_participation_id": {
				Table: "known_participations",
				Cond:  "pc.callout_participation_id = %s",
			},
			"callout_id": {Table: "known_callouts", Cond: "pc.callout_id = %s"},
			"contact_id": {
				Table: "known_contacts",
				Cond: "(pc.contact_id = %[1]s OR (pc.contact_id IS NULL " +
					"AND pc.msisdn = (SELECT msisdn FROM known_contacts WHERE id = %[1]s)))",
			},
		}),
	}
}

// PhoneCallFilter adds the phone call filters of q.
func PhoneCallFilter(b *filter.Builder, q map[string]any) {
	for _, k := range []string{
		"callout_participation_id", "contact_id", "call_flow_logic", "remote_call_id",
		"remote_status", "remote_direction", "remote_error_message",
	} {
		b.ExactList(q, k, "pc."+k)
	}
	if v, ok := q["status"]; ok {
		// The API shows dispatching as queued, so queued finds both.
		statuses := filter.List(filter.Text(v))
		for _, s := range statuses {
			if s == "queued" {
				statuses = append(statuses, "dispatching")
				break
			}
		}
		b.Where("pc.status = ANY(" + b.Arg(statuses) + "::text[])")
	}
	for _, k := range []string{"metadata", "remote_response", "remote_queue_response", "remote_request_params"} {
		b.JSONPath(q, k, "pc."+k)
	}
	b.MSISDN(q, "pc.msisdn")
	b.Timestamp(q, "created_at", "pc.created_at")
	b.Timestamp(q, "updated_at", "pc.updated_at")
	b.Timestamp(q, "remotely_queued_at", "pc.remotely_queued_at")
}
