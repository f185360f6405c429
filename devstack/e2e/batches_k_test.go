package e2e_test

// The acceptance cases of batch operations: creating, validating, listing,
// updating and running each of the four types.

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestK1CreateBatchOperations(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	op := a.batNew(t, "/api/batch_operations", "type="+batCreate+"&metadata[foo]=bar"+
		"&parameters[skip_validate_preview_presence]=1&"+batRequestParams)
	require.Equal(t, batCreate, op["type"])
	require.Nil(t, op["callout_id"])
	require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, op["metadata"]))
	require.JSONEq(t, `{"skip_validate_preview_presence":"1","remote_request_params":`+
		batRequestParamsJSON+`}`, jsonText(t, op["parameters"]))
	require.Equal(t, op["created_at"], op["updated_at"])

	for _, typ := range []string{batQueue, batFetch} {
		op := a.batNew(t, "/api/batch_operations",
			"type="+typ+"&parameters[skip_validate_preview_presence]=1")
		require.Equal(t, typ, op["type"])
		require.Nil(t, op["callout_id"])
		require.JSONEq(t, `{}`, jsonText(t, op["metadata"]))
		require.JSONEq(t, `{"skip_validate_preview_presence":"1"}`, jsonText(t, op["parameters"]))

		got := a.batOp(t, idOf(t, op))
		require.JSONEq(t, jsonText(t, op), jsonText(t, got), "fetched as created")
	}
}

func TestK2TypeRequired(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	for _, body := range []string{"type=Contact", "", "metadata[foo]=bar", "type=BatchOperation"} {
		r := a.form(t, http.MethodPost, "/api/batch_operations", body)
		requireErrors(t, r, `{"type":["can't be blank"]}`)
	}

	_, items := a.list(t, "/api/batch_operations")
	require.Empty(t, items, "nothing was created")
}

func TestK3PhoneCallCreateNeedsRequestParams(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	r := a.form(t, http.MethodPost, "/api/batch_operations", "type="+batCreate)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
	errs, _ := object(t, r)["errors"].(map[string]any)
	require.JSONEq(t, `["can't be blank"]`, jsonText(t, errs["remote_request_params"]), "%s", r)

	r = a.form(t, http.MethodPost, "/api/batch_operations", "type="+batCreate+
		"&parameters[remote_request_params][foo]=bar&parameters[skip_validate_preview_presence]=1")
	requireErrors(t, r, `{"remote_request_params":["is not included in the list"]}`)
}

func TestK4PhoneCallQueueNeedsPreview(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	for _, typ := range []string{batQueue, batFetch} {
		r := a.form(t, http.MethodPost, "/api/batch_operations", "type="+typ)
		requireErrors(t, r, `{"phone_calls_preview":["can't be blank"]}`)
	}

	// Another account's call is not in A's preview.
	b := newCaller(t)
	b.telNewCall(t, 1, "remote_request_params[from]=1234")
	r := a.form(t, http.MethodPost, "/api/batch_operations", "type="+batQueue)
	requireErrors(t, r, `{"phone_calls_preview":["can't be blank"]}`)

	a.telNewCall(t, 1, "remote_request_params[from]=1234")
	op := a.batNew(t, "/api/batch_operations", "type="+batQueue)
	require.Equal(t, batQueue, op["type"])
	require.JSONEq(t, `{}`, jsonText(t, op["parameters"]))
}

func TestK5PhoneCallCreateNeedsPreview(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	body := "type=" + batCreate + "&" + batRequestParams
	r := a.form(t, http.MethodPost, "/api/batch_operations", body)
	requireErrors(t, r, `{"callout_participations_preview":["can't be blank"]}`)

	// Another account's participation is not in A's preview.
	b := newCaller(t)
	b.telParticipation(t, 1, "")
	r = a.form(t, http.MethodPost, "/api/batch_operations", body)
	requireErrors(t, r, `{"callout_participations_preview":["can't be blank"]}`)

	a.telParticipation(t, 1, "")
	op := a.batNew(t, "/api/batch_operations", body)
	require.JSONEq(t, `{"remote_request_params":`+batRequestParamsJSON+`}`,
		jsonText(t, op["parameters"]))
}

func TestK6CalloutPopulationNeedsCallout(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	op := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	require.Equal(t, batPopulation, op["type"])
	require.Equal(t, idOf(t, k), intOf(t, op, "callout_id"))
	require.JSONEq(t, `{}`, jsonText(t, op["parameters"]))
	require.JSONEq(t, `{}`, jsonText(t, op["metadata"]))

	r := a.form(t, http.MethodPost, "/api/batch_operations", "type="+batPopulation)
	requireErrors(t, r, `{"callout":["must exist"]}`)
}

func TestK7CalloutBatchOperations(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	other := a.coNewCallout(t, "")
	o1 := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	a.batNew(t, batCalloutOps(idOf(t, other)), "type="+batPopulation)
	a.batNew(t, "/api/batch_operations", "type="+batQueue+"&parameters[skip_validate_preview_presence]=1")

	r, items := a.list(t, batCalloutOps(idOf(t, k)))
	requirePage(t, r, 25, 1)
	require.Equal(t, coInts(t, o1), ids(t, items))
	require.JSONEq(t, jsonText(t, o1), jsonText(t, items[0]))
}

func TestK8ShowAndUpdate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	op := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation+"&metadata[bar]=foo&parameters[x]=1")
	id := idOf(t, op)

	got := a.batOp(t, id)
	require.Equal(t, batPopulation, got["type"])
	require.JSONEq(t, `{"bar":"foo"}`, jsonText(t, got["metadata"]))
	require.JSONEq(t, `{"x":"1"}`, jsonText(t, got["parameters"]))

	time.Sleep(5 * time.Millisecond) // updated_at has millisecond precision
	r := a.form(t, http.MethodPatch, batPath(id),
		"metadata[foo]=bar&metadata_merge_mode=replace&parameters[bar]=baz")
	identRequireNoContent(t, r)

	got = a.batOp(t, id)
	require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, got["metadata"]))
	require.JSONEq(t, `{"bar":"baz"}`, jsonText(t, got["parameters"]))
	require.Equal(t, batPreview, got["status"])
	require.Equal(t, op["created_at"], got["created_at"])
	require.True(t, requireTimestamp(t, got["updated_at"]).After(requireTimestamp(t, op["updated_at"])),
		"an update moves updated_at: %s", jsonText(t, got))

	// PUT is the same update.
	r = a.form(t, http.MethodPut, batPath(id), "metadata[baz]=1")
	identRequireNoContent(t, r)
	got = a.batOp(t, id)
	require.JSONEq(t, `{"foo":"bar","baz":"1"}`, jsonText(t, got["metadata"]))
	require.JSONEq(t, `{"bar":"baz"}`, jsonText(t, got["parameters"]), "parameters not sent stay")
}

func TestK10Filters(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	o1 := a.batNew(t, batCalloutOps(idOf(t, k)),
		"type="+batPopulation+"&parameters[contact_filter_params][metadata][gender]=f")
	o2 := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	q := a.batNew(t, "/api/batch_operations",
		"type="+batQueue+"&parameters[skip_validate_preview_presence]=1&metadata[foo]=bar")
	a.batRun(t, idOf(t, o2))

	// B has one of each too, finished, and never shows.
	b := newCaller(t)
	bk := b.coNewCallout(t, "")
	bo := b.batNew(t, batCalloutOps(idOf(t, bk)),
		"type="+batPopulation+"&parameters[contact_filter_params][metadata][gender]=f")
	b.batRun(t, idOf(t, bo))
	b.batNew(t, "/api/batch_operations", "type="+batQueue+"&parameters[skip_validate_preview_presence]=1")

	cases := []struct {
		query string
		want  []map[string]any
	}{
		{"q[parameters][contact_filter_params][metadata][gender]=f", []map[string]any{o1}},
		{"type=" + batQueue, []map[string]any{q}},
		{"type=" + batPopulation, []map[string]any{o1, o2}},
		{"q[type]=" + batQueue, []map[string]any{q}},
		{"q[type]=" + batPopulation + "," + batQueue, []map[string]any{o1, o2, q}},
		{"q[status]=finished", []map[string]any{o2}},
		{"q[status]=preview", []map[string]any{o1, q}},
		{"q[status]=preview,finished", []map[string]any{o1, o2, q}},
		{"q[status]=", nil},
		{"q[callout_id]=" + coID(t, k), []map[string]any{o1, o2}},
		{"q[callout_id]=" + coID(t, bk), nil},
		{"q[metadata][foo]=bar", []map[string]any{q}},
		{"q[created_at_after]=2017-11-29+01:36:02", []map[string]any{o1, o2, q}},
		{"q[created_at_before]=2017-11-29+01:36:02", nil},
		{"", []map[string]any{o1, o2, q}},
		{"sort=-id", []map[string]any{q, o2, o1}},
		{"sort=-created_at,-id&type=" + batPopulation, []map[string]any{o2, o1}},
	}
	for _, tc := range cases {
		target := "/api/batch_operations?" + tc.query
		require.Equal(t, coInts(t, tc.want...), a.coIDs(t, target), "%s", target)
	}
	r := a.get(t, "/api/batch_operations?sort=parameters")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "an unknown sort column: %s", r)
}

func TestK11QueueRunsToFinished(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	a.batContact(t, 1, "metadata[gender]=f")
	op := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	id := idOf(t, op)

	time.Sleep(5 * time.Millisecond) // updated_at has millisecond precision
	queued := a.batQueue(t, id, "queue")
	require.Equal(t, int64(1), batProgressOf(t, queued).Run)
	coRequireNotBefore(t, queued["updated_at"], op["updated_at"])
	require.True(t, requireTimestamp(t, queued["updated_at"]).After(requireTimestamp(t, op["updated_at"])),
		"queueing moves updated_at: %s", jsonText(t, queued))

	done := a.batAwait(t, id, batWait)
	require.True(t, requireTimestamp(t, done["updated_at"]).After(requireTimestamp(t, op["updated_at"])),
		"the run moves updated_at: before %v, after %v", op["updated_at"], done["updated_at"])
	require.Equal(t, op["created_at"], done["created_at"])
	require.Equal(t, int64(1), batProgressOf(t, done).Run)
	batRequireCounts(t, done, 1, 1, 1)
	require.Nil(t, batProgressOf(t, done).Limit, "a population has no limit")
}

func TestK13PopulationRun(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	x := a.batContact(t, 1, "metadata[gender]=f")
	a.batContact(t, 2, "metadata[gender]=m")
	z := a.batContact(t, 3, "metadata[gender]=f")
	zp := a.coJoinContact(t, idOf(t, k), z)

	// B's contact with the same metadata stays out of A's population.
	b := newCaller(t)
	b.batContact(t, 1, "metadata[gender]=f")

	op := a.batNew(t, batCalloutOps(idOf(t, k)),
		"type="+batPopulation+"&parameters[contact_filter_params][metadata][gender]=f")
	id := idOf(t, op)
	r, items := a.list(t, batPath(id)+"/preview/contacts")
	requirePage(t, r, 25, 2)
	require.Equal(t, coInts(t, x, z), ids(t, items))
	requireContact(t, a, items[0], "+"+msisdn(1), `{"gender":"f"}`)
	require.Equal(t, coInts(t, z), a.coIDs(t, batPath(id)+"/preview/contacts?q[msisdn]="+msisdn(3)),
		"the preview's own q narrows it")

	batRequireCounts(t, a.batRun(t, id), 2, 2, 1)

	r, items = a.list(t, batPath(id)+"/contacts")
	requirePage(t, r, 25, 1)
	require.Equal(t, coInts(t, x), ids(t, items))
	requireContact(t, a, items[0], "+"+msisdn(1), `{"gender":"f"}`)

	_, parts := a.list(t, batPath(id)+"/callout_participations")
	require.Len(t, parts, 1)
	p := parts[0]
	requireKeys(t, p, coParticipationKeys...)
	require.Equal(t, id, intOf(t, p, "callout_population_id"))
	require.Equal(t, idOf(t, k), intOf(t, p, "callout_id"))
	require.Equal(t, idOf(t, x), intOf(t, p, "contact_id"))
	require.Equal(t, x["msisdn"], p["msisdn"])
	require.Nil(t, p["call_flow_logic"])
	require.JSONEq(t, `{}`, jsonText(t, p["metadata"]))
	require.JSONEq(t, jsonText(t, p), jsonText(t, a.coParticipation(t, idOf(t, p))))

	require.JSONEq(t, jsonText(t, zp), jsonText(t, a.coParticipation(t, idOf(t, zp))),
		"Z's participation is untouched")
	require.Equal(t, coInts(t, zp, p), a.coIDs(t, coCalloutPath(idOf(t, k))+"/callout_participations"))
	require.Equal(t, coInts(t, p),
		a.coIDs(t, "/api/callout_participations?q[callout_population_id]="+strconv.FormatInt(id, 10)))
}

func TestK14PhoneCallCreateRun(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k1 := a.coCalloutIn(t, "running", "")
	k2 := a.coCalloutIn(t, "initialized", "")
	parts := a.batParticipants(t, k1, 1, 2)
	p3 := a.coJoinContact(t, idOf(t, k2), a.batContact(t, 3, ""))

	op := a.batNew(t, "/api/batch_operations", "type="+batCreate+
		"&parameters[callout_filter_params][status]=running&"+batRequestParams)
	id := idOf(t, op)
	require.Equal(t, coInts(t, parts...), a.coIDs(t, batPath(id)+"/preview/callout_participations"))
	contacts := []int64{intOf(t, parts[0], "contact_id"), intOf(t, parts[1], "contact_id")}
	require.Equal(t, contacts, a.coIDs(t, batPath(id)+"/preview/contacts"))

	batRequireCounts(t, a.batRun(t, id), 2, 2, 2)

	_, calls := a.list(t, batPath(id)+"/phone_calls")
	require.Len(t, calls, 2)
	for i, c := range calls {
		requireKeys(t, c, telPhoneCallKeys...)
		require.Equal(t, telCreated, c["status"])
		require.Equal(t, id, intOf(t, c, "create_batch_operation_id"))
		require.Nil(t, c["queue_batch_operation_id"])
		require.Nil(t, c["queue_remote_fetch_batch_operation_id"])
		require.JSONEq(t, batRequestParamsJSON, jsonText(t, c["remote_request_params"]))
		require.Equal(t, idOf(t, parts[i]), intOf(t, c, "callout_participation_id"))
		require.Equal(t, parts[i]["msisdn"], c["msisdn"])
		require.Equal(t, contacts[i], intOf(t, c, "contact_id"))
		require.JSONEq(t, `{}`, jsonText(t, c["metadata"]))
		require.JSONEq(t, jsonText(t, c), jsonText(t, a.telCall(t, idOf(t, c))))
	}

	_, none := a.list(t, coParticipationPath(idOf(t, p3))+"/phone_calls")
	require.Empty(t, none, "the participation of the initialized callout gets no call")
	a.batAwaitIDs(t, batPath(id)+"/callout_participations", coInts(t, parts...))
	a.batAwaitIDs(t, batPath(id)+"/contacts", contacts)
}

func TestK15PhoneCallCreateLimit(t *testing.T) {
	t.Parallel()

	setup := func(t *testing.T) (account, []map[string]any) {
		a := newCaller(t)
		k1 := a.coCalloutIn(t, "running", "")
		k2 := a.coCalloutIn(t, "initialized", "")
		parts := a.batParticipants(t, k1, 1, 2)
		a.coJoinContact(t, idOf(t, k2), a.batContact(t, 3, ""))
		return a, parts
	}
	base := "type=" + batCreate + "&parameters[callout_filter_params][status]=running&" + batRequestParams

	t.Run("limit 1", func(t *testing.T) {
		t.Parallel()

		a, parts := setup(t)
		op := a.batNew(t, "/api/batch_operations", base+"&parameters[limit]=1")
		id := idOf(t, op)
		done := a.batRun(t, id)
		batRequireCounts(t, done, 1, 1, 1)
		require.Equal(t, int64(1), *batProgressOf(t, done).Limit)

		_, calls := a.list(t, batPath(id)+"/phone_calls")
		require.Len(t, calls, 1)
		require.Equal(t, idOf(t, parts[0]), intOf(t, calls[0], "callout_participation_id"),
			"the lowest participation id")
		_, other := a.list(t, coParticipationPath(idOf(t, parts[1]))+"/phone_calls")
		require.Empty(t, other)
	})

	t.Run("limit 0", func(t *testing.T) {
		t.Parallel()

		a, parts := setup(t)
		op := a.batNew(t, "/api/batch_operations",
			base+"&parameters[limit]=0&parameters[skip_validate_preview_presence]=1")
		id := idOf(t, op)
		require.Equal(t, coInts(t, parts...), a.coIDs(t, batPath(id)+"/preview/callout_participations"),
			"a preview is not limited")
		done := a.batRun(t, id)
		batRequireCounts(t, done, 0, 0, 0)
		require.Equal(t, int64(0), *batProgressOf(t, done).Limit)

		_, calls := a.list(t, batPath(id)+"/phone_calls")
		require.Empty(t, calls)
		_, calls = a.list(t, "/api/phone_calls")
		require.Empty(t, calls)
	})
}

// TestK17PhoneCallQueueRun queues through the Twilio stub: C1 created, C2
// completed at the provider, C3 queued (the stub holds its dial, so the
// dialler keeps it in hand and the API shows it queued).
func TestK17PhoneCallQueueRun(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")

	c2, sid2 := a.telRemotelyQueued(t, stub, 2, "queued")
	stub.OnFetch(func(_ telStubRequest, sid string) telStubAnswer {
		return telStubAnswer{Status: http.StatusOK, Body: telCallJSON(sid, "completed")}
	})
	r := a.telEvent(t, idOf(t, c2), "queue_remote_fetch")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	c2 = a.telAwaitStatus(t, idOf(t, c2), telCompleted)
	require.Equal(t, sid2, c2["remote_call_id"])

	held := batHoldDials(t, stub, "+"+msisdn(3))
	c3 := a.telNewCall(t, 3, "remote_request_params[from]=1234")
	a.telQueue(t, idOf(t, c3))
	held.awaitDial(t)
	c1 := a.telNewCall(t, 1, "remote_request_params[from]=1234")

	op := a.batNew(t, "/api/batch_operations",
		"type="+batQueue+"&parameters[phone_call_filter_params][status]=created")
	id := idOf(t, op)
	require.Equal(t, coInts(t, c1), a.coIDs(t, batPath(id)+"/preview/phone_calls"))
	done := a.batRun(t, id)
	batRequireCounts(t, done, 1, 1, 1)
	require.Nil(t, batProgressOf(t, done).Limit)

	got := a.telAwaitStatus(t, idOf(t, c1), telRemotelyQueued)
	require.Equal(t, id, intOf(t, got, "queue_batch_operation_id"))
	require.NotNil(t, got["remote_call_id"])
	require.Equal(t, coInts(t, c1), a.coIDs(t, batPath(id)+"/phone_calls"))

	second := a.batNew(t, "/api/batch_operations", "type="+batQueue+
		"&parameters[skip_validate_preview_presence]=1")
	sid := idOf(t, second)
	require.Equal(t, coInts(t, c2, c3, c1), a.coIDs(t, batPath(sid)+"/preview/phone_calls"))
	batRequireCounts(t, a.batRun(t, sid), 3, 3, 0)
	require.Empty(t, a.coIDs(t, batPath(sid)+"/phone_calls"))

	got2 := a.telCall(t, idOf(t, c2))
	require.Equal(t, telCompleted, got2["status"])
	require.Nil(t, got2["queue_batch_operation_id"])
	got3 := a.telCall(t, idOf(t, c3))
	require.Equal(t, telQueued, got3["status"], "the held call is still queued")
	require.Nil(t, got3["queue_batch_operation_id"])
	got1 := a.telCall(t, idOf(t, c1))
	require.Equal(t, telRemotelyQueued, got1["status"])
	require.Equal(t, id, intOf(t, got1, "queue_batch_operation_id"), "the first queue keeps it")
	require.Len(t, stub.Creates(), 3, "one dial each for C1, C2 and C3")
}

func TestK18PhoneCallQueueRemoteFetchRun(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")
	c1, sid1 := a.telRemotelyQueued(t, stub, 1, "queued")
	require.Equal(t, sid1, c1["remote_call_id"])
	requireTimestamp(t, c1["remotely_queued_at"])
	c2 := a.telNewCall(t, 2, "remote_request_params[from]=1234")
	stub.OnFetch(func(_ telStubRequest, sid string) telStubAnswer {
		return telStubAnswer{Status: http.StatusOK, Body: telCallJSON(sid, "in-progress")}
	})

	op := a.batNew(t, "/api/batch_operations", "type="+batFetch+batSkip)
	id := idOf(t, op)
	batRequireCounts(t, a.batRun(t, id), 2, 2, 1)

	got := a.telAwaitStatus(t, idOf(t, c1), telInProgress)
	require.Equal(t, id, intOf(t, got, "queue_remote_fetch_batch_operation_id"))
	require.Equal(t, "in-progress", got["remote_status"])
	require.Equal(t, coInts(t, c1), a.coIDs(t, batPath(id)+"/phone_calls"))

	fetches := stub.Fetches()
	require.Len(t, fetches, 1)
	require.Equal(t, "/2010-04-01/Accounts/"+a.SID+"/Calls/"+sid1+".json", fetches[0].Path)

	require.JSONEq(t, jsonText(t, c2), jsonText(t, a.telCall(t, idOf(t, c2))), "C2 is untouched")
}

func TestK21PopulationWithoutFilters(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	contacts := []map[string]any{
		a.batContact(t, 1, "metadata[gender]=f"), a.batContact(t, 2, "metadata[gender]=m"),
		a.batContact(t, 3, ""),
	}
	newCaller(t).batContact(t, 4, "") // another account's contact

	op := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	require.JSONEq(t, `{}`, jsonText(t, op["parameters"]))
	r, items := a.list(t, batPath(idOf(t, op))+"/preview/contacts")
	requirePage(t, r, 25, len(contacts))
	require.Equal(t, coInts(t, contacts...), ids(t, items))

	r, _ = a.list(t, batPath(idOf(t, op))+"/preview/contacts?per_page=2&page=2")
	requirePage(t, r, 2, len(contacts))
}

// TestBatchRequeueUsesCurrentParameters requeues a finished population
// after its filter changed: the new run reads the new filter.
func TestBatchRequeueUsesCurrentParameters(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	f := a.batContact(t, 1, "metadata[gender]=f")
	m := a.batContact(t, 2, "metadata[gender]=m")
	op := a.batNew(t, batCalloutOps(idOf(t, k)),
		"type="+batPopulation+"&parameters[contact_filter_params][metadata][gender]=f")
	id := idOf(t, op)
	batRequireCounts(t, a.batRun(t, id), 1, 1, 1)
	require.Equal(t, coInts(t, f), a.coIDs(t, batPath(id)+"/contacts"))

	identRequireNoContent(t, a.form(t, http.MethodPatch, batPath(id),
		"parameters[contact_filter_params][metadata][gender]=m"))
	require.Equal(t, coInts(t, m), a.coIDs(t, batPath(id)+"/preview/contacts"))
	requeued := a.batQueue(t, id, "requeue")
	require.Equal(t, int64(2), batProgressOf(t, requeued).Run)
	batRequireCounts(t, a.batAwait(t, id, batWait), 1, 1, 1)
	require.Equal(t, coInts(t, f, m), a.coIDs(t, batPath(id)+"/contacts"), "results of both runs")
}

// batHeld holds the dials of one number at a Twilio stub until the test
// ends.
type batHeld struct {
	stub   *telStub
	number string
}

// batHoldDials makes stub hold every dial of number until the test ends,
// answering other dials with a new SID, status queued. The dialler keeps a
// held call in hand, so the API shows it queued.
func batHoldDials(t testing.TB, stub *telStub, number string) batHeld {
	t.Helper()

	release := make(chan struct{})
	// Cleanups run last first: this one runs before the stub's server
	// closes, which waits for the held requests.
	t.Cleanup(func() { close(release) })
	stub.OnCreate(func(r telStubRequest) telStubAnswer {
		if r.Form.Get("To") == number {
			<-release
		}
		return telStubAnswer{Status: http.StatusCreated, Body: telCallJSON(telSID(), "queued")}
	})

	return batHeld{stub: stub, number: number}
}

// awaitDial waits until the stub has received the held number's dial.
func (h batHeld) awaitDial(t testing.TB) {
	t.Helper()

	deadline := time.Now().Add(telWait)
	for {
		for _, r := range h.stub.Creates() {
			if r.Form.Get("To") == h.number {
				return
			}
		}
		require.True(t, time.Now().Before(deadline), "%s was not dialled after %s", h.number, telWait)
		time.Sleep(25 * time.Millisecond)
	}
}
