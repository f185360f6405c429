package e2e_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOrdinaryAccountCannotManageAccounts(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a, b := newCaller(t), newCaller(t)
	aBefore := identAccount(t, admin, a.ID)
	bBefore := identAccount(t, admin, b.ID)
	marker := identUnique("m")

	identRequireAdminOnly(t, a.get(t, "/api/accounts"))
	identRequireAdminOnly(t, a.form(t, http.MethodPost, "/api/accounts", "metadata[marker]="+marker))
	identRequireAdminOnly(t, a.get(t, identAccountPath(a.ID)))
	identRequireAdminOnly(t, a.get(t, identAccountPath(b.ID)))
	identRequireAdminOnly(t, a.form(t, http.MethodPatch, identAccountPath(a.ID),
		"metadata[marker]="+marker+"&settings[platform_provider_name]=somleng"))
	identRequireAdminOnly(t, a.form(t, http.MethodPut, identAccountPath(a.ID),
		"metadata[marker]="+marker))
	identRequireAdminOnly(t, a.form(t, http.MethodPatch, identAccountPath(b.ID),
		"metadata[marker]="+marker))
	identRequireAdminOnly(t, a.do(t, http.MethodDelete, identAccountPath(b.ID), "", ""))
	identRequireAdminOnly(t, a.do(t, http.MethodDelete, identAccountPath(a.ID), "", ""))

	// Nothing was created, changed or deleted.
	r, items := admin.list(t, "/api/accounts?q[metadata][marker]="+marker)
	requirePage(t, r, 25, 0)
	require.Empty(t, items)
	require.Equal(t, aBefore, identAccount(t, admin, a.ID))
	require.Equal(t, bBefore, identAccount(t, admin, b.ID))
	r = b.get(t, "/api/contacts")
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
}

func TestAccountCanDeleteTheTokenItIsUsing(t *testing.T) {
	t.Parallel()

	a := identNewSelfTokened(t)

	r := a.do(t, http.MethodDelete, identTokenPath(a.TokenID), "", "")
	identRequireNoContent(t, r)

	// The very next request with the deleted token is refused.
	identRequireUnauthorized(t, a.get(t, "/api/contacts"))
	identRequireUnauthorized(t, a.get(t, "/api/account"))
}
