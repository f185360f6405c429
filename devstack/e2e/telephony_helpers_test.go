package e2e_test

// Helpers of the phone call, dispatch and provider callback tests. Their
// names start with "tel" so that they do not collide with helpers other test
// files of this package define.

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // provider callbacks are signed with HMAC-SHA1
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Phone call statuses as the API shows them.
const (
	telCreated        = "created"
	telQueued         = "queued"
	telRemotelyQueued = "remotely_queued"
	telFetchQueued    = "remote_fetch_queued"
	telInProgress     = "in_progress"
	telCompleted      = "completed"
	telBusy           = "busy"
	telErrored        = "errored"
)

// telTerminal are the statuses a phone call never leaves.
var telTerminal = []string{
	"completed", "busy", "not_answered", "failed", "canceled", "errored", "expired",
}

// telPhoneCallKeys are the keys of a phone call's JSON representation.
var telPhoneCallKeys = []string{
	"id", "callout_participation_id", "contact_id", "create_batch_operation_id",
	"queue_batch_operation_id", "queue_remote_fetch_batch_operation_id", "status", "msisdn",
	"remote_call_id", "remote_status", "remote_direction", "remote_error_message", "metadata",
	"remote_response", "remote_request_params", "remote_queue_response", "call_flow_logic",
	"remotely_queued_at", "created_at", "updated_at",
}

// telRemoteEventKeys are the keys of a remote phone call event's JSON
// representation.
var telRemoteEventKeys = []string{
	"id", "phone_call_id", "details", "metadata", "remote_call_id", "remote_direction",
	"call_flow_logic", "created_at", "updated_at",
}

// telHelloWorldTwiML is the answer of the HelloWorld call flow.
const telHelloWorldTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response>` +
	`<Say>Thanks for trying our documentation. Enjoy!</Say>` +
	`<Play>http://demo.twilio.com/docs/classic.mp3</Play></Response>`

// telWebhookPath is the provider callback route.
const telWebhookPath = "/api/remote_phone_call_events"

// telRejected is the body of a callback whose signature does not check out.
const telRejected = "Twilio Request Validation Failed."

// telWait bounds the wait for asynchronous outcomes: the dispatcher, the
// provider's answer, the projections.
const telWait = 20 * time.Second

// telPhoneCallPath returns the path of a phone call.
func telPhoneCallPath(id int64) string {
	return "/api/phone_calls/" + strconv.FormatInt(id, 10)
}

// telRemoteEventPath returns the path of a remote phone call event.
func telRemoteEventPath(id int64) string {
	return "/api/remote_phone_call_events/" + strconv.FormatInt(id, 10)
}

// telStubRequest is one request the Twilio stub received.
type telStubRequest struct {
	Method string
	Path   string
	User   string
	Pass   string
	Accept string
	Form   url.Values
	At     time.Time
}

// telStubAnswer is what the stub answers: a status and a JSON body.
type telStubAnswer struct {
	Status int
	Body   string
}

// telStub is a fake Twilio-compatible provider on 127.0.0.1. It records
// every request and answers call creations, fetches and listings as the
// test says.
type telStub struct {
	URL string

	mu       sync.Mutex
	requests []telStubRequest
	create   func(r telStubRequest) telStubAnswer
	fetch    func(r telStubRequest, sid string) telStubAnswer
}

// telNewStub starts a stub that answers every call creation with a new
// call SID, direction outbound-api and status queued, and every fetch with
// 404.
func telNewStub(t testing.TB) *telStub {
	t.Helper()

	s := &telStub{}
	s.create = func(telStubRequest) telStubAnswer {
		return telStubAnswer{Status: http.StatusCreated, Body: telCallJSON(telSID(), "queued")}
	}
	s.fetch = func(telStubRequest, string) telStubAnswer {
		return telStubAnswer{Status: http.StatusNotFound, Body: `{"code":20404,"message":"not found","status":404}`}
	}

	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL

	return s
}

// OnCreate sets the answer to call creations.
func (s *telStub) OnCreate(f func(r telStubRequest) telStubAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.create = f
}

// OnFetch sets the answer to call fetches.
func (s *telStub) OnFetch(f func(r telStubRequest, sid string) telStubAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.fetch = f
}

// Requests returns the requests received so far, in order.
func (s *telStub) Requests() []telStubRequest {
	s.mu.Lock()
	defer s.mu.Unlock()

	return append([]telStubRequest(nil), s.requests...)
}

// Creates returns the call creations received so far, in order.
func (s *telStub) Creates() []telStubRequest {
	var out []telStubRequest
	for _, r := range s.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/Calls.json") {
			out = append(out, r)
		}
	}

	return out
}

// Fetches returns the call fetches received so far, in order.
func (s *telStub) Fetches() []telStubRequest {
	var out []telStubRequest
	for _, r := range s.Requests() {
		if r.Method == http.MethodGet && !strings.HasSuffix(r.Path, "/Calls.json") {
			out = append(out, r)
		}
	}

	return out
}

func (s *telStub) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	user, pass, _ := r.BasicAuth()
	req := telStubRequest{
		Method: r.Method, Path: r.URL.Path, User: user, Pass: pass,
		Accept: r.Header.Get("Accept"), Form: form, At: at,
	}

	s.mu.Lock()
	s.requests = append(s.requests, req)
	create, fetch := s.create, s.fetch
	s.mu.Unlock()

	var a telStubAnswer
	calls := strings.TrimPrefix(r.URL.Path, "/2010-04-01/Accounts/")
	_, rest, _ := strings.Cut(calls, "/")
	switch {
	case r.Method == http.MethodPost && rest == "Calls.json":
		a = create(req)
	case r.Method == http.MethodGet && rest == "Calls.json":
		a = telStubAnswer{Status: http.StatusOK, Body: `{"calls":[],"page":0,"page_size":20,` +
			`"start":0,"end":0,"uri":"","first_page_uri":"","next_page_uri":null,"previous_page_uri":null}`}
	case r.Method == http.MethodGet && strings.HasPrefix(rest, "Calls/") && strings.HasSuffix(rest, ".json"):
		a = fetch(req, strings.TrimSuffix(strings.TrimPrefix(rest, "Calls/"), ".json"))
	default:
		a = telStubAnswer{Status: http.StatusNotFound, Body: `{"code":20404,"message":"no route","status":404}`}
	}

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	_, _ = io.WriteString(w, a.Body)
}

// telCallJSON returns a provider call resource with the given SID and
// status (no status when it is empty).
func telCallJSON(sid, status string) string {
	m := map[string]any{"sid": sid, "direction": "outbound-api"}
	if status != "" {
		m["status"] = status
	}
	b, _ := json.Marshal(m)

	return string(b)
}

// telSIDs numbers the call SIDs of this test run.
var telSIDs atomic.Int64

// telSID returns a call SID unique across the system: remote call ids are
// unique in every account together.
func telSID() string {
	return fmt.Sprintf("CA%s%06d", identUnique("")[:10], telSIDs.Add(1))
}

// telAccount is an ordinary account with provider credentials.
type telAccount struct {
	account

	// SID and AuthToken are the Twilio credentials calls are placed and
	// callbacks signed with.
	SID       string
	AuthToken string
	// SomlengSID and SomlengToken are the Somleng credentials, when set.
	SomlengSID   string
	SomlengToken string
}

// telProviderAccount creates an account whose calls go through the Twilio
// stub at stubURL (none when empty), with a unique Twilio account SID and
// auth token and the given extra settings (a form body, such as
// settings[calls_per_second]=5). It waits until the system knows the
// credentials.
func telProviderAccount(t testing.TB, stubURL, extra string) telAccount {
	t.Helper()

	a := telAccount{account: newCaller(t), SID: identUnique("AC"), AuthToken: identUnique("secret-")}
	body := "twilio_account_sid=" + a.SID + "&twilio_auth_token=" + a.AuthToken +
		"&settings[platform_provider_name]=twilio"
	if stubURL != "" {
		body += "&settings[twilio_api_base_url]=" + url.QueryEscape(stubURL)
	}
	if extra != "" {
		body += "&" + extra
	}
	telConfigure(t, a.ID, body)
	telAwaitSigner(t, a.SID, a.AuthToken)

	return a
}

// telWebhookAccount creates an account with both Twilio and Somleng
// credentials (a Somleng SID that does not start with AC), and waits until
// the system knows them.
func telWebhookAccount(t testing.TB) telAccount {
	t.Helper()

	a := telAccount{
		account: newCaller(t), SID: identUnique("AC"), AuthToken: identUnique("s1-"),
		SomlengSID: identUnique("SOM"), SomlengToken: identUnique("s2-"),
	}
	telConfigure(t, a.ID, "twilio_account_sid="+a.SID+"&twilio_auth_token="+a.AuthToken+
		"&somleng_account_sid="+a.SomlengSID+"&somleng_auth_token="+a.SomlengToken)
	telAwaitSigner(t, a.SID, a.AuthToken)
	telAwaitSigner(t, a.SomlengSID, a.SomlengToken)

	return a
}

// telConfigure changes account id as the super admin with a form body.
func telConfigure(t testing.TB, id int64, body string) {
	t.Helper()

	r := identAdmin(t).form(t, http.MethodPatch, identAccountPath(id), body)
	require.Equal(t, http.StatusNoContent, r.Status, "configure account %d: %s", id, r)
}

// telAwaitSigner waits until the gateway checks callbacks of sid with
// token: a signed callback without a CallSid is refused as forbidden until
// the credentials arrive, and as invalid (nothing recorded) afterwards.
func telAwaitSigner(t testing.TB, sid, token string) {
	t.Helper()

	form := url.Values{"AccountSid": {sid}}
	deadline := time.Now().Add(telWait)
	for {
		r := telPost(t, telWebhookPath, form, token)
		if r.Status != http.StatusForbidden {
			require.Equal(t, http.StatusUnprocessableEntity, r.Status,
				"a signed callback without a CallSid: %s", r)
			return
		}
		require.True(t, time.Now().Before(deadline),
			"the gateway still refuses callbacks of %s after %s", sid, telWait)
		time.Sleep(25 * time.Millisecond)
	}
}

// telSign returns the X-Twilio-Signature of a form posted to fullURL:
// Base64 of the HMAC-SHA1, keyed with the auth token, of the URL followed
// by every form field's name and value, sorted by name.
func telSign(token, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(fullURL))
	for _, k := range keys {
		for _, v := range form[k] {
			mac.Write([]byte(k + v))
		}
	}

	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// telPost posts a provider callback to target (a path with an optional
// query) signed with token over the gateway's public URL of target.
func telPost(t testing.TB, target string, form url.Values, token string,
	edits ...func(*http.Request),
) response {
	t.Helper()

	base, _ := gateway(t)
	sig := telSign(token, base+target, form)

	return telPostSigned(t, target, form, sig, edits...)
}

// telPostSigned posts a provider callback to target with the given
// signature header ("" sends none).
func telPostSigned(t testing.TB, target string, form url.Values, sig string,
	edits ...func(*http.Request),
) response {
	t.Helper()

	if sig != "" {
		edits = append([]func(*http.Request){withHeader("X-Twilio-Signature", sig)}, edits...)
	}

	return send(t, http.MethodPost, target, formType, []byte(form.Encode()), edits...)
}

// telCallback returns the form of a status callback for CallSid sid of
// account sid account.
func telCallback(account, sid, direction, status string) url.Values {
	return url.Values{
		"AccountSid": {account},
		"CallSid":    {sid},
		"Direction":  {direction},
		"CallStatus": {status},
		"From":       {"345"},
		"To":         {"+" + msisdn(1)},
	}
}

// telRequireTwiML requires the answer of an accepted callback: 201, no
// Location, XML with the HelloWorld call flow's TwiML.
func telRequireTwiML(t testing.TB, r response) {
	t.Helper()

	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	require.Empty(t, r.Header.Get("Location"))
	require.Contains(t, r.Header.Get("Content-Type"), "application/xml")
	require.Equal(t, telHelloWorldTwiML, string(r.Body))
}

// telRequireRejected requires the answer of a callback whose signature
// does not check out.
func telRequireRejected(t testing.TB, r response) {
	t.Helper()

	require.Equal(t, http.StatusForbidden, r.Status, "%s", r)
	require.Contains(t, r.Header.Get("Content-Type"), "text/plain")
	require.Equal(t, telRejected, string(r.Body))
}

// telParticipation creates a contact with the nth test number, a callout
// (from a form body) and the contact's participation in it, as a.
func (a account) telParticipation(t testing.TB, n int, calloutBody string) map[string]any {
	t.Helper()

	k := a.coNewCallout(t, calloutBody)
	c := a.createContact(t, "msisdn="+msisdn(n))

	return a.coJoinContact(t, idOf(t, k), c)
}

// telCreateCall creates a phone call for participation p from a form body
// as a, requiring 201.
func (a account) telCreateCall(t testing.TB, p map[string]any, body string) map[string]any {
	t.Helper()

	r := a.telCreate(t, idOf(t, p), body)
	require.Equal(t, http.StatusCreated, r.Status, "create a phone call: %s", r)
	c := object(t, r)
	require.Equal(t, telPhoneCallPath(idOf(t, c)), r.Header.Get("Location"))

	return c
}

// telCreate posts a phone call for participation id from a form body as a.
func (a account) telCreate(t testing.TB, participation int64, body string) response {
	t.Helper()

	return a.form(t, http.MethodPost,
		coParticipationPath(participation)+"/phone_calls", body)
}

// telNewCall creates a participation (contact with the nth test number, a
// callout without call flow logic) and a phone call for it with the given
// request parameters and nothing else.
func (a account) telNewCall(t testing.TB, n int, params string) map[string]any {
	t.Helper()

	return a.telCreateCall(t, a.telParticipation(t, n, ""), params)
}

// telCall fetches a phone call as a, requiring that it exists.
func (a account) telCall(t testing.TB, id int64) map[string]any {
	t.Helper()

	r := a.get(t, telPhoneCallPath(id))
	require.Equal(t, http.StatusOK, r.Status, "fetch phone call %d: %s", id, r)

	return object(t, r)
}

// telEvent sends a phone call event as a.
func (a account) telEvent(t testing.TB, id int64, event string) response {
	t.Helper()

	return a.form(t, http.MethodPost, telPhoneCallPath(id)+"/phone_call_events", "event="+event)
}

// telQueue queues a phone call as a, requiring 201 and status queued.
func (a account) telQueue(t testing.TB, id int64) map[string]any {
	t.Helper()

	r := a.telEvent(t, id, "queue")
	require.Equal(t, http.StatusCreated, r.Status, "queue phone call %d: %s", id, r)
	require.Equal(t, telPhoneCallPath(id), r.Header.Get("Location"))
	c := object(t, r)
	require.Equal(t, telQueued, c["status"])

	return c
}

// telAwaitCall waits until phone call id satisfies done, and returns it.
func (a account) telAwaitCall(t testing.TB, id int64, what string, done func(map[string]any) bool,
) map[string]any {
	t.Helper()

	deadline := time.Now().Add(telWait)
	for {
		c := a.telCall(t, id)
		if done(c) {
			return c
		}
		require.True(t, time.Now().Before(deadline),
			"phone call %d is still not %s after %s: %s", id, what, telWait, jsonText(t, c))
		time.Sleep(25 * time.Millisecond)
	}
}

// telAwaitStatus waits until phone call id has status, and returns it.
func (a account) telAwaitStatus(t testing.TB, id int64, status string) map[string]any {
	t.Helper()

	return a.telAwaitCall(t, id, status, func(c map[string]any) bool { return c["status"] == status })
}

// telRemotelyQueued creates a call (for a participation with the nth test
// number) and queues it through the stub, which answers the creation with
// a new SID and the given status (none when empty). It returns the call
// once remotely queued and its SID.
func (a telAccount) telRemotelyQueued(t testing.TB, stub *telStub, n int, status string,
) (map[string]any, string) {
	t.Helper()

	sid := telSID()
	stub.OnCreate(func(telStubRequest) telStubAnswer {
		return telStubAnswer{Status: http.StatusCreated, Body: telCallJSON(sid, status)}
	})
	c := a.telNewCall(t, n, "remote_request_params[from]=1234")
	a.telQueue(t, idOf(t, c))

	return a.telAwaitStatus(t, idOf(t, c), telRemotelyQueued), sid
}

// telEvents lists a's remote phone call events at target (one page of up
// to 1000).
func (a account) telEvents(t testing.TB, target string) (response, []map[string]any) {
	t.Helper()

	return identListAll(t, a, target)
}
