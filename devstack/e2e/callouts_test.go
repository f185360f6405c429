package e2e_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCalloutsCreate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)

	t.Run("with metadata and call flow logic", func(t *testing.T) {
		t.Parallel()

		r := a.form(t, http.MethodPost, "/api/callouts",
			"metadata[foo]=bar&call_flow_logic="+coHelloWorld)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r)
		require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))

		k := object(t, r)
		coRequireCallout(t, a, k, "initialized", coHelloWorld, `{"foo":"bar"}`)
		require.Equal(t, k["created_at"], k["updated_at"])
		require.Equal(t, coCalloutPath(idOf(t, k)), r.Header.Get("Location"))
		require.Equal(t, k, a.coCallout(t, idOf(t, k)))
	})

	t.Run("empty", func(t *testing.T) {
		t.Parallel()

		r := a.do(t, http.MethodPost, "/api/callouts", "", "")
		require.Equal(t, http.StatusCreated, r.Status, "%s", r)
		k := object(t, r)
		coRequireCallout(t, a, k, "initialized", nil, `{}`)
		require.Equal(t, coCalloutPath(idOf(t, k)), r.Header.Get("Location"))
	})

	t.Run("from JSON", func(t *testing.T) {
		t.Parallel()

		r := a.json(t, http.MethodPost, "/api/callouts",
			`{"call_flow_logic":"`+coPlayMessage+`","metadata":{"n":1,"ok":true}}`)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r)
		coRequireCallout(t, a, object(t, r), "initialized", coPlayMessage, `{"n":1,"ok":true}`)
	})
}

func TestCalloutsRefuseUnknownCallFlowLogic(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	requireErrors(t, a.form(t, http.MethodPost, "/api/callouts", "call_flow_logic=Callout"),
		`{"call_flow_logic":["is not included in the list"]}`)

	k := a.coNewCallout(t, "call_flow_logic="+coHelloWorld)
	r := a.form(t, http.MethodPatch, coCalloutPath(idOf(t, k)), "call_flow_logic=Callout")
	requireErrors(t, r, `{"call_flow_logic":["is not included in the list"]}`)
	require.Equal(t, k, a.coCallout(t, idOf(t, k)))

	require.Empty(t, a.coIDs(t, "/api/callouts?q[call_flow_logic]=Callout"))
	r, _ = a.list(t, "/api/callouts")
	requirePage(t, r, 25, 1)
}

func TestCalloutsUpdateIgnoresStatus(t *testing.T) {
	t.Parallel()

	a := newCaller(t)

	t.Run("form", func(t *testing.T) {
		t.Parallel()

		k := a.coNewCallout(t, "metadata[bar]=baz")
		require.Equal(t, k, a.coCallout(t, idOf(t, k)))

		r := a.form(t, http.MethodPatch, coCalloutPath(idOf(t, k)),
			"metadata[foo]=bar&metadata_merge_mode=replace&status=running")
		require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
		require.Empty(t, r.Body)

		got := a.coCallout(t, idOf(t, k))
		coRequireCallout(t, a, got, "initialized", nil, `{"foo":"bar"}`)
		require.Equal(t, k["created_at"], got["created_at"])
	})

	t.Run("JSON on a paused callout", func(t *testing.T) {
		t.Parallel()

		k := a.coCalloutIn(t, "paused", "metadata[bar]=baz")
		r := a.json(t, http.MethodPut, coCalloutPath(idOf(t, k)),
			`{"status":"running","call_flow_logic":"`+coHelloWorld+`"}`)
		require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
		coRequireCallout(t, a, a.coCallout(t, idOf(t, k)), "paused", coHelloWorld, `{"bar":"baz"}`)
	})

	t.Run("blank call flow logic clears it", func(t *testing.T) {
		t.Parallel()

		k := a.coNewCallout(t, "call_flow_logic="+coHelloWorld)
		r := a.form(t, http.MethodPatch, coCalloutPath(idOf(t, k)), "call_flow_logic=")
		require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
		coRequireCallout(t, a, a.coCallout(t, idOf(t, k)), "initialized", nil, `{}`)
	})
}

func TestCalloutsDelete(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	for _, status := range []string{"initialized", "running", "paused", "stopped"} {
		t.Run(status+" without participations", func(t *testing.T) {
			t.Parallel()

			k := a.coCalloutIn(t, status, "")
			path := coCalloutPath(idOf(t, k))

			r := a.do(t, http.MethodDelete, path, "", "")
			require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
			require.Empty(t, r.Body)
			requireNotFound(t, a.get(t, path))
			requireNotFound(t, a.do(t, http.MethodDelete, path, "", ""))
			requireNotFound(t, a.coFire(t, idOf(t, k), "stop"))
		})
	}
}

func TestCalloutsWithParticipationsCannotBeDeleted(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coCalloutIn(t, "running", "")
	p := a.coJoinContact(t, idOf(t, k), a.createContact(t, "msisdn="+msisdn(1)))

	r := a.do(t, http.MethodDelete, coCalloutPath(idOf(t, k)), "", "")
	requireErrors(t, r,
		`{"base":["Cannot delete record because dependent callout participations exist"]}`)
	require.Equal(t, k, a.coCallout(t, idOf(t, k)))

	// Once the participation is gone, so may the callout be.
	r = a.do(t, http.MethodDelete, coParticipationPath(idOf(t, p)), "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	r = a.do(t, http.MethodDelete, coCalloutPath(idOf(t, k)), "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
}

func TestCalloutsContactWithParticipationsCannotBeDeleted(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c := a.createContact(t, "msisdn="+msisdn(1))
	p := a.coJoinContact(t, idOf(t, a.coNewCallout(t, "")), c)

	r := a.do(t, http.MethodDelete, contactPath(idOf(t, c)), "", "")
	requireErrors(t, r,
		`{"base":["Cannot delete record because dependent callout participations exist"]}`)
	require.Equal(t, c, a.contact(t, idOf(t, c)))

	r = a.do(t, http.MethodDelete, coParticipationPath(idOf(t, p)), "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	r = a.do(t, http.MethodDelete, contactPath(idOf(t, c)), "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
}

func TestCalloutsFilter(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	k1 := a.coCalloutIn(t, "running", "call_flow_logic="+coHelloWorld+"&metadata[name]=one")
	k2 := a.coCalloutIn(t, "paused", "metadata[name]=two")
	k3 := a.coCalloutIn(t, "initialized", "call_flow_logic="+coPlayMessage)
	b.coCalloutIn(t, "running", "call_flow_logic="+coHelloWorld)

	tests := []struct {
		query string
		want  coRows
	}{
		{query: "", want: coRows{k1, k2, k3}},
		{query: "q[status]=running,paused", want: coRows{k1, k2}},
		{query: "q[status]=+paused+,+,running", want: coRows{k1, k2}},
		{query: "q[status]=initialized", want: coRows{k3}},
		{query: "q[status]=foo"},
		{query: "q[status]="},
		{query: "q[call_flow_logic]=" + coHelloWorld, want: coRows{k1}},
		{query: "q[call_flow_logic]=" + coHelloWorld + "," + coPlayMessage,
			want: coRows{k1, k3}},
		{query: "q[metadata][name]=two", want: coRows{k2}},
		{query: "q[status]=running,paused&q[metadata][name]=two", want: coRows{k2}},
		{query: "sort=-id", want: coRows{k3, k2, k1}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()

			r, items := a.list(t, "/api/callouts?"+tt.query)
			requirePage(t, r, 25, len(tt.want))
			for _, item := range items {
				requireKeys(t, item, coCalloutKeys...)
			}
			require.Equal(t, coInts(t, tt.want...), ids(t, items))
		})
	}
}

func TestCalloutsOfAContact(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	x := a.createContact(t, "msisdn="+msisdn(1))
	y := a.createContact(t, "msisdn="+msisdn(2))
	k1 := a.coNewCallout(t, "metadata[name]=one")
	k2 := a.coNewCallout(t, "metadata[name]=two")
	a.coJoinContact(t, idOf(t, k1), x)
	a.coJoinContact(t, idOf(t, k2), y)

	r, items := a.list(t, contactPath(idOf(t, x))+"/callouts")
	requirePage(t, r, 25, 1)
	require.Equal(t, coRows{a.coCallout(t, idOf(t, k1))}, items)

	require.Equal(t, coInts(t, k2), a.coIDs(t, contactPath(idOf(t, y))+"/callouts"))
	require.Empty(t, a.coIDs(t, contactPath(idOf(t, x))+"/callouts?q[metadata][name]=two"))
	require.Empty(t, a.coIDs(t, contactPath(idOf(t, a.createContact(t, "msisdn="+msisdn(3))))+
		"/callouts"))

	// Another account's contact is not found.
	requireNotFound(t, b.get(t, contactPath(idOf(t, x))+"/callouts"))
	requireNotFound(t, a.get(t, "/api/contacts/999999999/callouts"))
}

func TestCalloutsContactsOfACallout(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	x := a.createContact(t, "msisdn="+msisdn(1)+"&metadata[name]=x")
	y := a.createContact(t, "msisdn="+msisdn(2))
	k := a.coNewCallout(t, "")
	other := a.coNewCallout(t, "")
	a.coJoinContact(t, idOf(t, k), x)
	a.coJoinContact(t, idOf(t, other), y)

	r, items := a.list(t, coCalloutPath(idOf(t, k))+"/contacts")
	requirePage(t, r, 25, 1)
	require.Equal(t, coRows{x}, items)

	contacts := coCalloutPath(idOf(t, k)) + "/contacts"
	require.Equal(t, coInts(t, x), a.coIDs(t, contacts+"?q[metadata][name]=x"))
	require.Empty(t, a.coIDs(t, contacts+"?q[msisdn]="+msisdn(2)))
	require.Empty(t, a.coIDs(t, coCalloutPath(idOf(t, a.coNewCallout(t, "")))+"/contacts"))

	requireNotFound(t, b.get(t, coCalloutPath(idOf(t, k))+"/contacts"))
	requireNotFound(t, a.get(t, "/api/callouts/999999999/contacts"))
}

func TestCalloutsStart(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "call_flow_logic="+coHelloWorld+"&metadata[foo]=bar")

	r := a.coFire(t, idOf(t, k), "start")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	require.Equal(t, coCalloutPath(idOf(t, k)), r.Header.Get("Location"))

	got := object(t, r)
	coRequireCallout(t, a, got, "running", coHelloWorld, `{"foo":"bar"}`)
	require.Equal(t, idOf(t, k), idOf(t, got))
	require.Equal(t, k["created_at"], got["created_at"])
	coRequireNotBefore(t, got["updated_at"], k["updated_at"])
	require.Equal(t, got, a.coCallout(t, idOf(t, k)))
}

func TestCalloutsEventsInSequence(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coCalloutIn(t, "running", "")

	steps := []struct {
		event string
		want  string // status after the event; empty when it is refused
	}{
		{event: "start"},
		{event: "pause", want: "paused"},
		{event: "resume", want: "running"},
		{event: "stop", want: "stopped"},
		{event: "stop"},
		{event: "resume", want: "running"},
	}
	status := "running"
	for _, s := range steps {
		r := a.coFire(t, idOf(t, k), s.event)
		if s.want == "" {
			requireErrors(t, r, `{"event":["is not included in the list"]}`)
		} else {
			require.Equal(t, http.StatusCreated, r.Status, "%s from %s: %s", s.event, status, r)
			require.Equal(t, s.want, object(t, r)["status"])
			status = s.want
		}
		require.Equal(t, status, a.coCallout(t, idOf(t, k))["status"], "after %s", s.event)
	}
}

func TestCalloutsEveryEventFromEveryStatus(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	next := map[string]map[string]string{ // status → event → next status ("" = refused)
		"initialized": {"start": "running", "pause": "", "resume": "", "stop": ""},
		"running":     {"start": "", "pause": "paused", "resume": "", "stop": "stopped"},
		"paused":      {"start": "", "pause": "", "resume": "running", "stop": "stopped"},
		"stopped":     {"start": "", "pause": "", "resume": "running", "stop": ""},
	}
	for status, events := range next {
		for event, want := range events {
			t.Run(event+" from "+status, func(t *testing.T) {
				t.Parallel()

				k := a.coCalloutIn(t, status, "call_flow_logic="+coHelloWorld)
				r := a.coFire(t, idOf(t, k), event)
				if want == "" {
					requireErrors(t, r, `{"event":["is not included in the list"]}`)
					require.Equal(t, k, a.coCallout(t, idOf(t, k)))
					return
				}

				require.Equal(t, http.StatusCreated, r.Status, "%s", r)
				require.Equal(t, coCalloutPath(idOf(t, k)), r.Header.Get("Location"))
				got := object(t, r)
				coRequireCallout(t, a, got, want, coHelloWorld, `{}`)
				require.Equal(t, got, a.coCallout(t, idOf(t, k)))
			})
		}
	}
}

func TestCalloutsUnknownOrMissingEventIsRefused(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	k := a.coNewCallout(t, "")
	path := coCalloutPath(idOf(t, k)) + "/callout_events"

	for _, body := range []string{"", "event=", "event=foo", "event=START", "event[]=start",
		"event=queue"} {
		requireRefused(t, a.form(t, http.MethodPost, path, body))
	}
	requireErrors(t, a.form(t, http.MethodPost, path, "event=foo"),
		`{"event":["is not included in the list"]}`)
	requireErrors(t, a.form(t, http.MethodPost, path, ""),
		`{"event":["is not included in the list"]}`)

	// Another account's callout is not found, and does not move.
	requireNotFound(t, b.coFire(t, idOf(t, k), "start"))
	requireNotFound(t, a.coFire(t, 999999999, "start"))
	require.Equal(t, k, a.coCallout(t, idOf(t, k)))
}

func TestCalloutsOfAnotherAccountAreNotFound(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	k := b.coNewCallout(t, "metadata[owner]=b")
	path := coCalloutPath(idOf(t, k))

	requireNotFound(t, a.get(t, path))
	requireNotFound(t, a.form(t, http.MethodPatch, path, "metadata[owner]=a"))
	requireNotFound(t, a.do(t, http.MethodDelete, path, "", ""))
	requireNotFound(t, a.get(t, path+"/summary"))
	requireNotFound(t, a.get(t, path+"/callout_participations"))
	requireNotFound(t, a.form(t, http.MethodPost, path+"/callout_participations",
		"contact_id="+coID(t, a.createContact(t, "msisdn="+msisdn(1)))))
	require.Empty(t, a.coIDs(t, "/api/callouts"))

	require.Equal(t, k, b.coCallout(t, idOf(t, k)))
}
