package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/contract/telephonyv1"
	"scfm/shared/filter"
)

// The services the gateway sends commands and queries to.
const (
	svcCallouts  = calloutsv1.Service
	svcTelephony = telephonyv1.Service
)

// accountScalars are the single-valued writable account parameters.
func accountScalars() []string {
	return []string{
		"twilio_account_sid", "twilio_auth_token", "somleng_account_sid", "somleng_auth_token",
		"metadata_merge_mode",
	}
}

func (a *API) identityRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(superAdmin)
		r.Get("/accounts", a.listAccounts)
		r.Post("/accounts", a.createAccount)
		r.Get("/accounts/{id}", a.getAccount)
		r.Patch("/accounts/{id}", a.updateAccount)
		r.Put("/accounts/{id}", a.updateAccount)
		r.Delete("/accounts/{id}", a.deleteAccount)
	})
	r.Get("/account", a.getCurrentAccount)
	r.Patch("/account", a.updateCurrentAccount)
	r.Put("/account", a.updateCurrentAccount)

	r.Get("/accounts/{account_id}/access_tokens", a.listScoped("access_token"))
	r.Get("/access_tokens", a.listScoped("access_token"))
	r.Post(
		"/access_tokens",
		a.writeTargeted("access_token", "create", []string{"metadata_merge_mode"}, "metadata"),
	)
	r.Get("/access_tokens/{id}", a.getScoped("access_token"))
	r.Patch(
		"/access_tokens/{id}",
		a.writeTargeted("access_token", "update", []string{"metadata_merge_mode"}, "metadata"),
	)
	r.Put(
		"/access_tokens/{id}",
		a.writeTargeted("access_token", "update", []string{"metadata_merge_mode"}, "metadata"),
	)
	r.Delete("/access_tokens/{id}", a.revokeToken)

	userScalars := []string{"email", "password", "metadata_merge_mode"}
	r.Get("/accounts/{account_id}/users", a.listScoped("user"))
	r.Get("/users", a.listScoped("user"))
	r.Post("/users", a.writeTargeted("user", "create", userScalars, "metadata"))
	r.Get("/users/{id}", a.getScoped("user"))
	r.Patch("/users/{id}", a.writeTargeted("user", "update", userScalars, "metadata"))
	r.Put("/users/{id}", a.writeTargeted("user", "update", userScalars, "metadata"))
	r.Delete("/users/{id}", a.writeTargeted("user", "delete", nil))
	r.Post("/users/{id}/user_events", a.writeTargeted("user", "event", []string{"event"}))
}

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) {
	a.list(w, r, svcCallouts, "account", listRequest(paramsOf(r)))
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request) {
	if id, ok := pathID(w, r, "id"); ok {
		a.query(w, r, svcCallouts, "account", "get", filter.Request{ID: id})
	}
}

func (a *API) getCurrentAccount(w http.ResponseWriter, r *http.Request) {
	a.query(w, r, svcCallouts, "account", "get", filter.Request{ID: principalOf(r).AccountID})
}

func (a *API) createAccount(w http.ResponseWriter, r *http.Request) {
	if payload, ok := pick(w, paramsOf(r), accountScalars(), []string{"metadata", "settings"}); ok {
		a.command(w, r, svcCallouts, "account", "create", payload)
	}
}

func (a *API) updateAccount(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	a.updateAccountID(w, r, id)
}

func (a *API) updateCurrentAccount(w http.ResponseWriter, r *http.Request) {
	a.updateAccountID(w, r, principalOf(r).AccountID)
}

func (a *API) updateAccountID(w http.ResponseWriter, r *http.Request, id int64) {
	if payload, ok := pick(w, paramsOf(r), accountScalars(), []string{"metadata", "settings"}); ok {
		payload["id"] = id
		a.command(w, r, svcCallouts, "account", "update", payload)
	}
}

func (a *API) deleteAccount(w http.ResponseWriter, r *http.Request) {
	if id, ok := pathID(w, r, "id"); ok {
		a.command(w, r, svcCallouts, "account", "delete", map[string]int64{"id": id})
	}
}

// listScoped lists model rows of the target account (own, or the one a
// super admin names).
func (a *API) listScoped(model string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req := listRequest(paramsOf(r))
		req.Scope = map[string]int64{"account_id": targetAccount(r)}
		a.list(w, r, svcCallouts, model, req)
	}
}

// getScoped reads one model row of the target account.
func (a *API) getScoped(model string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if id, ok := pathID(w, r, "id"); ok {
			req := filter.Request{ID: id, Scope: map[string]int64{"account_id": targetAccount(r)}}
			a.query(w, r, svcCallouts, model, "get", req)
		}
	}
}

// writeTargeted is write for resources of a target account (own, or the
// one a super admin names).
func (a *API) writeTargeted(model, verb string, scalars []string, hashes ...string) http.HandlerFunc {
	return a.writeWith(
		svcCallouts,
		model,
		verb,
		scalars,
		hashes,
		func(r *http.Request, payload map[string]any) {
			if target := targetAccount(r); target != 0 {
				payload["account_id"] = target
			}
		},
	)
}

// revokeToken deletes an access token and, once it is gone, waits (briefly)
// until this gateway's token cache has seen the deletion, so the token is
// refused from the very next request on.
func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	payload := map[string]int64{"id": id}
	if target := targetAccount(r); target != 0 {
		payload["account_id"] = target
	}
	c := call(r, commandID(r, principalOf(r).AccountID))
	rep, err := a.bus.Command(r.Context(), svcCallouts, "access_token", "delete", c, mustJSON(payload))
	if err == nil && rep.Status == http.StatusNoContent {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		a.tokens.Barrier(ctx)
		cancel()
	}
	a.answer(w, r, rep, err, "command access_token.delete")
}
