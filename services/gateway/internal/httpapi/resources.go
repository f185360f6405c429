package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"scfm/shared/filter"
)

// write sends verb on model to service with the picked parameters of the
// request and the route's integer ids (id, callout_id, ...).
func (a *API) write(service, model, verb string, scalars []string, hashes ...string) http.HandlerFunc {
	return a.writeWith(service, model, verb, scalars, hashes, nil)
}

// writeWith is write with a last touch to the payload.
func (a *API) writeWith(
	service, model, verb string, scalars, hashes []string, touch func(*http.Request, map[string]any),
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
		a.command(w, r, service, model, verb, payload)
	}
}

// get reads one model row of service by the route's id.
func (a *API) get(service, model string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if id, ok := pathID(w, r, "id"); ok {
			a.query(w, r, service, model, "get", filter.Request{ID: id})
		}
	}
}

// listUnder lists model rows, narrowed to the parents the route names
// (e.g. {callout_id}); a parent outside the caller's account is 404.
func (a *API) listUnder(service, model string) http.HandlerFunc {
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
		a.list(w, r, service, model, req)
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

func (a *API) phoneCallRoutes(r chi.Router) {
	scalars := []string{"msisdn", "call_flow_logic", "metadata_merge_mode"}
	hashes := []string{"metadata", "remote_request_params"}
	r.Get("/phone_calls", a.listUnder(svcTelephony, "phone_call"))
	r.Get(
		"/callout_participations/{callout_participation_id}/phone_calls",
		a.listUnder(svcTelephony, "phone_call"),
	)
	r.Get("/callouts/{callout_id}/phone_calls", a.listUnder(svcTelephony, "phone_call"))
	r.Get("/contacts/{contact_id}/phone_calls", a.listUnder(svcTelephony, "phone_call"))
	r.Post("/callout_participations/{callout_participation_id}/phone_calls",
		a.write(svcTelephony, "phone_call", "create", scalars, hashes...))
	r.Get("/phone_calls/{id}", a.get(svcTelephony, "phone_call"))
	r.Patch("/phone_calls/{id}", a.write(svcTelephony, "phone_call", "update", scalars, hashes...))
	r.Put("/phone_calls/{id}", a.write(svcTelephony, "phone_call", "update", scalars, hashes...))
	r.Delete("/phone_calls/{id}", a.write(svcTelephony, "phone_call", "delete", nil))
	r.Post(
		"/phone_calls/{id}/phone_call_events",
		a.write(svcTelephony, "phone_call", "event", []string{"event"}),
	)
}

func (a *API) calloutRoutes(r chi.Router) {
	calloutScalars := []string{"call_flow_logic", "metadata_merge_mode"}
	r.Get("/callouts", a.listUnder(svcCallouts, "callout"))
	r.Post("/callouts", a.write(svcCallouts, "callout", "create", calloutScalars, "metadata"))
	r.Get("/callouts/{id}", a.get(svcCallouts, "callout"))
	r.Patch("/callouts/{id}", a.write(svcCallouts, "callout", "update", calloutScalars, "metadata"))
	r.Put("/callouts/{id}", a.write(svcCallouts, "callout", "update", calloutScalars, "metadata"))
	r.Delete("/callouts/{id}", a.write(svcCallouts, "callout", "delete", nil))
	r.Post("/callouts/{id}/callout_events", a.write(svcCallouts, "callout", "event", []string{"event"}))
	r.Get("/callouts/{id}/summary", a.summary)
	r.Get("/callouts/{callout_id}/contacts", a.listUnder(svcCallouts, "contact"))
	r.Get("/contacts/{contact_id}/callouts", a.listUnder(svcCallouts, "callout"))

	partScalars := []string{"msisdn", "call_flow_logic", "metadata_merge_mode"}
	r.Get("/callout_participations", a.listUnder(svcCallouts, "participation"))
	r.Get("/callouts/{callout_id}/callout_participations", a.listUnder(svcCallouts, "participation"))
	r.Get("/contacts/{contact_id}/callout_participations", a.listUnder(svcCallouts, "participation"))
	r.Post(
		"/callouts/{callout_id}/callout_participations",
		a.write(
			svcCallouts,
			"participation",
			"create",
			append([]string{"contact_id"}, partScalars...),
			"metadata",
		),
	)
	r.Get("/callout_participations/{id}", a.get(svcCallouts, "participation"))
	r.Patch(
		"/callout_participations/{id}",
		a.write(svcCallouts, "participation", "update", partScalars, "metadata"),
	)
	r.Put(
		"/callout_participations/{id}",
		a.write(svcCallouts, "participation", "update", partScalars, "metadata"),
	)
	r.Delete("/callout_participations/{id}", a.write(svcCallouts, "participation", "delete", nil))
}

// summary answers a callout's progress: participations by the status of
// their latest call, calls by status, and calls in flight.
func (a *API) summary(w http.ResponseWriter, r *http.Request) {
	if id, ok := pathID(w, r, "id"); ok {
		a.query(w, r, svcCallouts, "callout", "summary", filter.Request{ID: id})
	}
}

func (a *API) remoteEventRoutes(r chi.Router) {
	r.Post("/remote_phone_call_events", a.webhook)
	r.Get("/remote_phone_call_events", a.listUnder(svcTelephony, "remote_event"))
	r.Get("/remote_phone_call_events/{id}", a.get(svcTelephony, "remote_event"))
	update := a.write(svcTelephony, "remote_event", "update", []string{"metadata_merge_mode"}, "metadata")
	r.Patch("/remote_phone_call_events/{id}", update)
	r.Put("/remote_phone_call_events/{id}", update)
	for _, parent := range []string{
		"/phone_calls/{phone_call_id}", "/callout_participations/{callout_participation_id}",
		"/callouts/{callout_id}", "/contacts/{contact_id}",
	} {
		r.Get(parent+"/remote_phone_call_events", a.listUnder(svcTelephony, "remote_event"))
	}
}
