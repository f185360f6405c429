package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Handler returns the API's routes. Unknown routes are 404 with the API's
// not-found body.
func (a *API) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(a.observe, format, middleware.GetHead)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) { notFound(w) })
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) { notFound(w) })

	r.With(a.decodeParams, a.authenticate).Post("/twilio_webhooks/phone_call_events", a.webhook)
	r.Route("/api", func(r chi.Router) {
		r.Use(a.decodeParams, a.authenticate)

		a.identityRoutes(r)
		a.calloutRoutes(r)
		a.phoneCallRoutes(r)
		a.remoteEventRoutes(r)
		a.importRoutes(r)
		a.batchRoutes(r)

		contactScalars := []string{"msisdn", "metadata_merge_mode"}
		r.Get("/contacts", a.listUnder(svcCallouts, "contact"))
		r.Post("/contacts", a.write(svcCallouts, "contact", "create", contactScalars, "metadata"))
		r.Get("/contacts/{id}", a.get(svcCallouts, "contact"))
		r.Patch("/contacts/{id}", a.write(svcCallouts, "contact", "update", contactScalars, "metadata"))
		r.Put("/contacts/{id}", a.write(svcCallouts, "contact", "update", contactScalars, "metadata"))
		r.Delete("/contacts/{id}", a.write(svcCallouts, "contact", "delete", nil))
	})
	return r
}
