// Package httpapi is the gateway's REST API: it authenticates requests,
// decodes Rails-style parameters, turns each write into a command and each
// read into a query, and writes the services' answers back.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"scfm/gateway/internal/auth"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Config tunes the API.
type Config struct {
	// MaxBodyBytes caps request bodies. Default 10 MiB.
	MaxBodyBytes int64
	// MaxImportBytes caps the file of a contact import, which is read as
	// it arrives, never whole. Default 1 GiB.
	MaxImportBytes int64
}

// API serves the REST routes.
type API struct {
	cfg      Config
	webhooks WebhookConfig
	bus      *natsbus.Client
	tokens   *auth.Resolver
	log      *slog.Logger
	metrics  *metrics
}

// New returns the API over bus and tokens, registering its metrics on reg.
func New(
	cfg Config, webhooks WebhookConfig, bus *natsbus.Client, tokens *auth.Resolver,
	reg prometheus.Registerer, log *slog.Logger,
) *API {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 10 << 20
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = 1 << 30
	}
	return &API{
		cfg: cfg, webhooks: webhooks, bus: bus, tokens: tokens,
		log: log.With("component", "httpapi"), metrics: newMetrics(reg),
	}
}

// newID is a fresh command id.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// idempotencyNamespace scopes command ids derived from Idempotency-Key
// headers, so they never collide with ids derived otherwise.
var idempotencyNamespace = uuid.MustParse("5f1d7c3e-8a4b-4e0f-9b6d-2c7a1e3f4d50")

// commandID is the id of the command a write request becomes: derived from
// the account, the method, the path and the Idempotency-Key header when one
// is sent (so a repeat gets the first answer, and a key never collides
// across accounts or routes), else new.
func commandID(r *http.Request, accountID int64) string {
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		scope := strconv.FormatInt(accountID, 10) + "\x00" + r.Method + "\x00" + r.URL.Path + "\x00" + key
		return uuid.NewSHA1(idempotencyNamespace, []byte(scope)).String()
	}
	return newID()
}

// call is the bus call of request r.
func call(r *http.Request, id string) natsbus.Call {
	return natsbus.Call{
		ID:            id,
		AccountID:     principalOf(r).AccountID,
		SuperAdmin:    principalOf(r).SuperAdmin,
		CorrelationID: requestID(r),
		Traceparent:   r.Header.Get("traceparent"),
	}
}

// command sends a write to service and writes its answer.
func (a *API) command(w http.ResponseWriter, r *http.Request, service, aggregate, verb string, payload any) {
	c := call(r, commandID(r, principalOf(r).AccountID))
	rep, err := a.bus.Command(r.Context(), service, aggregate, verb, c, mustJSON(payload))
	a.answer(w, r, rep, err, "command "+aggregate+"."+verb)
}

// query sends a read to service and writes its answer.
func (a *API) query(w http.ResponseWriter, r *http.Request, service, model, verb string, req filter.Request) {
	rep, err := a.bus.Query(r.Context(), service, model, verb, call(r, ""), mustJSON(req))
	a.answer(w, r, rep, err, "query "+model+"."+verb)
}

// list sends a listing query and writes its page with paging headers.
func (a *API) list(w http.ResponseWriter, r *http.Request, service, model string, req filter.Request) {
	rep, err := a.bus.Query(r.Context(), service, model, "list", call(r, ""), mustJSON(req))
	if err != nil {
		a.answer(w, r, rep, err, "query "+model+".list")
		return
	}
	writeList(w, r, req, rep)
}

func (a *API) answer(w http.ResponseWriter, r *http.Request, rep reply.Reply, err error, what string) {
	if errors.Is(err, natsbus.ErrTooLarge) {
		writeJSON(w, http.StatusRequestEntityTooLarge, `{"errors":{"base":["is too large"]}}`)
		return
	}
	if err != nil {
		level := slog.LevelWarn
		if errors.Is(err, context.Canceled) {
			level = slog.LevelDebug
		}
		a.log.Log(r.Context(), level, "bus call failed", "request_id", requestID(r), "call", what, "err", err)
		unavailable(w)
		return
	}
	if rep.Status >= 500 && rep.Status != http.StatusServiceUnavailable {
		a.log.Error("service answered with a server error", "request_id", requestID(r), "call", what,
			"status", rep.Status)
	}
	writeReply(w, rep)
}

// pathID reads an integer id route parameter; ok is false (and 404 has
// been written) when it is not one.
func pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, ok := routeInt(r, name)
	if !ok {
		notFound(w)
	}
	return id, ok
}

// routeInt reads a positive integer route parameter.
func routeInt(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	return id, err == nil && id > 0
}
