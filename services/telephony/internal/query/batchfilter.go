package query

import (
	"slices"
	"strings"

	tel "scfm/shared/contract/telephonyv1"
	"scfm/shared/filter"
)

// ParticipationFilter adds the participation filters of q on the known
// participations aliased kp. call_flow_logic is the participation's own
// column. The call-history filters read the phone_calls table, which this
// service owns, so they see every call the moment it is written.
func ParticipationFilter(b *filter.Builder, q map[string]any) {
	for _, k := range []string{"call_flow_logic", "callout_id", "contact_id", "callout_population_id"} {
		b.ExactList(q, k, "kp."+k)
	}
	b.JSONPath(q, "metadata", "kp.metadata")
	b.MSISDN(q, "kp.msisdn")
	b.Timestamp(q, "created_at", "kp.created_at")
	b.Timestamp(q, "updated_at", "kp.updated_at")

	const anyCall = "EXISTS (SELECT 1 FROM phone_calls hc WHERE hc.callout_participation_id = kp.id)"
	if v, ok := q["has_phone_calls"]; ok && strings.TrimSpace(filter.Text(v)) != "" {
		if filter.Falsy(filter.Text(v)) {
			b.Where("NOT " + anyCall)
		} else {
			b.Where(anyCall)
		}
	}
	if v, ok := q["last_phone_call_attempt"]; ok {
		b.Where(lastAttempt(b, v))
	}
	if v, ok := q["no_phone_calls_or_last_attempt"]; ok {
		b.Where("(NOT " + anyCall + " OR " + lastAttempt(b, v) + ")")
	}
}

// lastAttempt is the condition that a participation's latest call (by
// creation time; calls created at the same instant are all the latest) has
// one of the statuses listed in v.
func lastAttempt(b *filter.Builder, v any) string {
	return "EXISTS (SELECT 1 FROM phone_calls lc WHERE lc.callout_participation_id = kp.id" +
		" AND lc.status = ANY(" + b.Arg(Statuses(filter.List(filter.Text(v)))) + "::text[])" +
		" AND lc.created_at = (SELECT max(mc.created_at) FROM phone_calls mc" +
		" WHERE mc.callout_participation_id = kp.id))"
}

// CalloutFilter adds the callout filters of q on the known callouts aliased
// kk; call_flow_logic is the callout's own column.
func CalloutFilter(b *filter.Builder, q map[string]any) {
	b.ExactList(q, "status", "kk.status")
	b.ExactList(q, "call_flow_logic", "kk.call_flow_logic")
	b.JSONPath(q, "metadata", "kk.metadata")
	b.Timestamp(q, "created_at", "kk.created_at")
	b.Timestamp(q, "updated_at", "kk.updated_at")
}

// Statuses returns the stored statuses a list of API statuses means: the
// API shows the dialer's dispatching as queued, so queued finds both.
func Statuses(api []string) []string {
	if slices.Contains(api, tel.StatusQueued) && !slices.Contains(api, tel.StatusDispatching) {
		return append(slices.Clone(api), tel.StatusDispatching)
	}
	return api
}
