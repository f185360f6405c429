package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"scfm/gateway/internal/params"
	"scfm/shared/filter"
	"scfm/shared/metadata"
)

// pick copies the writable parameters of p into a command payload: scalars
// as text (a hash or array there is answered 422 and ok is false; JSON null
// becomes ""), hashes only when they are objects (anything else is
// dropped, as clients of this API expect).
func pick(w http.ResponseWriter, p map[string]any, scalars, hashes []string) (map[string]any, bool) {
	out := map[string]any{}
	for _, k := range scalars {
		s, present, err := params.String(p, k)
		if errors.Is(err, params.ErrNotScalar) {
			invalid(w, k, "is invalid")
			return nil, false
		}
		if present {
			out[k] = s
		}
	}
	for _, k := range hashes {
		if h, ok := params.Hash(p, k); ok {
			if !metadata.Storable(h) {
				invalid(w, k, "is invalid")
				return nil, false
			}
			out[k] = h
		}
	}
	return out, true
}

// targetAccount is the account_id a super admin names, from the nested
// route or the account_id parameter; 0 when none, -1 when the value can
// name no account (so the lookup answers 404). Services ignore it for
// ordinary accounts.
func targetAccount(r *http.Request) int64 {
	if chi.URLParam(r, "account_id") != "" {
		if id, ok := routeInt(r, "account_id"); ok {
			return id
		}
		return -1
	}
	v, present := paramsOf(r)["account_id"]
	if !present {
		return 0
	}
	id, err := strconv.ParseInt(strings.TrimSpace(filter.Text(v)), 10, 64)
	if err != nil || id <= 0 {
		return -1
	}
	return id
}
