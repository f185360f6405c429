package phonecall

import (
	"testing"

	"github.com/stretchr/testify/require"

	tel "scfm/shared/contract/telephonyv1"
)

func TestCheckRequestParams(t *testing.T) {
	t.Parallel()

	require.Equal(t, "can't be blank", CheckRequestParams(nil))
	require.Equal(t, "can't be blank", CheckRequestParams(map[string]any{}))
	require.Equal(t, "is not included in the list", CheckRequestParams(map[string]any{"foo": "bar"}))
	require.Empty(t, CheckRequestParams(map[string]any{"from": "1234", "url": "http://x", "method": "GET"}))
	require.Len(t, tel.RequestParams(), 21)
}

func TestEvents(t *testing.T) {
	t.Parallel()

	next, ok := Queue(tel.StatusCreated)
	require.True(t, ok)
	require.Equal(t, tel.StatusQueued, next)
	for _, s := range []string{tel.StatusQueued, tel.StatusRemotelyQueued, tel.StatusCompleted} {
		_, ok := Queue(s)
		require.False(t, ok, s)
	}

	next, changed, ok := QueueRemoteFetch(tel.StatusRemotelyQueued, true)
	require.True(t, ok && changed)
	require.Equal(t, tel.StatusRemoteFetchQueued, next)
	next, changed, ok = QueueRemoteFetch(tel.StatusInProgress, false)
	require.True(t, ok)
	require.False(t, changed)
	require.Equal(t, tel.StatusInProgress, next)
	_, _, ok = QueueRemoteFetch(tel.StatusCreated, true)
	require.False(t, ok)
}

func TestForwardOnly(t *testing.T) {
	t.Parallel()

	require.True(t, Forward(tel.StatusRemotelyQueued, tel.StatusInProgress))
	require.True(t, Forward(tel.StatusInProgress, tel.StatusCompleted))
	require.False(t, Forward(tel.StatusCompleted, tel.StatusInProgress), "terminal is never left")
	require.False(t, Forward(tel.StatusBusy, tel.StatusBusy))
	require.False(t, Forward(tel.StatusQueued, tel.StatusCreated))

	for remote, want := range map[string]string{
		"ringing": tel.StatusInProgress, "in-progress": tel.StatusInProgress, "busy": tel.StatusBusy,
		"failed": tel.StatusFailed, "no-answer": tel.StatusNotAnswered, "canceled": tel.StatusCanceled,
		"completed": tel.StatusCompleted,
	} {
		got, ok := FromRemote(remote)
		require.True(t, ok, remote)
		require.Equal(t, want, got, remote)
	}
	_, ok := FromRemote("queued")
	require.False(t, ok)
}
