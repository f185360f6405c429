package e2e_test

// Refusals of batch operations: bad types, events and parameters, deletes
// with results, routes of another type, and another account's operations.

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBatchBadType(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	for _, body := range []string{"type=BatchOperation::Nope", "type=PhoneCallCreate", "type="} {
		requireErrors(t, a.form(t, http.MethodPost, "/api/batch_operations", body),
			`{"type":["can't be blank"]}`)
		requireErrors(t, a.form(t, http.MethodPost, batCalloutOps(idOf(t, k)), body),
			`{"type":["can't be blank"]}`)
	}
	for _, body := range []string{`{"type":"Contact"}`, `{"type":null}`, `{}`} {
		requireErrors(t, a.json(t, http.MethodPost, "/api/batch_operations", body),
			`{"type":["can't be blank"]}`)
	}
	for _, body := range []string{`{"type":["` + batPopulation + `"]}`, `{"type":{"a":1}}`} {
		r := a.json(t, http.MethodPost, batCalloutOps(idOf(t, k)), body)
		require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status, "%s", r)
		require.Contains(t, object(t, r), "errors", "%s", r)
	}
	r := a.json(t, http.MethodPost, "/api/batch_operations", `{"type":`)
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r)
	require.Empty(t, a.coIDs(t, "/api/batch_operations"), "nothing was created")
}

func TestBatchEvents(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	op := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	id := idOf(t, op)
	notIncluded := `{"event":["is not included in the list"]}`

	for _, event := range []string{"dance", "", "requeue", "start", "finish", "Queue"} {
		requireErrors(t, a.batEvent(t, id, event), notIncluded)
	}
	requireErrors(t, a.form(t, http.MethodPost, batPath(id)+"/batch_operation_events", ""), notIncluded)
	require.JSONEq(t, jsonText(t, op), jsonText(t, a.batOp(t, id)), "refused events change nothing")

	a.batQueue(t, id, "queue")
	requireErrors(t, a.batEvent(t, id, "queue"), notIncluded)
	a.batAwait(t, id, batWait)
	for _, event := range []string{"queue", "start", "finish", "dance"} {
		requireErrors(t, a.batEvent(t, id, event), notIncluded)
	}
	requeued := a.batQueue(t, id, "requeue")
	require.Equal(t, int64(2), batProgressOf(t, requeued).Run)
	requireErrors(t, a.batEvent(t, id, "requeue"), notIncluded)
	require.Equal(t, int64(2), batProgressOf(t, a.batAwait(t, id, batWait)).Run)

	requireNotFound(t, a.batEvent(t, 1<<40, "queue"))
}

func TestBatchNestedRouteScoping(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	bk := b.coNewCallout(t, "")
	bo := b.batNew(t, batCalloutOps(idOf(t, bk)), "type="+batPopulation)

	requireNotFound(t, a.form(t, http.MethodPost, batCalloutOps(idOf(t, bk)), "type="+batPopulation))
	requireNotFound(t, a.form(t, http.MethodPost, batCalloutOps(idOf(t, bk)),
		"type="+batQueue+"&parameters[skip_validate_preview_presence]=1"))
	requireNotFound(t, a.get(t, batCalloutOps(idOf(t, bk))))
	requireNotFound(t, a.form(t, http.MethodPost, batCalloutOps(1<<40), "type="+batPopulation))
	requireNotFound(t, a.get(t, batCalloutOps(1<<40)))
	require.Empty(t, a.coIDs(t, "/api/batch_operations"))
	require.Equal(t, coInts(t, bo), b.coIDs(t, batCalloutOps(idOf(t, bk))))

	// A population names the callout it fills; another account's is none.
	k := a.coNewCallout(t, "")
	op := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	requireErrors(t, a.form(t, http.MethodPost, "/api/batch_operations",
		"type="+batPopulation+"&callout_id="+coID(t, bk)), `{"callout":["must exist"]}`)
	require.Equal(t, coInts(t, op), a.coIDs(t, "/api/batch_operations"))
}

func TestBatchRoutesOfOtherTypes(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	skip := "&parameters[skip_validate_preview_presence]=1"
	ops := map[string]map[string]any{
		batPopulation: a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation),
		batCreate:     a.batNew(t, "/api/batch_operations", "type="+batCreate+skip+"&"+batRequestParams),
		batQueue:      a.batNew(t, "/api/batch_operations", "type="+batQueue+skip),
		batFetch:      a.batNew(t, "/api/batch_operations", "type="+batFetch+skip),
	}
	served := map[string][]string{
		"callout_participations":         {batPopulation, batCreate},
		"contacts":                       {batPopulation, batCreate},
		"phone_calls":                    {batCreate, batQueue, batFetch},
		"preview/callout_participations": {batCreate},
		"preview/contacts":               {batPopulation, batCreate},
		"preview/phone_calls":            {batQueue, batFetch},
	}
	for route, types := range served {
		for typ, op := range ops {
			target := batPath(idOf(t, op)) + "/" + route
			r := a.get(t, target)
			if !slices.Contains(types, typ) {
				requireNotFound(t, r)
				continue
			}
			require.Equal(t, http.StatusOK, r.Status, "%s of a %s: %s", route, typ, r)
			require.Empty(t, array(t, r), "%s of a %s", route, typ)
			requirePage(t, r, 25, 0)
		}
	}

	// The top-level type narrows every lookup to that subtype.
	id := idOf(t, ops[batPopulation])
	requireNotFound(t, a.get(t, batPath(id)+"?type="+batQueue))
	requireNotFound(t, a.form(t, http.MethodPatch, batPath(id)+"?type="+batQueue, "metadata[a]=b"))
	requireNotFound(t, a.do(t, http.MethodDelete, batPath(id)+"?type="+batQueue, "", ""))
	require.Equal(t, batPopulation, object(t, a.get(t, batPath(id)+"?type="+batPopulation))["type"])
	requireNotFound(t, a.get(t, batPath(1<<40)))
	requireNotFound(t, a.get(t, "/api/batch_operations/abc"))
	requireNotFound(t, a.get(t, batPath(1<<40)+"/preview/contacts"))
}

func TestBatchDelete(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coCalloutIn(t, "running", "")
	a.batContact(t, 1, "")

	// A population that added a participation keeps it.
	pop := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	a.batRun(t, idOf(t, pop))
	requireErrors(t, a.do(t, http.MethodDelete, batPath(idOf(t, pop)), "", ""),
		`{"base":["Cannot delete record because dependent callout participations exist"]}`)
	a.batOp(t, idOf(t, pop))

	// A creation that made a call keeps it.
	create := a.batNew(t, "/api/batch_operations", "type="+batCreate+"&"+batRequestParams)
	a.batRun(t, idOf(t, create))
	requireErrors(t, a.do(t, http.MethodDelete, batPath(idOf(t, create)), "", ""),
		`{"base":["Cannot delete record because dependent phone calls exist"]}`)
	a.batOp(t, idOf(t, create))

	// Finished without results, or never run: gone.
	again := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	batRequireCounts(t, a.batRun(t, idOf(t, again)), 1, 1, 0)
	preview := a.batNew(t, "/api/batch_operations", "type="+batQueue)
	for _, op := range []map[string]any{again, preview} {
		identRequireNoContent(t, a.do(t, http.MethodDelete, batPath(idOf(t, op)), "", ""))
		requireNotFound(t, a.get(t, batPath(idOf(t, op))))
		requireNotFound(t, a.do(t, http.MethodDelete, batPath(idOf(t, op)), "", ""))
		requireNotFound(t, a.batEvent(t, idOf(t, op), "queue"))
	}
	require.Equal(t, coInts(t, pop, create), a.coIDs(t, "/api/batch_operations"))
}

func TestBatchUpdateRevalidates(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	create := a.batNew(t, "/api/batch_operations", "type="+batCreate+
		"&parameters[skip_validate_preview_presence]=1&"+batRequestParams+"&metadata[a]=b")
	id := idOf(t, create)
	refusals := []struct{ body, errors string }{
		{"parameters[remote_request_params][foo]=bar&parameters[skip_validate_preview_presence]=1",
			`{"remote_request_params":["is not included in the list"]}`},
		{"parameters[x]=1&parameters[skip_validate_preview_presence]=1",
			`{"remote_request_params":["can't be blank"]}`},
		{"parameters[remote_request_params][from]=1234",
			`{"callout_participations_preview":["can't be blank"]}`},
		{"parameters[remote_request_params][from]=1234&parameters[skip_validate_preview_presence]=1" +
			"&parameters[callout_filter_params]=running",
			`{"callout_filter_params":["must be an object of filters"]}`},
	}
	for _, rf := range refusals {
		requireErrors(t, a.form(t, http.MethodPatch, batPath(id), rf.body+"&metadata[c]=d"), rf.errors)
	}
	require.JSONEq(t, jsonText(t, create), jsonText(t, a.batOp(t, id)), "refused updates change nothing")

	// Metadata alone re-validates the stored parameters, which still pass.
	identRequireNoContent(t, a.form(t, http.MethodPatch, batPath(id), "metadata[c]=d"))
	require.JSONEq(t, `{"a":"b","c":"d"}`, jsonText(t, a.batOp(t, id)["metadata"]))

	// A queue that may skip its preview check may not drop the skip while
	// it selects nothing.
	queue := a.batNew(t, "/api/batch_operations", "type="+batQueue+batSkip)
	requireErrors(t, a.form(t, http.MethodPatch, batPath(idOf(t, queue)), "parameters[limit]=1"),
		`{"phone_calls_preview":["can't be blank"]}`)
	a.telNewCall(t, 1, "remote_request_params[from]=1234")
	identRequireNoContent(t, a.form(t, http.MethodPatch, batPath(idOf(t, queue)), "parameters[limit]=1"))
	require.JSONEq(t, `{"limit":"1"}`, jsonText(t, a.batOp(t, idOf(t, queue))["parameters"]))

	// Updates are allowed in any status.
	k := a.coNewCallout(t, "")
	pop := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	a.batRun(t, idOf(t, pop))
	identRequireNoContent(t, a.form(t, http.MethodPatch, batPath(idOf(t, pop)),
		"parameters[contact_filter_params][metadata][gender]=f"))
	got := a.batOp(t, idOf(t, pop))
	require.Equal(t, batFinished, got["status"])
	require.JSONEq(t, `{"contact_filter_params":{"metadata":{"gender":"f"}}}`,
		jsonText(t, got["parameters"]))
	requireErrors(t, a.json(t, http.MethodPatch, batPath(idOf(t, pop)),
		`{"parameters":{"contact_filter_params":"f"}}`),
		`{"contact_filter_params":["must be an object of filters"]}`)
}

// TestBatchFiltersMustBeObjects sends filters that are not objects, in
// forms and JSON, on create and update: 422, never a server error.
func TestBatchFiltersMustBeObjects(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coCalloutIn(t, "running", "")
	a.coJoinContact(t, idOf(t, k), a.batContact(t, 1, "metadata[gender]=f"))
	nested := batCalloutOps(idOf(t, k))
	skip := "&parameters[skip_validate_preview_presence]=1"

	forms := []struct{ target, body, key string }{
		{nested, "type=" + batPopulation + "&parameters[contact_filter_params]=gender",
			"contact_filter_params"},
		{nested, "type=" + batPopulation + "&parameters[contact_filter_params][]=f", "contact_filter_params"},
		{"/api/batch_operations", "type=" + batCreate + skip + "&" + batRequestParams +
			"&parameters[callout_filter_params]=running", "callout_filter_params"},
		{"/api/batch_operations", "type=" + batCreate + skip + "&" + batRequestParams +
			"&parameters[callout_participation_filter_params][]=x", "callout_participation_filter_params"},
		{"/api/batch_operations", "type=" + batQueue + skip +
			"&parameters[phone_call_filter_params]=created", "phone_call_filter_params"},
		{"/api/batch_operations", "type=" + batFetch + "&parameters[callout_filter_params]=1",
			"callout_filter_params"},
	}
	for _, f := range forms {
		r := a.form(t, http.MethodPost, f.target, f.body)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", f.body, r)
		errs, _ := object(t, r)["errors"].(map[string]any)
		require.JSONEq(t, `["must be an object of filters"]`, jsonText(t, errs[f.key]), "%s: %s", f.body, r)
	}

	jsons := []struct{ target, body, key string }{
		{nested, `{"type":"` + batPopulation + `","parameters":{"contact_filter_params":"f"}}`,
			"contact_filter_params"},
		{nested, `{"type":"` + batPopulation + `","parameters":{"contact_filter_params":["f"]}}`,
			"contact_filter_params"},
		{nested, `{"type":"` + batPopulation + `","parameters":{"contact_filter_params":3}}`,
			"contact_filter_params"},
		{"/api/batch_operations", `{"type":"` + batCreate + `","parameters":{"remote_request_params":` +
			batRequestParamsJSON + `,"callout_filter_params":true,"skip_validate_preview_presence":true}}`,
			"callout_filter_params"},
		{"/api/batch_operations", `{"type":"` + batQueue + `","parameters":{"phone_call_filter_params":` +
			`"status=created","skip_validate_preview_presence":"1"}}`, "phone_call_filter_params"},
	}
	for _, j := range jsons {
		r := a.json(t, http.MethodPost, j.target, j.body)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", j.body, r)
		errs, _ := object(t, r)["errors"].(map[string]any)
		require.JSONEq(t, `["must be an object of filters"]`, jsonText(t, errs[j.key]), "%s: %s", j.body, r)
	}

	// Provider parameters that are not an object are missing ones.
	requireErrors(t, a.json(t, http.MethodPost, "/api/batch_operations", `{"type":"`+batCreate+
		`","parameters":{"remote_request_params":"from=1234","skip_validate_preview_presence":1}}`),
		`{"remote_request_params":["can't be blank"]}`)

	// Parameters that are not an object are dropped, as any such hash is.
	r := a.form(t, http.MethodPost, nested, "type="+batPopulation+"&parameters=foo")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	require.JSONEq(t, `{}`, jsonText(t, object(t, r)["parameters"]))
	r = a.json(t, http.MethodPost, nested, `{"type":"`+batPopulation+`","parameters":[1,2]}`)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	require.JSONEq(t, `{}`, jsonText(t, object(t, r)["parameters"]))

	// Filter values of the wrong shape inside an object filter never fail
	// a preview or a run.
	op := a.batNew(t, nested, "type="+batPopulation+"&parameters[contact_filter_params][metadata]=f"+
		"&parameters[contact_filter_params][msisdn][]=1"+
		"&parameters[contact_filter_params][created_at_after][x]=1")
	r = a.get(t, batPath(idOf(t, op))+"/preview/contacts")
	require.Contains(t, []int{http.StatusOK, http.StatusUnprocessableEntity}, r.Status, "%s", r)
	done := a.batRun(t, idOf(t, op))
	p := batRequireFinished(t, done)
	require.LessOrEqual(t, p.Selected, int64(1))

	// A preview's own q is a filter too.
	for _, q := range []string{"q=foo", "q[]=1", "q[metadata]=f", "q[status][]=x", "q[msisdn][a]=1"} {
		r := a.get(t, batPath(idOf(t, op))+"/preview/contacts?"+q)
		require.Contains(t, []int{http.StatusOK, http.StatusBadRequest, http.StatusUnprocessableEntity},
			r.Status, "%s: %s", q, r)
	}
}

// TestBatchAccountScoping checks that another account can neither see nor
// act on an account's operations.
func TestBatchAccountScoping(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	k := a.coNewCallout(t, "")
	a.batContact(t, 1, "")
	pop := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation+"&metadata[owner]=a")
	done := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation+"&metadata[owner]=a")
	a.batRun(t, idOf(t, done))
	create := a.batNew(t, "/api/batch_operations", "type="+batCreate+
		"&parameters[skip_validate_preview_presence]=1&"+batRequestParams)
	queue := a.batNew(t, "/api/batch_operations", "type="+batQueue+batSkip)

	for _, op := range []map[string]any{pop, done, create, queue} {
		id := idOf(t, op)
		requireNotFound(t, b.get(t, batPath(id)))
		requireNotFound(t, b.form(t, http.MethodPatch, batPath(id), "metadata[owner]=b"))
		requireNotFound(t, b.form(t, http.MethodPut, batPath(id), "metadata[owner]=b"))
		requireNotFound(t, b.do(t, http.MethodDelete, batPath(id), "", ""))
		requireNotFound(t, b.batEvent(t, id, "queue"))
		requireNotFound(t, b.batEvent(t, id, "requeue"))
		for _, route := range batRoutes {
			requireNotFound(t, b.get(t, batPath(id)+"/"+route))
		}
	}
	require.Empty(t, b.coIDs(t, "/api/batch_operations"))
	require.Empty(t, b.coIDs(t, "/api/batch_operations?q[metadata][owner]=a"))

	// A's operations are as they were.
	require.JSONEq(t, jsonText(t, pop), jsonText(t, a.batOp(t, idOf(t, pop))))
	require.Equal(t, batFinished, a.batOp(t, idOf(t, done))["status"])
	require.Equal(t, coInts(t, pop, done, create, queue), a.coIDs(t, "/api/batch_operations"))
}

// batRoutes are the preview and results routes of an operation.
var batRoutes = []string{
	"callout_participations", "contacts", "phone_calls",
	"preview/callout_participations", "preview/contacts", "preview/phone_calls",
}
