package e2e_test

// The tests in this file replay the curl examples of the SCFM REST API
// reference for contacts, byte for byte where it matters (curl -d sends
// its argument unencoded, --data-urlencode encodes the value, -g sends
// brackets in the query as they are), and check the answers against the
// reference's sample responses. Real answers also carry account_id, which
// the samples predate.

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// referenceCreate is the body of the reference's create example:
// --data-urlencode "msisdn=+252662345699".
var referenceCreate = url.Values{"msisdn": {"+252662345699"}}.Encode()

// referenceUpdate is the body of the reference's update example:
// --data-urlencode "msisdn=+252662345700" -d "metadata[name]=Alice" -d "metadata[gender]=f".
var referenceUpdate = url.Values{"msisdn": {"+252662345700"}}.Encode() +
	"&metadata[name]=Alice&metadata[gender]=f"

func TestReferenceCreateContact(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	r := a.form(t, http.MethodPost, "/api/contacts", referenceCreate)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)

	c := object(t, r)
	requireContact(t, a, c, "+252662345699", `{}`)
	require.Equal(t, c["created_at"], c["updated_at"])
	require.Equal(t, "/api/contacts/"+strconv.FormatInt(idOf(t, c), 10), r.Header.Get("Location"))
}

func TestReferenceUpdateAndFetchContact(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c := a.createContact(t, referenceCreate)

	r := a.form(t, http.MethodPatch, contactPath(idOf(t, c)), referenceUpdate)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)

	r = a.get(t, contactPath(idOf(t, c)))
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	got := object(t, r)
	requireContact(t, a, got, "+252662345700", `{"name":"Alice","gender":"f"}`)
	require.Equal(t, idOf(t, c), idOf(t, got))
	require.Equal(t, c["created_at"], got["created_at"])
}

func TestReferenceMetadataMergeModes(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	tests := []struct {
		mode string
		body string
		want string
	}{
		{
			mode: "merge",
			body: "metadata_merge_mode=merge&metadata[province]=Kampong+Thom",
			want: `{"name":"Alice","gender":"m","address":{"city":"Phnom Penh"},` +
				`"province":"Kampong Thom"}`,
		},
		{
			mode: "replace",
			body: "metadata_merge_mode=replace&metadata[gender]=f",
			want: `{"gender":"f"}`,
		},
		{
			mode: "deep_merge",
			body: "metadata_merge_mode=deep_merge&metadata[gender]=f&metadata[address][zip]=120101",
			want: `{"name":"Alice","gender":"f","address":{"city":"Phnom Penh","zip":"120101"}}`,
		},
	}
	for i, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()

			c := a.createContact(t, "msisdn="+msisdn(i+1)+
				"&metadata[name]=Alice&metadata[gender]=m&metadata[address][city]=Phnom+Penh")

			r := a.form(t, http.MethodPatch, contactPath(idOf(t, c)), tt.body)
			require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
			require.Empty(t, r.Body)
			require.JSONEq(t, tt.want, jsonText(t, a.contact(t, idOf(t, c))["metadata"]))
		})
	}
}

func TestReferenceDeleteContact(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c := a.createContact(t, referenceCreate)

	r := a.do(t, http.MethodDelete, contactPath(idOf(t, c)), "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)
	requireNotFound(t, a.get(t, contactPath(idOf(t, c))))
}

// referenceIndex is the data the index examples run against: Alice as the
// reference's examples leave her, and Bob, created a little later.
type referenceIndex struct {
	a     account
	alice map[string]any
	bob   map[string]any

	// between is a whole second after Alice was created and before Bob
	// was; Alice was updated after it.
	between time.Time
}

// newReferenceIndex creates Alice, waits past a whole second, creates
// Bob, then updates Alice the way the reference's update example does.
func newReferenceIndex(t *testing.T) referenceIndex {
	t.Helper()

	a := newCaller(t)
	alice := a.createContact(t, referenceCreate)

	between := requireTimestamp(t, alice["created_at"]).Truncate(time.Second).Add(time.Second)
	if between.Equal(between.Truncate(24 * time.Hour)) {
		// A value at exactly midnight compares calendar dates instead.
		between = between.Add(time.Second)
	}
	time.Sleep(time.Until(between.Add(300 * time.Millisecond)))

	bob := a.createContact(t, "msisdn="+msisdn(40)+"&metadata[name]=Bob&metadata[gender]=m")
	require.True(t, requireTimestamp(t, bob["created_at"]).After(between),
		"Bob was created at %s, not after %s", bob["created_at"], between)

	r := a.form(t, http.MethodPatch, contactPath(idOf(t, alice)), referenceUpdate)
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	alice = a.contact(t, idOf(t, alice))
	require.True(t, requireTimestamp(t, alice["updated_at"]).After(between))

	return referenceIndex{a: a, alice: alice, bob: bob, between: between}
}

func TestReferenceListAndFilterContacts(t *testing.T) {
	t.Parallel()

	ix := newReferenceIndex(t)
	a, alice, bob := ix.a, ix.alice, ix.bob

	// check runs one index example and requires exactly the wanted
	// contacts, in id order, with the sample response's headers and keys.
	check := func(t *testing.T, target string, want ...map[string]any) {
		t.Helper()

		r := a.get(t, target)
		require.Equal(t, http.StatusOK, r.Status, "%s", r)
		require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
		requirePage(t, r, 25, len(want))

		items := array(t, r)
		for _, item := range items {
			requireKeys(t, item, contactKeys...)
		}
		if want == nil {
			want = []map[string]any{}
		}
		require.Equal(t, want, items, "GET %s", target)
	}

	t.Run("all contacts", func(t *testing.T) {
		t.Parallel()
		check(t, "/api/contacts", alice, bob)
	})

	t.Run("by metadata", func(t *testing.T) {
		t.Parallel()
		check(t, "/api/contacts?q[metadata][gender]=f", alice)
	})

	t.Run("by msisdn", func(t *testing.T) {
		t.Parallel()
		check(t, "/api/contacts?q[msisdn]=252662345700", alice)
		check(t, "/api/contacts?q[msisdn]=%2B252662345700", alice)
		check(t, "/api/contacts?q[msisdn]=252662345699")
	})

	// Values are written the way the reference writes them, a plus sign
	// standing for the space between date and time.
	const (
		past   = "2017-11-29+01:36:02"
		future = "2999-11-29+01:36:02"
	)
	between := ix.between.UTC().Format("2006-01-02+15:04:05")

	for _, column := range []string{"created_at", "updated_at"} {
		// At the instant between, Alice already existed but Bob did not;
		// Alice's last update came after it.
		early, late := []map[string]any{alice}, []map[string]any{bob}
		if column == "updated_at" {
			early, late = nil, []map[string]any{alice, bob}
		}
		both := []map[string]any{alice, bob}

		tests := []struct {
			op    string
			value string
			want  []map[string]any
		}{
			{op: "before", value: past},
			{op: "before", value: future, want: both},
			{op: "before", value: between, want: early},
			{op: "after", value: past, want: both},
			{op: "after", value: future},
			{op: "after", value: between, want: late},
			{op: "or_before", value: past},
			{op: "or_before", value: future, want: both},
			{op: "or_before", value: between, want: early},
			{op: "or_after", value: past, want: both},
			{op: "or_after", value: future},
			{op: "or_after", value: between, want: late},
		}
		for _, tt := range tests {
			key := column + "_" + tt.op
			t.Run(key+"="+tt.value, func(t *testing.T) {
				t.Parallel()
				check(t, "/api/contacts?q["+key+"]="+tt.value, tt.want...)
			})
		}

		// A bare date compares calendar days (UTC), not instants.
		t.Run(column+" against a date", func(t *testing.T) {
			t.Parallel()

			day := dayOf(t, alice[column])
			onDay := func(ops ...string) []map[string]any {
				var out []map[string]any
				for _, c := range both {
					if compareDays(dayOf(t, c[column]), day, ops) {
						out = append(out, c)
					}
				}
				return out
			}

			check(t, "/api/contacts?q["+column+"_before]="+day, onDay("<")...)
			check(t, "/api/contacts?q["+column+"_or_before]="+day, onDay("<", "=")...)
			check(t, "/api/contacts?q["+column+"_after]="+day, onDay(">")...)
			check(t, "/api/contacts?q["+column+"_or_after]="+day, onDay(">", "=")...)
		})
	}

	t.Run("bounds combine", func(t *testing.T) {
		t.Parallel()
		check(t, "/api/contacts?q[created_at_after]="+past+"&q[created_at_before]="+between, alice)
		check(t, "/api/contacts?q[created_at_after]="+between+"&q[updated_at_before]="+future, bob)
		check(t, "/api/contacts?q[created_at_after]="+between+"&q[metadata][gender]=f")
	})
}

// dayOf returns the UTC calendar day of an API timestamp, as YYYY-MM-DD.
func dayOf(t *testing.T, v any) string {
	t.Helper()

	return requireTimestamp(t, v).UTC().Format(time.DateOnly)
}

// compareDays reports whether day relates to ref by one of ops ("<", "=",
// ">"). Days in YYYY-MM-DD form compare as strings.
func compareDays(day, ref string, ops []string) bool {
	for _, op := range ops {
		switch {
		case op == "<" && day < ref, op == "=" && day == ref, op == ">" && day > ref:
			return true
		}
	}

	return false
}
