package e2e_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCalloutsParticipationCreate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	x := a.createContact(t, "msisdn="+msisdn(1))

	r := a.form(t, http.MethodPost, coCalloutPath(idOf(t, k))+"/callout_participations",
		"contact_id="+coID(t, x)+
			"&msisdn=252662345690&call_flow_logic="+coHelloWorld+"&metadata[foo]=bar")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))

	p := object(t, r)
	coRequireParticipation(t, p, idOf(t, k), idOf(t, x), "+252662345690", coHelloWorld,
		`{"foo":"bar"}`)
	require.Equal(t, p["created_at"], p["updated_at"])
	require.Equal(t, coParticipationPath(idOf(t, p)), r.Header.Get("Location"))
	require.Equal(t, p, a.coParticipation(t, idOf(t, p)))
}

func TestCalloutsParticipationCreateValidates(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	k := a.coNewCallout(t, "")
	path := coCalloutPath(idOf(t, k)) + "/callout_participations"
	x := a.createContact(t, "msisdn="+msisdn(1))
	xid := coID(t, x)

	tests := []struct {
		name string
		body string
		want string
	}{
		{
			name: "empty body",
			want: `{"contact":["must exist"],"msisdn":["can't be blank"]}`,
		},
		{
			name: "unknown contact",
			body: "contact_id=999999999",
			want: `{"contact":["must exist"],"msisdn":["can't be blank"]}`,
		},
		{
			name: "contact that is not a number",
			body: "contact_id=abc&msisdn=" + msisdn(5),
			want: `{"contact":["must exist"]}`,
		},
		{
			name: "another account's contact",
			body: "contact_id=" + coID(t, b.createContact(t, "msisdn="+msisdn(2))),
			want: `{"contact":["must exist"],"msisdn":["can't be blank"]}`,
		},
		{
			name: "another account's contact with a number",
			body: "contact_id=" + coID(t, b.createContact(t, "msisdn="+msisdn(3))) +
				"&msisdn=" + msisdn(3),
			want: `{"contact":["must exist"]}`,
		},
		{
			name: "invalid number",
			body: "contact_id=" + xid + "&msisdn=25212345",
			want: `{"msisdn":["is an invalid number"]}`,
		},
		{
			name: "blank number",
			body: "contact_id=" + xid + "&msisdn=",
			want: `{"msisdn":["can't be blank"]}`,
		},
		{
			name: "unknown call flow logic",
			body: "contact_id=" + xid + "&call_flow_logic=Callout",
			want: `{"call_flow_logic":["is not included in the list"]}`,
		},
	}
	// Not parallel: the group returns once all its parallel cases have, so
	// that nothing runs afterwards checks what they left behind.
	t.Run("refused", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()

				requireErrors(t, a.form(t, http.MethodPost, path, tt.body), tt.want)
			})
		}
	})

	require.Empty(t, a.coIDs(t, path))
	require.Empty(t, b.coIDs(t, "/api/callout_participations"))
}

func TestCalloutsParticipationNumberDefaultsToTheContacts(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	x := a.createContact(t, "msisdn="+msisdn(1))

	p := a.coJoinContact(t, idOf(t, k), x)
	coRequireParticipation(t, p, idOf(t, k), idOf(t, x), "+"+msisdn(1), nil, `{}`)

	// The number is the contact's at the time; later changes of the contact
	// do not follow.
	r := a.form(t, http.MethodPatch, contactPath(idOf(t, x)), "msisdn="+msisdn(2))
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Equal(t, "+"+msisdn(1), a.coParticipation(t, idOf(t, p))["msisdn"])

	// A number given is normalised and may differ from the contact's.
	y := a.createContact(t, "msisdn="+msisdn(3))
	q := a.coJoin(t, idOf(t, k), "contact_id="+coID(t, y)+
		"&msisdn=%2B252+66-(2)-345-699")
	coRequireParticipation(t, q, idOf(t, k), idOf(t, y), "+252662345699", nil, `{}`)
}

func TestCalloutsParticipationIsUniquePerCallout(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	path := coCalloutPath(idOf(t, k)) + "/callout_participations"
	x := a.createContact(t, "msisdn="+msisdn(1))
	y := a.createContact(t, "msisdn="+msisdn(2))
	xid, yid := coID(t, x), coID(t, y)
	p := a.coJoinContact(t, idOf(t, k), x)

	requireErrors(t, a.form(t, http.MethodPost, path, "contact_id="+xid+"&msisdn="+msisdn(9)),
		`{"contact_id":["has already been taken"]}`)
	requireErrors(t, a.form(t, http.MethodPost, path, "contact_id="+yid+"&msisdn=%2B"+msisdn(1)),
		`{"msisdn":["has already been taken"]}`)
	requireErrors(t, a.form(t, http.MethodPost, path, "contact_id="+xid),
		`{"contact_id":["has already been taken"],"msisdn":["has already been taken"]}`)

	// Changing another participation to a taken number is refused too.
	q := a.coJoinContact(t, idOf(t, k), y)
	r := a.form(t, http.MethodPatch, coParticipationPath(idOf(t, q)), "msisdn="+msisdn(1))
	requireErrors(t, r, `{"msisdn":["has already been taken"]}`)
	require.Equal(t, "+"+msisdn(2), a.coParticipation(t, idOf(t, q))["msisdn"])

	// Keeping one's own number is no conflict.
	r = a.form(t, http.MethodPatch, coParticipationPath(idOf(t, p)), "msisdn="+msisdn(1))
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)

	// Another callout takes the same contact and number.
	other := a.coNewCallout(t, "")
	a.coJoinContact(t, idOf(t, other), x)

	require.Equal(t, coInts(t, p, q), a.coIDs(t, path))
}

func TestCalloutsParticipationCallFlowLogicIsOwnElseCallouts(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "call_flow_logic="+coHelloWorld)
	bare := a.coNewCallout(t, "")

	inherit := a.coJoinContact(t, idOf(t, k), a.createContact(t, "msisdn="+msisdn(1)))
	own := a.coJoin(t, idOf(t, k), "contact_id="+
		coID(t, a.createContact(t, "msisdn="+msisdn(2)))+
		"&call_flow_logic="+coPlayMessage)
	none := a.coJoinContact(t, idOf(t, bare), a.createContact(t, "msisdn="+msisdn(3)))

	require.Equal(t, coHelloWorld, a.coParticipation(t, idOf(t, inherit))["call_flow_logic"])
	require.Equal(t, coPlayMessage, a.coParticipation(t, idOf(t, own))["call_flow_logic"])
	require.Nil(t, a.coParticipation(t, idOf(t, none))["call_flow_logic"])

	// The inherited value follows the callout.
	r := a.form(t, http.MethodPatch, coCalloutPath(idOf(t, k)), "call_flow_logic="+coPlayMessage)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Equal(t, coPlayMessage, a.coParticipation(t, idOf(t, inherit))["call_flow_logic"])

	// Clearing the participation's own value falls back to the callout's.
	r = a.form(t, http.MethodPatch, coCalloutPath(idOf(t, k)), "call_flow_logic="+coHelloWorld)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	r = a.form(t, http.MethodPatch, coParticipationPath(idOf(t, own)), "call_flow_logic=")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Equal(t, coHelloWorld, a.coParticipation(t, idOf(t, own))["call_flow_logic"])

	// Listings show the effective value too, but filter on the stored one.
	_, items := a.list(t, coCalloutPath(idOf(t, k))+"/callout_participations")
	require.Len(t, items, 2)
	for _, p := range items {
		require.Equal(t, coHelloWorld, p["call_flow_logic"])
	}
	require.Empty(t, a.coIDs(t, "/api/callout_participations?q[call_flow_logic]="+coHelloWorld))
	r = a.form(t, http.MethodPatch, coParticipationPath(idOf(t, own)),
		"call_flow_logic="+coHelloWorld)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Equal(t, coInts(t, own),
		a.coIDs(t, "/api/callout_participations?q[call_flow_logic]="+coHelloWorld))
}

func TestCalloutsParticipationUpdate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	x := a.createContact(t, "msisdn="+msisdn(1))
	z := a.createContact(t, "msisdn="+msisdn(2))
	p := a.coJoin(t, idOf(t, k), "contact_id="+coID(t, x)+"&metadata[bar]=baz")

	r := a.form(t, http.MethodPatch, coParticipationPath(idOf(t, p)),
		"metadata_merge_mode=replace&metadata[foo]=bar&contact_id="+coID(t, z)+
			"&call_flow_logic="+coHelloWorld+"&msisdn=252662345691")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)

	got := a.coParticipation(t, idOf(t, p))
	coRequireParticipation(t, got, idOf(t, k), idOf(t, x), "+252662345691", coHelloWorld,
		`{"foo":"bar"}`)
	require.Equal(t, p["created_at"], got["created_at"])
	coRequireNotBefore(t, got["updated_at"], p["updated_at"])

	// The callout does not change either, nor does an unknown call flow
	// logic or number get in.
	other := a.coNewCallout(t, "")
	r = a.form(t, http.MethodPatch, coParticipationPath(idOf(t, p)),
		"callout_id="+coID(t, other))
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	path := coParticipationPath(idOf(t, p))
	requireErrors(t, a.form(t, http.MethodPatch, path, "call_flow_logic=Callout"),
		`{"call_flow_logic":["is not included in the list"]}`)
	requireErrors(t, a.form(t, http.MethodPatch, path, "msisdn=25212345"),
		`{"msisdn":["is an invalid number"]}`)
	now := a.coParticipation(t, idOf(t, p))
	delete(now, "updated_at")
	delete(got, "updated_at")
	require.Equal(t, got, now)
}

func TestCalloutsParticipationDelete(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	k := a.coNewCallout(t, "")
	p := a.coJoinContact(t, idOf(t, k), a.createContact(t, "msisdn="+msisdn(1)))
	path := coParticipationPath(idOf(t, p))

	requireNotFound(t, b.do(t, http.MethodDelete, path, "", ""))
	requireNotFound(t, b.get(t, path))

	r := a.do(t, http.MethodDelete, path, "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)
	requireNotFound(t, a.get(t, path))
	requireNotFound(t, a.do(t, http.MethodDelete, path, "", ""))
	requireNotFound(t, a.form(t, http.MethodPatch, path, "metadata[a]=b"))
	require.Empty(t, a.coIDs(t, "/api/callout_participations"))
}

func TestCalloutsParticipationsByParent(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	x := a.createContact(t, "msisdn="+msisdn(1))
	y := a.createContact(t, "msisdn="+msisdn(2))
	k1 := a.coNewCallout(t, "")
	k2 := a.coNewCallout(t, "")
	p1 := a.coJoinContact(t, idOf(t, k1), x)
	p2 := a.coJoinContact(t, idOf(t, k2), y)

	bk := b.coNewCallout(t, "")
	bc := b.createContact(t, "msisdn="+msisdn(1))
	bp := b.coJoinContact(t, idOf(t, bk), bc)

	tests := []struct {
		target string
		want   coRows
	}{
		{target: "/api/callout_participations", want: coRows{p1, p2}},
		{target: coCalloutPath(idOf(t, k1)) + "/callout_participations", want: coRows{p1}},
		{target: contactPath(idOf(t, y)) + "/callout_participations", want: coRows{p2}},
		{target: contactPath(idOf(t, x)) + "/callout_participations", want: coRows{p1}},
		{
			target: "/api/callout_participations?q[callout_id]=" + coID(t, k2),
			want:   coRows{p2},
		},
		{
			target: "/api/callout_participations?q[contact_id]=" + coID(t, x),
			want:   coRows{p1},
		},
		{
			target: "/api/callout_participations?q[callout_id]=" +
				coID(t, k1) + "," + coID(t, k2),
			want: coRows{p1, p2},
		},
		{
			// Another account's callout named in a filter finds nothing.
			target: "/api/callout_participations?q[callout_id]=" + coID(t, bk),
		},
		{
			target: coCalloutPath(idOf(t, k1)) + "/callout_participations?q[contact_id]=" +
				coID(t, y),
		},
		{target: "/api/callout_participations?q[msisdn]=%2B" + msisdn(2), want: coRows{p2}},
		{target: "/api/callout_participations?q[callout_population_id]=1"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			t.Parallel()

			r, items := a.list(t, tt.target)
			requirePage(t, r, 25, len(tt.want))
			want := tt.want
			if want == nil {
				want = coRows{}
			}
			require.Equal(t, want, items)
		})
	}

	t.Run("another account's parents are not found", func(t *testing.T) {
		t.Parallel()

		requireNotFound(t, a.get(t, coCalloutPath(idOf(t, bk))+"/callout_participations"))
		requireNotFound(t, a.get(t, contactPath(idOf(t, bc))+"/callout_participations"))
		requireNotFound(t, a.get(t, coParticipationPath(idOf(t, bp))))
		requireNotFound(t, a.get(t, "/api/callouts/999999999/callout_participations"))
		require.Equal(t, coInts(t, bp), b.coIDs(t, "/api/callout_participations"))
	})
}

func TestCalloutsParticipationNoTopLevelCreate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	c := a.createContact(t, "msisdn="+msisdn(1))

	r := a.form(t, http.MethodPost, "/api/callout_participations",
		"callout_id="+coID(t, k)+"&contact_id="+coID(t, c))
	requireNotFound(t, r)
	require.Empty(t, a.coIDs(t, "/api/callout_participations"))
}
