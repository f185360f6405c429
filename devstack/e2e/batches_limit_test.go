package e2e_test

// The applied limit of phone call creations and queues: an explicit limit,
// max, and the calls left in a throttling period, counted in the caller's
// account only.

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// batLimitSetup is an account with a running callout of ten participations,
// the first three of which got a phone call just now, through the API.
type batLimitSetup struct {
	account
	parts []map[string]any
}

// batNewLimitSetup makes a fresh limit set-up.
func batNewLimitSetup(t *testing.T) batLimitSetup {
	t.Helper()

	a := newCaller(t)
	k := a.coCalloutIn(t, "running", "")
	s := batLimitSetup{account: a, parts: a.batParticipants(t, k, 1, 10)}
	for _, p := range s.parts[:3] {
		a.telCreateCall(t, p, "remote_request_params[from]=1234")
	}

	return s
}

// batCandidates restricts a phone call creation to the seven participations
// without a call.
const batCandidates = "type=" + batCreate + "&" + batRequestParams +
	"&parameters[callout_participation_filter_params][no_phone_calls_or_last_attempt]=failed,errored"

func TestBatchAppliedLimit(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name   string
		params string
		limit  *int64 // nil: unlimited
	}{
		{"no limit", "", nil},
		{"limit wins", "&parameters[limit]=4&parameters[max]=1&parameters[max_per_period]=1", batPtr(4)},
		{"limit leading integer", "&parameters[limit]=3abc", batPtr(3)},
		{"limit empty is zero", "&parameters[limit]=", batPtr(0)},
		{"max", "&parameters[max]=2", batPtr(2)},
		{"max above the selection", "&parameters[max]=100", batPtr(100)},
		{"per period, none remotely queued", "&parameters[max]=100&parameters[max_per_period]=5", batPtr(5)},
		{"per period by created_at", "&parameters[max]=100&parameters[max_per_period]=5" +
			"&parameters[max_per_period_timestamp_attribute]=created_at", batPtr(2)},
		{"per period by updated_at", "&parameters[max_per_period]=5" +
			"&parameters[max_per_period_timestamp_attribute]=updated_at", batPtr(2)},
		{"per period by an unknown attribute", "&parameters[max_per_period]=5" +
			"&parameters[max_per_period_timestamp_attribute]=deleted_at", batPtr(5)},
		{"per period of created calls", "&parameters[max_per_period]=5" +
			"&parameters[max_per_period_timestamp_attribute]=created_at" +
			"&parameters[max_per_period_statuses]=" + "+created,+queued+", batPtr(2)},
		{"per period of completed calls", "&parameters[max_per_period]=5" +
			"&parameters[max_per_period_timestamp_attribute]=created_at" +
			"&parameters[max_per_period_statuses]=completed", batPtr(5)},
		{"per period of the last hour", "&parameters[max_per_period]=5&parameters[max_per_period_hours]=1" +
			"&parameters[max_per_period_timestamp_attribute]=created_at", batPtr(2)},
		{"per period of no hours", "&parameters[max_per_period]=5&parameters[max_per_period_hours]=0" +
			"&parameters[max_per_period_timestamp_attribute]=created_at", batPtr(5)},
		{"max below the period", "&parameters[max]=1&parameters[max_per_period]=5" +
			"&parameters[max_per_period_timestamp_attribute]=created_at", batPtr(1)},
		{"period used up", "&parameters[max]=100&parameters[max_per_period]=3" +
			"&parameters[max_per_period_timestamp_attribute]=created_at", batPtr(0)},
		{"period overdrawn", "&parameters[max_per_period]=1" +
			"&parameters[max_per_period_timestamp_attribute]=created_at", batPtr(0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			s := batNewLimitSetup(t)
			// Another account's calls of the same period never count.
			b := newCaller(t)
			for n := 1; n <= 5; n++ {
				b.telNewCall(t, n, "remote_request_params[from]=1234")
			}

			body := batCandidates + tc.params
			if tc.limit != nil && *tc.limit == 0 {
				r := s.form(t, http.MethodPost, "/api/batch_operations", body)
				requireErrors(t, r, `{"callout_participations_preview":["can't be blank"]}`)
			}
			op := s.batNew(t, "/api/batch_operations", body+batSkip)
			id := idOf(t, op)
			// A preview is never limited. It learns of the three calls from
			// their events, so it may take a moment to leave them out.
			s.batAwaitIDs(t, batPath(id)+"/preview/callout_participations", coInts(t, s.parts[3:]...))

			done := s.batRun(t, id)
			p := batProgressOf(t, done)
			want := int64(7)
			if tc.limit == nil {
				require.Nil(t, p.Limit, "applied limit: %v", p.raw)
			} else {
				require.NotNil(t, p.Limit, "applied limit: %v", p.raw)
				require.Equal(t, *tc.limit, *p.Limit, "applied limit: %v", p.raw)
				want = min(want, *tc.limit)
			}
			batRequireCounts(t, done, want, want, want)

			calls := s.coIDs(t, batPath(id)+"/phone_calls")
			require.Len(t, calls, int(want))
			for i, c := range s.batResults(t, id, "phone_calls") {
				require.Equal(t, idOf(t, s.parts[3+i]), intOf(t, c, "callout_participation_id"),
					"calls go to the lowest participation ids first")
			}
		})
	}
}

// TestBatchQueueLimit checks that a phone call queue applies max, and that a
// remote fetch reads limit only.
func TestBatchQueueLimit(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")
	var calls []map[string]any
	for n := 1; n <= 3; n++ {
		calls = append(calls, a.telNewCall(t, n, "remote_request_params[from]=1234"))
	}

	op := a.batNew(t, "/api/batch_operations", "type="+batQueue+"&parameters[max]=2")
	done := a.batRun(t, idOf(t, op))
	batRequireCounts(t, done, 2, 2, 2)
	require.Equal(t, int64(2), *batProgressOf(t, done).Limit)
	require.Equal(t, coInts(t, calls[:2]...), a.coIDs(t, batPath(idOf(t, op))+"/phone_calls"))
	a.batAwaitCalls(t, coInts(t, calls[:2]...), telRemotelyQueued, telRemotelyQueued)
	require.Equal(t, telCreated, a.telCall(t, idOf(t, calls[2]))["status"])

	// Two calls were remotely queued just now: a period of three leaves one.
	op = a.batNew(t, "/api/batch_operations", "type="+batQueue+
		"&parameters[max_per_period]=3&parameters[phone_call_filter_params][status]=created")
	done = a.batRun(t, idOf(t, op))
	require.Equal(t, int64(1), *batProgressOf(t, done).Limit)
	batRequireCounts(t, done, 1, 1, 1)
	require.Equal(t, coInts(t, calls[2]), a.coIDs(t, batPath(idOf(t, op))+"/phone_calls"))

	// A fetch reads limit only.
	none := "&parameters[phone_call_filter_params][status]=completed" + batSkip
	fetch := a.batNew(t, "/api/batch_operations", "type="+batFetch+
		"&parameters[max]=0&parameters[max_per_period]=0"+none)
	done = a.batRun(t, idOf(t, fetch))
	require.Nil(t, batProgressOf(t, done).Limit, "a fetch ignores max and max_per_period")
	batRequireCounts(t, done, 0, 0, 0)

	fetch = a.batNew(t, "/api/batch_operations", "type="+batFetch+"&parameters[limit]=1"+none)
	done = a.batRun(t, idOf(t, fetch))
	require.Equal(t, int64(1), *batProgressOf(t, done).Limit)
	batRequireCounts(t, done, 0, 0, 0)
}

// batPtr returns a pointer to n.
func batPtr(n int64) *int64 { return &n }
