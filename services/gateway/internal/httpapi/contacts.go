package httpapi

import (
	"errors"
	"net/http"

	"scfm/gateway/internal/params"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/filter"
)

func (a *API) listContacts(w http.ResponseWriter, r *http.Request) {
	a.list(w, r, calloutsv1.Service, "contact", listRequest(paramsOf(r)))
}

func (a *API) getContact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	a.query(w, r, calloutsv1.Service, "contact", "get", filter.Request{ID: id})
}

func (a *API) createContact(w http.ResponseWriter, r *http.Request) {
	cw, ok := contactWrite(w, paramsOf(r))
	if !ok {
		return
	}
	a.command(w, r, calloutsv1.Service, "contact", "create", cw)
}

func (a *API) updateContact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	cw, ok := contactWrite(w, paramsOf(r))
	if !ok {
		return
	}
	cw.ID = id
	a.command(w, r, calloutsv1.Service, "contact", "update", cw)
}

func (a *API) deleteContact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	a.command(w, r, calloutsv1.Service, "contact", "delete", calloutsv1.ContactWrite{ID: id})
}

// contactWrite reads the writable contact parameters of p. A hash or array
// sent as msisdn is answered 422; a metadata that is not a hash is dropped.
func contactWrite(w http.ResponseWriter, p map[string]any) (calloutsv1.ContactWrite, bool) {
	var cw calloutsv1.ContactWrite
	s, present, err := params.String(p, "msisdn")
	if errors.Is(err, params.ErrNotScalar) {
		invalid(w, "msisdn", "is invalid")
		return cw, false
	}
	if present {
		cw.MSISDN = &s
	}
	cw.Metadata, _ = params.Hash(p, "metadata")
	cw.MetadataMergeMode, _, _ = params.String(p, "metadata_merge_mode")
	return cw, true
}
