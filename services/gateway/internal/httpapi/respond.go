package httpapi

import (
	"net/http"

	"scfm/shared/reply"
)

const contentJSON = "application/json; charset=utf-8"

// writeReply writes a service's answer as the HTTP response.
func writeReply(w http.ResponseWriter, r reply.Reply) {
	if r.Location != "" {
		w.Header().Set("Location", r.Location)
	}
	if r.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if r.Status == http.StatusNoContent || len(r.Body) == 0 {
		w.WriteHeader(r.Status)
		return
	}
	w.Header().Set("Content-Type", contentJSON)
	w.WriteHeader(r.Status)
	_, _ = w.Write(r.Body)
}

// writeJSON writes a literal JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", contentJSON)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// notFound answers 404 in the shape REST clients of this API expect.
func notFound(w http.ResponseWriter) { writeReply(w, reply.NotFound()) }

// unavailable answers 503 with Retry-After: a dependency is down or slow
// and the request can be repeated (with the same Idempotency-Key).
func unavailable(w http.ResponseWriter) { writeReply(w, reply.Unavailable()) }

// invalid answers 422 with one message on one field.
func invalid(w http.ResponseWriter, field, msg string) {
	writeReply(w, reply.Invalid1(field, msg))
}

// unauthorized answers 401 for a missing or unknown token, with the
// headers OAuth clients of this API expect and an empty body.
func unauthorized(w http.ResponseWriter) {
	h := w.Header()
	h.Set("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", `+
		`error_description="The access token is invalid"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusUnauthorized)
}

// forbiddenAdmin answers 401 without a challenge: the token is valid but
// the route needs a super-admin account.
func forbiddenAdmin(w http.ResponseWriter) { w.WriteHeader(http.StatusUnauthorized) }
