package httpapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"scfm/gateway/internal/params"
)

type ctxKey int

const (
	keyParams ctxKey = iota
	keyPrincipal
	keyRequestID
	keyRawBody
)

// metrics are the gateway's HTTP metrics, labelled by route template.
type metrics struct {
	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	webhookRejected prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scfm_gateway_http_requests_total",
			Help: "HTTP requests by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scfm_gateway_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	m.webhookRejected = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "scfm_gateway_webhook_rejected_total",
		Help: "Provider callbacks refused for a missing or wrong signature.",
	})
	reg.MustRegister(m.requests, m.duration, m.webhookRejected)
	return m
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection, e.g. to move
// the deadlines of a long upload.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// observe assigns a request id, recovers panics as 500, logs the request
// and records its metrics under the route template (never the raw path).
func (a *API) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 200 {
			id = uuid.Must(uuid.NewV7()).String()
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), keyRequestID, id))
		sw := &statusWriter{ResponseWriter: w}

		defer func() {
			if p := recover(); p != nil {
				a.log.Error("handler panicked", "request_id", id, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeJSON(
						sw,
						http.StatusInternalServerError,
						`{"status":500,"error":"Internal Server Error"}`,
					)
				}
			}
			route := chi.RouteContext(r.Context()).RoutePattern()
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			a.metrics.requests.WithLabelValues(r.Method, route, strconv.Itoa(sw.status)).Inc()
			a.metrics.duration.WithLabelValues(r.Method, route).Observe(elapsed.Seconds())
			a.log.LogAttrs(r.Context(), accessLevel(r.URL.Path, sw.status), "http request",
				slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("route", route), slog.Int("status", sw.status),
				slog.Duration("duration", elapsed))
		}()
		next.ServeHTTP(sw, r)
	})
}

// format enforces JSON: a path ending in ".json" is served as if it had no
// extension, any other extension is 406. It runs before authentication, so
// a wrong extension is 406 even without a token.
func format(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		last := path[strings.LastIndexByte(path, '/')+1:]
		if dot := strings.LastIndexByte(last, '.'); dot >= 0 {
			want := "json"
			if r.Method == http.MethodPost && isWebhook(path[:len(path)-len(last)+dot]) {
				want = "xml" // provider callbacks answer TwiML only
			}
			if last[dot+1:] != want {
				w.WriteHeader(http.StatusNotAcceptable)
				return
			}
			r.URL.Path = path[:len(path)-len(last)+dot]
			r.URL.RawPath = ""
		}
		next.ServeHTTP(w, r)
	})
}

// decodeParams reads the query and body parameters once; malformed input
// is answered 400 (or 413 when too large) with an errors body.
func (a *API) decodeParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && isWebhook(r.URL.Path) {
			// Signatures are computed over the form as sent: keep it.
			raw, err := io.ReadAll(io.LimitReader(r.Body, a.cfg.MaxBodyBytes+1))
			if err != nil || int64(len(raw)) > a.cfg.MaxBodyBytes {
				writeJSON(w, http.StatusRequestEntityTooLarge, `{"errors":{"base":["is too large"]}}`)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(raw))
			r = r.WithContext(context.WithValue(r.Context(), keyRawBody, raw))
		}
		src := r
		if streamsBody(r) {
			// Its handler reads the body as it arrives: only the query
			// string is decoded here.
			src = r.WithContext(r.Context())
			src.Body = http.NoBody
		}
		p, err := params.Decode(src, a.cfg.MaxBodyBytes)
		if err != nil {
			status, msg := http.StatusBadRequest, "is invalid"
			if pe, ok := err.(*params.Error); ok {
				status, msg = pe.Status, pe.Message
			}
			writeJSON(w, status, string(mustJSON(map[string]any{
				"errors": map[string][]string{"base": {msg}},
			})))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyParams, p)))
	})
}

// paramsOf returns the decoded parameters of r.
func paramsOf(r *http.Request) map[string]any {
	p, _ := r.Context().Value(keyParams).(map[string]any)
	if p == nil {
		return map[string]any{}
	}
	return p
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(keyRequestID).(string)
	return id
}

// accessLevel is the level a request is logged at. Provider callbacks come
// a thousand a second in a large callout, so a successful one is logged
// only at debug level; everything else is info, and a server error warns.
func accessLevel(path string, status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelWarn
	case isWebhook(path) && status < 400:
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// isWebhook reports whether path is the provider callback route or its
// alias.
func isWebhook(path string) bool {
	return path == webhookPath || path == "/twilio_webhooks/phone_call_events"
}
