package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A provider that made the call and then answered 502 must not make the
// dialer call the person again: it looks the call up first.
func TestTelephonyProviderFailingAfterTheCallDoesNotDialTwice(t *testing.T) {
	t.Parallel()

	sys := crashStart(t)
	stub := crashNewStub(t)
	a := sys.account(t, stub.URL, "")
	c := a.newCalls(t, 1, 1)[0]

	stub.OnCreate(func(_ context.Context, _ string, record func() crashProviderCall) int {
		record()
		return http.StatusBadGateway
	})
	a.queue(t, c)
	got := a.awaitStatus(t, telRemotelyQueued, c)[0]
	time.Sleep(crashSettle)

	calls := stub.Calls(c.MSISDN)
	require.Len(t, calls, 1, "the provider placed the call exactly once")
	require.Len(t, stub.Creates(c.MSISDN), 1, "the dialer did not ask again")
	crashRequireRemotelyQueued(t, a, c, calls[0].SID, got)
}

// Metadata that would make an event too large for the event stream is
// refused, and the account's events keep flowing afterwards.
func TestMetadataTooLargeForAnEventIsRefused(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	big := `{"metadata":{"big":"` + strings.Repeat("x", 700<<10) + `"}}`
	r := a.do(t, http.MethodPatch, "/api/account", "application/json", big)
	require.Equal(t, http.StatusNoContent, r.Status, "%d", r.Status)

	// A second large merge would make the account's state (and its event)
	// over a mebibyte.
	bigger := `{"metadata":{"bigger":"` + strings.Repeat("y", 700<<10) + `"}}`
	r = a.do(t, http.MethodPatch, "/api/account", "application/json", bigger)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%d", r.Status)
	require.JSONEq(t, `{"errors":{"metadata":["is too large"]}}`, string(r.Body))

	// Later writes still reach the other services through the stream.
	r = a.do(t, http.MethodPatch, "/api/account", "application/json",
		`{"metadata":{},"metadata_merge_mode":"replace"}`)
	require.Equal(t, http.StatusNoContent, r.Status)
	contact := object(t, a.do(t, http.MethodPost, "/api/contacts", "", "msisdn="+msisdn(5)))
	k := object(t, a.do(t, http.MethodPost, "/api/callouts", "", ""))
	p := a.do(t, http.MethodPost, "/api/callouts/"+jsonText(t, k["id"])+"/callout_participations", "",
		"contact_id="+jsonText(t, contact["id"]))
	require.Equal(t, http.StatusCreated, p.Status, "%s", p)
	call := a.do(t, http.MethodPost, "/api/callout_participations/"+jsonText(t, object(t, p)["id"])+
		"/phone_calls", "", "remote_request_params[from]=1234")
	require.Equal(t, http.StatusCreated, call.Status, "the telephony service learned of the participation: %s", call)
}
