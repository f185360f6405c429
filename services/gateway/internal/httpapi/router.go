package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Handler returns the API's routes. Unknown routes are 404 with the API's
// not-found body.
func (a *API) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(a.observe, format)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) { notFound(w) })
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) { notFound(w) })

	r.Route("/api", func(r chi.Router) {
		r.Use(a.decodeParams, a.authenticate)

		a.identityRoutes(r)

		r.Get("/contacts", a.listContacts)
		r.Post("/contacts", a.createContact)
		r.Get("/contacts/{id}", a.getContact)
		r.Patch("/contacts/{id}", a.updateContact)
		r.Put("/contacts/{id}", a.updateContact)
		r.Delete("/contacts/{id}", a.deleteContact)
	})
	return r
}
