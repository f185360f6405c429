package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTelephonyDispatchQueuesAtTheProvider(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")
	sid := telSID()
	stub.OnCreate(func(telStubRequest) telStubAnswer {
		return telStubAnswer{Status: http.StatusOK,
			Body: `{"sid":"` + sid + `","direction":"outbound-api","status":"queued"}`}
	})

	c := a.telNewCall(t, 1, "remote_request_params[from]=1234&remote_request_params[to]=dummy"+
		"&remote_request_params[url]=http://demo.twilio.com/docs/voice.xml"+
		"&remote_request_params[method]=GET")
	id := idOf(t, c)
	a.telQueue(t, id)

	got := a.telAwaitStatus(t, id, telRemotelyQueued)
	require.Equal(t, sid, got["remote_call_id"])
	require.Equal(t, "outbound-api", got["remote_direction"])
	require.Equal(t, "queued", got["remote_status"])
	requireTimestamp(t, got["remotely_queued_at"])
	require.Nil(t, got["remote_error_message"])
	queued, _ := got["remote_queue_response"].(map[string]any)
	require.Subset(t, queued, map[string]any{
		"sid": sid, "direction": "outbound-api", "status": "queued",
	}, "remote_queue_response %v", got["remote_queue_response"])

	creates := stub.Creates()
	require.Len(t, creates, 1, "the provider is asked once")
	req := creates[0]
	require.Equal(t, "/2010-04-01/Accounts/"+a.SID+"/Calls.json", req.Path)
	require.Equal(t, a.SID, req.User)
	require.Equal(t, a.AuthToken, req.Pass)
	require.Equal(t, "1234", req.Form.Get("From"))
	require.Equal(t, "+"+msisdn(1), req.Form.Get("To"), "the call's number, not the parameter")
	require.Equal(t, "http://demo.twilio.com/docs/voice.xml", req.Form.Get("Url"))
	require.Equal(t, "GET", req.Form.Get("Method"))
}

func TestTelephonyDispatchRefusedByTheProvider(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	stub.OnCreate(func(telStubRequest) telStubAnswer {
		return telStubAnswer{Status: http.StatusUnprocessableEntity, Body: `{}`}
	})
	a := telProviderAccount(t, stub.URL, "")

	c := a.telNewCall(t, 1, "remote_request_params[from]=1234&remote_request_params[to]=dummy"+
		"&remote_request_params[url]=http://demo.twilio.com/docs/voice.xml"+
		"&remote_request_params[method]=GET")
	id := idOf(t, c)
	a.telQueue(t, id)

	got := a.telAwaitStatus(t, id, telErrored)
	require.Equal(t, "Unable to create record", got["remote_error_message"])
	require.Nil(t, got["remote_call_id"])
	require.JSONEq(t, `{}`, jsonText(t, got["remote_queue_response"]))
	requireTimestamp(t, got["remotely_queued_at"])
	require.Len(t, stub.Creates(), 1, "a refusal is not retried")
}

func TestTelephonyDispatchAnswerWithoutSID(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	stub.OnCreate(func(telStubRequest) telStubAnswer {
		return telStubAnswer{Status: http.StatusCreated, Body: `{"direction":"outbound-api","status":"queued"}`}
	})
	a := telProviderAccount(t, stub.URL, "")

	c := a.telNewCall(t, 1, "remote_request_params[from]=1234")
	got := a.telAwaitStatus(t, idOf(t, a.telQueue(t, idOf(t, c))), telErrored)
	require.Nil(t, got["remote_call_id"])
	requireTimestamp(t, got["remotely_queued_at"])
}

func TestTelephonyCallEventValidity(t *testing.T) {
	t.Parallel()

	// One call at a time: the second queued call waits for the first,
	// which the stub keeps remotely queued, so it stays queued.
	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "settings[max_concurrent_calls]=1")
	remote, _ := a.telRemotelyQueued(t, stub, 1, "queued")
	waiting := a.telNewCall(t, 2, "remote_request_params[from]=1234")
	a.telQueue(t, idOf(t, waiting))
	created := a.telNewCall(t, 3, "remote_request_params[from]=1234")

	notIncluded := `{"event":["is not included in the list"]}`
	cases := []struct {
		call  map[string]any
		event string
	}{
		{waiting, "queue_remote"},
		{waiting, "queue"},
		{waiting, "queue_remote_fetch"},
		{remote, "queue"},
		{created, "queue_remote_fetch"},
		{created, "queue_remote"},
		{created, "complete"},
		{waiting, "complete"},
		{remote, "complete"},
		{created, "dance"},
	}
	for _, tc := range cases {
		r := a.telEvent(t, idOf(t, tc.call), tc.event)
		requireErrors(t, r, notIncluded)
	}

	require.Equal(t, telRemotelyQueued, a.telCall(t, idOf(t, remote))["status"])
	require.Equal(t, telQueued, a.telCall(t, idOf(t, waiting))["status"])
	require.Equal(t, telCreated, a.telCall(t, idOf(t, created))["status"])
	require.Len(t, stub.Creates(), 1, "the waiting call was not dialled")

	requireNotFound(t, a.telEvent(t, 1<<40, "queue"))
	requireNotFound(t, newCaller(t).telEvent(t, idOf(t, created), "queue"))
}

func TestTelephonyRemoteFetch(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")
	c, sid := a.telRemotelyQueued(t, stub, 1, "queued")
	stub.OnFetch(func(_ telStubRequest, asked string) telStubAnswer {
		if asked != sid {
			return telStubAnswer{Status: http.StatusNotFound, Body: `{"message":"not found"}`}
		}
		return telStubAnswer{Status: http.StatusOK, Body: `{"sid":"` + sid + `","status":"completed"}`}
	})

	id := idOf(t, c)
	r := a.telEvent(t, id, "queue_remote_fetch")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	require.Equal(t, telPhoneCallPath(id), r.Header.Get("Location"))
	require.Equal(t, telFetchQueued, object(t, r)["status"])

	got := a.telAwaitStatus(t, id, telCompleted)
	require.Equal(t, "completed", got["remote_status"])
	remote, _ := got["remote_response"].(map[string]any)
	require.Equal(t, "completed", remote["status"], "remote_response %v", got["remote_response"])

	fetches := stub.Fetches()
	require.Len(t, fetches, 1)
	require.Equal(t, "/2010-04-01/Accounts/"+a.SID+"/Calls/"+sid+".json", fetches[0].Path)
	require.Equal(t, a.SID, fetches[0].User)
	require.Equal(t, a.AuthToken, fetches[0].Pass)
}

func TestTelephonyRemoteFetchWithoutRemoteCallID(t *testing.T) {
	t.Skip("a remotely queued call without a remote call id cannot be reached through the API: " +
		"a provider answer without a SID makes the call errored, and a callback that finds a call " +
		"records its SID; this needs a seeded database state")
}

// TestTelephonyDispatchPacing queues 200 calls of an account allowed 5
// calls per second and checks the provider never gets more than that in
// any one-second window, and that every call reaches it once (about 40
// seconds of dialling).
func TestTelephonyDispatchPacing(t *testing.T) {
	t.Parallel()

	const (
		calls     = 200
		perSecond = 5
		tolerance = 1 // a window may catch one call of each edge's neighbour
	)

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "settings[calls_per_second]="+strconv.Itoa(perSecond)+
		"&settings[max_concurrent_calls]="+strconv.Itoa(calls))
	k := a.coNewCallout(t, "metadata[purpose]=pacing")

	base, _ := gateway(t)
	callout := coCalloutPath(idOf(t, k))
	ids := make([]int64, calls)
	telParallel(t, calls, 8, func(i int) error {
		contact, err := telTry(base, a, http.MethodPost, "/api/contacts", "msisdn="+msisdn(i+1),
			http.StatusCreated)
		if err != nil {
			return err
		}
		p, err := telTry(base, a, http.MethodPost, callout+"/callout_participations",
			"contact_id="+strconv.FormatInt(contact, 10), http.StatusCreated)
		if err != nil {
			return err
		}
		ids[i], err = telTry(base, a, http.MethodPost, coParticipationPath(p)+"/phone_calls",
			"remote_request_params[from]=1234", http.StatusCreated)
		return err
	})

	start := time.Now()
	telParallel(t, calls, 20, func(i int) error {
		_, err := telTry(base, a, http.MethodPost, telPhoneCallPath(ids[i])+"/phone_call_events",
			"event=queue", http.StatusCreated)
		return err
	})

	// At 5 a second, 200 calls take 40 seconds; allow twice that.
	deadline := time.Now().Add(2*calls/perSecond*time.Second + telWait)
	target := callout + "/phone_calls?per_page=100&q[status]=" + telRemotelyQueued
	for {
		r, _ := a.list(t, target)
		if r.Header.Get("Total") == strconv.Itoa(calls) {
			break
		}
		require.True(t, time.Now().Before(deadline),
			"%s of %d calls remotely queued after %s", r.Header.Get("Total"), calls, time.Since(start))
		time.Sleep(100 * time.Millisecond)
	}

	creates := stub.Creates()
	require.Len(t, creates, calls, "each call is dialled once")
	at := make([]time.Time, 0, len(creates))
	for _, c := range creates {
		at = append(at, c.At)
	}
	slices.SortFunc(at, func(x, y time.Time) int { return x.Compare(y) })
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
			n++
		}
		require.LessOrEqual(t, n, perSecond+tolerance,
			"%d calls reached the provider in the second from %s", n, at[i].Sub(at[0]))
	}
	t.Logf("%d calls dialled over %s", calls, at[len(at)-1].Sub(at[0]))
}

func TestTelephonySimulatorEndToEnd(t *testing.T) {
	t.Parallel()

	run := func(t *testing.T, settings string) {
		a := newCaller(t)
		telConfigure(t, a.ID, settings)

		c := a.telNewCall(t, 1, "remote_request_params[from]=1234")
		id := idOf(t, c)
		a.telQueue(t, id)
		got := a.telAwaitCall(t, id, "finished", func(c map[string]any) bool {
			return slices.Contains(telTerminal, c["status"].(string))
		})
		require.Contains(t, []string{"completed", "busy", "not_answered", "failed", "canceled"},
			got["status"], "a call the simulator placed: %s", jsonText(t, got))
		require.NotNil(t, got["remote_call_id"])

		_, events := a.telEvents(t, telPhoneCallPath(id)+"/remote_phone_call_events")
		require.NotEmpty(t, events, "the simulator's callbacks are listed")
		for _, e := range events {
			require.Equal(t, id, intOf(t, e, "phone_call_id"))
			require.Equal(t, got["remote_call_id"], e["remote_call_id"])
		}
	}

	t.Run("settings only", func(t *testing.T) {
		t.Parallel()

		// Product bug: an account with no provider credentials of its own
		// dials the simulator as ACsimulator<account id> with the token
		// "simulator"; the simulator signs its callbacks with those, the
		// gateway knows no account with that SID and answers 403, so the
		// call never leaves remotely_queued.
		run(t, "settings[platform_provider_name]=simulator")
	})

	t.Run("with provider credentials", func(t *testing.T) {
		t.Parallel()

		run(t, "settings[platform_provider_name]=simulator&twilio_account_sid="+identUnique("AC")+
			"&twilio_auth_token="+identUnique("secret-"))
	})
}

// telTry makes a request as a and returns the id of the object it
// answers, or an error when the status is not want. It fails no test, so it
// may run outside the test's goroutine.
func telTry(base string, a telAccount, method, target, body string, want int) (int64, error) {
	r, err := exchange(context.Background(), base, method, target, formType, []byte(body),
		withBasic(a.Token))
	if err != nil {
		return 0, err
	}
	if r.Status != want {
		return 0, &telUnexpected{method: method, target: target, r: r}
	}
	var m struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(r.Body, &m); err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, target, err)
	}

	return m.ID, nil
}

// telUnexpected is an answer with another status than expected.
type telUnexpected struct {
	method, target string
	r              response
}

func (e *telUnexpected) Error() string {
	return e.method + " " + e.target + ": " + e.r.String()
}

// telParallel runs f for 0..n-1 on the given number of goroutines and
// fails t with the first error.
func telParallel(t testing.TB, n, workers int, f func(i int) error) {
	t.Helper()

	next := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)

	for err := range errs {
		require.NoError(t, err)
	}
}
