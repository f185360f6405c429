package e2e_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"scfm/shared/testenv"
)

// identEvent is one message of an event stream, as received.
type identEvent struct {
	Subject string
	Header  map[string][]string
	Data    []byte

	Type        string
	AggregateID string
}

// identEventWatch collects the messages published on every service's event
// stream of every stack on the test NATS server.
type identEventWatch struct {
	sub *nats.Subscription
	got []identEvent
}

// identWatchEvents subscribes to the event subjects (<prefix>.<service>.evt.>)
// before anything else happens.
func identWatchEvents(t testing.TB) *identEventWatch {
	t.Helper()

	gateway(t) // the stack, and with it the NATS server, runs
	nc, err := nats.Connect(testenv.NATS(t), nats.Name("e2e event watch"))
	require.NoError(t, err)
	t.Cleanup(nc.Close)

	sub, err := nc.SubscribeSync("*.*.evt.>")
	require.NoError(t, err)
	require.NoError(t, sub.SetPendingLimits(-1, -1))
	require.NoError(t, nc.Flush())

	return &identEventWatch{sub: sub}
}

// await collects messages until every wanted event ("<type> <aggregate
// id>", e.g. "user.created 7") has arrived, failing t after a while.
func (w *identEventWatch) await(t testing.TB, wanted ...string) {
	t.Helper()

	missing := map[string]bool{}
	for _, e := range wanted {
		missing[e] = true
	}
	for _, e := range w.got {
		delete(missing, e.Type+" "+e.AggregateID)
	}

	deadline := time.Now().Add(20 * time.Second)
	for len(missing) > 0 {
		left := time.Until(deadline)
		require.Positive(t, left, "events never published: %v", missing)

		m, err := w.sub.NextMsg(left)
		require.NoError(t, err, "events never published: %v", missing)

		var env struct {
			EventType   string `json:"event_type"`
			AggregateID string `json:"aggregate_id"`
		}
		_ = json.Unmarshal(m.Data, &env)
		e := identEvent{
			Subject: m.Subject, Header: m.Header, Data: m.Data,
			Type: env.EventType, AggregateID: env.AggregateID,
		}
		w.got = append(w.got, e)
		delete(missing, e.Type+" "+e.AggregateID)
	}
}

func TestCredentialsNeverAppearOnTheEventStream(t *testing.T) {
	t.Parallel()

	watch := identWatchEvents(t)
	admin := identAdmin(t)
	a := newCaller(t)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	// Provider auth tokens set on an existing account, by the super admin
	// and by the account itself, and given to a new account.
	identRequireNoContent(t, admin.form(t, http.MethodPatch, identAccountPath(a.ID),
		"twilio_account_sid="+identUnique("AC")+"&twilio_auth_token=SECRETVALUE"+
			"&somleng_auth_token=SECRETVALUE-somleng&metadata[step]=1"))
	identRequireNoContent(t, a.form(t, http.MethodPatch, "/api/account",
		"twilio_auth_token=SECRETVALUE&metadata[step]=2"))
	other := identCreateAccount(t, admin,
		"twilio_account_sid="+identUnique("AC")+"&twilio_auth_token=SECRETVALUE")

	// An access token, created, changed and revoked.
	tok, plain := identCreateToken(t, a, "metadata[purpose]=leak-check")
	hash := sha256.Sum256([]byte(plain))
	identRequireNoContent(t, a.form(t, http.MethodPatch, identTokenPath(idOf(t, tok)),
		"metadata[changed]=yes"))

	// A user with a password, which then changes, and an invitation.
	password, newPassword := identUnique("pw-"), identUnique("pw2-")
	u := identCreateUser(t, a, "email="+identEmail("leak")+"&password="+password)
	identRequireNoContent(t, a.form(t, http.MethodPatch, identUserPath(idOf(t, u)),
		"password="+newPassword+"&metadata[changed]=yes"))
	r := a.form(t, http.MethodPost, identUserPath(idOf(t, u))+"/user_events", "event=invite")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	invitation, _ := object(t, r)["invitation_token"].(string)

	identRequireNoContent(t, a.do(t, http.MethodDelete, identTokenPath(idOf(t, tok)), "", ""))

	watch.await(t,
		"account.updated "+id(a.ID),
		"account.created "+id(idOf(t, other)),
		"access_token.created "+id(idOf(t, tok)),
		"access_token.updated "+id(idOf(t, tok)),
		"access_token.deleted "+id(idOf(t, tok)),
		"user.created "+id(idOf(t, u)),
		"user.updated "+id(idOf(t, u)),
		"user.invited "+id(idOf(t, u)),
	)

	forbidden := []string{
		"SECRETVALUE", plain, hex.EncodeToString(hash[:]), password, newPassword,
		"token_hash", "password_hash", "encrypted_password", "auth_token",
	}
	if invitation != "" {
		forbidden = append(forbidden, invitation)
	}
	for _, e := range watch.got {
		text := e.Subject + "\n" + string(e.Data)
		for k, vs := range e.Header {
			text += "\n" + k + ": " + strings.Join(vs, ", ")
		}
		for _, secret := range forbidden {
			require.NotContains(t, text, secret, "event %s on %s", e.Type, e.Subject)
		}
	}
}
