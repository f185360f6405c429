package httpapi

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/twilio/twilio-go/client"

	"scfm/gateway/internal/auth"
	"scfm/shared/natsbus"
)

// webhookPath is the provider callback route; /twilio_webhooks/... is its
// alias.
const webhookPath = "/api/remote_phone_call_events"

const contentXML = "application/xml; charset=utf-8"

// WebhookConfig says how the gateway rebuilds the public URL a provider
// signed.
type WebhookConfig struct {
	// PublicBaseURL, when set, is the scheme and host providers call
	// (e.g. https://scfm.example.org); the request's own are ignored.
	PublicBaseURL string
	// TrustedProxies are the peers whose X-Forwarded-Proto and
	// X-Forwarded-Host are believed when PublicBaseURL is not set.
	TrustedProxies []netip.Prefix
	// Signers finds the account and token behind a provider account SID.
	Signers *auth.Signers
}

// webhook takes a provider callback: it checks X-Twilio-Signature with the
// auth token of the account that owns AccountSid, hands the callback to the
// telephony service, and answers the call flow's TwiML. An access token is
// not needed, but one that is sent must be valid.
func (a *API) webhook(w http.ResponseWriter, r *http.Request) {
	raw, _ := r.Context().Value(keyRawBody).([]byte)
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		forbidden(w)
		return
	}
	account, err := a.signedBy(r, form)
	if errors.Is(err, auth.ErrUnknownSigner) {
		a.metrics.webhookRejected.Inc()
		forbidden(w)
		return
	}
	if err != nil {
		a.log.Warn("webhook signer lookup failed", "request_id", requestID(r), "err", err)
		unavailable(w)
		return
	}

	details := map[string]any{}
	for k, v := range r.URL.Query() {
		details[k] = v[len(v)-1]
	}
	for k, v := range form {
		details[k] = v[0]
	}
	callID, _ := strconv.ParseInt(r.URL.Query().Get("phone_call_id"), 10, 64)
	payload := map[string]any{"account_id": account, "details": details}
	if callID > 0 {
		payload["phone_call_id"] = callID
	}
	c := natsbus.Call{ID: newID(), AccountID: account, CorrelationID: requestID(r)}
	rep, err := a.bus.Command(r.Context(), svcTelephony, "remote_event", "create", c, mustJSON(payload))
	if err != nil {
		a.answer(w, r, rep, err, "command remote_event.create")
		return
	}
	if rep.Status >= 300 {
		writeXMLErrors(w, rep.Status, rep.Body)
		return
	}
	w.Header().Set("Content-Type", contentXML)
	w.WriteHeader(rep.Status)
	_, _ = w.Write(rep.Body)
}

// signedBy returns the account whose provider credentials signed the
// callback, or auth.ErrUnknownSigner. A signature that fails against the
// cached token is checked once more against the bucket's.
func (a *API) signedBy(r *http.Request, form url.Values) (int64, error) {
	sid := form.Get("AccountSid")
	for _, fresh := range []bool{false, true} {
		account, token, err := a.webhooks.Signers.Lookup(r.Context(), sid, fresh)
		if err != nil && !errors.Is(err, auth.ErrUnknownSigner) {
			return 0, err
		}
		if err == nil && validSignature(a.publicURL(r), form, token, r) {
			return account, nil
		}
	}
	return 0, auth.ErrUnknownSigner
}

// validSignature checks X-Twilio-Signature: the provider's HMAC of the
// public URL and the sorted form parameters.
func validSignature(publicURL string, form url.Values, token string, r *http.Request) bool {
	params := make(map[string]string, len(form))
	for k, v := range form {
		params[k] = v[0]
	}
	v := client.NewRequestValidator(token)
	return v.Validate(publicURL, params, r.Header.Get("X-Twilio-Signature"))
}

// publicURL is the URL the provider called: the configured public base URL
// with the request's path and query, or the request's own scheme and host,
// taken from X-Forwarded-* only when the peer is a trusted proxy.
func (a *API) publicURL(r *http.Request) string {
	if a.webhooks.PublicBaseURL != "" {
		return strings.TrimRight(a.webhooks.PublicBaseURL, "/") + r.RequestURI
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if a.trustedPeer(r) {
		if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
			scheme = strings.TrimSpace(strings.Split(p, ",")[0])
		}
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			host = strings.TrimSpace(strings.Split(h, ",")[0])
		}
	}
	return scheme + "://" + host + r.RequestURI
}

func (a *API) trustedPeer(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, p := range a.webhooks.TrustedProxies {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// forbidden answers a callback whose signature does not check out.
func forbidden(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte("Twilio Request Validation Failed."))
}

// writeXMLErrors renders a JSON errors answer as the XML error list
// providers' tooling expects from this route.
func writeXMLErrors(w http.ResponseWriter, status int, body []byte) {
	var e struct {
		Errors map[string][]string `json:"errors"`
	}
	_ = json.Unmarshal(body, &e)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<errors>\n")
	for field, msgs := range e.Errors {
		for _, m := range msgs {
			b.WriteString("  <error>" + xmlEscape(humanize(field)+" "+m) + "</error>\n")
		}
	}
	b.WriteString("</errors>\n")
	w.Header().Set("Content-Type", contentXML)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func humanize(field string) string {
	s := strings.ReplaceAll(field, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}
