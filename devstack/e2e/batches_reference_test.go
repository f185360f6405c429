package e2e_test

// The batch operations of the REST API reference: its curl examples as
// written, and the client-driven calling loop they make up, dialled through
// the built-in simulator.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// The reference's example parameters, as its curl lines send them.
var (
	batRefPopulation = "type=" + batPopulation + "&parameters[contact_filter_params][metadata][gender]=f"
	batRefCreate     = "type=" + batCreate + "&parameters[callout_filter_params][status]=running" +
		"&parameters[callout_participation_filter_params][no_phone_calls_or_last_attempt]=failed,errored" +
		"&parameters[remote_request_params][from]=" + url.QueryEscape("1234") +
		"&parameters[remote_request_params][url]=" +
		url.QueryEscape("https://demo.twilio.com/docs/voice.xml") +
		"&parameters[remote_request_params][method]=GET" +
		"&parameters[limit]=30&parameters[skip_validate_preview_presence]=true"
	batRefQueue = "type=" + batQueue + "&parameters[callout_filter_params][status]=running" +
		"&parameters[phone_call_filter_params][status]=created" +
		"&parameters[limit]=30&parameters[skip_validate_preview_presence]=true"
	batRefFetch = "type=" + batFetch +
		"&parameters[phone_call_filter_params][status]=remotely_queued,in_progress" +
		"&parameters[limit]=30&parameters[skip_validate_preview_presence]=true"
)

// batRefRequestParams are the provider parameters of the reference's
// phone call creation.
const batRefRequestParams = `{"from":"1234",` +
	`"url":"https://demo.twilio.com/docs/voice.xml","method":"GET"}`

// TestBatchReferenceFlow drives one callout from contacts to finished
// calls with batch operations only: populate from a metadata filter, start
// the callout, create and queue the calls, fetch those still at the
// provider, all against the simulator.
func TestBatchReferenceFlow(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	r := a.form(t, http.MethodPatch, "/api/account", "settings[platform_provider_name]=simulator")
	identRequireNoContent(t, r)

	var women []map[string]any
	for n := 1; n <= 8; n++ {
		gender := "m"
		if n%2 == 1 {
			gender = "f"
		}
		c := a.batContact(t, n, "metadata[gender]="+gender+"&metadata[name]=person"+strconv.Itoa(n))
		if gender == "f" {
			women = append(women, c)
		}
	}
	k := a.coNewCallout(t, "call_flow_logic="+coPlayMessage+
		"&metadata[message]="+url.QueryEscape("Flood warning for your area"))
	kid := idOf(t, k)

	// Populate the callout with the women.
	pop := a.batNew(t, batCalloutOps(kid), batRefPopulation)
	require.Equal(t, coInts(t, women...), a.coIDs(t, batPath(idOf(t, pop))+"/preview/contacts"))
	batRequireCounts(t, a.batRun(t, idOf(t, pop)), 4, 4, 4)
	require.Equal(t, coInts(t, women...), a.coIDs(t, batPath(idOf(t, pop))+"/contacts"))
	_, parts := a.list(t, batPath(idOf(t, pop))+"/callout_participations")
	require.Len(t, parts, len(women))
	require.Equal(t, ids(t, parts), a.coIDs(t, coCalloutPath(kid)+"/callout_participations"))

	// Nothing is called while the callout has not started.
	create := a.batNew(t, "/api/batch_operations", batRefCreate)
	require.JSONEq(t, `{"callout_filter_params":{"status":"running"},`+
		`"callout_participation_filter_params":{"no_phone_calls_or_last_attempt":"failed,errored"},`+
		`"remote_request_params":`+batRefRequestParams+`,"limit":"30",`+
		`"skip_validate_preview_presence":"true"}`, jsonText(t, create["parameters"]))
	require.Empty(t, a.coIDs(t, batPath(idOf(t, create))+"/preview/callout_participations"))

	started := a.coFire(t, kid, "start")
	require.Equal(t, http.StatusCreated, started.Status, "%s", started)
	require.Equal(t, ids(t, parts), a.coIDs(t, batPath(idOf(t, create))+"/preview/callout_participations"))
	done := a.batRun(t, idOf(t, create))
	batRequireCounts(t, done, 4, 4, 4)
	require.Equal(t, int64(30), *batProgressOf(t, done).Limit)

	_, calls := a.list(t, batPath(idOf(t, create))+"/phone_calls")
	require.Len(t, calls, len(parts))
	callIDs := ids(t, calls)
	for i, c := range calls {
		require.Equal(t, telCreated, c["status"])
		require.Equal(t, idOf(t, parts[i]), intOf(t, c, "callout_participation_id"))
		require.JSONEq(t, batRefRequestParams, jsonText(t, c["remote_request_params"]))
	}

	// Queue them; the simulator dials them.
	queue := a.batNew(t, "/api/batch_operations", batRefQueue)
	require.Equal(t, callIDs, a.coIDs(t, batPath(idOf(t, queue))+"/preview/phone_calls"))
	batRequireCounts(t, a.batRun(t, idOf(t, queue)), 4, 4, 4)
	require.Equal(t, callIDs, a.coIDs(t, batPath(idOf(t, queue))+"/phone_calls"))

	// Fetch whatever is still at the provider now.
	fetch := a.batNew(t, "/api/batch_operations", batRefFetch)
	fetched := a.batRun(t, idOf(t, fetch))
	p := batRequireFinished(t, fetched)
	require.Equal(t, int64(30), *p.Limit)
	results := a.batResults(t, idOf(t, fetch), "phone_calls")
	require.Len(t, results, int(p.Applied), "every fetched call is a result")
	for _, c := range results {
		require.Equal(t, idOf(t, fetch), intOf(t, c, "queue_remote_fetch_batch_operation_id"))
		require.Contains(t, callIDs, idOf(t, c))
	}

	final := a.batAwaitCalls(t, callIDs, "finished",
		"completed", "busy", "not_answered", "failed", "canceled")
	outcomes := map[string]int{}
	for _, c := range final {
		outcomes[c["status"].(string)]++
		require.Equal(t, idOf(t, queue), intOf(t, c, "queue_batch_operation_id"))
		require.NotNil(t, c["remote_call_id"])
		requireTimestamp(t, c["remotely_queued_at"])
	}

	t.Logf("simulator outcomes %v; the fetch selected %d of %d calls and fetched %d",
		outcomes, p.Selected, len(callIDs), p.Applied)

	// Once every call has ended, a requeued fetch finds nothing to do, and
	// a requeued creation retries only the failed participations.
	refetched := a.batQueue(t, idOf(t, fetch), "requeue")
	require.Equal(t, int64(2), batProgressOf(t, refetched).Run)
	batRequireCounts(t, a.batAwait(t, idOf(t, fetch), batWait), 0, 0, 0)

	// The callouts service learns the calls' outcomes from their events;
	// its preview of the retry agrees once it has them all.
	var retry []int64
	for i, c := range final {
		if c["status"] == "failed" || c["status"] == telErrored {
			retry = append(retry, idOf(t, parts[i]))
		}
	}
	a.batAwaitIDs(t, "/api/callout_participations?q[callout_id]="+strconv.FormatInt(kid, 10)+
		"&q[no_phone_calls_or_last_attempt]=failed,errored", retry)
	a.batQueue(t, idOf(t, create), "requeue")
	n := int64(len(retry))
	batRequireCounts(t, a.batAwait(t, idOf(t, create), batWait), n, n, n)
	require.Len(t, a.batResults(t, idOf(t, create), "phone_calls"), len(callIDs)+len(retry))
}

// batResults lists every row of an operation's results route as a.
func (a account) batResults(t testing.TB, id int64, route string) []map[string]any {
	t.Helper()

	_, items := identListAll(t, a, batPath(id)+"/"+route)

	return items
}

// TestBatchReferenceExamples sends every batch operation request of the
// REST API reference, as its curl lines write them.
func TestBatchReferenceExamples(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	kid := idOf(t, k)
	woman := a.batContact(t, 1, "metadata[gender]=f")
	a.batContact(t, 2, "metadata[gender]=m")

	// Create, one of each type.
	pop := a.batNew(t, batCalloutOps(kid), batRefPopulation)
	require.Equal(t, kid, intOf(t, pop, "callout_id"))
	require.Equal(t, batPopulation, pop["type"])
	require.JSONEq(t, `{"contact_filter_params":{"metadata":{"gender":"f"}}}`,
		jsonText(t, pop["parameters"]))
	require.JSONEq(t, `{}`, jsonText(t, pop["metadata"]))
	create := a.batNew(t, "/api/batch_operations", batRefCreate)
	queue := a.batNew(t, "/api/batch_operations", batRefQueue)
	require.JSONEq(t, `{"callout_filter_params":{"status":"running"},`+
		`"phone_call_filter_params":{"status":"created"},"limit":"30",`+
		`"skip_validate_preview_presence":"true"}`, jsonText(t, queue["parameters"]))
	fetch := a.batNew(t, "/api/batch_operations", batRefFetch)
	require.JSONEq(t, `{"phone_call_filter_params":{"status":"remotely_queued,in_progress"},`+
		`"limit":"30","skip_validate_preview_presence":"true"}`, jsonText(t, fetch["parameters"]))
	all := []map[string]any{pop, create, queue, fetch}

	// Update, in each metadata merge mode.
	id := idOf(t, pop)
	updates := []struct{ body, want string }{
		{"metadata[foo]=bar&metadata[bar]=baz", `{"foo":"bar","bar":"baz"}`},
		{"metadata_merge_mode=merge&metadata[province]=Kampong+Thom",
			`{"foo":"bar","bar":"baz","province":"Kampong Thom"}`},
		{"metadata_merge_mode=replace&metadata[gender]=f", `{"gender":"f"}`},
		{"metadata_merge_mode=deep_merge&metadata[gender]=m", `{"gender":"m"}`},
	}
	for _, u := range updates {
		identRequireNoContent(t, a.form(t, http.MethodPatch, batPath(id), u.body))
		got := a.batOp(t, id)
		require.JSONEq(t, u.want, jsonText(t, got["metadata"]), u.body)
		require.JSONEq(t, jsonText(t, pop["parameters"]), jsonText(t, got["parameters"]),
			"parameters not sent stay")
	}
	identRequireNoContent(t, a.json(t, http.MethodPatch, batPath(id),
		`{"metadata":{"address":{"city":"Phnom Penh"}},"metadata_merge_mode":"deep_merge"}`))
	identRequireNoContent(t, a.json(t, http.MethodPatch, batPath(id),
		`{"metadata":{"address":{"zip":"12000"}},"metadata_merge_mode":"deep_merge"}`))
	require.JSONEq(t, `{"gender":"m","address":{"city":"Phnom Penh","zip":"12000"}}`,
		jsonText(t, a.batOp(t, id)["metadata"]))
	identRequireNoContent(t, a.form(t, http.MethodPatch, batPath(id),
		"metadata_merge_mode=replace&metadata[foo]=bar"))

	// Fetch.
	got := a.batOp(t, id)
	require.Equal(t, batPopulation, got["type"])
	require.Equal(t, batPreview, got["status"])

	// Index and filter.
	r, items := a.list(t, "/api/batch_operations")
	requirePage(t, r, 25, len(all))
	require.Equal(t, coInts(t, all...), ids(t, items))
	require.Equal(t, coInts(t, pop), a.coIDs(t, batCalloutOps(kid)))
	filters := []struct {
		query string
		want  []map[string]any
	}{
		{"q[parameters][contact_filter_params][metadata][gender]=f", []map[string]any{pop}},
		{"q[metadata][foo]=bar", []map[string]any{pop}},
		{"q[status]=preview", all},
		{"q[created_at_before]=2017-11-29+01:36:02", nil},
		{"q[created_at_after]=2017-11-29+01:36:02", all},
		{"q[created_at_or_before]=2017-11-29+01:36:02", nil},
		{"q[created_at_or_after]=2017-11-29+01:36:02", all},
		{"q[updated_at_before]=2017-11-29+01:36:02", nil},
		{"q[updated_at_after]=2017-11-29+01:36:02", all},
		{"q[updated_at_or_before]=2017-11-29+01:36:02", nil},
		{"q[updated_at_or_after]=2017-11-29+01:36:02", all},
	}
	for _, f := range filters {
		target := "/api/batch_operations?" + f.query
		require.Equal(t, coInts(t, f.want...), a.coIDs(t, target), target)
	}

	// Preview.
	r, items = a.list(t, batPath(id)+"/preview/contacts")
	requirePage(t, r, 25, 1)
	require.Equal(t, coInts(t, woman), ids(t, items))
	require.Empty(t, a.coIDs(t, batPath(idOf(t, create))+"/preview/callout_participations"))
	require.Empty(t, a.coIDs(t, batPath(idOf(t, create))+"/preview/contacts"))
	require.Empty(t, a.coIDs(t, batPath(idOf(t, queue))+"/preview/phone_calls"))
	require.Empty(t, a.coIDs(t, batPath(idOf(t, fetch))+"/preview/phone_calls"))

	// Events: queue, then requeue once finished.
	a.batRun(t, id)
	requeued := a.batQueue(t, id, "requeue")
	require.Equal(t, int64(2), batProgressOf(t, requeued).Run)
	require.Equal(t, batPopulation, requeued["type"])
	batRequireCounts(t, a.batAwait(t, id, batWait), 1, 1, 0)

	// Results.
	_, parts := a.list(t, batPath(id)+"/callout_participations")
	require.Len(t, parts, 1)
	require.Equal(t, id, intOf(t, parts[0], "callout_population_id"))
	require.Equal(t, coInts(t, woman), a.coIDs(t, batPath(id)+"/contacts"))
	require.Empty(t, a.coIDs(t, batPath(idOf(t, create))+"/phone_calls"))

	// Delete one without results.
	r = a.do(t, http.MethodDelete, batPath(idOf(t, fetch)), "", "")
	identRequireNoContent(t, r)
	requireNotFound(t, a.get(t, batPath(idOf(t, fetch))))
	require.False(t, slices.Contains(a.coIDs(t, "/api/batch_operations"), idOf(t, fetch)))
}

// TestBatchIdempotencyKey repeats a create and a queue with the same
// Idempotency-Key: the repeat answers as the first did and changes nothing.
func TestBatchIdempotencyKey(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	a.batContact(t, 1, "")
	target, body := batCalloutOps(idOf(t, k)), "type="+batPopulation
	first := a.do(t, http.MethodPost, target, formType, body, withHeader("Idempotency-Key", "create-1"))
	require.Equal(t, http.StatusCreated, first.Status, "%s", first)
	again := a.do(t, http.MethodPost, target, formType, body, withHeader("Idempotency-Key", "create-1"))
	require.Equal(t, http.StatusCreated, again.Status, "%s", again)
	require.JSONEq(t, string(first.Body), string(again.Body))
	id := idOf(t, object(t, first))
	require.Equal(t, []int64{id}, a.coIDs(t, "/api/batch_operations"))

	events := batPath(id) + "/batch_operation_events"
	first = a.do(t, http.MethodPost, events, formType, "event=queue", withHeader("Idempotency-Key", "q-1"))
	require.Equal(t, http.StatusCreated, first.Status, "%s", first)
	again = a.do(t, http.MethodPost, events, formType, "event=queue", withHeader("Idempotency-Key", "q-1"))
	require.Equal(t, http.StatusCreated, again.Status, "%s", again)
	require.JSONEq(t, string(first.Body), string(again.Body))
	done := a.batAwait(t, id, batWait)
	require.Equal(t, int64(1), batProgressOf(t, done).Run, "queued once")
	batRequireCounts(t, done, 1, 1, 1)
}

// TestBatchJSONBodies creates and updates operations with JSON bodies:
// parameters keep their JSON types and are read as the form's text would be.
func TestBatchJSONBodies(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coCalloutIn(t, "running", "")
	parts := a.batParticipants(t, k, 1, 3)
	r := a.json(t, http.MethodPost, "/api/batch_operations", `{"type":"`+batCreate+`",`+
		`"metadata":{"n":1,"ok":true},"parameters":{"limit":2,"skip_validate_preview_presence":false,`+
		`"remote_request_params":{"from":"1234"},"callout_filter_params":{"status":"running"}}}`)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	op := object(t, r)
	batRequireOp(t, a, op)
	require.JSONEq(t, `{"n":1,"ok":true}`, jsonText(t, op["metadata"]))
	require.JSONEq(t, `{"limit":2,"skip_validate_preview_presence":false,`+
		`"remote_request_params":{"from":"1234"},"callout_filter_params":{"status":"running"}}`,
		jsonText(t, op["parameters"]))
	require.Equal(t, []int64{idOf(t, op)},
		a.coIDs(t, "/api/batch_operations?q[metadata][n]=1&q[metadata][ok]=true"))

	id := idOf(t, op)
	done := a.batRun(t, id)
	require.Equal(t, int64(2), *batProgressOf(t, done).Limit)
	batRequireCounts(t, done, 2, 2, 2)
	var called []int64
	for _, c := range a.batResults(t, id, "phone_calls") {
		called = append(called, intOf(t, c, "callout_participation_id"))
	}
	require.Equal(t, coInts(t, parts[:2]...), called)

	// An update's JSON parameters replace the old ones, types and all.
	identRequireNoContent(t, a.json(t, http.MethodPatch, batPath(id),
		`{"parameters":{"limit":"1","remote_request_params":{"from":"5678"}}}`))
	require.JSONEq(t, `{"limit":"1","remote_request_params":{"from":"5678"}}`,
		jsonText(t, a.batOp(t, id)["parameters"]))
}
