package simulator

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// forced returns a fast config whose calls to to end with outcome.
func forced(to, outcome string) Config {
	cfg := fastConfig()
	cfg.OutcomeByTo = map[string]string{to: outcome}
	return cfg
}

func TestCallbacksCompletedCall(t *testing.T) {
	t.Parallel()

	const to = "+85512345678"
	b := setup(t, forced(to, StatusCompleted))
	rc := newReceiver(t, testToken)
	c, err := b.api.CreateCall(createParams(to, rc.url("/voice"), rc.url("/status?cb=1")))
	require.NoError(t, err)
	sid := *c.Sid

	hits := rc.waitFor(t, sid, "/status", 4)
	require.Equal(t, []string{"initiated", "ringing", "in-progress", "completed"}, statuses(hits))
	for i, h := range hits {
		require.True(t, h.signedOK, "signature of callback %d", i)
		require.Equal(t, http.MethodPost, h.method)
		require.Equal(t, "/status?cb=1", h.uri, "the callback URL keeps its query")
		require.Equal(t, strconv.Itoa(i), h.form.Get("SequenceNumber"))
		require.Equal(t, testSid, h.form.Get("AccountSid"))
		require.Equal(t, to, h.form.Get("To"))
		require.Equal(t, testFrom, h.form.Get("From"))
		require.Equal(t, "outbound-api", h.form.Get("Direction"))
		require.Equal(t, "2010-04-01", h.form.Get("ApiVersion"))
		require.NotEmpty(t, h.header.Get("I-Twilio-Idempotency-Token"))
		_, err := time.Parse(time.RFC1123Z, h.form.Get("Timestamp"))
		require.NoError(t, err)
	}
	require.Equal(t, "1", hits[3].form.Get("CallDuration"))
	require.Empty(t, hits[2].form.Get("CallDuration"))

	voice := rc.waitFor(t, sid, "/voice", 1)
	require.Len(t, voice, 1)
	require.Equal(t, http.MethodPost, voice[0].method)
	require.Equal(t, "in-progress", voice[0].form.Get("CallStatus"))
	require.True(t, voice[0].signedOK)

	got, err := b.api.FetchCall(sid, nil)
	require.NoError(t, err)
	require.Equal(t, StatusCompleted, *got.Status)
	require.Equal(t, "1", *got.Duration)
	require.NotNil(t, got.StartTime)
	require.NotNil(t, got.EndTime)

	require.Eventually(t, func() bool {
		st := b.sim.Stats()
		return st.CallbacksSent == 4 && st.VoiceRequests == 1 && st.InFlight == 0
	}, 5*time.Second, time.Millisecond)
	require.Equal(t, int64(1), b.sim.Stats().Outcomes[StatusCompleted])
}

func TestCallbacksUnansweredCalls(t *testing.T) {
	t.Parallel()

	tests := []struct {
		outcome string
		want    []string
	}{
		{StatusBusy, []string{"initiated", "ringing", "busy"}},
		{StatusNoAnswer, []string{"initiated", "ringing", "no-answer"}},
		{StatusCanceled, []string{"initiated", "ringing", "canceled"}},
		{StatusFailed, []string{"initiated", "failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			t.Parallel()

			const to = "+85512345678"
			b := setup(t, forced(to, tt.outcome))
			rc := newReceiver(t, testToken)
			c, err := b.api.CreateCall(createParams(to, rc.url("/voice"), rc.url("/status")))
			require.NoError(t, err)

			hits := rc.waitFor(t, *c.Sid, "/status", len(tt.want))
			require.Equal(t, tt.want, statuses(hits))
			require.Empty(t, hits[len(hits)-1].form.Get("CallDuration"))
			require.Empty(t, rc.forCall(*c.Sid, "/voice"), "an unanswered call fetches no TwiML")

			got, err := b.api.FetchCall(*c.Sid, nil)
			require.NoError(t, err)
			require.Equal(t, tt.outcome, *got.Status)
			require.Equal(t, "0", *got.Duration)
		})
	}
}

func TestCallbacksEventSubset(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		events []string
		want   []string
	}{
		{"completed means the final status", []string{"completed"}, []string{"completed"}},
		{"answered", []string{"answered"}, []string{"in-progress"}},
		{"space separated", []string{"initiated completed"}, []string{"initiated", "completed"}},
		{"all", []string{"initiated", "ringing", "answered", "completed"},
			[]string{"initiated", "ringing", "in-progress", "completed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			const to = "+85512345678"
			b := setup(t, forced(to, StatusCompleted))
			rc := newReceiver(t, testToken)
			p := createParams(to, rc.url("/voice"), rc.url("/status"))
			p.SetStatusCallbackEvent(tt.events)
			c, err := b.api.CreateCall(p)
			require.NoError(t, err)

			require.Eventually(t, func() bool { return b.sim.Stats().InFlight == 0 },
				5*time.Second, time.Millisecond)
			hits := rc.forCall(*c.Sid, "/status")
			require.Equal(t, tt.want, statuses(hits))
			for i, h := range hits {
				require.Equal(t, strconv.Itoa(i), h.form.Get("SequenceNumber"))
			}
		})
	}
}

func TestCallbacksWithGET(t *testing.T) {
	t.Parallel()

	const to = "+85512345678"
	b := setup(t, forced(to, StatusCompleted))
	rc := newReceiver(t, testToken)
	p := createParams(to, rc.url("/voice?flow=hello"), rc.url("/status"))
	p.SetMethod("GET").SetStatusCallbackMethod("GET")
	c, err := b.api.CreateCall(p)
	require.NoError(t, err)

	hits := rc.waitFor(t, *c.Sid, "/status", 4)
	for _, h := range hits {
		require.Equal(t, http.MethodGet, h.method)
		require.True(t, h.signedOK)
	}
	voice := rc.waitFor(t, *c.Sid, "/voice", 1)
	require.Equal(t, http.MethodGet, voice[0].method)
	require.Equal(t, "hello", voice[0].form.Get("flow"))
	require.True(t, voice[0].signedOK)
}

func TestCallbacksRetryServerErrors(t *testing.T) {
	t.Parallel()

	const to = "+85512345678"
	b := setup(t, forced(to, StatusFailed))
	rc := newReceiver(t, testToken)
	var attempts atomic.Int32
	rc.answer = func(h hit) int {
		if h.form.Get("CallStatus") == "initiated" && attempts.Add(1) <= 2 {
			return http.StatusBadGateway
		}
		return http.StatusNoContent
	}
	c, err := b.api.CreateCall(createParams(to, rc.url("/voice"), rc.url("/status")))
	require.NoError(t, err)

	hits := rc.waitFor(t, *c.Sid, "/status", 4)
	require.Equal(t, []string{"initiated", "initiated", "initiated", "failed"}, statuses(hits))
	require.Equal(t, hits[0].header.Get("I-Twilio-Idempotency-Token"),
		hits[2].header.Get("I-Twilio-Idempotency-Token"), "a retry is the same callback")
	require.Eventually(t, func() bool { return b.sim.Stats().CallbacksSent == 2 },
		5*time.Second, time.Millisecond)
	require.Equal(t, int64(0), b.sim.Stats().CallbacksFailed)
}

func TestCallbacksGiveUp(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		code     int
		attempts int
	}{
		{"client error is not retried", http.StatusForbidden, 1},
		{"server error is retried three times", http.StatusInternalServerError, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			const to = "+85512345678"
			b := setup(t, forced(to, StatusFailed))
			rc := newReceiver(t, testToken)
			rc.answer = func(hit) int { return tt.code }
			p := createParams(to, rc.url("/voice"), rc.url("/status"))
			p.SetStatusCallbackEvent([]string{"completed"})
			c, err := b.api.CreateCall(p)
			require.NoError(t, err)

			require.Eventually(t, func() bool { return b.sim.Stats().CallbacksFailed == 1 },
				5*time.Second, time.Millisecond)
			require.Len(t, rc.forCall(*c.Sid, "/status"), tt.attempts)
		})
	}
}

func TestFetchFollowsTimeline(t *testing.T) {
	t.Parallel()

	const to = "+85512345678"
	b := setup(t, forced(to, StatusCompleted))
	rc := newReceiver(t, testToken)
	// At each callback, the call resource already shows the new status.
	var (
		mu   sync.Mutex
		seen []string
	)
	rc.answer = func(h hit) int {
		if h.path == "/status" {
			got, err := b.api.FetchCall(h.form.Get("CallSid"), nil)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				seen = append(seen, *got.Status)
			}
		}
		return http.StatusOK
	}
	_, err := b.api.CreateCall(createParams(to, rc.url("/voice"), rc.url("/status")))
	require.NoError(t, err)

	want := []string{"queued", "ringing", "in-progress", "completed"}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Equal(want, seen)
	}, 5*time.Second, time.Millisecond)
}

func TestVoiceURLFailureDoesNotStopTheCall(t *testing.T) {
	t.Parallel()

	const to = "+85512345678"
	b := setup(t, forced(to, StatusCompleted))
	rc := newReceiver(t, testToken)
	rc.answer = func(h hit) int {
		if h.path == "/voice" {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	c, err := b.api.CreateCall(createParams(to, rc.url("/voice"), rc.url("/status")))
	require.NoError(t, err)

	hits := rc.waitFor(t, *c.Sid, "/status", 4)
	require.Equal(t, StatusCompleted, hits[3].form.Get("CallStatus"))
	require.Len(t, rc.forCall(*c.Sid, "/voice"), 4, "one try and three retries")
	require.Eventually(t, func() bool { return b.sim.Stats().VoiceFailures == 1 },
		5*time.Second, time.Millisecond)
}
