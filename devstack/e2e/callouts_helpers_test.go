package e2e_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"scfm/shared/contract"
	"scfm/shared/contract/telephonyv1"
)

// Call flow logics the system registers.
const (
	coHelloWorld  = "CallFlowLogic::HelloWorld"
	coPlayMessage = "CallFlowLogic::PlayMessage"
)

// coCalloutKeys are the keys of a callout's JSON representation.
var coCalloutKeys = []string{
	"id", "status", "call_flow_logic", "metadata", "created_at", "updated_at", "account_id",
}

// coParticipationKeys are the keys of a callout participation's JSON
// representation.
var coParticipationKeys = []string{
	"id", "callout_id", "contact_id", "callout_population_id", "msisdn", "call_flow_logic",
	"metadata", "created_at", "updated_at",
}

// coRows are decoded listing items.
type coRows = []map[string]any

// coCalloutPath returns the path of a callout.
func coCalloutPath(id int64) string {
	return "/api/callouts/" + strconv.FormatInt(id, 10)
}

// coParticipationPath returns the path of a callout participation.
func coParticipationPath(id int64) string {
	return "/api/callout_participations/" + strconv.FormatInt(id, 10)
}

// coNewCallout creates a callout from a form body as a and returns it.
func (a account) coNewCallout(t testing.TB, body string) map[string]any {
	t.Helper()

	r := a.form(t, http.MethodPost, "/api/callouts", body)
	require.Equal(t, http.StatusCreated, r.Status, "create a callout: %s", r)

	return object(t, r)
}

// coCallout fetches a callout as a, requiring that it exists.
func (a account) coCallout(t testing.TB, id int64) map[string]any {
	t.Helper()

	r := a.get(t, coCalloutPath(id))
	require.Equal(t, http.StatusOK, r.Status, "fetch callout %d: %s", id, r)

	return object(t, r)
}

// coFire sends a callout event as a.
func (a account) coFire(t testing.TB, calloutID int64, event string) response {
	t.Helper()

	return a.form(t, http.MethodPost, coCalloutPath(calloutID)+"/callout_events", "event="+event)
}

// coCalloutIn creates a callout and moves it to status with events.
func (a account) coCalloutIn(t testing.TB, status, body string) map[string]any {
	t.Helper()

	k := a.coNewCallout(t, body)
	events := map[string][]string{
		"initialized": nil,
		"running":     {"start"},
		"paused":      {"start", "pause"},
		"stopped":     {"start", "stop"},
	}[status]
	for _, e := range events {
		r := a.coFire(t, idOf(t, k), e)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", e, r)
		k = object(t, r)
	}
	require.Equal(t, status, k["status"])

	return k
}

// coJoin adds a contact to a callout (the form body names it) as a and
// returns the participation.
func (a account) coJoin(t testing.TB, calloutID int64, body string) map[string]any {
	t.Helper()

	r := a.form(t, http.MethodPost, coCalloutPath(calloutID)+"/callout_participations", body)
	require.Equal(t, http.StatusCreated, r.Status, "create a participation: %s", r)

	return object(t, r)
}

// coJoinContact adds contact c to a callout with no other parameters.
func (a account) coJoinContact(t testing.TB, calloutID int64, c map[string]any) map[string]any {
	t.Helper()

	return a.coJoin(t, calloutID, "contact_id="+coID(t, c))
}

// coParticipation fetches a participation as a, requiring that it exists.
func (a account) coParticipation(t testing.TB, id int64) map[string]any {
	t.Helper()

	r := a.get(t, coParticipationPath(id))
	require.Equal(t, http.StatusOK, r.Status, "fetch participation %d: %s", id, r)

	return object(t, r)
}

// coIDs lists target as a and returns the ids of its items, requiring a
// Total header that agrees with them (every listing here fits one page).
func (a account) coIDs(t testing.TB, target string) []int64 {
	t.Helper()

	r, items := a.list(t, target)
	require.Equal(t, strconv.Itoa(len(items)), r.Header.Get("Total"), "Total of %s", target)

	return ids(t, items)
}

// coID returns the "id" of a decoded object as text, for paths and
// bodies.
func coID(t testing.TB, m map[string]any) string {
	t.Helper()

	return strconv.FormatInt(idOf(t, m), 10)
}

// coRequireNotBefore requires that API timestamp later is not before
// earlier.
func coRequireNotBefore(t testing.TB, later, earlier any) {
	t.Helper()

	require.False(t, requireTimestamp(t, later).Before(requireTimestamp(t, earlier)),
		"%v is before %v", later, earlier)
}

// coInts returns the ids of decoded objects, for comparing with coIDs.
func coInts(t testing.TB, objects ...map[string]any) []int64 {
	t.Helper()

	if len(objects) == 0 {
		return []int64{}
	}

	return ids(t, objects)
}

// coRequireCallout requires a full callout representation of account a.
func coRequireCallout(t testing.TB, a account, k map[string]any, status string, flow any,
	metadata string,
) {
	t.Helper()

	requireKeys(t, k, coCalloutKeys...)
	require.Positive(t, idOf(t, k))
	require.Equal(t, status, k["status"])
	require.Equal(t, flow, k["call_flow_logic"])
	require.JSONEq(t, metadata, jsonText(t, k["metadata"]))
	require.Equal(t, a.ID, intOf(t, k, "account_id"))
	requireTimestamp(t, k["created_at"])
	requireTimestamp(t, k["updated_at"])
}

// coRequireParticipation requires a full participation representation.
func coRequireParticipation(t testing.TB, p map[string]any, calloutID, contactID int64,
	number string, flow any, metadata string,
) {
	t.Helper()

	requireKeys(t, p, coParticipationKeys...)
	require.Positive(t, idOf(t, p))
	require.Equal(t, calloutID, intOf(t, p, "callout_id"))
	require.Equal(t, contactID, intOf(t, p, "contact_id"))
	require.Nil(t, p["callout_population_id"])
	require.Equal(t, number, p["msisdn"])
	require.Equal(t, flow, p["call_flow_logic"])
	require.JSONEq(t, metadata, jsonText(t, p["metadata"]))
	requireTimestamp(t, p["created_at"])
	requireTimestamp(t, p["updated_at"])
}

// coStackSetting returns a setting the shared system was started with
// (DatabaseURL, NATSURL or Prefix of stack.Options). The system keeps them
// in an unexported field, which reflection may read.
func coStackSetting(t testing.TB, name string) string {
	t.Helper()

	gateway(t)
	require.NotNil(t, system.stack, "the system under test is not running")
	v := reflect.ValueOf(system.stack).Elem().FieldByName("opts")
	require.True(t, v.IsValid(), "the stack keeps no options")
	v = v.FieldByName(name)
	require.True(t, v.IsValid() && v.Kind() == reflect.String, "the stack has no option %s", name)

	return v.String()
}

// coTelephony stands in for the telephony service: it publishes phone call
// events to the shared system's telephony event stream, the way the
// telephony service does.
type coTelephony struct {
	js     jetstream.JetStream
	prefix string
}

// The one connection of all tests to the shared system's NATS server.
var coBus struct {
	once sync.Once
	tel  *coTelephony
	err  error
}

// coPhone returns the telephony stand-in, connecting on first use.
func coPhone(t testing.TB) *coTelephony {
	t.Helper()

	url, prefix := coStackSetting(t, "NATSURL"), coStackSetting(t, "Prefix")
	coBus.once.Do(func() {
		nc, err := nats.Connect(url, nats.Name("e2e-telephony-stand-in"))
		if err != nil {
			coBus.err = err
			return
		}
		js, err := jetstream.New(nc)
		if err != nil {
			coBus.err = err
			return
		}
		coBus.tel = &coTelephony{js: js, prefix: prefix}
	})
	require.NoError(t, coBus.err, "connect to NATS")

	return coBus.tel
}

// Phone call ids and log positions of the stand-in. Ids are global in the
// system, so every test takes fresh ones from here, far above any id the
// real telephony service hands out in a test run.
var (
	coCallIDs   = func() *atomic.Int64 { var n atomic.Int64; n.Store(1 << 40); return &n }()
	coPositions atomic.Int64
)

// coCall is one phone call the stand-in reports on: an attempt to reach a
// participation.
type coCall struct {
	tel           *coTelephony
	ID            int64
	account       int64
	participation int64
	callout       int64
	contact       int64
	version       int64
	status        string

	// Created is the envelope of the call's creation, kept for replays.
	Created contract.Envelope
	// Changes are the envelopes of its status changes, in order.
	Changes []contract.Envelope
}

// Call reports a new phone call for participation p of account a, created
// at the given time, and returns it.
func (tel *coTelephony) Call(t testing.TB, a account, p map[string]any, at time.Time) *coCall {
	t.Helper()

	c := &coCall{
		tel: tel, ID: coCallIDs.Add(1), account: a.ID, participation: idOf(t, p),
		callout: intOf(t, p, "callout_id"), contact: intOf(t, p, "contact_id"),
		version: 1, status: telephonyv1.StatusCreated,
	}
	c.Created = c.envelope(t, telephonyv1.PhoneCallCreated, telephonyv1.PhoneCallCreatedV1{
		ID: c.ID, AccountID: a.ID, CalloutParticipationID: &c.participation,
		CalloutID: &c.callout, ContactID: &c.contact, Status: c.status, CreatedAt: at.UTC(),
	})
	tel.Publish(t, c.Created, true)

	return c
}

// Move reports the call's moves through the given statuses, in order.
func (c *coCall) Move(t testing.TB, statuses ...string) {
	t.Helper()

	for _, s := range statuses {
		c.version++
		env := c.envelope(t, telephonyv1.PhoneCallStatusChanged,
			telephonyv1.PhoneCallStatusChangedV1{
				ID: c.ID, AccountID: c.account, CalloutParticipationID: &c.participation,
				Status: s, PreviousStatus: c.status, ChangedAt: time.Now().UTC(),
			})
		c.status = s
		c.Changes = append(c.Changes, env)
		c.tel.Publish(t, env, true)
	}
}

// Delete reports the call's removal.
func (c *coCall) Delete(t testing.TB) {
	t.Helper()

	c.version++
	c.tel.Publish(t, c.envelope(t, telephonyv1.PhoneCallDeleted, telephonyv1.PhoneCallDeletedV1{
		ID: c.ID, AccountID: c.account, CalloutParticipationID: &c.participation,
		DeletedAt: time.Now().UTC(),
	}), true)
}

// envelope wraps data as the call's next event of type eventType.
func (c *coCall) envelope(t testing.TB, eventType string, data any) contract.Envelope {
	t.Helper()

	b, err := json.Marshal(data)
	require.NoError(t, err)

	return contract.Envelope{
		EventID:          coUUID(t),
		EventType:        eventType,
		SchemaVersion:    1,
		AggregateType:    telephonyv1.AggregatePhoneCall,
		AggregateID:      strconv.FormatInt(c.ID, 10),
		AggregateVersion: c.version,
		Position:         coPositions.Add(1),
		OccurredAt:       time.Now().UTC(),
		AccountID:        c.account,
		Data:             b,
	}
}

// Publish puts env on the telephony event stream under its subject. With
// dedupe the message carries the event id as Nats-Msg-Id, as the telephony
// service's relay sends it; without, it stands for a repeat that comes
// after the server's duplicate window. It returns the server's
// acknowledgement.
func (tel *coTelephony) Publish(t testing.TB, env contract.Envelope, dedupe bool,
) *jetstream.PubAck {
	t.Helper()

	b, err := json.Marshal(env)
	require.NoError(t, err)

	event := env.EventType[strings.LastIndexByte(env.EventType, '.')+1:]
	subject := "telephony.evt." + env.AggregateType + "." + env.AggregateID + "." + event
	if tel.prefix != "" {
		subject = tel.prefix + "." + subject
	}

	msg := nats.NewMsg(subject)
	msg.Data = b
	msg.Header.Set("Event-Type", env.EventType)
	msg.Header.Set("Aggregate-Version", strconv.FormatInt(env.AggregateVersion, 10))
	if dedupe {
		msg.Header.Set(jetstream.MsgIDHeader, env.EventID)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ack, err := tel.js.PublishMsg(ctx, msg)
	require.NoError(t, err, "publish %s", subject)

	return ack
}

// coUUID returns a random version 4 UUID.
func coUUID(t testing.TB) string {
	t.Helper()

	var b [16]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80

	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// coWait bounds the wait until the API reflects published phone call
// events.
const coWait = 20 * time.Second

// coSummary fetches a callout's summary as a.
func (a account) coSummary(t testing.TB, calloutID int64) map[string]any {
	t.Helper()

	r := a.get(t, coCalloutPath(calloutID)+"/summary")
	require.Equal(t, http.StatusOK, r.Status, "summary of callout %d: %s", calloutID, r)

	return object(t, r)
}

// coAwaitCalls waits until the summary of a callout counts exactly the
// given phone calls by status (as a JSON object), which means every event
// published for them so far has been applied.
func (a account) coAwaitCalls(t testing.TB, calloutID int64, byStatus string) {
	t.Helper()

	deadline := time.Now().Add(coWait)
	for {
		s := a.coSummary(t, calloutID)
		calls, _ := s["phone_calls"].(map[string]any)
		got := jsonText(t, calls["by_status"])
		if coSameJSON(got, byStatus) {
			return
		}
		require.True(t, time.Now().Before(deadline),
			"callout %d still counts calls %s after %s, want %s", calloutID, got, coWait, byStatus)
		time.Sleep(25 * time.Millisecond)
	}
}

// coSameJSON reports whether two JSON texts hold equal values.
func coSameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}

	return reflect.DeepEqual(x, y)
}

// coBarrier returns once every phone call event published before it has
// been applied: events are applied in stream order, so it reports one more
// call, for a participation of an account of its own (so that it shows in
// no listing of the test), and waits for it.
func coBarrier(t testing.TB) {
	t.Helper()

	a := newCaller(t)
	k := a.coNewCallout(t, "metadata[purpose]=barrier")
	p := a.coJoinContact(t, idOf(t, k), a.createContact(t, "msisdn="+msisdn(1)))
	coPhone(t).Call(t, a, p, time.Now())
	a.coAwaitCalls(t, idOf(t, k), `{"created":1}`)
}
