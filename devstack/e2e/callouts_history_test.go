package e2e_test

// The tests in this file report phone calls the way the telephony service
// does, by publishing its events, and wait until the callouts service has
// applied them to each participation's call history.

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// coHistory is a callout with participations to report calls for.
type coHistory struct {
	a       account
	k       map[string]any
	parts   coRows
	listing string // the callout's participations, ready for &q[...]
}

// coNewHistory creates a callout of a fresh account with n participations.
func coNewHistory(t *testing.T, n int) coHistory {
	t.Helper()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	h := coHistory{
		a: a, k: k,
		listing: "/api/callout_participations?q[callout_id]=" + coID(t, k),
	}
	for i := range n {
		c := a.createContact(t, "msisdn="+msisdn(i+1))
		h.parts = append(h.parts, a.coJoinContact(t, idOf(t, k), c))
	}

	return h
}

// find lists the callout's participations with the given extra query.
func (h coHistory) find(t *testing.T, query string) []int64 {
	t.Helper()

	return h.a.coIDs(t, h.listing+query)
}

// await waits until the callout counts exactly these calls by status.
func (h coHistory) await(t *testing.T, byStatus string) {
	t.Helper()

	h.a.coAwaitCalls(t, idOf(t, h.k), byStatus)
}

// call reports a new call for participation i, created at.
func (h coHistory) call(t *testing.T, i int, at time.Time) *coCall {
	t.Helper()

	return coPhone(t).Call(t, h.a, h.parts[i], at)
}

func TestCalloutsParticipationWithPhoneCallCannotBeDeleted(t *testing.T) {
	t.Parallel()

	h := coNewHistory(t, 1)
	p := h.parts[0]
	c := h.call(t, 0, time.Now())
	h.await(t, `{"created":1}`)

	r := h.a.do(t, http.MethodDelete, coParticipationPath(idOf(t, p)), "", "")
	requireErrors(t, r, `{"base":["Cannot delete record because dependent phone calls exist"]}`)
	require.Equal(t, p, h.a.coParticipation(t, idOf(t, p)))

	// Nor can its contact or callout be deleted.
	requireErrors(t, h.a.do(t, http.MethodDelete, contactPath(intOf(t, p, "contact_id")), "", ""),
		`{"base":["Cannot delete record because dependent callout participations exist"]}`)
	requireErrors(t, h.a.do(t, http.MethodDelete, coCalloutPath(idOf(t, h.k)), "", ""),
		`{"base":["Cannot delete record because dependent callout participations exist"]}`)

	// Once the call is deleted, the participation may be.
	c.Delete(t)
	h.await(t, `{}`)
	r = h.a.do(t, http.MethodDelete, coParticipationPath(idOf(t, p)), "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	requireNotFound(t, h.a.get(t, coParticipationPath(idOf(t, p))))
}

func TestCalloutsFilterByHasPhoneCalls(t *testing.T) {
	t.Parallel()

	h := coNewHistory(t, 3)
	called, once, never := h.parts[0], h.parts[1], h.parts[2]

	// Three attempts for the first participation, one for the second.
	start := time.Now().Add(-time.Hour)
	for i := range 3 {
		c := h.call(t, 0, start.Add(time.Duration(i)*time.Minute))
		c.Move(t, "queued", "remotely_queued", "failed")
	}
	h.call(t, 1, start).Move(t, "queued", "remotely_queued", "completed")
	h.await(t, `{"failed":3,"completed":1}`)

	both := coInts(t, called, once)
	tests := []struct {
		value string
		want  []int64
	}{
		{value: "true", want: both},
		{value: "1", want: both},
		{value: "no", want: both},
		{value: "False", want: both},
		{value: "false", want: coInts(t, never)},
		{value: "FALSE", want: coInts(t, never)},
		{value: "f", want: coInts(t, never)},
		{value: "F", want: coInts(t, never)},
		{value: "0", want: coInts(t, never)},
		{value: "off", want: coInts(t, never)},
		{value: "OFF", want: coInts(t, never)},
		{value: "", want: coInts(t, called, once, never)},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()

			r, items := h.a.list(t, h.listing+"&q[has_phone_calls]="+tt.value)
			// Each participation appears once, however many calls it has.
			requirePage(t, r, 25, len(tt.want))
			require.Equal(t, tt.want, ids(t, items))
			for _, item := range items {
				requireKeys(t, item, coParticipationKeys...)
			}
		})
	}

	t.Run("account-wide", func(t *testing.T) {
		t.Parallel()

		require.Equal(t, both, h.a.coIDs(t, "/api/callout_participations?q[has_phone_calls]=true"))
	})

	t.Run("pages count participations, not calls", func(t *testing.T) {
		t.Parallel()

		r, items := h.a.list(t, h.listing+"&q[has_phone_calls]=true&per_page=1&page=2")
		requirePage(t, r, 1, 2)
		require.Equal(t, coInts(t, once), ids(t, items))
	})
}

func TestCalloutsFilterByLastPhoneCallAttempt(t *testing.T) {
	t.Parallel()

	h := coNewHistory(t, 5)
	start := time.Now().Add(-time.Hour)

	// 0: failed, then completed: the last attempt completed.
	h.call(t, 0, start).Move(t, "queued", "failed")
	h.call(t, 0, start.Add(time.Minute)).Move(t, "queued", "completed")
	// 1: completed, then failed: the last attempt failed.
	h.call(t, 1, start).Move(t, "queued", "completed")
	h.call(t, 1, start.Add(time.Minute)).Move(t, "queued", "failed")
	// 2: errored once.
	h.call(t, 2, start).Move(t, "queued", "errored")
	// 3: busy once.
	h.call(t, 3, start).Move(t, "queued", "remotely_queued", "busy")
	// 4: never called.
	h.await(t, `{"failed":2,"completed":2,"errored":1,"busy":1}`)

	p := h.parts
	tests := []struct {
		query string
		want  coRows
	}{
		{query: "q[last_phone_call_attempt]=failed", want: coRows{p[1]}},
		{query: "q[last_phone_call_attempt]=completed", want: coRows{p[0]}},
		{query: "q[last_phone_call_attempt]=failed,errored", want: coRows{p[1], p[2]}},
		{query: "q[last_phone_call_attempt]=+failed,++errored++", want: coRows{p[1], p[2]}},
		{query: "q[last_phone_call_attempt]=busy,not_answered", want: coRows{p[3]}},
		{query: "q[last_phone_call_attempt]=created"},
		{query: "q[no_phone_calls_or_last_attempt]=failed,errored",
			want: coRows{p[1], p[2], p[4]}},
		{query: "q[no_phone_calls_or_last_attempt]=%20failed,%20%20errored%20",
			want: coRows{p[1], p[2], p[4]}},
		{query: "q[no_phone_calls_or_last_attempt]=+failed,++errored+",
			want: coRows{p[1], p[2], p[4]}},
		{query: "q[no_phone_calls_or_last_attempt]=busy", want: coRows{p[3], p[4]}},
		{query: "q[no_phone_calls_or_last_attempt]=failed&q[has_phone_calls]=true",
			want: coRows{p[1]}},
		{query: "q[no_phone_calls_or_last_attempt]=failed,errored&q[msisdn]=" + msisdn(5),
			want: coRows{p[4]}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()

			r, items := h.a.list(t, h.listing+"&"+tt.query)
			requirePage(t, r, 25, len(tt.want))
			want := tt.want
			if want == nil {
				want = coRows{}
			}
			require.Equal(t, want, items)
		})
	}

	t.Run("nested under the callout", func(t *testing.T) {
		t.Parallel()

		require.Equal(t, coInts(t, p[1], p[2], p[4]), h.a.coIDs(t, coCalloutPath(idOf(t, h.k))+
			"/callout_participations?q[no_phone_calls_or_last_attempt]=failed,errored"))
		require.Equal(t, coInts(t, p[3]), h.a.coIDs(t, contactPath(intOf(t, p[3], "contact_id"))+
			"/callout_participations?q[last_phone_call_attempt]=busy"))
	})
}

func TestCalloutsLatestCallFollowsStatusChanges(t *testing.T) {
	t.Parallel()

	h := coNewHistory(t, 1)
	p := h.parts[0]
	start := time.Now().Add(-time.Hour)

	h.call(t, 0, start).Move(t, "queued", "remotely_queued", "failed")
	h.await(t, `{"failed":1}`)
	require.Equal(t, coInts(t, p), h.find(t, "&q[last_phone_call_attempt]=failed"))

	// A retry: while it is in flight the latest attempt is no longer the
	// failed one.
	retry := h.call(t, 0, start.Add(time.Minute))
	steps := []struct {
		status string
		counts string
	}{
		{status: "", counts: `{"failed":1,"created":1}`},
		{status: "queued", counts: `{"failed":1,"queued":1}`},
		{status: "remotely_queued", counts: `{"failed":1,"remotely_queued":1}`},
		{status: "in_progress", counts: `{"failed":1,"in_progress":1}`},
		{status: "completed", counts: `{"failed":1,"completed":1}`},
	}
	for _, s := range steps {
		latest := "created"
		if s.status != "" {
			retry.Move(t, s.status)
			latest = s.status
		}
		h.await(t, s.counts)

		require.Equal(t, coInts(t, p), h.find(t, "&q[last_phone_call_attempt]="+latest),
			"at %s", latest)
		require.Empty(t, h.find(t, "&q[last_phone_call_attempt]=failed"), "at %s", latest)
		require.Empty(t, h.find(t, "&q[no_phone_calls_or_last_attempt]=failed,errored"),
			"at %s", latest)
		require.Equal(t, coInts(t, p), h.find(t, "&q[has_phone_calls]=true"), "at %s", latest)
	}
}

func TestCalloutsLatestCallIsTheLastCreatedNotTheLastReported(t *testing.T) {
	t.Parallel()

	h := coNewHistory(t, 1)
	p := h.parts[0]
	start := time.Now().Add(-time.Hour)

	h.call(t, 0, start.Add(time.Minute)).Move(t, "queued", "errored")
	// An older call reported late does not become the latest.
	h.call(t, 0, start).Move(t, "queued", "completed")
	h.await(t, `{"errored":1,"completed":1}`)

	require.Equal(t, coInts(t, p), h.find(t, "&q[last_phone_call_attempt]=errored"))
	require.Empty(t, h.find(t, "&q[last_phone_call_attempt]=completed"))
}

func TestCalloutsCallsCreatedAtTheSameTimeAreAllTheLatest(t *testing.T) {
	t.Parallel()

	h := coNewHistory(t, 1)
	p := h.parts[0]
	at := time.Now().Add(-time.Hour)

	h.call(t, 0, at).Move(t, "queued", "failed")
	h.call(t, 0, at).Move(t, "queued", "completed")
	h.await(t, `{"failed":1,"completed":1}`)

	// Product bug: of calls created at the same instant only the one with
	// the highest id counts as the latest attempt, so the participation is
	// not found by the status of the other one.
	require.Equal(t, coInts(t, p), h.find(t, "&q[last_phone_call_attempt]=completed"))
	require.Equal(t, coInts(t, p), h.find(t, "&q[last_phone_call_attempt]=failed"))
	require.Equal(t, coInts(t, p), h.find(t, "&q[no_phone_calls_or_last_attempt]=failed"))
}

func TestCalloutsDispatchingCallShowsAsQueued(t *testing.T) {
	t.Parallel()

	h := coNewHistory(t, 1)
	p := h.parts[0]

	h.call(t, 0, time.Now()).Move(t, "queued", "dispatching")
	coBarrier(t)

	// Product bug: the telephony service's internal status "dispatching"
	// leaks into filters and the summary, which should know the call as
	// queued.
	require.Equal(t, coInts(t, p), h.find(t, "&q[last_phone_call_attempt]=queued"))
	require.Empty(t, h.find(t, "&q[last_phone_call_attempt]=dispatching"))
	s := h.a.coSummary(t, idOf(t, h.k))
	require.JSONEq(t, `{"queued":1}`, jsonText(t, s["phone_calls"].(map[string]any)["by_status"]))
	require.JSONEq(t, `{"queued":1}`,
		jsonText(t, s["participations"].(map[string]any)["by_last_call_status"]))
}

func TestCalloutsReplayedPhoneCallEventChangesNothing(t *testing.T) {
	t.Parallel()

	h := coNewHistory(t, 2)
	start := time.Now().Add(-time.Hour)

	first := h.call(t, 0, start)
	first.Move(t, "queued", "remotely_queued", "failed")
	second := h.call(t, 0, start.Add(time.Minute))
	second.Move(t, "queued", "completed")
	h.await(t, `{"failed":1,"completed":1}`)
	before := h.a.coSummary(t, idOf(t, h.k))

	tel := coPhone(t)

	// A repeat within the duplicate window is dropped by the server.
	ack := tel.Publish(t, first.Created, true)
	require.True(t, ack.Duplicate, "the stream took a repeated event id")

	// Repeats after the window reach the service, which must ignore them:
	// the creation of either call, and status changes older than the
	// current status.
	tel.Publish(t, first.Created, false)
	tel.Publish(t, second.Created, false)
	for _, env := range first.Changes {
		tel.Publish(t, env, false)
	}
	for _, env := range second.Changes[:1] {
		tel.Publish(t, env, false)
	}
	coBarrier(t)

	require.Equal(t, before, h.a.coSummary(t, idOf(t, h.k)))
	require.Equal(t, coInts(t, h.parts[0]), h.find(t, "&q[last_phone_call_attempt]=completed"))
	require.Equal(t, coInts(t, h.parts[1]), h.find(t, "&q[no_phone_calls_or_last_attempt]=failed"))
	require.Equal(t, coInts(t, h.parts[0]), h.find(t, "&q[has_phone_calls]=1"))
}

func TestCalloutsSummary(t *testing.T) {
	t.Parallel()

	h := coNewHistory(t, 5)
	start := time.Now().Add(-time.Hour)

	// 0: never called.
	// 1: failed, then completed.
	h.call(t, 1, start).Move(t, "queued", "failed")
	h.call(t, 1, start.Add(time.Minute)).Move(t, "queued", "remotely_queued", "completed")
	// 2: a call in progress.
	h.call(t, 2, start).Move(t, "queued", "remotely_queued", "in_progress")
	// 3: errored, then a new call not yet queued.
	h.call(t, 3, start).Move(t, "queued", "errored")
	h.call(t, 3, start.Add(time.Minute))
	// 4: not answered.
	h.call(t, 4, start).Move(t, "queued", "not_answered")
	r := h.a.coFire(t, idOf(t, h.k), "start")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)

	calls := `{"failed":1,"completed":1,"in_progress":1,"errored":1,"created":1,"not_answered":1}`
	h.await(t, calls)

	r = h.a.get(t, coCalloutPath(idOf(t, h.k))+"/summary")
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	require.JSONEq(t, `{
		"callout_id": `+coID(t, h.k)+`,
		"status": "running",
		"participations": {
			"total": 5,
			"by_last_call_status": {
				"none":1, "completed":1, "in_progress":1, "created":1, "not_answered":1
			},
			"with_call_in_flight": 2
		},
		"phone_calls": {
			"total": 6,
			"by_status": `+calls+`,
			"in_flight": 2
		}
	}`, string(r.Body))
}

func TestCalloutsSummaryOfANewCallout(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	k := a.coNewCallout(t, "")

	require.JSONEq(t, `{
		"callout_id": `+coID(t, k)+`,
		"status": "initialized",
		"participations": {"total": 0, "by_last_call_status": {}, "with_call_in_flight": 0},
		"phone_calls": {"total": 0, "by_status": {}, "in_flight": 0}
	}`, jsonText(t, a.coSummary(t, idOf(t, k))))

	requireNotFound(t, b.get(t, coCalloutPath(idOf(t, k))+"/summary"))
	requireNotFound(t, a.get(t, "/api/callouts/999999999/summary"))
	requireNotFound(t, a.get(t, "/api/callouts/abc/summary"))
}
