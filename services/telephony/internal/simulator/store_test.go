package simulator

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStoreForgetsFinishedCalls(t *testing.T) {
	t.Parallel()

	s := newStore(time.Minute, 2)
	now := time.Now()
	end := step{status: StatusCompleted}
	for _, sid := range []string{"CA1", "CA2", "CA3", "CA4"} {
		s.add(call{sid: sid, accountSid: "AC", status: statusQueued, created: now})
	}
	for i, sid := range []string{"CA1", "CA2", "CA3"} {
		_, ok := s.advance(sid, end, now.Add(time.Duration(i)*time.Second), 1)
		require.True(t, ok)
	}
	_, ok := s.get("AC", "CA1")
	require.False(t, ok, "beyond maxRetained the oldest finished call goes")
	require.Equal(t, 3, s.size(), "two finished calls and the running one")

	s.evict(now.Add(time.Minute + 1500*time.Millisecond))
	_, ok = s.get("AC", "CA2")
	require.False(t, ok, "expired")
	_, ok = s.get("AC", "CA3")
	require.True(t, ok)
	_, ok = s.get("AC", "CA4")
	require.True(t, ok, "running calls never expire")
}

func TestServerForgetsCallsAfterRetention(t *testing.T) {
	t.Parallel()

	b := setup(t, Config{TimeScale: 0.001, Retention: 20 * time.Millisecond})
	c, err := b.api.CreateCall(twimlParams("+85512345678"))
	require.NoError(t, err)

	require.Eventually(t, func() bool { return b.sim.Stats().Retained == 0 },
		5*time.Second, 5*time.Millisecond)
	_, err = b.api.FetchCall(*c.Sid, nil)
	require.Equal(t, http.StatusNotFound, restError(t, err).Status)
}
