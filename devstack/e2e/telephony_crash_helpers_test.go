package e2e_test

// Helpers of the dialer crash tests. Those tests kill the telephony service,
// so each runs its own private stack instead of the shared one, and talks to
// it through the helpers here rather than those bound to the shared gateway.
// Their names start with "crash" so that they do not collide with helpers
// other test files of this package define.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"scfm/devstack/stack"
	"scfm/shared/testenv"
)

// Budgets of the crash tests. Reconciliation runs every ReconcileAfter/2
// once a call is ReconcileAfter old, so a few seconds would do; these leave
// room for a loaded machine.
const (
	crashReconcileAfter  = 2 * time.Second
	crashProviderTimeout = time.Second
	crashStartTimeout    = 3 * time.Minute
	crashRestartTimeout  = 2 * time.Minute
	crashWait            = 90 * time.Second
	// crashSettle is how long a settled outcome is watched for a late
	// second dial: several reconcile rounds.
	crashSettle = 4 * crashReconcileAfter
)

// crashSystem is a private stack whose telephony service a test may kill.
type crashSystem struct {
	stack *stack.Stack
	base  string
	admin string
	logs  *crashLog
}

// crashStart starts a private stack on its own database and NATS prefix,
// with a short reconcile delay and provider timeout and the given extra
// KEY=value settings, and stops it when t ends. When t fails, the services'
// output is written to its log.
func crashStart(t *testing.T, env ...string) *crashSystem {
	t.Helper()

	logs := &crashLog{}
	ctx, cancel := context.WithTimeout(t.Context(), crashStartTimeout)
	defer cancel()

	s, err := stack.Start(ctx, stack.Options{
		DatabaseURL: testenv.Postgres(t),
		NATSURL:     testenv.NATS(t),
		Prefix:      testenv.Prefix(t),
		LogLevel:    "info",
		LogWriter:   logs,
		Env: append([]string{
			"TELEPHONY_RECONCILE_AFTER=" + crashReconcileAfter.String(),
			"TELEPHONY_PROVIDER_TIMEOUT=" + crashProviderTimeout.String(),
		}, env...),
	})
	require.NoError(t, err, "start a private stack:\n%s", logs.Tail("", 200))

	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), stopTimeout)
		defer stop()
		s.Stop(stopCtx)
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("telephony output (latest 400 lines):\n%s", logs.Tail("[telephony] ", 400))
			t.Logf("warnings and errors of the other services:\n%s", logs.Problems("[telephony] "))
		}
	})

	return &crashSystem{stack: s, base: s.GatewayURL(), admin: s.AdminToken(), logs: logs}
}

// kill sends SIGKILL to the telephony service and returns when it is gone.
func (s *crashSystem) kill(t testing.TB) {
	t.Helper()

	require.NoError(t, s.stack.Kill("telephony"))
}

// restart starts the telephony service again and waits until it is ready.
func (s *crashSystem) restart(t testing.TB) {
	t.Helper()

	ctx, cancel := context.WithTimeout(t.Context(), crashRestartTimeout)
	defer cancel()
	require.NoError(t, s.stack.Restart(ctx, "telephony"), "restart the telephony service")
}

// try makes one request to the private gateway as token (HTTP Basic) with a
// form body (none when empty and the method is GET).
func (s *crashSystem) try(ctx context.Context, token, method, target, body string) (response, error) {
	contentType, b := "", []byte(nil)
	if method != http.MethodGet {
		contentType, b = formType, []byte(body)
	}

	return exchange(ctx, s.base, method, target, contentType, b, withBasic(token))
}

// call makes one request to the private gateway and requires the status
// want; it returns the decoded object answered.
func (s *crashSystem) call(t testing.TB, token, method, target, body string, want int) map[string]any {
	t.Helper()

	r, err := s.try(t.Context(), token, method, target, body)
	require.NoError(t, err, "%s %s", method, target)
	require.Equal(t, want, r.Status, "%s %s: %s", method, target, r)
	if len(r.Body) == 0 {
		return nil
	}

	return object(t, r)
}

// crashAccount is an account of a private stack whose calls go through a
// stub provider.
type crashAccount struct {
	sys       *crashSystem
	ID        int64
	Token     string
	SID       string
	AuthToken string
}

// account creates an account whose calls go through the Twilio-compatible
// stub at stubURL, with the given extra settings (a form body, none when
// empty), and waits until the system knows its credentials.
func (s *crashSystem) account(t testing.TB, stubURL, extra string) crashAccount {
	t.Helper()

	a := crashAccount{sys: s, SID: identUnique("AC"), AuthToken: identUnique("secret-")}
	a.ID = idOf(t, s.call(t, s.admin, http.MethodPost, "/api/accounts", "", http.StatusCreated))
	tok := s.call(t, s.admin, http.MethodPost, "/api/access_tokens",
		"account_id="+strconv.FormatInt(a.ID, 10), http.StatusCreated)
	a.Token, _ = tok["token"].(string)
	require.NotEmpty(t, a.Token, "access token %v", tok)

	// The gateway learns about new tokens asynchronously.
	crashEventually(t, tokenWait, "the gateway accepts the new token", func() (bool, string) {
		r, err := s.try(t.Context(), a.Token, http.MethodGet, "/api/contacts", "")
		if err != nil {
			return false, err.Error()
		}
		return r.Status == http.StatusOK, r.String()
	})

	body := "twilio_account_sid=" + a.SID + "&twilio_auth_token=" + a.AuthToken +
		"&settings[platform_provider_name]=twilio" +
		"&settings[twilio_api_base_url]=" + url.QueryEscape(stubURL)
	if extra != "" {
		body += "&" + extra
	}
	s.call(t, s.admin, http.MethodPatch, identAccountPath(a.ID), body, http.StatusNoContent)

	// A signed callback without a CallSid is refused as forbidden until the
	// credentials arrive, and as invalid afterwards.
	form := url.Values{"AccountSid": {a.SID}}
	sig := telSign(a.AuthToken, s.base+telWebhookPath, form)
	crashEventually(t, telWait, "the gateway knows the account's credentials", func() (bool, string) {
		r, err := exchange(t.Context(), s.base, http.MethodPost, telWebhookPath, formType,
			[]byte(form.Encode()), withHeader("X-Twilio-Signature", sig))
		if err != nil {
			return false, err.Error()
		}
		return r.Status != http.StatusForbidden, r.String()
	})

	return a
}

// crashCall is a phone call of a crash test.
type crashCall struct {
	ID     int64
	MSISDN string // as the API shows it and the provider is asked to call
}

// newCalls creates a callout, and for n contacts with the test numbers
// first, first+1, … a participation and a phone call (status created).
func (a crashAccount) newCalls(t testing.TB, first, n int) []crashCall {
	t.Helper()

	s := a.sys
	k := s.call(t, a.Token, http.MethodPost, "/api/callouts", "metadata[purpose]=crash", http.StatusCreated)
	calls := make([]crashCall, 0, n)
	for i := range n {
		c := s.call(t, a.Token, http.MethodPost, "/api/contacts", "msisdn="+msisdn(first+i),
			http.StatusCreated)
		p := s.call(t, a.Token, http.MethodPost, coCalloutPath(idOf(t, k))+"/callout_participations",
			"contact_id="+coID(t, c), http.StatusCreated)
		pc := s.call(t, a.Token, http.MethodPost, coParticipationPath(idOf(t, p))+"/phone_calls",
			"remote_request_params[from]=1234", http.StatusCreated)
		require.Equal(t, telCreated, pc["status"])
		number, _ := pc["msisdn"].(string)
		require.NotEmpty(t, number, "phone call %v", pc)
		calls = append(calls, crashCall{ID: idOf(t, pc), MSISDN: number})
	}

	return calls
}

// queue queues a phone call, requiring 201 and status queued.
func (a crashAccount) queue(t testing.TB, c crashCall) {
	t.Helper()

	got := a.sys.call(t, a.Token, http.MethodPost, telPhoneCallPath(c.ID)+"/phone_call_events",
		"event=queue", http.StatusCreated)
	require.Equal(t, telQueued, got["status"])
}

// phoneCall fetches a phone call, or reports why it could not.
func (a crashAccount) phoneCall(ctx context.Context, id int64) (map[string]any, error) {
	r, err := a.sys.try(ctx, a.Token, http.MethodGet, telPhoneCallPath(id), "")
	if err != nil {
		return nil, err
	}
	if r.Status != http.StatusOK {
		return nil, fmt.Errorf("fetch phone call %d: %s", id, r)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		return nil, fmt.Errorf("fetch phone call %d: %w", id, err)
	}

	return m, nil
}

// awaitStatus waits until every call has status want and returns them in
// order. It fails at once when a call reaches another status it never
// leaves.
func (a crashAccount) awaitStatus(t testing.TB, want string, calls ...crashCall) []map[string]any {
	t.Helper()

	out := make([]map[string]any, len(calls))
	crashEventually(t, crashWait, "every call "+want, func() (bool, string) {
		var pending []string
		for i, c := range calls {
			if out[i] != nil && out[i]["status"] == want {
				continue
			}
			got, err := a.phoneCall(t.Context(), c.ID)
			if err != nil {
				pending = append(pending, err.Error())
				continue
			}
			out[i] = got
			status, _ := got["status"].(string)
			if status != want {
				for _, end := range telTerminal {
					require.NotEqual(t, end, status, "phone call %d ended %s, not %s: %s",
						c.ID, status, want, jsonText(t, got))
				}
				pending = append(pending, fmt.Sprintf("call %d (%s) is %s", c.ID, c.MSISDN, status))
			}
		}
		return len(pending) == 0, strings.Join(pending, "; ")
	})

	return out
}

// crashEventually polls cond every 50ms until it holds, and fails t with
// cond's latest explanation when it still does not after wait.
func crashEventually(t testing.TB, wait time.Duration, what string, cond func() (bool, string)) {
	t.Helper()

	deadline := time.Now().Add(wait)
	for {
		ok, why := cond()
		if ok {
			return
		}
		require.True(t, time.Now().Before(deadline), "still not true after %s: %s: %s", wait, what, why)
		time.Sleep(50 * time.Millisecond)
	}
}

// crashLog keeps every line of the services' output.
type crashLog struct {
	mu      sync.Mutex
	lines   []string
	partial strings.Builder
}

// Write implements io.Writer.
func (l *crashLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.partial.Write(p)
	text := l.partial.String()
	l.partial.Reset()
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	complete := strings.HasSuffix(text, "\n")
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if !complete && len(lines) > 0 {
		l.partial.WriteString(lines[len(lines)-1])
		lines = lines[:len(lines)-1]
	}
	l.lines = append(l.lines, lines...)

	return len(p), nil
}

// Tail returns the latest n lines that start with prefix.
func (l *crashLog) Tail(prefix string, n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()

	var out []string
	for _, line := range l.lines {
		if strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}

	return strings.Join(out, "\n")
}

// Dialer returns the telephony service's lines about dialling trouble and
// reconciliation, to show in a test's log which way a call went.
func (l *crashLog) Dialer() string {
	l.mu.Lock()
	defer l.mu.Unlock()

	var out []string
	for _, line := range l.lines {
		if strings.HasPrefix(line, "[telephony] ") && strings.Contains(line, "component=dispatcher") &&
			(strings.Contains(line, "phone_call_id=") || strings.Contains(line, "leading")) {
			out = append(out, line)
		}
	}

	return strings.Join(out, "\n")
}

// Problems returns the warnings and errors of lines that do not start with
// except.
func (l *crashLog) Problems(except string) string {
	l.mu.Lock()
	defer l.mu.Unlock()

	var out []string
	for _, line := range l.lines {
		if !strings.HasPrefix(line, except) &&
			(strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")) {
			out = append(out, line)
		}
	}

	return strings.Join(out, "\n")
}

// crashProviderCall is a call the stub provider holds: one it recorded.
type crashProviderCall struct {
	SID     string
	To      string
	From    string
	Account string
	Created time.Time
}

// crashCreate is one call creation request the stub received, whether or
// not it recorded a call for it.
type crashCreate struct {
	To  string
	At  time.Time
	SID string // of the call recorded for it, if any
}

// crashList is one listing request the stub received.
type crashList struct {
	To    string
	Since string // the StartTime> filter as sent
	Found int
}

// crashCreateFunc decides how the stub handles one call creation. It may
// wait (ctx ends when the client goes away or the stub stops), call record
// to put the call in the provider's books (at most once; it returns the new
// call), and answers with a status; answers of 2xx carry the recorded call.
type crashCreateFunc func(ctx context.Context, to string, record func() crashProviderCall) int

// crashStub is a fake Twilio-compatible provider that keeps books: the
// calls it holds, which its list endpoint finds by number. What a call
// creation does is up to the test, so that a request can be held at the
// provider's door (not recorded) or after the provider recorded the call.
type crashStub struct {
	URL string

	closing chan struct{}

	mu      sync.Mutex
	calls   []crashProviderCall
	creates []crashCreate
	lists   []crashList
	create  crashCreateFunc
}

// crashNewStub starts a stub that records every call creation at once and
// answers 201 with the new call.
func crashNewStub(t testing.TB) *crashStub {
	t.Helper()

	s := &crashStub{closing: make(chan struct{})}
	s.create = crashRecordAndAnswer
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.closing)
		srv.CloseClientConnections()
		srv.Close()
	})
	s.URL = srv.URL

	return s
}

// crashRecordAndAnswer records the call and answers 201.
func crashRecordAndAnswer(_ context.Context, _ string, record func() crashProviderCall) int {
	record()
	return http.StatusCreated
}

// OnCreate sets how call creations are handled from now on.
func (s *crashStub) OnCreate(f crashCreateFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.create = f
}

// Calls returns the calls the provider holds to number to, oldest first.
func (s *crashStub) Calls(to string) []crashProviderCall {
	s.mu.Lock()
	defer s.mu.Unlock()

	var out []crashProviderCall
	for _, c := range s.calls {
		if c.To == to {
			out = append(out, c)
		}
	}

	return out
}

// AllCalls returns every call the provider holds, oldest first.
func (s *crashStub) AllCalls() []crashProviderCall {
	s.mu.Lock()
	defer s.mu.Unlock()

	return append([]crashProviderCall(nil), s.calls...)
}

// Creates returns the call creation requests for number to, in order.
func (s *crashStub) Creates(to string) []crashCreate {
	s.mu.Lock()
	defer s.mu.Unlock()

	var out []crashCreate
	for _, c := range s.creates {
		if c.To == to {
			out = append(out, c)
		}
	}

	return out
}

// CreateCount returns how many call creation requests arrived.
func (s *crashStub) CreateCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()

	return len(s.creates)
}

// Lists returns the listing requests for number to, in order.
func (s *crashStub) Lists(to string) []crashList {
	s.mu.Lock()
	defer s.mu.Unlock()

	var out []crashList
	for _, l := range s.lists {
		if l.To == to {
			out = append(out, l)
		}
	}

	return out
}

func (s *crashStub) serve(w http.ResponseWriter, r *http.Request) {
	// The body is read first: from then on the request's context ends
	// when the client goes away.
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	user, _, _ := r.BasicAuth()

	calls := strings.TrimPrefix(r.URL.Path, "/2010-04-01/Accounts/")
	account, rest, _ := strings.Cut(calls, "/")
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && rest == "Calls.json":
		s.serveCreate(w, r, account, user, form)
	case r.Method == http.MethodGet && rest == "Calls.json":
		s.serveList(w, r, account)
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"code":20404,"message":"The requested resource was not found","status":404}`)
	}
}

func (s *crashStub) serveCreate(w http.ResponseWriter, r *http.Request, account, user string, form url.Values) {
	to := form.Get("To")
	s.mu.Lock()
	n := len(s.creates)
	s.creates = append(s.creates, crashCreate{To: to, At: time.Now()})
	create := s.create
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()

	var recorded *crashProviderCall
	record := func() crashProviderCall {
		if recorded != nil {
			return *recorded
		}
		c := crashProviderCall{SID: telSID(), To: to, From: form.Get("From"),
			Account: or(account, user), Created: time.Now().UTC()}
		s.mu.Lock()
		s.calls = append(s.calls, c)
		s.creates[n].SID = c.SID
		s.mu.Unlock()
		recorded = &c
		return c
	}

	status := create(ctx, to, record)
	w.WriteHeader(status)
	if status >= 200 && status < 300 && recorded != nil {
		_, _ = w.Write(crashCallJSON(*recorded))
		return
	}
	_, _ = fmt.Fprintf(w, `{"code":20500,"message":"stub answered %d","status":%d}`, status, status)
}

func (s *crashStub) serveList(w http.ResponseWriter, r *http.Request, account string) {
	q := r.URL.Query()
	to := q.Get("To")
	since := strings.TrimPrefix(q.Get("StartTime>"), "=")
	var after time.Time
	if since != "" {
		var err error
		if after, err = time.Parse(time.RFC3339, since); err != nil {
			if after, err = time.Parse(time.DateOnly, since); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = fmt.Fprintf(w, `{"code":20001,"message":"bad StartTime> %q","status":400}`, since)
				return
			}
		}
	}

	s.mu.Lock()
	var found []json.RawMessage
	// Newest first, as the provider lists calls.
	for i := len(s.calls) - 1; i >= 0; i-- {
		c := s.calls[i]
		if (to == "" || c.To == to) && !c.Created.Before(after) {
			found = append(found, crashCallJSON(c))
		}
	}
	s.lists = append(s.lists, crashList{To: to, Since: since, Found: len(found)})
	s.mu.Unlock()

	uri := "/2010-04-01/Accounts/" + account + "/Calls.json"
	page, _ := json.Marshal(map[string]any{
		"calls": append([]json.RawMessage{}, found...), "page": 0, "page_size": 50,
		"start": 0, "end": max(0, len(found)-1), "uri": uri, "first_page_uri": uri,
		"next_page_uri": nil, "previous_page_uri": nil,
	})
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(page)
}

// crashCallJSON returns a provider call resource: every field a string.
func crashCallJSON(c crashProviderCall) []byte {
	created := c.Created.Format(time.RFC1123Z)
	b, _ := json.Marshal(map[string]string{
		"sid": c.SID, "account_sid": c.Account, "to": c.To, "to_formatted": c.To,
		"from": c.From, "from_formatted": c.From, "status": "queued", "direction": "outbound-api",
		"date_created": created, "date_updated": created, "api_version": "2010-04-01",
		"uri": "/2010-04-01/Accounts/" + c.Account + "/Calls/" + c.SID + ".json",
	})

	return b
}

// crashHold holds one call creation at the stub until the test lets it go.
type crashHold struct {
	arrived chan crashHeld
	answer  chan int
}

// crashHeld is a creation request being held.
type crashHeld struct {
	To string
	// SID is the recorded call's, when the hold comes after recording.
	SID string
	// Gone is closed when the client has gone away.
	Gone <-chan struct{}
}

// crashHoldNext makes the stub hold the next call creation, after
// recording the call when recorded is set and before it otherwise; later
// creations are recorded and answered at once.
func crashHoldNext(s *crashStub, recorded bool) *crashHold {
	h := &crashHold{arrived: make(chan crashHeld, 1), answer: make(chan int, 1)}
	var once sync.Once
	s.OnCreate(func(ctx context.Context, to string, record func() crashProviderCall) int {
		first := false
		once.Do(func() { first = true })
		if !first {
			return crashRecordAndAnswer(ctx, to, record)
		}
		held := crashHeld{To: to, Gone: ctx.Done()}
		if recorded {
			held.SID = record().SID
		}
		h.arrived <- held
		select {
		case status := <-h.answer:
			return status
		case <-ctx.Done():
			// The client is gone; answer whenever the test says so
			// (nobody will read it), or when the stub stops.
			select {
			case status := <-h.answer:
				return status
			case <-s.closing:
				return http.StatusServiceUnavailable
			}
		}
	})

	return h
}

// await waits for the held request.
func (h *crashHold) await(t testing.TB) crashHeld {
	t.Helper()

	select {
	case held := <-h.arrived:
		return held
	case <-time.After(crashWait):
		require.FailNow(t, "no call creation reached the stub", "after %s", crashWait)
		return crashHeld{}
	}
}

// release lets the held request be answered with status.
func (h *crashHold) release(status int) {
	h.answer <- status
}

// or returns a, or b when a is empty.
func or(a, b string) string {
	if a != "" {
		return a
	}

	return b
}
