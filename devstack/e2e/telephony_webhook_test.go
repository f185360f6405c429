package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// telInbound returns the form of an inbound call's first callback from
// number, to account sid.
func telInbound(account, sid, from string) url.Values {
	return url.Values{
		"CallSid":    {sid},
		"From":       {from},
		"To":         {"345"},
		"Direction":  {"inbound"},
		"CallStatus": {"in-progress"},
		"AccountSid": {account},
	}
}

// telFormJSON returns a form's fields as a JSON object of strings.
func telFormJSON(t testing.TB, form url.Values) string {
	t.Helper()

	m := map[string]string{}
	for k := range form {
		m[k] = form.Get(k)
	}

	return jsonText(t, m)
}

// telOnlyCall lists a's phone calls with remote call id sid and requires
// exactly one.
func (a account) telOnlyCall(t testing.TB, sid string) map[string]any {
	t.Helper()

	_, calls := a.list(t, "/api/phone_calls?q[remote_call_id]="+sid)
	require.Len(t, calls, 1, "phone calls with remote call id %s", sid)

	return calls[0]
}

// telAwaitContact waits until a has a contact with number (international
// form, with its plus sign) and returns it.
func (a account) telAwaitContact(t testing.TB, number string) map[string]any {
	t.Helper()

	deadline := time.Now().Add(telWait)
	for {
		_, contacts := a.list(t, "/api/contacts?q[msisdn]="+url.QueryEscape(number))
		if len(contacts) > 0 {
			require.Len(t, contacts, 1)
			require.Equal(t, number, contacts[0]["msisdn"])
			return contacts[0]
		}
		require.True(t, time.Now().Before(deadline), "no contact %s after %s", number, telWait)
		time.Sleep(25 * time.Millisecond)
	}
}

func TestTelephonyWebhookInboundCall(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	sid := telSID()
	form := telInbound(a.SID, sid, "+85510202101")
	r := telPost(t, telWebhookPath, form, a.AuthToken, withBasic(a.Token))
	telRequireTwiML(t, r)

	_, events := a.telEvents(t, "/api/remote_phone_call_events?q[remote_call_id]="+sid)
	require.Len(t, events, 1)
	e := events[0]
	require.JSONEq(t, telFormJSON(t, form), jsonText(t, e["details"]))
	require.Equal(t, sid, e["remote_call_id"])
	require.Equal(t, "inbound", e["remote_direction"])
	require.Equal(t, coHelloWorld, e["call_flow_logic"])

	c := a.telOnlyCall(t, sid)
	require.Equal(t, intOf(t, e, "phone_call_id"), idOf(t, c))
	require.Equal(t, sid, c["remote_call_id"])
	require.Equal(t, "inbound", c["remote_direction"])
	require.Equal(t, "in-progress", c["remote_status"])
	require.Equal(t, telInProgress, c["status"])
	require.Equal(t, coHelloWorld, c["call_flow_logic"])
	require.Nil(t, c["callout_participation_id"])
	require.Equal(t, "+85510202101", c["msisdn"])

	// The caller becomes a contact of the account that owns the SID.
	contact := a.telAwaitContact(t, "+85510202101")
	require.Equal(t, a.ID, intOf(t, contact, "account_id"))
}

func TestTelephonyWebhookSomlengSID(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	sid := telSID()
	r := telPost(t, telWebhookPath, telInbound(a.SomlengSID, sid, "+85510202101"), a.SomlengToken,
		withBasic(a.Token))
	telRequireTwiML(t, r)

	// The Twilio token does not sign for the Somleng SID.
	telRequireRejected(t, telPost(t, telWebhookPath,
		telInbound(a.SomlengSID, telSID(), "+85510202101"), a.AuthToken))
	_, events := a.telEvents(t, "/api/remote_phone_call_events")
	require.Len(t, events, 1)
	require.Equal(t, sid, events[0]["remote_call_id"])
}

func TestTelephonyWebhookWrongSignature(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	form := telInbound(a.SID, telSID(), "+85510202101")
	telRequireRejected(t, telPostSigned(t, telWebhookPath, form, "wrong", withBasic(a.Token)))

	r, events := a.telEvents(t, "/api/remote_phone_call_events")
	require.Empty(t, events)
	require.Equal(t, "0", r.Header.Get("Total"))
	_, calls := a.list(t, "/api/phone_calls")
	require.Empty(t, calls)
}

func TestTelephonyWebhookFormatAndAccessToken(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)

	t.Run("json extension", func(t *testing.T) {
		t.Parallel()

		r := telPost(t, telWebhookPath+".json", telInbound(a.SID, telSID(), "+85510202101"),
			a.AuthToken, withBasic(a.Token))
		require.Equal(t, http.StatusNotAcceptable, r.Status, "%s", r)
	})

	t.Run("no access token", func(t *testing.T) {
		t.Parallel()

		telRequireTwiML(t, telPost(t, telWebhookPath, telInbound(a.SID, telSID(), "+85510202102"),
			a.AuthToken))
	})

	t.Run("access token in the query", func(t *testing.T) {
		t.Parallel()

		target := telWebhookPath + "?access_token=" + a.Token
		telRequireTwiML(t, telPost(t, target, telInbound(a.SID, telSID(), "+85510202103"),
			a.AuthToken))
	})

	t.Run("invalid access token", func(t *testing.T) {
		t.Parallel()

		sid := telSID()
		r := telPost(t, telWebhookPath, telInbound(a.SID, sid, "+85510202104"), a.AuthToken,
			withBasic(identUnique("nosuchtoken")))
		require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r)
		_, events := a.telEvents(t, "/api/remote_phone_call_events?q[remote_call_id]="+sid)
		require.Empty(t, events)
	})
}

func TestTelephonyWebhookOutboundCall(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")

	// The provider's answer names no status, so the call's remote status
	// is not known until the first callback.
	c, sid := a.telRemotelyQueued(t, stub, 1, "")
	require.Nil(t, c["remote_status"])
	require.Nil(t, c["call_flow_logic"])

	form := telCallback(a.SID, sid, "outbound-api", "ringing")
	form.Set("To", c["msisdn"].(string))
	telRequireTwiML(t, telPost(t, telWebhookPath, form, a.AuthToken))

	_, events := a.telEvents(t, telPhoneCallPath(idOf(t, c))+"/remote_phone_call_events")
	require.Len(t, events, 1)
	require.Equal(t, idOf(t, c), intOf(t, events[0], "phone_call_id"))
	require.JSONEq(t, telFormJSON(t, form), jsonText(t, events[0]["details"]))

	got := a.telCall(t, idOf(t, c))
	require.Equal(t, "ringing", got["remote_status"])
	require.Equal(t, telInProgress, got["status"])
	require.Equal(t, c["contact_id"], got["contact_id"])
	require.Equal(t, c["msisdn"], got["msisdn"])
	require.Equal(t, c["callout_participation_id"], got["callout_participation_id"])
	require.Equal(t, coHelloWorld, got["call_flow_logic"], "the call flow that answered is the call's")
}

func TestTelephonyWebhookTerminalIsKept(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")
	c, sid := a.telRemotelyQueued(t, stub, 1, "queued")
	require.Equal(t, "queued", c["remote_status"])
	id := idOf(t, c)

	telRequireTwiML(t, telPost(t, telWebhookPath,
		telCallback(a.SID, sid, "outbound-api", "completed"), a.AuthToken))
	got := a.telCall(t, id)
	require.Equal(t, telCompleted, got["status"])
	require.Equal(t, "completed", got["remote_status"])

	for _, late := range []string{"ringing", "in-progress", "busy"} {
		telRequireTwiML(t, telPost(t, telWebhookPath,
			telCallback(a.SID, sid, "outbound-api", late), a.AuthToken))
		got = a.telCall(t, id)
		require.Equal(t, telCompleted, got["status"], "after a late %s", late)
		require.Equal(t, "completed", got["remote_status"], "after a late %s", late)
	}

	// Every callback is recorded, even those that move nothing.
	_, events := a.telEvents(t, telPhoneCallPath(id)+"/remote_phone_call_events")
	require.Len(t, events, 4)
}

func TestTelephonyWebhookRepeatRecordedOnce(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")
	c, sid := a.telRemotelyQueued(t, stub, 1, "queued")
	id := idOf(t, c)

	form := telCallback(a.SID, sid, "outbound-api", "busy")
	form.Set("SequenceNumber", "2")
	for range 2 {
		telRequireTwiML(t, telPost(t, telWebhookPath, form, a.AuthToken))
	}

	got := a.telCall(t, id)
	require.Equal(t, telBusy, got["status"])
	require.Equal(t, "busy", got["remote_status"])
	_, events := a.telEvents(t, telPhoneCallPath(id)+"/remote_phone_call_events")
	require.Len(t, events, 1, "a repeated callback is recorded once")
}

func TestTelephonyWebhookConcurrentCallbacks(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")
	c, sid := a.telRemotelyQueued(t, stub, 1, "queued")
	id := idOf(t, c)

	// Ten distinct callbacks (two of them completed), each sent twice, all
	// at once.
	statuses := []string{"initiated", "ringing", "in-progress", "completed", "queued"}
	base, _ := gateway(t)
	const n = 20
	answers := make([]response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		j := i % 10
		form := telCallback(a.SID, sid, "outbound-api", statuses[j%len(statuses)])
		form.Set("SequenceNumber", strconv.Itoa(j))
		sig := telSign(a.AuthToken, base+telWebhookPath, form)
		wg.Go(func() {
			answers[i], errs[i] = exchange(context.Background(), base, http.MethodPost, telWebhookPath,
				formType, []byte(form.Encode()), withHeader("X-Twilio-Signature", sig))
		})
	}
	wg.Wait()

	for i := range n {
		require.NoError(t, errs[i])
		require.Less(t, answers[i].Status, 500, "callback %d: %s", i, answers[i])
		require.Equal(t, http.StatusCreated, answers[i].Status, "callback %d: %s", i, answers[i])
	}

	got := a.telCall(t, id)
	require.Equal(t, telCompleted, got["status"])
	require.Equal(t, "completed", got["remote_status"])
	_, events := a.telEvents(t, telPhoneCallPath(id)+"/remote_phone_call_events")
	require.Len(t, events, 10, "each distinct callback is recorded once")
}

func TestTelephonyWebhookSignature(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	base, _ := gateway(t)
	public := base + telWebhookPath

	// recorded says, by CallSid, whether each case's callback is to be
	// recorded.
	var mu sync.Mutex
	recorded := map[string]bool{}

	cases := []struct {
		name string
		// post sends a callback for a fresh CallSid and reports whether it
		// is to be accepted.
		post func(t *testing.T, form url.Values) response
		ok   bool
	}{
		{"genuine", func(t *testing.T, form url.Values) response {
			return telPostSigned(t, telWebhookPath, form, telSign(a.AuthToken, public, form))
		}, true},
		{"genuine on the alias route", func(t *testing.T, form url.Values) response {
			return telPostSigned(t, "/twilio_webhooks/phone_call_events", form,
				telSign(a.AuthToken, base+"/twilio_webhooks/phone_call_events", form))
		}, true},
		{"query string is signed", func(t *testing.T, form url.Values) response {
			target := telWebhookPath + "?source=e2e"
			return telPostSigned(t, target, form, telSign(a.AuthToken, base+target, form))
		}, true},
		{"query string left out of the signature", func(t *testing.T, form url.Values) response {
			return telPostSigned(t, telWebhookPath+"?source=e2e", form, telSign(a.AuthToken, public, form))
		}, false},
		{"behind a proxy, signed over the public URL", func(t *testing.T, form url.Values) response {
			// A TLS-terminating proxy forwards to an internal host; the
			// provider signed the public URL the gateway is configured with.
			return telPostSigned(t, telWebhookPath, form, telSign(a.AuthToken, public, form),
				telHost("scfm.internal:8080"))
		}, true},
		{"behind a proxy, signed over the internal host", func(t *testing.T, form url.Values) response {
			return telPostSigned(t, telWebhookPath, form,
				telSign(a.AuthToken, "http://scfm.internal:8080"+telWebhookPath, form),
				telHost("scfm.internal:8080"))
		}, false},
		{"signed over another host", func(t *testing.T, form url.Values) response {
			return telPostSigned(t, telWebhookPath, form,
				telSign(a.AuthToken, "https://other.example.org"+telWebhookPath, form))
		}, false},
		{"forged forwarded host", func(t *testing.T, form url.Values) response {
			return telPostSigned(t, telWebhookPath, form,
				telSign(a.AuthToken, "https://evil.example"+telWebhookPath, form),
				withHeader("X-Forwarded-Host", "evil.example"), withHeader("X-Forwarded-Proto", "https"))
		}, false},
		{"forwarded headers do not change the public URL", func(t *testing.T, form url.Values) response {
			return telPostSigned(t, telWebhookPath, form, telSign(a.AuthToken, public, form),
				withHeader("X-Forwarded-Host", "evil.example"), withHeader("X-Forwarded-Proto", "https"))
		}, true},
		{"tampered parameter", func(t *testing.T, form url.Values) response {
			sig := telSign(a.AuthToken, public, form)
			form.Set("CallStatus", "completed")
			return telPostSigned(t, telWebhookPath, form, sig)
		}, false},
		{"added parameter", func(t *testing.T, form url.Values) response {
			sig := telSign(a.AuthToken, public, form)
			form.Set("Extra", "1")
			return telPostSigned(t, telWebhookPath, form, sig)
		}, false},
		{"missing header", func(t *testing.T, form url.Values) response {
			return telPostSigned(t, telWebhookPath, form, "")
		}, false},
		{"signed with another token", func(t *testing.T, form url.Values) response {
			return telPostSigned(t, telWebhookPath, form, telSign(a.SomlengToken, public, form))
		}, false},
	}

	// The group returns once all its parallel cases have.
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()

				sid := telSID()
				mu.Lock()
				recorded[sid] = tc.ok
				mu.Unlock()
				r := tc.post(t, telCallback(a.SID, sid, "outbound-api", "ringing"))
				if tc.ok {
					telRequireTwiML(t, r)
				} else {
					telRequireRejected(t, r)
				}
			})
		}
	})

	// Rejected callbacks are not recorded; accepted ones are.
	_, events := a.telEvents(t, "/api/remote_phone_call_events")
	got := map[string]bool{}
	for _, e := range events {
		got[e["remote_call_id"].(string)] = true
	}
	require.Len(t, recorded, len(cases))
	for sid, stored := range recorded {
		require.Equal(t, stored, got[sid], "callback %s recorded", sid)
	}
}

// telHost sets the Host header of a request, as a proxy in front of the
// gateway would.
func telHost(host string) func(*http.Request) {
	return func(r *http.Request) { r.Host = host }
}

func TestTelephonyWebhookUnknownSigner(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)

	// An account with a Twilio SID but no Twilio token; its Somleng
	// credentials show when the system knows the account's SIDs.
	tokenless := telAccount{
		account: newCaller(t), SID: identUnique("AC"),
		SomlengSID: identUnique("SOM"), SomlengToken: identUnique("s2-"),
	}
	telConfigure(t, tokenless.ID, "twilio_account_sid="+tokenless.SID+
		"&somleng_account_sid="+tokenless.SomlengSID+"&somleng_auth_token="+tokenless.SomlengToken)
	telAwaitSigner(t, tokenless.SomlengSID, tokenless.SomlengToken)

	for _, tc := range []struct {
		name, accountSID, token string
	}{
		{"unknown Twilio SID", identUnique("AC"), a.AuthToken},
		{"unknown Somleng SID", coUUID(t), a.SomlengToken},
		{"no AccountSid", "", a.AuthToken},
		{"SID of an account without its token", tokenless.SID, a.AuthToken},
		{"SID of an account without its token, signed with no token", tokenless.SID, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			form := telInbound(tc.accountSID, telSID(), "+85510202101")
			if tc.accountSID == "" {
				form.Del("AccountSid")
			}
			telRequireRejected(t, telPost(t, telWebhookPath, form, tc.token))
		})
	}
}

func TestTelephonyWebhookSomlengUUID(t *testing.T) {
	t.Parallel()

	a := telAccount{account: newCaller(t), SomlengSID: coUUID(t), SomlengToken: identUnique("s2-")}
	telConfigure(t, a.ID, "somleng_account_sid="+a.SomlengSID+"&somleng_auth_token="+a.SomlengToken+
		"&settings[platform_provider_name]=somleng")
	telAwaitSigner(t, a.SomlengSID, a.SomlengToken)

	sid := coUUID(t)
	r := telPost(t, telWebhookPath, telCallback(a.SomlengSID, sid, "outbound-api", "ringing"),
		a.SomlengToken)
	telRequireTwiML(t, r)
	_, events := a.telEvents(t, "/api/remote_phone_call_events")
	require.Len(t, events, 1)
	require.Equal(t, sid, events[0]["remote_call_id"])
}

func TestTelephonyRemoteEventShowAndUpdate(t *testing.T) {
	t.Parallel()

	stub := telNewStub(t)
	a := telProviderAccount(t, stub.URL, "")
	c, sid := a.telRemotelyQueued(t, stub, 1, "queued")
	form := telCallback(a.SID, sid, "outbound-api", "ringing")
	telRequireTwiML(t, telPost(t, telWebhookPath, form, a.AuthToken))

	_, events := a.telEvents(t, telPhoneCallPath(idOf(t, c))+"/remote_phone_call_events")
	require.Len(t, events, 1)
	path := telRemoteEventPath(idOf(t, events[0]))

	e := identFetch(t, a.account, path)
	requireKeys(t, e, telRemoteEventKeys...)
	require.Equal(t, idOf(t, c), intOf(t, e, "phone_call_id"))
	require.JSONEq(t, telFormJSON(t, form), jsonText(t, e["details"]))
	require.JSONEq(t, `{}`, jsonText(t, e["metadata"]))
	require.Equal(t, sid, e["remote_call_id"])
	require.Equal(t, "outbound-api", e["remote_direction"])
	require.Equal(t, coHelloWorld, e["call_flow_logic"])
	requireTimestamp(t, e["created_at"])
	requireTimestamp(t, e["updated_at"])
	require.Equal(t, events[0], e)

	r := a.form(t, http.MethodPatch, path, "metadata[bar]=baz")
	identRequireNoContent(t, r)
	require.JSONEq(t, `{"bar":"baz"}`, jsonText(t, identFetch(t, a.account, path)["metadata"]))

	r = a.form(t, http.MethodPatch, path, "metadata[foo]=bar&metadata_merge_mode=replace")
	identRequireNoContent(t, r)
	got := identFetch(t, a.account, path)
	require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, got["metadata"]))
	require.JSONEq(t, telFormJSON(t, form), jsonText(t, got["details"]), "details never change")

	// Another account sees nothing of it.
	b := newCaller(t)
	requireNotFound(t, b.get(t, path))
	requireNotFound(t, b.form(t, http.MethodPatch, path, "metadata[x]=y"))
}

func TestTelephonyRemoteEventFilters(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	b := telWebhookAccount(t)

	// Callbacks for outbound calls nobody here placed: recorded, with no
	// phone call.
	ringing, completed := telSID(), telSID()
	telRequireTwiML(t, telPost(t, telWebhookPath,
		telCallback(a.SID, ringing, "outbound-api", "ringing"), a.AuthToken))
	telRequireTwiML(t, telPost(t, telWebhookPath,
		telCallback(a.SID, completed, "outbound-api", "completed"), a.AuthToken))
	telRequireTwiML(t, telPost(t, telWebhookPath,
		telCallback(b.SID, telSID(), "outbound-api", "ringing"), b.AuthToken))

	r, events := a.telEvents(t, "/api/remote_phone_call_events?q[details][CallStatus]=ringing")
	require.Equal(t, "1", r.Header.Get("Total"))
	require.Len(t, events, 1)
	require.Equal(t, ringing, events[0]["remote_call_id"])
	require.Nil(t, events[0]["phone_call_id"])

	r, events = a.telEvents(t, "/api/remote_phone_call_events")
	require.Equal(t, "2", r.Header.Get("Total"))
	require.Len(t, events, 2)

	r, events = a.telEvents(t, "/api/remote_phone_call_events?q[remote_call_id]="+completed)
	require.Equal(t, "1", r.Header.Get("Total"), "%v", events)

	// An unknown outbound CallSid makes no phone call and no contact.
	_, calls := a.list(t, "/api/phone_calls")
	require.Empty(t, calls)
	_, contacts := a.list(t, "/api/contacts")
	require.Empty(t, contacts)
}

func TestTelephonyInboundCallListings(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	sid := telSID()
	telRequireTwiML(t, telPost(t, telWebhookPath, telInbound(a.SID, sid, "+85510202101"), a.AuthToken))

	c := a.telOnlyCall(t, sid)
	id := idOf(t, c)
	contact := a.telAwaitContact(t, "+85510202101")

	// The call belongs to its caller's contact once the contact exists.
	got := a.telAwaitCall(t, id, "linked to its contact", func(c map[string]any) bool {
		return c["contact_id"] != nil && fmt.Sprint(c["contact_id"]) == fmt.Sprint(contact["id"])
	})
	require.Equal(t, telInProgress, got["status"])

	require.Equal(t, []int64{id}, a.coIDs(t, contactPath(idOf(t, contact))+"/phone_calls"))
	require.Equal(t, []int64{id}, a.coIDs(t, "/api/phone_calls"))
	require.Equal(t, id, idOf(t, a.telCall(t, id)))

	// A second callback of the same call makes no second call or contact.
	form := telInbound(a.SID, sid, "+85510202101")
	form.Set("CallStatus", "completed")
	telRequireTwiML(t, telPost(t, telWebhookPath, form, a.AuthToken))
	require.Equal(t, []int64{id}, a.coIDs(t, "/api/phone_calls"))
	require.Equal(t, telCompleted, a.telCall(t, id)["status"])
	_, contacts := a.list(t, "/api/contacts")
	require.Len(t, contacts, 1)

	// Another account sees none of it.
	b := newCaller(t)
	requireNotFound(t, b.get(t, telPhoneCallPath(id)))
	require.Empty(t, b.coIDs(t, "/api/phone_calls"))
}

func TestTelephonyInboundCallEventsUnderContact(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	sid := telSID()
	telRequireTwiML(t, telPost(t, telWebhookPath, telInbound(a.SID, sid, "+85510202101"), a.AuthToken))
	id := idOf(t, a.telOnlyCall(t, sid))
	contact := a.telAwaitContact(t, "+85510202101")
	a.telAwaitCall(t, id, "linked to its contact", func(c map[string]any) bool {
		return fmt.Sprint(c["contact_id"]) == fmt.Sprint(contact["id"])
	})
	require.Equal(t, []int64{id}, a.coIDs(t, contactPath(idOf(t, contact))+"/phone_calls"))

	// Product bug: the caller's contact lists the inbound call but not its
	// remote events. The event is recorded before the callouts service has
	// created the contact, keeps no contact, and the listing under a
	// contact matches the event's own contact only, unlike the phone call
	// listing, which also matches calls by the contact's number.
	_, events := a.telEvents(t, contactPath(idOf(t, contact))+"/remote_phone_call_events")
	require.Len(t, events, 1, "remote events of the contact's inbound call")
	require.Equal(t, sid, events[0]["remote_call_id"])
}

func TestTelephonyWebhookConcurrentInboundCallbacks(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	sid := telSID()
	base, _ := gateway(t)

	// The provider's first callbacks of a new inbound call, all at once:
	// they make one phone call and one contact between them.
	statuses := []string{"ringing", "in-progress", "ringing", "in-progress", "completed"}
	const n = 10
	answers := make([]response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		form := telInbound(a.SID, sid, "+85510202101")
		form.Set("CallStatus", statuses[i%len(statuses)])
		form.Set("SequenceNumber", strconv.Itoa(i))
		sig := telSign(a.AuthToken, base+telWebhookPath, form)
		wg.Go(func() {
			answers[i], errs[i] = exchange(context.Background(), base, http.MethodPost, telWebhookPath,
				formType, []byte(form.Encode()), withHeader("X-Twilio-Signature", sig))
		})
	}
	wg.Wait()

	for i := range n {
		require.NoError(t, errs[i])
		telRequireTwiML(t, answers[i])
	}

	c := a.telOnlyCall(t, sid)
	require.Equal(t, telCompleted, c["status"])
	_, events := a.telEvents(t, telPhoneCallPath(idOf(t, c))+"/remote_phone_call_events")
	require.Len(t, events, n)
	a.telAwaitContact(t, "+85510202101")
	_, contacts := a.list(t, "/api/contacts")
	require.Len(t, contacts, 1)
}

func TestTelephonyWebhookBeforeTheProviderAnswers(t *testing.T) {
	t.Parallel()

	// The stub holds its answer to the call creation until the test has
	// delivered the call's first callback.
	stub := telNewStub(t)
	sid := telSID()
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	stub.OnCreate(func(telStubRequest) telStubAnswer {
		select {
		case <-release:
		case <-time.After(telWait):
		}
		return telStubAnswer{Status: http.StatusCreated, Body: telCallJSON(sid, "queued")}
	})
	a := telProviderAccount(t, stub.URL, "")
	c := a.telNewCall(t, 1, "remote_request_params[from]=1234")
	id := idOf(t, c)
	a.telQueue(t, id)

	deadline := time.Now().Add(telWait)
	for len(stub.Creates()) == 0 {
		require.True(t, time.Now().Before(deadline), "the call was not dialled")
		time.Sleep(10 * time.Millisecond)
	}
	require.Equal(t, telQueued, a.telCall(t, id)["status"], "dialling reads as queued")

	// Unless the request names its own, the provider is told to send the
	// call's status callbacks to this system, naming the call.
	base, _ := gateway(t)
	hook := stub.Creates()[0].Form.Get("StatusCallback")
	require.Equal(t, base+"/twilio_webhooks/phone_call_events?phone_call_id="+strconv.FormatInt(id, 10), hook)
	require.Equal(t, hook, stub.Creates()[0].Form.Get("Url"))

	form := telCallback(a.SID, sid, "outbound-api", "ringing")
	telRequireTwiML(t, telPost(t, hook[len(base):], form, a.AuthToken))
	got := a.telCall(t, id)
	require.Equal(t, telInProgress, got["status"])
	require.Equal(t, sid, got["remote_call_id"])
	require.Equal(t, "ringing", got["remote_status"])

	// The provider's late answer does not move the call back.
	free()
	time.Sleep(500 * time.Millisecond)
	got = a.telCall(t, id)
	require.Equal(t, telInProgress, got["status"])
	require.Equal(t, sid, got["remote_call_id"])
	requireTimestamp(t, got["remotely_queued_at"])
}

func TestTelephonyWebhookNamesAnotherAccountsCall(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	b := newCaller(t)
	theirs := b.telNewCall(t, 1, "remote_request_params[from]=1234")
	id := idOf(t, theirs)

	// A callback signed by A that names B's call by id in its URL is
	// recorded as A's and leaves B's call alone.
	sid := telSID()
	target := "/twilio_webhooks/phone_call_events?phone_call_id=" + strconv.FormatInt(id, 10)
	telRequireTwiML(t, telPost(t, target, telCallback(a.SID, sid, "outbound-api", "completed"),
		a.AuthToken))

	require.Equal(t, theirs, b.telCall(t, id))
	_, events := a.telEvents(t, "/api/remote_phone_call_events?q[remote_call_id]="+sid)
	require.Len(t, events, 1)
	require.Nil(t, events[0]["phone_call_id"])
	_, events = b.telEvents(t, "/api/remote_phone_call_events")
	require.Empty(t, events)
}

// A rotated auth token signs callbacks at once (the gateway rereads the
// credentials when its copy disagrees), and the old one stops signing as
// soon as the gateway's copy learns of the change.
func TestTelephonyWebhookRotatedToken(t *testing.T) {
	t.Parallel()

	a := telWebhookAccount(t)
	old := a.AuthToken
	rotated := identUnique("s3-")
	telConfigure(t, a.ID, "twilio_auth_token="+rotated)
	telAwaitSigner(t, a.SID, rotated)

	form := telInbound(a.SID, telSID(), "+85510202102")
	telRequireTwiML(t, telPost(t, telWebhookPath, form, rotated))

	deadline := time.Now().Add(telWait)
	for {
		r := telPost(t, telWebhookPath, telInbound(a.SID, telSID(), "+85510202103"), old)
		if r.Status == http.StatusForbidden {
			break
		}
		require.True(t, time.Now().Before(deadline), "the old token still signs after %s: %s", telWait, r)
		time.Sleep(25 * time.Millisecond)
	}
}
