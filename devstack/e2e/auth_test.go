package e2e_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRequestWithoutValidTokenIsUnauthorized(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	a.createContact(t, "msisdn="+msisdn(1))

	tests := []struct {
		name  string
		edits []func(*http.Request)
	}{
		{name: "no token"},
		{name: "unknown token", edits: []func(*http.Request){withBasic(unknownToken)}},
		{name: "unknown bearer token", edits: []func(*http.Request){
			withHeader("Authorization", "Bearer "+unknownToken),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			r := send(t, http.MethodGet, "/api/contacts", "", nil, tt.edits...)
			require.Equal(t, http.StatusUnauthorized, r.Status)
			require.Empty(t, r.Body)
			require.Equal(t, `Bearer realm="Doorkeeper", error="invalid_token", `+
				`error_description="The access token is invalid"`, r.Header.Get("WWW-Authenticate"))
			require.Equal(t, "no-store", r.Header.Get("Cache-Control"))
			require.Equal(t, "no-cache", r.Header.Get("Pragma"))
		})
	}
}

// unknownToken looks like a token but belongs to nobody.
const unknownToken = "0000000000000000000000000000000000000000000000000000000000000000"

func TestEveryTokenTransportAuthenticates(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	a.createContact(t, "msisdn="+msisdn(1))

	tests := []struct {
		name   string
		target string
		edits  []func(*http.Request)
	}{
		{
			name:   "basic with the token as user name",
			target: "/api/contacts",
			edits:  []func(*http.Request){withBasic(a.Token)},
		},
		{
			name:   "bearer header",
			target: "/api/contacts",
			edits:  []func(*http.Request){withHeader("Authorization", "Bearer "+a.Token)},
		},
		{name: "access_token parameter", target: "/api/contacts?access_token=" + a.Token},
		{name: "bearer_token parameter", target: "/api/contacts?bearer_token=" + a.Token},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			r := send(t, http.MethodGet, tt.target, "", nil, tt.edits...)
			require.Equal(t, http.StatusOK, r.Status, "%s", r)
			requirePage(t, r, 25, 1)
			require.Len(t, array(t, r), 1)
		})
	}
}

func TestAnotherAccountsContactIsNotFound(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	c := b.createContact(t, "msisdn="+msisdn(1)+"&metadata[owner]=b")
	path := contactPath(idOf(t, c))

	requireNotFound(t, a.get(t, path))
	requireNotFound(t, a.form(t, http.MethodPatch, path, "msisdn="+msisdn(2)+"&metadata[owner]=a"))
	requireNotFound(t, a.form(t, http.MethodPut, path, "metadata[owner]=a"))
	requireNotFound(t, a.do(t, http.MethodDelete, path, "", ""))

	// The contact is still there, unchanged.
	requireContact(t, b, b.contact(t, idOf(t, c)), "+"+msisdn(1), `{"owner":"b"}`)
	_, items := b.list(t, "/api/contacts")
	require.Len(t, items, 1)
}

func TestMissingContactIsNotFound(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	requireNotFound(t, a.get(t, "/api/contacts/999999"))
	requireNotFound(t, a.get(t, "/api/contacts/not-a-number"))
	requireNotFound(t, a.form(t, http.MethodPatch, "/api/contacts/999999", "metadata[a]=b"))
	requireNotFound(t, a.do(t, http.MethodDelete, "/api/contacts/999999", "", ""))
}

func TestFormatOtherThanJSONIsNotAcceptable(t *testing.T) {
	t.Parallel()

	a := newCaller(t)

	r := a.get(t, "/api/contacts.xml")
	require.Equal(t, http.StatusNotAcceptable, r.Status, "%s", r)

	// The format is checked before the token.
	r = send(t, http.MethodGet, "/api/contacts.xml", "", nil)
	require.Equal(t, http.StatusNotAcceptable, r.Status, "%s", r)

	r = a.get(t, "/api/contacts.json")
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	requirePage(t, r, 25, 0)
}
