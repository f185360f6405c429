package e2e_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTelephonyCallCreate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)

	t.Run("with every parameter", func(t *testing.T) {
		t.Parallel()

		p := a.telParticipation(t, 1, "")
		r := a.telCreate(t, idOf(t, p),
			"remote_request_params[from]=1234"+
				"&remote_request_params[url]=https://demo.twilio.com/docs/voice.xml"+
				"&remote_request_params[method]=GET&metadata[foo]=bar"+
				"&call_flow_logic="+coHelloWorld+"&msisdn=252662345692")
		require.Equal(t, http.StatusCreated, r.Status, "%s", r)
		require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
		c := object(t, r)
		require.Equal(t, telPhoneCallPath(idOf(t, c)), r.Header.Get("Location"))

		requireKeys(t, c, telPhoneCallKeys...)
		require.Equal(t, telCreated, c["status"])
		require.Equal(t, "+252662345692", c["msisdn"])
		require.Equal(t, intOf(t, p, "contact_id"), intOf(t, c, "contact_id"))
		require.Equal(t, idOf(t, p), intOf(t, c, "callout_participation_id"))
		require.JSONEq(t,
			`{"from":"1234","url":"https://demo.twilio.com/docs/voice.xml","method":"GET"}`,
			jsonText(t, c["remote_request_params"]))
		require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, c["metadata"]))
		require.Equal(t, coHelloWorld, c["call_flow_logic"])
		for _, k := range []string{
			"remote_call_id", "remote_status", "remote_direction", "remote_error_message",
			"remotely_queued_at", "create_batch_operation_id", "queue_batch_operation_id",
			"queue_remote_fetch_batch_operation_id",
		} {
			require.Nil(t, c[k], k)
		}
		require.JSONEq(t, `{}`, jsonText(t, c["remote_response"]))
		require.JSONEq(t, `{}`, jsonText(t, c["remote_queue_response"]))
		requireTimestamp(t, c["created_at"])
		requireTimestamp(t, c["updated_at"])

		require.Equal(t, c, a.telCall(t, idOf(t, c)))
	})

	t.Run("request parameters are checked", func(t *testing.T) {
		t.Parallel()

		p := a.telParticipation(t, 2, "")
		requireErrors(t, a.telCreate(t, idOf(t, p), "remote_request_params[foo]=bar"),
			`{"remote_request_params":["is not included in the list"]}`)
		requireErrors(t, a.telCreate(t, idOf(t, p), "metadata[foo]=bar"),
			`{"remote_request_params":["can't be blank"]}`)
		requireErrors(t, a.telCreate(t, idOf(t, p), ""),
			`{"remote_request_params":["can't be blank"]}`)

		// Refused creates leave no call behind.
		require.Empty(t, a.coIDs(t, coParticipationPath(idOf(t, p))+"/phone_calls"))
	})

	t.Run("defaults come from the participation", func(t *testing.T) {
		t.Parallel()

		p := a.telParticipation(t, 3, "")
		c := a.telCreateCall(t, p, "remote_request_params[from]=1234")
		require.Equal(t, "+"+msisdn(3), c["msisdn"])
		require.Nil(t, c["call_flow_logic"], "nothing names a call flow logic")
		require.JSONEq(t, `{"from":"1234"}`, jsonText(t, c["remote_request_params"]))
		require.JSONEq(t, `{}`, jsonText(t, c["metadata"]))
	})

	t.Run("call flow logic is inherited from the callout", func(t *testing.T) {
		t.Parallel()

		p := a.telParticipation(t, 4, "call_flow_logic="+coHelloWorld)
		c := a.telCreateCall(t, p, "remote_request_params[from]=1234")
		require.Equal(t, "+"+msisdn(4), c["msisdn"])
		require.Equal(t, coHelloWorld, c["call_flow_logic"])
	})

	t.Run("participation of another account", func(t *testing.T) {
		t.Parallel()

		other := newCaller(t)
		p := other.telParticipation(t, 5, "")
		requireNotFound(t, a.telCreate(t, idOf(t, p), "remote_request_params[from]=1234"))
	})
}

func TestTelephonyCallUpdate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c := a.telCreateCall(t, a.telParticipation(t, 1, ""),
		"remote_request_params[from]=1234&metadata[bar]=baz")
	require.JSONEq(t, `{"bar":"baz"}`, jsonText(t, c["metadata"]))

	r := a.form(t, http.MethodPatch, telPhoneCallPath(idOf(t, c)),
		"metadata[foo]=bar&metadata_merge_mode=replace&msisdn=252662345693")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)

	got := a.telCall(t, idOf(t, c))
	require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, got["metadata"]))
	require.Equal(t, "+252662345693", got["msisdn"])
	require.Equal(t, telCreated, got["status"])
	coRequireNotBefore(t, got["updated_at"], c["updated_at"])
}

func TestTelephonyCallListings(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	p1 := a.telParticipation(t, 1, "")
	c1 := a.telCreateCall(t, p1, "remote_request_params[from]=1234")
	c2 := a.telCreateCall(t, a.telParticipation(t, 2, ""), "remote_request_params[from]=1234")

	// Another account's call with the same numbers shows in none of them.
	b := newCaller(t)
	b.telCreateCall(t, b.telParticipation(t, 1, ""), "remote_request_params[from]=1234")

	want := coInts(t, c1)
	require.Equal(t, want, a.coIDs(t, coParticipationPath(idOf(t, p1))+"/phone_calls"))
	require.Equal(t, want, a.coIDs(t, coCalloutPath(intOf(t, p1, "callout_id"))+"/phone_calls"))
	require.Equal(t, want, a.coIDs(t, contactPath(intOf(t, p1, "contact_id"))+"/phone_calls"))
	require.Equal(t, coInts(t, c1, c2), a.coIDs(t, "/api/phone_calls"))

	// A parent of another account is not found.
	requireNotFound(t, b.get(t, coParticipationPath(idOf(t, p1))+"/phone_calls"))
}

func TestTelephonyCallHasNoTopLevelCreate(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	r := a.form(t, http.MethodPost, "/api/phone_calls", "remote_request_params[from]=1234")
	require.Equal(t, http.StatusNotFound, r.Status, "%s", r)
}

func TestTelephonyCallOneInFlightPerParticipation(t *testing.T) {
	t.Parallel()

	a := newCaller(t)

	t.Run("a second call waits for the first to end", func(t *testing.T) {
		t.Parallel()

		p := a.telParticipation(t, 1, "")
		first := a.telCreateCall(t, p, "remote_request_params[from]=1234")
		inFlight := `{"base":["another phone call is in progress"]}`
		requireErrors(t, a.telCreate(t, idOf(t, p), "remote_request_params[from]=1234"), inFlight)

		// Still in flight once queued. The account names no provider, so
		// the dialer gives the call up as errored.
		a.telQueue(t, idOf(t, first))
		requireErrors(t, a.telCreate(t, idOf(t, p), "remote_request_params[from]=1234"), inFlight)
		a.telAwaitStatus(t, idOf(t, first), telErrored)

		second := a.telCreateCall(t, p, "remote_request_params[from]=1234")
		require.Equal(t, telCreated, second["status"])
		require.Equal(t, coInts(t, first, second),
			a.coIDs(t, coParticipationPath(idOf(t, p))+"/phone_calls"))
	})

	t.Run("twenty concurrent creates make one call", func(t *testing.T) {
		t.Parallel()

		p := a.telParticipation(t, 2, "")
		base, _ := gateway(t)
		target := coParticipationPath(idOf(t, p)) + "/phone_calls"

		const n = 20
		answers := make([]response, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				answers[i], errs[i] = exchange(context.Background(), base, http.MethodPost, target,
					formType, []byte("remote_request_params[from]="+strconv.Itoa(i)), withBasic(a.Token))
			})
		}
		wg.Wait()

		created := 0
		for i := range n {
			require.NoError(t, errs[i])
			switch answers[i].Status {
			case http.StatusCreated:
				created++
			default:
				requireErrors(t, answers[i], `{"base":["another phone call is in progress"]}`)
			}
		}
		require.Equal(t, 1, created, "concurrent creates for one participation")
		require.Len(t, a.coIDs(t, target), 1)
	})
}
