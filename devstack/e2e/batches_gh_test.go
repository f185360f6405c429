package e2e_test

// The acceptance cases of participations and phone calls that batch
// operations previewed or made.

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestG12BatchOperationParticipations(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	p2 := a.coJoinContact(t, idOf(t, k), a.batContact(t, 2, ""))
	x := a.batContact(t, 1, "metadata[pick]=yes")

	o := a.batNew(t, batCalloutOps(idOf(t, k)),
		"type="+batPopulation+"&parameters[contact_filter_params][metadata][pick]=yes")
	batRequireCounts(t, a.batRun(t, idOf(t, o)), 1, 1, 1)
	_, parts := a.list(t, batPath(idOf(t, o))+"/callout_participations")
	require.Len(t, parts, 1)
	p1 := parts[0]
	require.Equal(t, idOf(t, x), intOf(t, p1, "contact_id"))
	require.NotEqual(t, idOf(t, p2), idOf(t, p1))

	o2 := a.batNew(t, "/api/batch_operations", "type="+batCreate+
		"&parameters[callout_participation_filter_params][callout_population_id]="+coID(t, o)+
		"&"+batRequestParams)
	require.Equal(t, coInts(t, p1), a.coIDs(t, batPath(idOf(t, o2))+"/preview/callout_participations"))
	batRequireCounts(t, a.batRun(t, idOf(t, o2)), 1, 1, 1)
	a.batAwaitIDs(t, batPath(idOf(t, o2))+"/callout_participations", coInts(t, p1))
	a.batAwaitIDs(t, batPath(idOf(t, o2))+"/contacts", coInts(t, x))

	o3 := a.batNew(t, "/api/batch_operations", "type="+batQueue+batSkip)
	requireNotFound(t, a.get(t, batPath(idOf(t, o3))+"/callout_participations"))
	requireNotFound(t, a.get(t, batPath(idOf(t, o3))+"/contacts"))
}

func TestG13PreviewParticipations(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	p1 := a.coJoin(t, idOf(t, k), "contact_id="+coID(t, a.batContact(t, 1, ""))+
		"&metadata[foo]=bar&metadata[bar]=foo")
	a.coJoin(t, idOf(t, k), "contact_id="+coID(t, a.batContact(t, 2, ""))+"&metadata[foo]=bar")
	a.coJoinContact(t, idOf(t, k), a.batContact(t, 3, ""))

	o := a.batNew(t, "/api/batch_operations", "type="+batCreate+
		"&parameters[callout_participation_filter_params][metadata][foo]=bar"+
		"&parameters[callout_participation_filter_params][metadata][bar]=foo"+
		"&parameters[skip_validate_preview_presence]=1&"+batRequestParams)
	r, items := a.list(t, batPath(idOf(t, o))+"/preview/callout_participations")
	requirePage(t, r, 25, 1)
	require.Equal(t, coInts(t, p1), ids(t, items))
	require.JSONEq(t, jsonText(t, a.coParticipation(t, idOf(t, p1))), jsonText(t, items[0]))

	pop := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	requireNotFound(t, a.get(t, batPath(idOf(t, pop))+"/preview/callout_participations"))
}

func TestH8BatchOperationPhoneCalls(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	stub.OnFetch(func(_ telStubRequest, sid string) telStubAnswer {
		return telStubAnswer{Status: http.StatusOK, Body: telCallJSON(sid, "completed")}
	})
	a := telProviderAccount(t, stub.URL, "")
	k := a.coNewCallout(t, "")
	part := func(n int, tag string) map[string]any {
		return a.coJoin(t, idOf(t, k), "contact_id="+coID(t, a.batContact(t, n, ""))+"&metadata[tag]="+tag)
	}
	p1, p2, p3 := part(1, "c1"), part(2, "c2"), part(3, "c3")

	// O creates C1, for P1 only.
	o := a.batNew(t, "/api/batch_operations", "type="+batCreate+
		"&parameters[callout_participation_filter_params][metadata][tag]=c1&"+batRequestParams)
	batRequireCounts(t, a.batRun(t, idOf(t, o)), 1, 1, 1)
	_, calls := a.list(t, batPath(idOf(t, o))+"/phone_calls")
	require.Len(t, calls, 1)
	c1 := calls[0]
	require.Equal(t, idOf(t, p1), intOf(t, c1, "callout_participation_id"))

	// O2 queues C2.
	c2 := a.telCreateCall(t, p2, "remote_request_params[from]=1234&metadata[tag]=c2")
	o2 := a.batNew(t, "/api/batch_operations", "type="+batQueue+
		"&parameters[phone_call_filter_params][metadata][tag]=c2")
	batRequireCounts(t, a.batRun(t, idOf(t, o2)), 1, 1, 1)
	got2 := a.telAwaitStatus(t, idOf(t, c2), telRemotelyQueued)
	require.Equal(t, idOf(t, o2), intOf(t, got2, "queue_batch_operation_id"))

	// O3 fetches C3.
	c3 := a.telCreateCall(t, p3, "remote_request_params[from]=1234&metadata[tag]=c3")
	a.telQueue(t, idOf(t, c3))
	a.telAwaitStatus(t, idOf(t, c3), telRemotelyQueued)
	o3 := a.batNew(t, "/api/batch_operations", "type="+batFetch+
		"&parameters[phone_call_filter_params][metadata][tag]=c3")
	batRequireCounts(t, a.batRun(t, idOf(t, o3)), 1, 1, 1)
	got3 := a.telAwaitStatus(t, idOf(t, c3), telCompleted)
	require.Equal(t, idOf(t, o3), intOf(t, got3, "queue_remote_fetch_batch_operation_id"))

	require.Equal(t, coInts(t, c1), a.coIDs(t, batPath(idOf(t, o))+"/phone_calls"))
	require.Equal(t, coInts(t, c2), a.coIDs(t, batPath(idOf(t, o2))+"/phone_calls"))
	require.Equal(t, coInts(t, c3), a.coIDs(t, batPath(idOf(t, o3))+"/phone_calls"))

	_, listed := a.list(t, batPath(idOf(t, o2))+"/phone_calls")
	requireKeys(t, listed[0], telPhoneCallKeys...)
	require.JSONEq(t, jsonText(t, a.telCall(t, idOf(t, c2))), jsonText(t, listed[0]))

	pop := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	requireNotFound(t, a.get(t, batPath(idOf(t, pop))+"/phone_calls"))
}

func TestH9PreviewPhoneCalls(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c1 := a.telNewCall(t, 1, "remote_request_params[from]=1234&metadata[foo]=bar&metadata[bar]=foo")
	a.telNewCall(t, 2, "remote_request_params[from]=1234&metadata[foo]=bar")
	a.telNewCall(t, 3, "remote_request_params[from]=1234")

	filter := "&parameters[phone_call_filter_params][metadata][foo]=bar" +
		"&parameters[phone_call_filter_params][metadata][bar]=foo&parameters[skip_validate_preview_presence]=1"
	for _, typ := range []string{batQueue, batFetch} {
		o := a.batNew(t, "/api/batch_operations", "type="+typ+filter)
		r, items := a.list(t, batPath(idOf(t, o))+"/preview/phone_calls")
		requirePage(t, r, 25, 1)
		require.Equal(t, coInts(t, c1), ids(t, items), typ)
		require.JSONEq(t, jsonText(t, a.telCall(t, idOf(t, c1))), jsonText(t, items[0]))
	}

	create := a.batNew(t, "/api/batch_operations", "type="+batCreate+
		"&parameters[skip_validate_preview_presence]=1&"+batRequestParams)
	requireNotFound(t, a.get(t, batPath(idOf(t, create))+"/preview/phone_calls"))
}
