package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"scfm/gateway/internal/params"
	b "scfm/shared/contract/batchesv1"
	"scfm/shared/filter"
)

const svcBatches = b.Service

// batchListings maps the preview and results paths of a batch operation to
// the verbs of their queries.
func batchListings() map[string]string {
	return map[string]string{
		"callout_participations":         "callout_participations",
		"contacts":                       "contacts",
		"phone_calls":                    "phone_calls",
		"preview/callout_participations": "preview_callout_participations",
		"preview/contacts":               "preview_contacts",
		"preview/phone_calls":            "preview_phone_calls",
	}
}

// batchRoutes serves batch operations. The top-level type parameter
// narrows every lookup to that subtype.
func (a *API) batchRoutes(r chi.Router) {
	scalars := []string{"type", "metadata_merge_mode"}
	hashes := []string{"parameters", "metadata"}
	create := a.write(svcBatches, "batch_operation", "create", scalars, hashes...)
	update := a.write(svcBatches, "batch_operation", "update", scalars, hashes...)

	r.Get("/batch_operations", a.listUnder(svcBatches, "batch_operation"))
	r.Get("/callouts/{callout_id}/batch_operations", a.listUnder(svcBatches, "batch_operation"))
	r.Post("/batch_operations", create)
	r.Post("/callouts/{callout_id}/batch_operations", create)
	r.Get("/batch_operations/{id}", a.batchQuery("get"))
	r.Patch("/batch_operations/{id}", update)
	r.Put("/batch_operations/{id}", update)
	r.Delete("/batch_operations/{id}", a.write(svcBatches, "batch_operation", "delete", []string{"type"}))
	r.Post(
		"/batch_operations/{batch_operation_id}/batch_operation_events",
		a.write(svcBatches, "batch_operation", "event", []string{"event"}),
	)
	for path, verb := range batchListings() {
		r.Get("/batch_operations/{id}/"+path, a.batchQuery(verb))
	}
}

// batchQuery asks the batches service verb about the operation in the
// route: the operation itself (get), or a page of its preview or results.
func (a *API) batchQuery(verb string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r, "id")
		if !ok {
			return
		}
		p := paramsOf(r)
		if verb == "get" {
			typ, _, _ := params.String(p, "type")
			a.query(w, r, svcBatches, "batch_operation", verb, filter.Request{ID: id, Type: typ})
			return
		}
		req := listRequest(p)
		req.ID = id
		rep, err := a.bus.Query(r.Context(), svcBatches, "batch_operation", verb, call(r, ""), mustJSON(req))
		if err != nil || rep.Status != http.StatusOK {
			a.answer(w, r, rep, err, "query batch_operation."+verb)
			return
		}
		writeList(w, r, req, rep)
	}
}
