package simulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

var callSidPattern = regexp.MustCompile(`^CA[0-9a-f]{32}$`)

// restError returns err as a TwilioRestError, failing the test otherwise.
func restError(t *testing.T, err error) *client.TwilioRestError {
	t.Helper()
	var rest *client.TwilioRestError
	require.ErrorAs(t, err, &rest)
	return rest
}

func TestCreateCall(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{TimeScale: 10}) // slow: the call stays queued
	before := time.Now().Add(-time.Second)

	c, err := b.api.CreateCall(twimlParams("+85512345678"))
	require.NoError(t, err)
	require.Regexp(t, callSidPattern, *c.Sid)
	require.Equal(t, testSid, *c.AccountSid)
	require.Equal(t, "queued", *c.Status)
	require.Equal(t, "outbound-api", *c.Direction)
	require.Equal(t, "+85512345678", *c.To)
	require.Equal(t, testFrom, *c.From)
	require.Equal(t, "2010-04-01", *c.ApiVersion)
	require.Nil(t, c.StartTime)
	require.Nil(t, c.EndTime)
	require.Nil(t, c.Duration)
	require.Nil(t, c.Price)
	require.Equal(t, "/2010-04-01/Accounts/"+testSid+"/Calls/"+*c.Sid+".json", *c.Uri)
	created, err := time.Parse(time.RFC1123Z, *c.DateCreated)
	require.NoError(t, err)
	require.True(t, created.After(before))
	require.Equal(t, int64(1), b.sim.Stats().Creates)
}

func TestCreateCallResourceHasOnlyStringsAndNulls(t *testing.T) {
	t.Parallel()

	b := setup(t, fastConfig())
	form := url.Values{"To": {"+85512345678"}, "From": {testFrom}, "Twiml": {"<Response/>"}}
	callsURL := b.srv.URL + "/2010-04-01/Accounts/" + testSid + "/Calls.json"
	res := post(t, callsURL, testSid, testToken, form)
	require.Equal(t, http.StatusCreated, res.status)

	var body map[string]any
	require.NoError(t, json.Unmarshal(res.body, &body))
	for k, v := range body {
		switch v.(type) {
		case string, nil:
		default:
			require.Equal(t, "subresource_uris", k, "field %s is %T", k, v)
		}
	}
}

func TestFetchCall(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{TimeScale: 10})
	c, err := b.api.CreateCall(twimlParams("+85512345678"))
	require.NoError(t, err)

	got, err := b.api.FetchCall(*c.Sid, nil)
	require.NoError(t, err)
	require.Equal(t, *c.Sid, *got.Sid)
	require.Equal(t, "queued", *got.Status)

	_, err = b.api.FetchCall("CA00000000000000000000000000000000", nil)
	rest := restError(t, err)
	require.Equal(t, http.StatusNotFound, rest.Status)
	require.Equal(t, 20404, rest.Code)

	// Another account cannot see the call.
	other := newAPI(t, b.srv.URL, "AC11111111111111111111111111111111", "other")
	_, err = other.FetchCall(*c.Sid, nil)
	require.Equal(t, http.StatusNotFound, restError(t, err).Status)
}

func TestListCalls(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{TimeScale: 10})
	start := time.Now().Add(-time.Minute)
	var sids []string
	for _, to := range []string{"+85511111111", "+85522222222", "+85511111111", "+85511111111"} {
		c, err := b.api.CreateCall(twimlParams(to))
		require.NoError(t, err)
		if to == "+85511111111" {
			sids = append(sids, *c.Sid)
		}
		time.Sleep(time.Millisecond) // distinct creation times, for the order
	}

	// Pages of two: twilio-go follows next_page_uri.
	p := &api.ListCallParams{}
	p.SetTo("+85511111111").SetStartTimeAfter(start).SetPageSize(2)
	calls, err := b.api.ListCall(p)
	require.NoError(t, err)
	require.Len(t, calls, 3)
	for i, c := range calls {
		require.Equal(t, sids[len(sids)-1-i], *c.Sid, "newest first")
		require.Equal(t, "+85511111111", *c.To)
	}

	p = &api.ListCallParams{}
	p.SetTo("+85511111111").SetStartTimeAfter(time.Now().Add(time.Hour))
	calls, err = b.api.ListCall(p)
	require.NoError(t, err)
	require.Empty(t, calls)

	p = &api.ListCallParams{}
	p.SetTo("+85522222222").SetStatus("completed")
	calls, err = b.api.ListCall(p)
	require.NoError(t, err)
	require.Empty(t, calls)

	p = &api.ListCallParams{}
	p.SetStatus("queued")
	calls, err = b.api.ListCall(p)
	require.NoError(t, err)
	require.Len(t, calls, 4)
}

func TestListCallsPageShape(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{TimeScale: 10})
	_, err := b.api.CreateCall(twimlParams("+85511111111"))
	require.NoError(t, err)

	q := url.Values{"To": {"+85511111111"}, "StartTime>": {time.Now().Format(time.DateOnly)}}
	res := get(t, b.srv.URL+"/2010-04-01/Accounts/"+testSid+"/Calls.json?"+q.Encode(),
		testSid, testToken)
	require.Equal(t, http.StatusOK, res.status)
	var page struct {
		Calls    []map[string]any `json:"calls"`
		Page     int              `json:"page"`
		PageSize int              `json:"page_size"`
		Next     *string          `json:"next_page_uri"`
		URI      string           `json:"uri"`
	}
	require.NoError(t, json.Unmarshal(res.body, &page))
	require.Len(t, page.Calls, 1)
	require.Equal(t, 0, page.Page)
	require.Equal(t, 50, page.PageSize)
	require.Nil(t, page.Next)
	require.True(t, strings.HasPrefix(page.URI, "/2010-04-01/Accounts/"+testSid+"/Calls.json?"))

	q.Set("StartTime>", "yesterday")
	res = get(t, b.srv.URL+"/2010-04-01/Accounts/"+testSid+"/Calls.json?"+q.Encode(),
		testSid, testToken)
	require.Equal(t, http.StatusBadRequest, res.status)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()

	b := setup(t, fastConfig())
	callsURL := b.srv.URL + "/2010-04-01/Accounts/" + testSid + "/Calls.json"
	form := url.Values{"To": {"+85512345678"}, "From": {testFrom}, "Url": {"https://example.org/"}}

	// The first token seen for a SID becomes the account's.
	_, err := b.api.CreateCall(twimlParams("+85512345678"))
	require.NoError(t, err)

	tests := []struct {
		name, user, token string
	}{
		{"no credentials", "", ""},
		{"user is not the path's account", "AC11111111111111111111111111111111", testToken},
		{"another token than the first", testSid, "another-token"},
		{"empty token", testSid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			res := post(t, callsURL, tt.user, tt.token, form)
			require.Equal(t, http.StatusUnauthorized, res.status)
			require.JSONEq(t, `{"code":20003,"message":"Authenticate",`+
				`"more_info":"https://www.twilio.com/docs/errors/20003","status":401}`,
				string(res.body))
		})
	}

	wrong := newAPI(t, b.srv.URL, testSid, "wrong")
	_, err = wrong.FetchCall("CA00000000000000000000000000000000", nil)
	rest := restError(t, err)
	require.Equal(t, http.StatusUnauthorized, rest.Status)
	require.Equal(t, 20003, rest.Code)
}

func TestCreateCallValidation(t *testing.T) {
	t.Parallel()

	b := setup(t, fastConfig())
	tests := []struct {
		name   string
		params *api.CreateCallParams
		code   int
	}{
		{"missing To", (&api.CreateCallParams{}).SetFrom(testFrom).SetUrl("https://e.org/"), 21201},
		{"missing From", (&api.CreateCallParams{}).SetTo("+85512345678").SetUrl("https://e.org/"),
			21213},
		{"no Url, Twiml or ApplicationSid",
			(&api.CreateCallParams{}).SetTo("+85512345678").SetFrom(testFrom), 21205},
		{"Url not absolute", createParams("+85512345678", "/twiml", ""), 21205},
		{"StatusCallback not http", createParams("+85512345678", "https://e.org/", "ftp://e.org/"),
			21205},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := b.api.CreateCall(tt.params)
			rest := restError(t, err)
			require.Equal(t, http.StatusBadRequest, rest.Status)
			require.Equal(t, tt.code, rest.Code)
			require.NotEmpty(t, rest.Message)
		})
	}

	p := (&api.CreateCallParams{}).SetTo("+85512345678").SetFrom(testFrom).SetApplicationSid("AP1")
	_, err := b.api.CreateCall(p)
	require.NoError(t, err, "an ApplicationSid replaces the Url")
}

func TestRateLimit(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{CallsPerSecond: 5, TimeScale: 0.01})
	var created, limited int
	for range 20 {
		_, err := b.api.CreateCall(twimlParams("+85512345678"))
		if err == nil {
			created++
			continue
		}
		rest := restError(t, err)
		require.Equal(t, http.StatusTooManyRequests, rest.Status)
		require.Equal(t, 20429, rest.Code)
		require.Equal(t, "Too Many Requests", rest.Message)
		limited++
	}
	require.GreaterOrEqual(t, created, 5, "the burst is the rate")
	require.GreaterOrEqual(t, limited, 10)
	require.Equal(t, int64(limited), b.sim.Stats().RateLimited)

	// Another account has its own bucket.
	other := newAPI(t, b.srv.URL, "AC11111111111111111111111111111111", "other")
	_, err := other.CreateCall(twimlParams("+85512345678"))
	require.NoError(t, err)
}

func TestMaxInFlight(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{MaxInFlight: 1, TimeScale: 10})
	_, err := b.api.CreateCall(twimlParams("+85512345678"))
	require.NoError(t, err)

	_, err = b.api.CreateCall(twimlParams("+85512345678"))
	rest := restError(t, err)
	require.Equal(t, http.StatusTooManyRequests, rest.Status)
	require.Equal(t, int64(1), b.sim.Stats().Saturated)
	require.Equal(t, int64(1), b.sim.Stats().InFlight)
}

func TestFailureInjection(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{FailureRate: 1, TimeScale: 0.01})
	_, err := b.api.CreateCall(twimlParams("+85512345678"))
	rest := restError(t, err)
	require.Equal(t, http.StatusInternalServerError, rest.Status)
	require.Equal(t, int64(0), b.sim.Stats().Creates, "nothing is created")

	half := setup(t, Config{FailureRate: 0.5, Seed: 7, TimeScale: 0.01})
	var failed int
	for range 200 {
		_, err := half.api.CreateCall(twimlParams("+85512345678"))
		if err != nil {
			require.Equal(t, http.StatusInternalServerError, restError(t, err).Status)
			failed++
		}
	}
	require.InDelta(t, 100, failed, 30)
	require.Equal(t, int64(failed), half.sim.Stats().InjectedFailures)
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()

	b := setup(t, fastConfig())
	res := get(t, b.srv.URL+"/2010-04-01/Accounts/"+testSid+"/Queues.json", testSid, testToken)
	require.Equal(t, http.StatusNotFound, res.status)
	var e apiError
	require.NoError(t, json.Unmarshal(res.body, &e))
	require.Equal(t, 20404, e.Code)
}

func TestCloseRefusesNewCalls(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{TimeScale: 10})
	_, err := b.api.CreateCall(twimlParams("+85512345678"))
	require.NoError(t, err)

	done := make(chan struct{})
	go func() {
		b.sim.Close()
		b.sim.Close() // idempotent
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the running call")
	}
	_, err = b.api.CreateCall(twimlParams("+85512345678"))
	require.Equal(t, http.StatusServiceUnavailable, restError(t, err).Status)
	require.Equal(t, int64(0), b.sim.Stats().InFlight)
}

func TestStatsEndpoint(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{TimeScale: 10})
	_, err := b.api.CreateCall(twimlParams("+85512345678"))
	require.NoError(t, err)

	res := get(t, b.srv.URL+"/simulator/stats", "", "")
	require.Equal(t, http.StatusOK, res.status)
	var st Stats
	require.NoError(t, json.Unmarshal(res.body, &st))
	require.Equal(t, int64(1), st.Creates)
	require.Equal(t, int64(1), st.InFlight)
	require.Equal(t, 1, st.Retained)
	require.Contains(t, st.Outcomes, StatusNoAnswer)
}
