package e2e_test

// The tests in this file replay the curl examples of the SCFM REST API
// reference for callouts and callout participations, with the bodies as
// curl -d sends them, and check the answers against the reference's sample
// responses. Real callout answers also carry account_id, which the samples
// predate.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The reference's update example bodies.
const (
	coRefCalloutUpdate = "call_flow_logic=CallFlowLogic::HelloWorld&metadata[name]=my+callout"
	coRefPartUpdate    = "call_flow_logic=CallFlowLogic::HelloWorld" +
		"&metadata[name]=my+callout+participation&msisdn=252662345701"
)

// coRefPast is the instant of the reference's timestamp filter examples, a
// plus sign standing for the space between date and time.
const coRefPast = "2017-11-29+01:36:02"

// coWholeSecondAfter returns the first whole second after the API
// timestamp v that is not midnight (a value at exactly midnight compares
// calendar dates instead), and sleeps until a little after it.
func coWholeSecondAfter(t *testing.T, v any) time.Time {
	t.Helper()

	between := requireTimestamp(t, v).Truncate(time.Second).Add(time.Second)
	if between.Equal(between.Truncate(24 * time.Hour)) {
		between = between.Add(time.Second)
	}
	time.Sleep(time.Until(between.Add(300 * time.Millisecond)))

	return between
}

// coRefCheck runs one index example and requires exactly the wanted items,
// in id order, with the sample response's status, headers and keys.
func coRefCheck(t *testing.T, a account, target string, keys []string, want ...map[string]any) {
	t.Helper()

	r := a.get(t, target)
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	requirePage(t, r, 25, len(want))

	items := array(t, r)
	for _, item := range items {
		requireKeys(t, item, keys...)
	}
	if want == nil {
		want = coRows{}
	}
	require.Equal(t, want, items, "GET %s", target)
}

func TestCalloutsReferenceCreate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	r := a.do(t, http.MethodPost, "/api/callouts", "", "")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)

	k := object(t, r)
	coRequireCallout(t, a, k, "initialized", nil, `{}`)
	require.Equal(t, k["created_at"], k["updated_at"])
	require.Equal(t, coCalloutPath(idOf(t, k)), r.Header.Get("Location"))
}

func TestCalloutsReferenceUpdateAndFetch(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")

	r := a.form(t, http.MethodPatch, coCalloutPath(idOf(t, k)), coRefCalloutUpdate)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)

	r = a.get(t, coCalloutPath(idOf(t, k)))
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	got := object(t, r)
	coRequireCallout(t, a, got, "initialized", coHelloWorld, `{"name":"my callout"}`)
	require.Equal(t, idOf(t, k), idOf(t, got))
	require.Equal(t, k["created_at"], got["created_at"])
	coRequireNotBefore(t, got["updated_at"], got["created_at"])
}

// coRefMergeModes are the reference's metadata merge mode examples, applied
// to metadata {"name":…,"gender":"m","address":{"city":"Phnom Penh"}}.
var coRefMergeModes = []struct {
	mode string
	body string
	want string
}{
	{
		mode: "merge",
		body: "metadata_merge_mode=merge&metadata[province]=Kampong+Thom",
		want: `{"name":"%s","gender":"m","address":{"city":"Phnom Penh"},` +
			`"province":"Kampong Thom"}`,
	},
	{
		mode: "replace",
		body: "metadata_merge_mode=replace&metadata[gender]=f",
		want: `{"gender":"f"}`,
	},
	{
		mode: "deep_merge",
		body: "metadata_merge_mode=deep_merge&metadata[gender]=f",
		want: `{"name":"%s","gender":"f","address":{"city":"Phnom Penh"}}`,
	},
	{
		// Not in the reference: deep_merge merges nested objects too.
		mode: "deep_merge of a nested object",
		body: "metadata_merge_mode=deep_merge&metadata[address][zip]=120101",
		want: `{"name":"%s","gender":"m","address":{"city":"Phnom Penh","zip":"120101"}}`,
	},
}

// coNamed puts name where want has %s.
func coNamed(want, name string) string { return strings.ReplaceAll(want, "%s", name) }

// coMetadataBefore is the metadata the merge mode examples start from.
const coMetadataBefore = "&metadata[gender]=m&metadata[address][city]=Phnom+Penh"

func TestCalloutsReferenceMetadataMergeModes(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	for _, tt := range coRefMergeModes {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()

			k := a.coNewCallout(t, "metadata[name]=my+callout"+coMetadataBefore)
			r := a.form(t, http.MethodPatch, coCalloutPath(idOf(t, k)), tt.body)
			require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
			require.Empty(t, r.Body)
			require.JSONEq(t, coNamed(tt.want, "my callout"),
				jsonText(t, a.coCallout(t, idOf(t, k))["metadata"]))
		})
	}
}

func TestCalloutsReferenceListAndFilter(t *testing.T) {
	t.Parallel()

	// K1 is the reference's callout after its update example; K2 is
	// created a whole second later and started.
	a := newCaller(t)
	k1 := a.coNewCallout(t, "")
	r := a.form(t, http.MethodPatch, coCalloutPath(idOf(t, k1)), coRefCalloutUpdate)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	k1 = a.coCallout(t, idOf(t, k1))

	between := coWholeSecondAfter(t, k1["updated_at"])
	k2 := a.coCalloutIn(t, "running", "metadata[name]=another+callout")
	require.True(t, requireTimestamp(t, k2["created_at"]).After(between))
	k1, k2 = a.coCallout(t, idOf(t, k1)), a.coCallout(t, idOf(t, k2))
	mid := between.UTC().Format("2006-01-02+15:04:05")

	tests := []struct {
		query string
		want  coRows
	}{
		{query: "", want: coRows{k1, k2}},
		{query: "?q[metadata][name]=my+callout", want: coRows{k1}},
		{query: "?q[status]=initialized", want: coRows{k1}},
		{query: "?q[status]=running", want: coRows{k2}},
		{query: "?q[call_flow_logic]=CallFlowLogic::HelloWorld", want: coRows{k1}},
	}
	for _, column := range []string{"created_at", "updated_at"} {
		tests = append(tests, []struct {
			query string
			want  coRows
		}{
			{query: "?q[" + column + "_before]=" + coRefPast},
			{query: "?q[" + column + "_after]=" + coRefPast, want: coRows{k1, k2}},
			{query: "?q[" + column + "_or_before]=" + coRefPast},
			{query: "?q[" + column + "_or_after]=" + coRefPast, want: coRows{k1, k2}},
			{query: "?q[" + column + "_before]=" + mid, want: coRows{k1}},
			{query: "?q[" + column + "_after]=" + mid, want: coRows{k2}},
			{query: "?q[" + column + "_or_before]=" + mid, want: coRows{k1}},
			{query: "?q[" + column + "_or_after]=" + mid, want: coRows{k2}},
		}...)
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()

			coRefCheck(t, a, "/api/callouts"+tt.query, coCalloutKeys, tt.want...)
		})
	}
}

func TestCalloutsReferenceEvents(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	r := a.form(t, http.MethodPatch, coCalloutPath(idOf(t, k)), coRefCalloutUpdate)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)

	for _, step := range []struct{ event, want string }{
		{"start", "running"}, {"pause", "paused"}, {"resume", "running"}, {"stop", "stopped"},
	} {
		r := a.form(t, http.MethodPost, coCalloutPath(idOf(t, k))+"/callout_events",
			"event="+step.event)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", step.event, r)
		require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
		require.Equal(t, coCalloutPath(idOf(t, k)), r.Header.Get("Location"))

		got := object(t, r)
		coRequireCallout(t, a, got, step.want, coHelloWorld, `{"name":"my callout"}`)
		require.Equal(t, idOf(t, k), idOf(t, got))
		require.Equal(t, k["created_at"], got["created_at"])
	}
}

func TestCalloutsReferenceDelete(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")

	r := a.do(t, http.MethodDelete, coCalloutPath(idOf(t, k)), "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)
	requireNotFound(t, a.get(t, coCalloutPath(idOf(t, k))))
}

func TestCalloutsReferenceParticipationCreate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	c := a.createContact(t, "msisdn=%2B252662345700")

	r := a.form(t, http.MethodPost, coCalloutPath(idOf(t, k))+"/callout_participations",
		"contact_id="+coID(t, c))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))

	p := object(t, r)
	coRequireParticipation(t, p, idOf(t, k), idOf(t, c), "+252662345700", nil, `{}`)
	require.Equal(t, p["created_at"], p["updated_at"])
	require.Equal(t, coParticipationPath(idOf(t, p)), r.Header.Get("Location"))
}

func TestCalloutsReferenceParticipationUpdateAndFetch(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	c := a.createContact(t, "msisdn=%2B252662345700")
	p := a.coJoinContact(t, idOf(t, k), c)

	r := a.form(t, http.MethodPatch, coParticipationPath(idOf(t, p)), coRefPartUpdate)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)

	r = a.get(t, coParticipationPath(idOf(t, p)))
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	got := object(t, r)
	coRequireParticipation(t, got, idOf(t, k), idOf(t, c), "+252662345701", coHelloWorld,
		`{"name":"my callout participation"}`)
	require.Equal(t, idOf(t, p), idOf(t, got))
	require.Equal(t, p["created_at"], got["created_at"])
	coRequireNotBefore(t, got["updated_at"], got["created_at"])
}

func TestCalloutsReferenceParticipationMetadataMergeModes(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	for i, tt := range coRefMergeModes {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()

			p := a.coJoin(t, idOf(t, k), "contact_id="+
				coID(t, a.createContact(t, "msisdn="+msisdn(i+1)))+
				"&metadata[name]=my+callout+participation"+coMetadataBefore)
			r := a.form(t, http.MethodPatch, coParticipationPath(idOf(t, p)), tt.body)
			require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
			require.Empty(t, r.Body)
			require.JSONEq(t, coNamed(tt.want, "my callout participation"),
				jsonText(t, a.coParticipation(t, idOf(t, p))["metadata"]))
		})
	}
}

func TestCalloutsReferenceParticipationListAndFilter(t *testing.T) {
	t.Parallel()

	// P1 is the reference's participation after its update example, in
	// callout K1, and has one failed call. A whole second later, P2 (Bob,
	// on the number P1 had before) and P3 (Carol, one completed call) join
	// callout K2.
	a := newCaller(t)
	alice := a.createContact(t, "msisdn=%2B252662345700")
	bob := a.createContact(t, "msisdn="+msisdn(30))
	carol := a.createContact(t, "msisdn="+msisdn(31))
	k1, k2 := a.coNewCallout(t, ""), a.coNewCallout(t, "")

	p1 := a.coJoinContact(t, idOf(t, k1), alice)
	r := a.form(t, http.MethodPatch, coParticipationPath(idOf(t, p1)), coRefPartUpdate)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	p1 = a.coParticipation(t, idOf(t, p1))

	between := coWholeSecondAfter(t, p1["updated_at"])
	p2 := a.coJoin(t, idOf(t, k2), "contact_id="+coID(t, bob)+
		"&msisdn=252662345700")
	p3 := a.coJoinContact(t, idOf(t, k2), carol)
	require.True(t, requireTimestamp(t, p2["created_at"]).After(between))
	mid := between.UTC().Format("2006-01-02+15:04:05")

	tel := coPhone(t)
	tel.Call(t, a, p1, time.Now()).Move(t, "queued", "remotely_queued", "failed")
	tel.Call(t, a, p3, time.Now()).Move(t, "queued", "remotely_queued", "completed")
	a.coAwaitCalls(t, idOf(t, k1), `{"failed":1}`)
	a.coAwaitCalls(t, idOf(t, k2), `{"completed":1}`)

	// Calls do not change what a participation shows.
	p1, p2, p3 = a.coParticipation(t, idOf(t, p1)), a.coParticipation(t, idOf(t, p2)),
		a.coParticipation(t, idOf(t, p3))
	all := coRows{p1, p2, p3}

	tests := []struct {
		target string
		want   coRows
	}{
		{target: "/api/callout_participations", want: all},
		{
			target: "/api/callout_participations?q[metadata][name]=my+callout+participation",
			want:   coRows{p1},
		},
		{target: coCalloutPath(idOf(t, k1)) + "/callout_participations", want: coRows{p1}},
		{target: contactPath(idOf(t, alice)) + "/callout_participations", want: coRows{p1}},
		{target: "/api/callout_participations?q[msisdn]=252662345700", want: coRows{p2}},
		{
			target: "/api/callout_participations?q[call_flow_logic]=CallFlowLogic::HelloWorld",
			want:   coRows{p1},
		},
		{target: "/api/callout_participations?q[has_phone_calls]=true", want: coRows{p1, p3}},
		{target: "/api/callout_participations?q[has_phone_calls]=false", want: coRows{p2}},
		{
			target: "/api/callout_participations?q[last_phone_call_attempt]=failed,errored",
			want:   coRows{p1},
		},
		{
			target: "/api/callout_participations?q[no_phone_calls_or_last_attempt]=failed,errored",
			want:   coRows{p1, p2},
		},
	}
	for _, column := range []string{"created_at", "updated_at"} {
		base := "/api/callout_participations?q[" + column
		tests = append(tests, []struct {
			target string
			want   coRows
		}{
			{target: base + "_before]=" + coRefPast},
			{target: base + "_after]=" + coRefPast, want: all},
			{target: base + "_or_before]=" + coRefPast},
			{target: base + "_or_after]=" + coRefPast, want: all},
			{target: base + "_before]=" + mid, want: coRows{p1}},
			{target: base + "_after]=" + mid, want: coRows{p2, p3}},
			{target: base + "_or_before]=" + mid, want: coRows{p1}},
			{target: base + "_or_after]=" + mid, want: coRows{p2, p3}},
		}...)
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			t.Parallel()

			coRefCheck(t, a, tt.target, coParticipationKeys, tt.want...)
		})
	}
}

func TestCalloutsReferenceParticipationDelete(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c := a.createContact(t, "msisdn=%2B252662345700")
	p := a.coJoinContact(t, idOf(t, a.coNewCallout(t, "")), c)

	r := a.do(t, http.MethodDelete, coParticipationPath(idOf(t, p)), "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)
	requireNotFound(t, a.get(t, coParticipationPath(idOf(t, p))))
}
