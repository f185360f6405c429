package e2e_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAccountCreatesAccessToken(t *testing.T) {
	t.Parallel()

	a := identNewSelfTokened(t)

	r := a.form(t, http.MethodPost, "/api/access_tokens", "")
	tok := identRequireCreated(t, r, "access_tokens")
	requireKeys(t, tok, identTokenKeys...)
	plain, _ := tok["token"].(string)
	require.Regexp(t, `^[0-9a-f]{64}$`, plain)
	require.JSONEq(t, `{}`, jsonText(t, tok["metadata"]))
	requireTimestamp(t, tok["created_at"])
	requireTimestamp(t, tok["updated_at"])

	// The new token authenticates as A.
	require.Equal(t, a.ID, identAwaitToken(t, plain).ID)

	// Later reads never show the token again.
	got := identFetch(t, a.account, identTokenPath(idOf(t, tok)))
	requireKeys(t, got, identTokenKeys...)
	require.Nil(t, got["token"])
	require.Equal(t, idOf(t, tok), idOf(t, got))
	require.Equal(t, tok["created_at"], got["created_at"])
	require.Equal(t, tok["metadata"], got["metadata"])
}

func TestAdminCreatesAccessTokenForAnotherAccount(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	b := newCaller(t)

	r := admin.form(t, http.MethodPost, "/api/access_tokens", "account_id="+strconv.FormatInt(b.ID, 10))
	tok := identRequireCreated(t, r, "access_tokens")
	requireKeys(t, tok, identTokenKeys...)
	require.Equal(t, b.ID, identAwaitToken(t, tok["token"].(string)).ID)

	// An unknown account is not found.
	requireNotFound(t, admin.form(t, http.MethodPost, "/api/access_tokens", "account_id=999999999"))
}

func TestOrdinaryAccountCreatesAccessTokensOnlyForItself(t *testing.T) {
	t.Parallel()

	a, b := identNewSelfTokened(t), newCaller(t)

	r := a.form(t, http.MethodPost, "/api/access_tokens", "account_id="+strconv.FormatInt(b.ID, 10))
	tok := identRequireCreated(t, r, "access_tokens")
	require.Equal(t, a.ID, identAwaitToken(t, tok["token"].(string)).ID)

	_, bTokens := b.list(t, "/api/access_tokens")
	require.NotContains(t, ids(t, bTokens), idOf(t, tok))
	require.Len(t, bTokens, 1)
}

func TestListAccessTokensShowsOnlyOwnAccount(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	ta2, _ := identCreateToken(t, a, "")

	r, items := a.list(t, "/api/access_tokens")
	requirePage(t, r, 25, 2)
	require.Len(t, items, 2)
	require.Contains(t, ids(t, items), idOf(t, ta2))
	for _, item := range items {
		requireKeys(t, item, identTokenKeys...)
		require.Nil(t, item["token"])
	}

	_, theirs := b.list(t, "/api/access_tokens")
	require.Len(t, theirs, 1)
	require.NotContains(t, ids(t, items), idOf(t, theirs[0]))
}

func TestUpdateAccessTokenMetadata(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	tok, _ := identCreateToken(t, a, "metadata[bar]=baz")
	require.JSONEq(t, `{"bar":"baz"}`, jsonText(t, tok["metadata"]))
	path := identTokenPath(idOf(t, tok))

	identRequireNoContent(t, a.form(t, http.MethodPatch, path,
		"metadata[foo]=bar&metadata_merge_mode=replace"))
	got := identFetch(t, a, path)
	require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, got["metadata"]))
	require.Nil(t, got["token"])

	// The default merges; PUT works like PATCH.
	identRequireNoContent(t, a.form(t, http.MethodPut, path, "metadata[baz]=qux"))
	require.JSONEq(t, `{"foo":"bar","baz":"qux"}`, jsonText(t, identFetch(t, a, path)["metadata"]))
}

func TestAdminReadsAnotherAccountsTokensOnlyByNamingIt(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a, b := newCaller(t), newCaller(t)
	bid := strconv.FormatInt(b.ID, 10)
	_, bTokens := b.list(t, "/api/access_tokens")
	require.Len(t, bTokens, 1)
	tb := idOf(t, bTokens[0])

	r, items := admin.list(t, "/api/accounts/"+bid+"/access_tokens")
	requirePage(t, r, 25, 1)
	require.Equal(t, []int64{tb}, ids(t, items))

	r, items = admin.list(t, "/api/access_tokens?account_id="+bid)
	requirePage(t, r, 25, 1)
	require.Equal(t, []int64{tb}, ids(t, items))

	// Without naming the account the super admin sees its own tokens only.
	requireNotFound(t, admin.get(t, identTokenPath(tb)))
	got := identFetch(t, admin, identTokenPath(tb)+"?account_id="+bid)
	require.Equal(t, tb, idOf(t, got))
	require.Nil(t, got["token"])
	_, own := identListAll(t, admin, "/api/access_tokens")
	require.NotContains(t, ids(t, own), tb)

	// Naming an account that does not exist is not found.
	requireNotFound(t, admin.get(t, "/api/accounts/999999999/access_tokens"))

	// An ordinary account naming another account lists its own tokens.
	_, aTokens := a.list(t, "/api/access_tokens")
	r, items = a.list(t, "/api/accounts/"+bid+"/access_tokens")
	requirePage(t, r, 25, 1)
	require.Equal(t, ids(t, aTokens), ids(t, items))
	requireNotFound(t, a.get(t, identTokenPath(tb)+"?account_id="+bid))
}

func TestUnroutedAccessTokenPathsAreNotFound(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	tok, _ := identCreateToken(t, a, "")

	requireNotFound(t, a.get(t, "/api/access_tokens/new"))
	requireNotFound(t, a.get(t, identTokenPath(idOf(t, tok))+"/edit"))
}

func TestAccessTokenIsDeletedOnlyByItsCreatorOrTheAdmin(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t) // its token was created by the super admin
	_, tokens := a.list(t, "/api/access_tokens")
	require.Len(t, tokens, 1)
	ta := idOf(t, tokens[0])

	requireErrors(t, a.do(t, http.MethodDelete, identTokenPath(ta), "", ""),
		`{"base":["Cannot delete record because the destroyer is not the creator"]}`)
	r := a.get(t, "/api/contacts")
	require.Equal(t, http.StatusOK, r.Status, "the token still works: %s", r)

	// A token A created itself, A may delete (with another token).
	own, plain := identCreateToken(t, a, "")
	identAwaitToken(t, plain)
	identRequireNoContent(t, a.do(t, http.MethodDelete, identTokenPath(idOf(t, own)), "", ""))
	identRequireUnauthorized(t, send(t, http.MethodGet, "/api/contacts", "", nil, withBasic(plain)))
	requireNotFound(t, a.get(t, identTokenPath(idOf(t, own))))

	// The super admin may delete any account's token.
	identRequireNoContent(t, admin.do(t, http.MethodDelete,
		identTokenPath(ta)+"?account_id="+strconv.FormatInt(a.ID, 10), "", ""))
	identRequireUnauthorized(t, a.get(t, "/api/contacts"))
}

// Product bug: an account_id that is not a positive number (0, -1, abc) is
// taken as no account_id at all, so the super admin gets the token or user
// (or the listing) of its own account instead of 404.
func TestAdminNamingAnAccountThatDoesNotExistIsNotFound(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	gone := idOf(t, identCreateAccount(t, admin, ""))
	identRequireNoContent(t, admin.do(t, http.MethodDelete, identAccountPath(gone), "", ""))

	for _, id := range []string{strconv.FormatInt(gone, 10), "999999999", "0", "-1", "abc"} {
		t.Run("account_id="+id, func(t *testing.T) {
			t.Parallel()

			marker := identUnique("m")
			r := admin.form(t, http.MethodPost, "/api/access_tokens",
				"account_id="+id+"&metadata[marker]="+marker)
			identTidyCreated(t, admin, r, identTokenPath)
			requireNotFound(t, r)
			r = admin.form(t, http.MethodPost, "/api/users",
				"account_id="+id+"&email="+identEmail("nobody")+"&password=secret123"+
					"&metadata[marker]="+marker)
			identTidyCreated(t, admin, r, identUserPath)
			requireNotFound(t, r)
			requireNotFound(t, admin.get(t, "/api/access_tokens?account_id="+id))
			requireNotFound(t, admin.get(t, "/api/users?account_id="+id))

			// Nothing was created for the super admin instead.
			r, _ = admin.list(t, "/api/access_tokens?q[metadata][marker]="+marker)
			requirePage(t, r, 25, 0)
			r, _ = admin.list(t, "/api/users?q[metadata][marker]="+marker)
			requirePage(t, r, 25, 0)
		})
	}
}

func TestRepeatedTokenCreateWithIdempotencyKeyCreatesOneToken(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	post := func() response {
		return a.do(t, http.MethodPost, "/api/access_tokens", formType, "metadata[n]=1",
			withHeader("Idempotency-Key", "token-1"))
	}

	first := post()
	tok := identRequireCreated(t, first, "access_tokens")
	again := post()
	require.Equal(t, first.Status, again.Status)
	require.Equal(t, first.Header.Get("Location"), again.Header.Get("Location"))
	require.Equal(t, idOf(t, tok), idOf(t, object(t, again)))

	r, items := a.list(t, "/api/access_tokens")
	requirePage(t, r, 25, 2)
	require.Contains(t, ids(t, items), idOf(t, tok))
}

// identTidyCreated deletes, as the super admin and when the test ends, what
// a request that should have failed created in the super admin's account.
func identTidyCreated(t *testing.T, admin account, r response, path func(int64) string) {
	t.Helper()

	if r.Status != http.StatusCreated {
		return
	}
	id := idOf(t, object(t, r))
	base, _ := gateway(t)
	t.Cleanup(func() {
		// The test's context has ended by now.
		_, _ = exchange(context.Background(), base, http.MethodDelete, path(id), "", nil,
			withBasic(admin.Token))
	})
}
