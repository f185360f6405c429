package e2e_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// identWorld is one of each record an account can own: a contact, a user,
// an access token, a callout and a participation of the contact in the
// callout.
type identWorld struct {
	contact, user, token, callout, participation int64
}

// paths returns the path of each record, by name.
func (w identWorld) paths() map[string]string {
	return map[string]string{
		"contact":       contactPath(w.contact),
		"user":          identUserPath(w.user),
		"token":         identTokenPath(w.token),
		"callout":       "/api/callouts/" + strconv.FormatInt(w.callout, 10),
		"participation": "/api/callout_participations/" + strconv.FormatInt(w.participation, 10),
	}
}

// identNewWorld creates one of each record as a, each with the metadata
// owner=<owner>; n picks the contact's number.
func identNewWorld(t testing.TB, a account, owner string, n int) identWorld {
	t.Helper()

	var w identWorld
	w.contact = idOf(t, a.createContact(t, "msisdn="+msisdn(n)+"&metadata[owner]="+owner))
	w.user = idOf(t, identNewUser(t, a, "metadata[owner]="+owner))
	tok, _ := identCreateToken(t, a, "metadata[owner]="+owner)
	w.token = idOf(t, tok)

	r := a.form(t, http.MethodPost, "/api/callouts",
		"metadata[owner]="+owner+"&call_flow_logic=CallFlowLogic::HelloWorld")
	w.callout = idOf(t, identRequireCreated(t, r, "callouts"))

	r = a.form(t, http.MethodPost, w.paths()["callout"]+"/callout_participations",
		"contact_id="+strconv.FormatInt(w.contact, 10)+"&metadata[owner]="+owner)
	w.participation = idOf(t, identRequireCreated(t, r, "callout_participations"))

	return w
}

// identSnapshot reads, as a, every record of w and the listings that show
// them, as JSON text by path.
func identSnapshot(t testing.TB, a account, w identWorld) map[string]string {
	t.Helper()

	out := map[string]string{}
	targets := []string{
		"/api/contacts", "/api/users", "/api/access_tokens", "/api/callouts",
		"/api/callout_participations",
		w.paths()["callout"] + "/callout_participations",
		w.paths()["callout"] + "/contacts",
		w.paths()["callout"] + "/summary",
		w.paths()["contact"] + "/callouts",
		w.paths()["contact"] + "/callout_participations",
	}
	for _, p := range w.paths() {
		targets = append(targets, p)
	}
	for _, target := range targets {
		r := a.get(t, target)
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", target, r)
		out[target] = string(r.Body)
	}

	return out
}

func TestAnotherAccountsRecordsAreNotFoundOnEveryRoute(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	wa := identNewWorld(t, a, "a", 1)
	wb := identNewWorld(t, b, "b", 2)
	before := identSnapshot(t, a, wa)
	p := wa.paths()
	aid := strconv.FormatInt(a.ID, 10)
	bContact := strconv.FormatInt(wb.contact, 10)

	tests := []struct {
		method string
		target string
		body   string
	}{
		{method: http.MethodGet, target: p["contact"]},
		{method: http.MethodPatch, target: p["contact"], body: "msisdn=" + msisdn(3) + "&metadata[owner]=b"},
		{method: http.MethodPut, target: p["contact"], body: "metadata[owner]=b&metadata_merge_mode=replace"},
		{method: http.MethodDelete, target: p["contact"]},

		{method: http.MethodGet, target: p["user"]},
		{method: http.MethodGet, target: p["user"] + "?account_id=" + aid},
		{method: http.MethodPatch, target: p["user"], body: "metadata[owner]=b&email=" + identEmail("stolen")},
		{method: http.MethodPut, target: p["user"], body: "password=stolen123&account_id=" + aid},
		{method: http.MethodDelete, target: p["user"]},
		{method: http.MethodDelete, target: p["user"] + "?account_id=" + aid},
		{method: http.MethodPost, target: p["user"] + "/user_events", body: "event=invite"},

		{method: http.MethodGet, target: p["token"]},
		{method: http.MethodGet, target: p["token"] + "?account_id=" + aid},
		{method: http.MethodPatch, target: p["token"], body: "metadata[owner]=b"},
		{method: http.MethodPut, target: p["token"], body: "metadata[owner]=b&account_id=" + aid},
		{method: http.MethodDelete, target: p["token"]},
		{method: http.MethodDelete, target: p["token"] + "?account_id=" + aid},

		{method: http.MethodGet, target: p["callout"]},
		{method: http.MethodPatch, target: p["callout"], body: "metadata[owner]=b&call_flow_logic="},
		{method: http.MethodPut, target: p["callout"], body: "metadata[owner]=b"},
		{method: http.MethodDelete, target: p["callout"]},
		{method: http.MethodPost, target: p["callout"] + "/callout_events", body: "event=start"},
		{method: http.MethodGet, target: p["callout"] + "/summary"},
		{method: http.MethodGet, target: p["callout"] + "/callout_participations"},
		{method: http.MethodGet, target: p["callout"] + "/contacts"},
		{
			method: http.MethodPost, target: p["callout"] + "/callout_participations",
			body: "contact_id=" + bContact,
		},

		{method: http.MethodGet, target: p["contact"] + "/callouts"},
		{method: http.MethodGet, target: p["contact"] + "/callout_participations"},

		{method: http.MethodGet, target: p["participation"]},
		{method: http.MethodPatch, target: p["participation"], body: "metadata[owner]=b&msisdn=" + msisdn(4)},
		{method: http.MethodPut, target: p["participation"], body: "call_flow_logic="},
		{method: http.MethodDelete, target: p["participation"]},

		// Routes of phone calls and their events answer the same.
		{method: http.MethodGet, target: p["contact"] + "/phone_calls"},
		{method: http.MethodGet, target: p["contact"] + "/remote_phone_call_events"},
		{method: http.MethodGet, target: p["callout"] + "/phone_calls"},
		{method: http.MethodGet, target: p["callout"] + "/remote_phone_call_events"},
		{method: http.MethodGet, target: p["participation"] + "/phone_calls"},
		{method: http.MethodPost, target: p["participation"] + "/phone_calls"},
		{method: http.MethodGet, target: p["participation"] + "/remote_phone_call_events"},
	}
	for _, tt := range tests {
		contentType := ""
		if tt.body != "" || tt.method == http.MethodPost {
			contentType = formType
		}
		r := b.do(t, tt.method, tt.target, contentType, tt.body)
		require.Equal(t, http.StatusNotFound, r.Status, "%s %s as B: %s", tt.method, tt.target, r)
		require.JSONEq(t, `{"status":404,"error":"Not Found"}`, string(r.Body),
			"%s %s as B", tt.method, tt.target)
	}

	// Nothing of A's changed.
	after := identSnapshot(t, a, wa)
	for target, body := range before {
		require.JSONEq(t, body, after[target], "%s as A", target)
	}
	r := a.get(t, "/api/contacts")
	require.Equal(t, http.StatusOK, r.Status, "A's token was not deleted: %s", r)
}

func TestAnotherAccountsRowsNeverAppearInListings(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	wa := identNewWorld(t, a, "a", 1)
	wb := identNewWorld(t, b, "b", 1)
	aid := strconv.FormatInt(a.ID, 10)

	_, bTokens := b.list(t, "/api/access_tokens")
	require.Len(t, bTokens, 2, "B's tokens: the super admin's and its own")

	tests := []struct {
		target string
		mine   int64 // B's own row; 0 for the token listings, checked apart
		theirs int64 // A's row
	}{
		{target: "/api/contacts", mine: wb.contact, theirs: wa.contact},
		{target: "/api/users", mine: wb.user, theirs: wa.user},
		{target: "/api/users?account_id=" + aid, mine: wb.user, theirs: wa.user},
		{target: "/api/accounts/" + aid + "/users", mine: wb.user, theirs: wa.user},
		{target: "/api/access_tokens", theirs: wa.token},
		{target: "/api/access_tokens?account_id=" + aid, theirs: wa.token},
		{target: "/api/accounts/" + aid + "/access_tokens", theirs: wa.token},
		{target: "/api/callouts", mine: wb.callout, theirs: wa.callout},
		{target: "/api/callout_participations", mine: wb.participation, theirs: wa.participation},
	}
	for _, tt := range tests {
		r, items := b.list(t, tt.target)
		got := ids(t, items)
		require.NotContains(t, got, tt.theirs, "GET %s as B", tt.target)
		if tt.mine == 0 {
			require.ElementsMatch(t, ids(t, bTokens), got, "GET %s as B", tt.target)
			requirePage(t, r, 25, 2)
			continue
		}
		require.Equal(t, []int64{tt.mine}, got, "GET %s as B", tt.target)
		requirePage(t, r, 25, 1)
	}

	// Filters naming A's records find nothing.
	for _, target := range []string{
		"/api/callout_participations?q[callout_id]=" + strconv.FormatInt(wa.callout, 10),
		"/api/callout_participations?q[contact_id]=" + strconv.FormatInt(wa.contact, 10),
	} {
		r, items := b.list(t, target)
		require.Empty(t, items, "GET %s as B", target)
		requirePage(t, r, 25, 0)
	}
}

func TestParticipationCannotUseAnotherAccountsContact(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	theirs := a.createContact(t, "msisdn="+msisdn(1))
	r := b.form(t, http.MethodPost, "/api/callouts", "")
	callout := identRequireCreated(t, r, "callouts")
	target := "/api/callouts/" + strconv.FormatInt(idOf(t, callout), 10) + "/callout_participations"

	requireErrors(t, b.form(t, http.MethodPost, target,
		"contact_id="+strconv.FormatInt(idOf(t, theirs), 10)+"&msisdn="+msisdn(2)),
		`{"contact":["must exist"]}`)

	// Without a number of its own the participation has none either, as
	// with a contact that does not exist at all.
	noNumber := `{"contact":["must exist"],"msisdn":["can't be blank"]}`
	requireErrors(t, b.form(t, http.MethodPost, target,
		"contact_id="+strconv.FormatInt(idOf(t, theirs), 10)), noNumber)
	requireErrors(t, b.form(t, http.MethodPost, target, "contact_id=999999999"), noNumber)

	r, items := b.list(t, target)
	requirePage(t, r, 25, 0)
	require.Empty(t, items)
	_, items = a.list(t, contactPath(idOf(t, theirs))+"/callout_participations")
	require.Empty(t, items)
}
