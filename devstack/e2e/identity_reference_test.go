package e2e_test

// The tests in this file replay the curl examples of the SCFM REST API
// reference for accounts, access tokens and users (curl -d sends its
// argument as written) and check the answers against the reference's
// sample responses: status, Location and paging headers, and keys.

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReferenceCreateAccount(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	r := admin.do(t, http.MethodPost, "/api/accounts", "", "")
	m := identRequireCreated(t, r, "accounts")
	identRequireNewAccount(t, m)
	require.Equal(t, m["created_at"], m["updated_at"])
}

func TestReferenceUpdateFetchAndDeleteAccount(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	created := identCreateAccount(t, admin, "")
	path := identAccountPath(idOf(t, created))
	sid := identUnique("abcdefg")

	// -d "somleng_account_sid=abcdefg" -d "metadata[name]=Basic+Account"
	r := admin.form(t, http.MethodPatch, path, "somleng_account_sid="+sid+"&metadata[name]=Basic+Account")
	identRequireNoContent(t, r)

	r = admin.get(t, path)
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	got := object(t, r)
	requireKeys(t, got, identAccountKeys...)
	require.Equal(t, idOf(t, created), idOf(t, got))
	require.JSONEq(t, `{"name":"Basic Account"}`, jsonText(t, got["metadata"]))
	require.JSONEq(t, `{}`, jsonText(t, got["settings"]))
	require.Nil(t, got["twilio_account_sid"])
	require.Equal(t, sid, got["somleng_account_sid"])
	require.Nil(t, got["twilio_auth_token"])
	require.Nil(t, got["somleng_auth_token"])
	require.JSONEq(t, `[]`, jsonText(t, got["permissions"]))
	require.Equal(t, created["created_at"], got["created_at"])
	require.False(t, requireTimestamp(t, got["updated_at"]).Before(requireTimestamp(t, got["created_at"])))

	r = admin.do(t, http.MethodDelete, path, "", "")
	identRequireNoContent(t, r)
	requireNotFound(t, admin.get(t, path))
}

func TestReferenceListAccounts(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	first := identCreateAccount(t, admin, "")
	second := identCreateAccount(t, admin, "")
	sid := identUnique("abcdefg")
	identRequireNoContent(t, admin.form(t, http.MethodPatch, identAccountPath(idOf(t, second)),
		"somleng_account_sid="+sid+"&metadata[name]=Basic+Account"))

	r := admin.get(t, "/api/accounts")
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	require.Equal(t, "25", r.Header.Get("Per-Page"))
	total, err := strconv.Atoi(r.Header.Get("Total"))
	require.NoError(t, err, "Total %q", r.Header.Get("Total"))
	require.GreaterOrEqual(t, total, 3)
	items := array(t, r)
	require.NotEmpty(t, items)
	for _, item := range items {
		requireKeys(t, item, identAccountKeys...)
	}

	// Both accounts are listed as they are.
	_, all := identListAll(t, admin, "/api/accounts")
	byID := map[int64]map[string]any{}
	for _, item := range all {
		byID[idOf(t, item)] = item
	}
	require.Equal(t, first, byID[idOf(t, first)])
	require.Equal(t, identAccount(t, admin, idOf(t, second)), byID[idOf(t, second)])
	require.JSONEq(t, `{"name":"Basic Account"}`, jsonText(t, byID[idOf(t, second)]["metadata"]))
}

func TestReferenceCreateAccessTokenIgnoresAccountSID(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	other := idOf(t, identCreateAccount(t, admin, ""))

	// -d "account_sid=2": not a parameter of the API, so the token is the
	// caller's own.
	r := admin.form(t, http.MethodPost, "/api/access_tokens", "account_sid="+strconv.FormatInt(other, 10))
	tok := identRequireCreated(t, r, "access_tokens")
	requireKeys(t, tok, identTokenKeys...)
	require.Regexp(t, `^[0-9a-f]{64}$`, tok["token"])
	require.JSONEq(t, `{}`, jsonText(t, tok["metadata"]))
	requireTimestamp(t, tok["created_at"])
	requireTimestamp(t, tok["updated_at"])

	require.Equal(t, admin.ID, identAwaitToken(t, tok["token"].(string)).ID)
	r, items := admin.list(t, "/api/accounts/"+strconv.FormatInt(other, 10)+"/access_tokens")
	requirePage(t, r, 25, 0)
	require.Empty(t, items)

	// Tidy up the super admin's extra token.
	identRequireNoContent(t, admin.do(t, http.MethodDelete, identTokenPath(idOf(t, tok)), "", ""))
}

func TestReferenceCreateUser(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	email := identEmail("user")

	// -d "email=user@example.com" -d "password=secret1234"
	r := a.form(t, http.MethodPost, "/api/users", "email="+email+"&password=secret1234")
	u := identRequireCreated(t, r, "users")
	identRequireUser(t, u, a.ID, email, `{}`)
	require.Equal(t, u["created_at"], u["updated_at"])
}

func TestReferenceUpdateFetchListAndDeleteUsers(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	first := identCreateUser(t, a, "email="+identEmail("somleng")+"&password=secret1234")
	u := identCreateUser(t, a, "email="+identEmail("user")+"&password=secret1234")
	path := identUserPath(idOf(t, u))

	// -d "metadata[first_name]=Bob" -d "metadata[last_name]=Chann"
	r := a.form(t, http.MethodPatch, path, "metadata[first_name]=Bob&metadata[last_name]=Chann")
	identRequireNoContent(t, r)

	r = a.get(t, path)
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	got := object(t, r)
	identRequireUser(t, got, a.ID, u["email"].(string), `{"last_name":"Chann","first_name":"Bob"}`)
	require.Equal(t, idOf(t, u), idOf(t, got))
	require.Equal(t, u["created_at"], got["created_at"])

	r = a.get(t, "/api/users")
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	requirePage(t, r, 25, 2)
	items := array(t, r)
	require.Equal(t, []map[string]any{first, got}, items)

	identRequireNoContent(t, a.do(t, http.MethodDelete, path, "", ""))
	requireNotFound(t, a.get(t, path))
	r = a.get(t, "/api/users")
	requirePage(t, r, 25, 1)
	require.Equal(t, []map[string]any{first}, array(t, r))
}
