package e2e_test

// Helpers of the tests of accounts, access tokens and users. Their names
// start with "ident" so that they do not collide with helpers other test
// files of this package define.

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Keys of the JSON representations of accounts, access tokens and users.
var (
	identAccountKeys = []string{
		"id", "metadata", "settings", "twilio_account_sid", "somleng_account_sid",
		"twilio_auth_token", "somleng_auth_token", "permissions", "created_at", "updated_at",
	}
	identTokenKeys = []string{"id", "token", "created_at", "updated_at", "metadata"}
	identUserKeys  = []string{
		"id", "account_id", "metadata", "email", "created_at", "updated_at",
		"invitation_token", "invitation_created_at", "invitation_sent_at",
		"invitation_accepted_at", "invitation_limit", "invited_by_id", "invitations_count",
	}
)

// identUnique returns prefix followed by random hex, for values that must
// be unique across the accounts of all tests (SIDs, e-mail addresses).
func identUnique(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)

	return prefix + hex.EncodeToString(b)
}

// identEmail returns a unique e-mail address that starts with name.
func identEmail(name string) string {
	return identUnique(name+"-") + "@example.com"
}

// identAdmin returns the super-admin account and its token.
func identAdmin(t testing.TB) account {
	t.Helper()

	_, token := gateway(t)
	r := send(t, http.MethodGet, "/api/account", "", nil, withBasic(token))
	require.Equal(t, http.StatusOK, r.Status, "fetch the admin's account: %s", r)

	return account{ID: idOf(t, object(t, r)), Token: token}
}

// identAccountPath returns the path of an account.
func identAccountPath(id int64) string {
	return "/api/accounts/" + strconv.FormatInt(id, 10)
}

// identTokenPath returns the path of an access token.
func identTokenPath(id int64) string {
	return "/api/access_tokens/" + strconv.FormatInt(id, 10)
}

// identUserPath returns the path of a user.
func identUserPath(id int64) string {
	return "/api/users/" + strconv.FormatInt(id, 10)
}

// identCreateAccount creates an account as the super admin from a form
// body and returns it.
func identCreateAccount(t testing.TB, admin account, body string) map[string]any {
	t.Helper()

	r := admin.form(t, http.MethodPost, "/api/accounts", body)
	require.Equal(t, http.StatusCreated, r.Status, "create an account: %s", r)

	return object(t, r)
}

// identAccount fetches an account as the super admin, requiring it exists.
func identAccount(t testing.TB, admin account, id int64) map[string]any {
	t.Helper()

	r := admin.get(t, identAccountPath(id))
	require.Equal(t, http.StatusOK, r.Status, "fetch account %d: %s", id, r)

	return object(t, r)
}

// identCreateToken creates an access token as a from a form body and
// returns its representation and the plain token.
func identCreateToken(t testing.TB, as account, body string) (map[string]any, string) {
	t.Helper()

	r := as.form(t, http.MethodPost, "/api/access_tokens", body)
	require.Equal(t, http.StatusCreated, r.Status, "create an access token: %s", r)
	tok := object(t, r)
	plain, _ := tok["token"].(string)
	require.Regexp(t, `^[0-9a-f]{64}$`, plain)

	return tok, plain
}

// identAwaitToken waits until the gateway accepts token, and returns the
// account it authenticates as.
func identAwaitToken(t testing.TB, token string) account {
	t.Helper()

	deadline := time.Now().Add(tokenWait)
	for {
		r := send(t, http.MethodGet, "/api/account", "", nil, withBasic(token))
		if r.Status == http.StatusOK {
			return account{ID: idOf(t, object(t, r)), Token: token}
		}
		require.True(t, time.Now().Before(deadline),
			"the gateway still refuses the new token after %s: %s", tokenWait, r)
		time.Sleep(20 * time.Millisecond)
	}
}

// identSelfTokened is an ordinary account acting with a token it created
// itself, and that token's id.
type identSelfTokened struct {
	account
	TokenID int64
}

// identNewSelfTokened creates an ordinary account whose acting token was
// created by the account itself (with the token the super admin gave it).
func identNewSelfTokened(t testing.TB) identSelfTokened {
	t.Helper()

	a := newCaller(t)
	tok, plain := identCreateToken(t, a, "")
	own := identAwaitToken(t, plain)
	require.Equal(t, a.ID, own.ID)

	return identSelfTokened{account: own, TokenID: idOf(t, tok)}
}

// identCreateUser creates a user as a from a form body and returns it.
func identCreateUser(t testing.TB, as account, body string) map[string]any {
	t.Helper()

	r := as.form(t, http.MethodPost, "/api/users", body)
	require.Equal(t, http.StatusCreated, r.Status, "create a user: %s", r)

	return object(t, r)
}

// identNewUser creates a user with a unique e-mail address and a password
// as a, with the given extra form parameters.
func identNewUser(t testing.TB, as account, extra string) map[string]any {
	t.Helper()

	body := "email=" + identEmail("user") + "&password=secret123"
	if extra != "" {
		body += "&" + extra
	}

	return identCreateUser(t, as, body)
}

// identFetch fetches target as a, requiring 200, and returns the object.
func identFetch(t testing.TB, as account, target string) map[string]any {
	t.Helper()

	r := as.get(t, target)
	require.Equal(t, http.StatusOK, r.Status, "fetch %s: %s", target, r)

	return object(t, r)
}

// identRequireAdminOnly requires the answer to an ordinary account on a
// super-admin route: 401 with an empty body and no token challenge.
func identRequireAdminOnly(t testing.TB, r response) {
	t.Helper()

	require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r)
	require.Empty(t, r.Body)
	require.Empty(t, r.Header.Get("WWW-Authenticate"))
}

// identRequireUnauthorized requires the answer to an unknown or revoked
// token: 401 with an empty body and the token challenge.
func identRequireUnauthorized(t testing.TB, r response) {
	t.Helper()

	require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r)
	require.Empty(t, r.Body)
	require.Contains(t, r.Header.Get("WWW-Authenticate"),
		`Bearer realm="Doorkeeper", error="invalid_token"`)
}

// identRequireCreated requires a 201 whose Location is the path of the
// created object, and returns the object.
func identRequireCreated(t testing.TB, r response, plural string) map[string]any {
	t.Helper()

	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	m := object(t, r)
	require.Equal(t, "/api/"+plural+"/"+strconv.FormatInt(idOf(t, m), 10), r.Header.Get("Location"))

	return m
}

// identRequireNoContent requires a 204 with an empty body.
func identRequireNoContent(t testing.TB, r response) {
	t.Helper()

	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)
}

// identRequireNewAccount requires the representation of an account as it
// is right after a create without parameters.
func identRequireNewAccount(t testing.TB, m map[string]any) {
	t.Helper()

	requireKeys(t, m, identAccountKeys...)
	require.Positive(t, idOf(t, m))
	require.JSONEq(t, `{}`, jsonText(t, m["metadata"]))
	require.JSONEq(t, `{}`, jsonText(t, m["settings"]))
	for _, k := range []string{
		"twilio_account_sid", "somleng_account_sid", "twilio_auth_token", "somleng_auth_token",
	} {
		require.Nil(t, m[k], k)
	}
	require.JSONEq(t, `[]`, jsonText(t, m["permissions"]))
	requireTimestamp(t, m["created_at"])
	requireTimestamp(t, m["updated_at"])
}

// identRequireUser requires a full user representation of the account
// with id accountID, with the given e-mail address and metadata (as JSON),
// not invited.
func identRequireUser(t testing.TB, m map[string]any, accountID int64, email, metadata string) {
	t.Helper()

	requireKeys(t, m, identUserKeys...)
	require.Positive(t, idOf(t, m))
	require.Equal(t, accountID, intOf(t, m, "account_id"))
	require.Equal(t, email, m["email"])
	require.JSONEq(t, metadata, jsonText(t, m["metadata"]))
	requireTimestamp(t, m["created_at"])
	requireTimestamp(t, m["updated_at"])
	for _, k := range []string{
		"invitation_token", "invitation_created_at", "invitation_sent_at",
		"invitation_accepted_at", "invitation_limit", "invited_by_id",
	} {
		require.Nil(t, m[k], k)
	}
	require.Equal(t, int64(0), intOf(t, m, "invitations_count"))
}

// identListAll lists every row of a listing as a on one page of 1000.
func identListAll(t testing.TB, as account, target string) (response, []map[string]any) {
	t.Helper()

	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}

	return as.list(t, target+sep+"per_page=1000")
}
