package callout

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFireEveryEventFromEveryState(t *testing.T) {
	t.Parallel()

	want := map[string]map[string]string{ // status → event → next ("" = refused)
		Initialized: {"start": Running, "pause": "", "resume": "", "stop": ""},
		Running:     {"start": "", "pause": Paused, "resume": "", "stop": Stopped},
		Paused:      {"start": "", "pause": "", "resume": Running, "stop": Stopped},
		Stopped:     {"start": "", "pause": "", "resume": Running, "stop": ""},
	}
	for status, events := range want {
		for event, next := range events {
			got, ok := Fire(status, event)
			require.Equal(t, next != "", ok, "%s from %s", event, status)
			require.Equal(t, next, got, "%s from %s", event, status)
		}
		_, ok := Fire(status, "explode")
		require.False(t, ok, "unknown event from %s", status)
		_, ok = Fire(status, "")
		require.False(t, ok, "missing event from %s", status)
	}
}

func TestEventType(t *testing.T) {
	t.Parallel()

	for event, typ := range map[string]string{
		"start": "callout.started", "pause": "callout.paused",
		"resume": "callout.resumed", "stop": "callout.stopped",
	} {
		require.Equal(t, typ, EventType(event))
	}
}
