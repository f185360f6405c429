package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"scfm/gateway/internal/params"
	"scfm/shared/contract/calloutsv1"
)

// authenticate resolves the request's access token and puts its principal
// in the context. The token is the first non-blank of: the Basic
// username, the Bearer token, the access_token parameter, the bearer_token
// parameter.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := tokenOf(r, paramsOf(r))
		if token == "" && r.Method == http.MethodPost && isWebhook(r.URL.Path) {
			// Provider callbacks prove themselves by their signature.
			next.ServeHTTP(w, r)
			return
		}
		if token == "" {
			unauthorized(w)
			return
		}
		p, found, err := a.tokens.Resolve(r.Context(), token)
		if err != nil {
			a.log.Warn("token check unavailable", "request_id", requestID(r), "err", err)
			unavailable(w)
			return
		}
		if !found {
			unauthorized(w)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyPrincipal, p)))
	})
}

// superAdmin lets only super-admin principals through.
func superAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !principalOf(r).SuperAdmin {
			forbiddenAdmin(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func tokenOf(r *http.Request, p map[string]any) string {
	authz := r.Header.Get("Authorization")
	if len(authz) > 6 && strings.EqualFold(authz[:6], "basic ") {
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(authz[6:])); err == nil {
			user, _, _ := strings.Cut(string(raw), ":")
			if strings.TrimSpace(user) != "" {
				return user
			}
		}
	}
	if len(authz) > 7 && strings.EqualFold(authz[:7], "bearer ") {
		if t := strings.TrimSpace(authz[7:]); t != "" {
			return t
		}
	}
	for _, key := range []string{"access_token", "bearer_token"} {
		if t, ok, err := params.String(p, key); ok && err == nil && strings.TrimSpace(t) != "" {
			return t
		}
	}
	return ""
}

// principalOf returns the authenticated principal of r.
func principalOf(r *http.Request) calloutsv1.Principal {
	p, _ := r.Context().Value(keyPrincipal).(calloutsv1.Principal)
	return p
}
