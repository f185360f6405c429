package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"scfm/shared/filter"
)

// write sends verb on model with the picked parameters of the request and
// the route's integer ids (id, callout_id, ...).
func (a *API) write(model, verb string, scalars []string, hashes ...string) http.HandlerFunc {
	return a.writeWith(model, verb, scalars, hashes, nil)
}

// writeWith is write with a last touch to the payload.
func (a *API) writeWith(
	model, verb string, scalars, hashes []string, touch func(*http.Request, map[string]any),
) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		payload, ok := pick(w, paramsOf(r), scalars, hashes)
		if !ok {
			return
		}
		if !routeIDs(w, r, payload) {
			return
		}
		if touch != nil {
			touch(r, payload)
		}
		a.command(w, r, svcCallouts, model, verb, payload)
	}
}

// get reads one model row by the route's id.
func (a *API) get(model string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if id, ok := pathID(w, r, "id"); ok {
			a.query(w, r, svcCallouts, model, "get", filter.Request{ID: id})
		}
	}
}

// listUnder lists model rows, narrowed to the parents the route names
// (e.g. {callout_id}); a parent outside the caller's account is 404.
func (a *API) listUnder(model string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req := listRequest(paramsOf(r))
		scope := map[string]any{}
		if !routeIDs(w, r, scope) {
			return
		}
		for k, v := range scope {
			if req.Scope == nil {
				req.Scope = map[string]int64{}
			}
			req.Scope[k] = v.(int64)
		}
		a.list(w, r, svcCallouts, model, req)
	}
}

// routeIDs copies every route parameter into payload as an integer; a
// parameter that is not a positive integer answers 404.
func routeIDs(w http.ResponseWriter, r *http.Request, payload map[string]any) bool {
	rc := chi.RouteContext(r.Context())
	for _, key := range rc.URLParams.Keys {
		if key == "*" {
			continue // the rest of the path under a mounted router
		}
		id, ok := pathID(w, r, key)
		if !ok {
			return false
		}
		payload[key] = id
	}
	return true
}

func (a *API) calloutRoutes(r chi.Router) {
	calloutScalars := []string{"call_flow_logic", "metadata_merge_mode"}
	r.Get("/callouts", a.listUnder("callout"))
	r.Post("/callouts", a.write("callout", "create", calloutScalars, "metadata"))
	r.Get("/callouts/{id}", a.get("callout"))
	r.Patch("/callouts/{id}", a.write("callout", "update", calloutScalars, "metadata"))
	r.Put("/callouts/{id}", a.write("callout", "update", calloutScalars, "metadata"))
	r.Delete("/callouts/{id}", a.write("callout", "delete", nil))
	r.Post("/callouts/{id}/callout_events", a.write("callout", "event", []string{"event"}))
	r.Get("/callouts/{id}/summary", a.summary)
	r.Get("/callouts/{callout_id}/contacts", a.listUnder("contact"))
	r.Get("/contacts/{contact_id}/callouts", a.listUnder("callout"))

	partScalars := []string{"msisdn", "call_flow_logic", "metadata_merge_mode"}
	r.Get("/callout_participations", a.listUnder("participation"))
	r.Get("/callouts/{callout_id}/callout_participations", a.listUnder("participation"))
	r.Get("/contacts/{contact_id}/callout_participations", a.listUnder("participation"))
	r.Post("/callouts/{callout_id}/callout_participations",
		a.write("participation", "create", append([]string{"contact_id"}, partScalars...), "metadata"))
	r.Get("/callout_participations/{id}", a.get("participation"))
	r.Patch("/callout_participations/{id}", a.write("participation", "update", partScalars, "metadata"))
	r.Put("/callout_participations/{id}", a.write("participation", "update", partScalars, "metadata"))
	r.Delete("/callout_participations/{id}", a.write("participation", "delete", nil))
}

// summary answers a callout's progress: participations by the status of
// their latest call, calls by status, and calls in flight.
func (a *API) summary(w http.ResponseWriter, r *http.Request) {
	if id, ok := pathID(w, r, "id"); ok {
		a.query(w, r, svcCallouts, "callout", "summary", filter.Request{ID: id})
	}
}
