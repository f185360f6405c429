package simulator

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// Somleng-style credentials: the SID is a UUID and the token has '-' and
// '_', which twilio-go refuses unless the transport authenticates.
const (
	testSid   = "3f2b8c1e-6d1a-4c1b-9d8e-2a7b5c9e0f11"
	testToken = "Zx_9-tokenWith-Dash_and_Underscore"
	testFrom  = "+85510000000"
)

// testBundle is a simulator behind a real HTTP server.
type testBundle struct {
	sim *Server
	srv *httptest.Server
	api *api.ApiService
}

// setup starts a simulator configured by cfg and a twilio-go client for the
// test account.
func setup(t testing.TB, cfg Config) *testBundle {
	t.Helper()
	sim := NewServer(cfg, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	return &testBundle{sim: sim, srv: srv, api: newAPI(t, srv.URL, testSid, testToken)}
}

// fastConfig plays a whole call in about 13 ms.
func fastConfig() Config { return Config{TimeScale: 0.01} }

// rewrite points twilio-go's requests at base and authenticates them, since
// twilio-go has no base URL option and rejects non-alphanumeric credentials.
type rewrite struct {
	base       *url.URL
	sid, token string
}

func (t rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, t.base.Host
	r.SetBasicAuth(t.sid, t.token)
	return http.DefaultTransport.RoundTrip(r)
}

func newAPI(t testing.TB, baseURL, sid, token string) *api.ApiService {
	t.Helper()
	base, err := url.Parse(baseURL)
	require.NoError(t, err)
	c := &client.Client{
		Credentials: client.NewCredentials("", ""),
		HTTPClient: &http.Client{
			Transport: rewrite{base: base, sid: sid, token: token},
			Timeout:   10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
	c.SetAccountSid(sid)
	return api.NewApiServiceWithClient(c)
}

// createParams returns complete create parameters for a call to to.
func createParams(to, voiceURL, statusURL string) *api.CreateCallParams {
	p := &api.CreateCallParams{}
	p.SetTo(to).SetFrom(testFrom).SetUrl(voiceURL)
	if statusURL != "" {
		p.SetStatusCallback(statusURL)
	}
	return p
}

// hit is one request the simulator made to the application.
type hit struct {
	uri      string
	path     string
	method   string
	form     url.Values
	signedOK bool
	header   http.Header
}

// receiver is an application that records the simulator's requests and
// checks their signatures with twilio-go's validator.
type receiver struct {
	srv *httptest.Server

	mu   sync.Mutex
	hits []hit
	// answer, if set, chooses the status code of each request.
	answer func(h hit) int
}

func newReceiver(t testing.TB, token string) *receiver {
	t.Helper()
	rc := &receiver{}
	validator := client.NewRequestValidator(token)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		full := rc.srv.URL + r.URL.RequestURI()
		sig := r.Header.Get("X-Twilio-Signature")
		h := hit{
			uri: r.URL.RequestURI(), path: r.URL.Path,
			method: r.Method, header: r.Header.Clone(),
		}
		if r.Method == http.MethodGet {
			h.form = r.URL.Query()
			h.signedOK = validator.Validate(full, map[string]string{}, sig)
		} else {
			h.form, _ = url.ParseQuery(string(body))
			h.signedOK = validator.ValidateBody(full, body, sig)
		}
		rc.mu.Lock()
		rc.hits = append(rc.hits, h)
		answer := rc.answer
		rc.mu.Unlock()
		if answer != nil {
			w.WriteHeader(answer(h))
			return
		}
		if strings.HasPrefix(r.URL.Path, "/voice") {
			w.Header().Set("Content-Type", "text/xml")
			_, _ = io.WriteString(w, "<Response><Say>Hello</Say><Hangup/></Response>")
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// url returns the receiver's URL for path.
func (rc *receiver) url(path string) string { return rc.srv.URL + path }

// forCall returns the requests about call sid to paths starting with prefix.
func (rc *receiver) forCall(sid, prefix string) []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(rc.hits), func(h hit) bool {
		return h.form.Get("CallSid") != sid || !strings.HasPrefix(h.path, prefix)
	})
}

// statuses returns the CallStatus of each hit.
func statuses(hits []hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.form.Get("CallStatus")
	}
	return out
}

// waitFor waits until the receiver has n requests about sid under prefix.
func (rc *receiver) waitFor(t testing.TB, sid, prefix string, n int) []hit {
	t.Helper()
	require.Eventually(t, func() bool { return len(rc.forCall(sid, prefix)) >= n },
		5*time.Second, 2*time.Millisecond, "waiting for %d requests to %s", n, prefix)
	return rc.forCall(sid, prefix)
}

// response is a raw HTTP answer.
type response struct {
	status int
	body   []byte
}

// post sends form to target with Basic credentials, unless both are empty.
func post(t testing.TB, target, user, token string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req, user, token)
}

// get requests target with Basic credentials, unless both are empty.
func get(t testing.TB, target, user, token string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	require.NoError(t, err)
	return do(t, req, user, token)
}

func do(t testing.TB, req *http.Request, user, token string) response {
	t.Helper()
	if user != "" || token != "" {
		req.SetBasicAuth(user, token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, body: body}
}

// twimlParams returns create parameters for a call to to that carries its
// TwiML, so the simulator requests no voice URL.
func twimlParams(to string) *api.CreateCallParams {
	p := &api.CreateCallParams{}
	return p.SetTo(to).SetFrom(testFrom).SetTwiml("<Response><Hangup/></Response>")
}
