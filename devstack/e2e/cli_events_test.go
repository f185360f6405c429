package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cliEnvelope is the part of an event envelope the tail tests read.
type cliEnvelope struct {
	EventID       string          `json:"event_id"`
	EventType     string          `json:"event_type"`
	AggregateType string          `json:"aggregate_type"`
	AggregateID   string          `json:"aggregate_id"`
	AccountID     int64           `json:"account_id"`
	Data          json.RawMessage `json:"data"`
}

// cliNATSEnv returns the settings that point scfm events tail at the
// system's NATS server and names.
func cliNATSEnv(t testing.TB) []string {
	t.Helper()

	return []string{
		"NATS_URL=" + coStackSetting(t, "NATSURL"),
		"NATS_PREFIX=" + coStackSetting(t, "Prefix"),
	}
}

// TestCLIEventsTailFromTheStart: with --all, tail prints events recorded
// before it started, one JSON envelope per line, only on the subjects
// asked for.
func TestCLIEventsTailFromTheStart(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	r := a.form(t, http.MethodPost, "/api/callouts", "call_flow_logic=CallFlowLogic::PlayMessage")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	id := strconv.FormatInt(idOf(t, object(t, r)), 10)
	r = a.form(t, http.MethodPost, "/api/callouts/"+id+"/callout_events", "event=start")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)

	// The relay publishes shortly after the commit.
	var res cliResult
	deadline := time.Now().Add(20 * time.Second)
	for {
		res = cliRun(t, cliNATSEnv(t), "events", "tail", "--all", "--limit", "2",
			"--subject", "callouts.evt.callout."+id+".>")
		require.Equal(t, 0, res.Code, "%s", res)
		if strings.Count(res.Stdout, "\n") == 2 || time.Now().After(deadline) {
			break
		}
	}

	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	require.Len(t, lines, 2, "%s", res)
	var types []string
	for _, line := range lines {
		var env cliEnvelope
		require.NoError(t, json.Unmarshal([]byte(line), &env), line)
		require.Equal(t, "callout", env.AggregateType)
		require.Equal(t, id, env.AggregateID)
		require.Equal(t, a.ID, env.AccountID)
		require.NotEmpty(t, env.EventID)
		types = append(types, env.EventType)
	}
	require.Equal(t, []string{"callout.created", "callout.started"}, types)
}

// TestCLIEventsTailFollowsNewEvents: without --all, tail prints only what
// happens after it started.
func TestCLIEventsTailFollowsNewEvents(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	r := a.form(t, http.MethodPost, "/api/callouts", "call_flow_logic=CallFlowLogic::PlayMessage")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	id := strconv.FormatInt(idOf(t, object(t, r)), 10)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	// The creation reaches the stream a moment after its answer: wait for
	// it, so that it is history by the time tail starts.
	seen := cliCommand(ctx, t, cliNATSEnv(t), "events", "tail", "--all", "--limit", "1",
		"--subject", "callouts.evt.callout."+id+".>")
	require.NoError(t, seen.Run())

	cmd := cliCommand(ctx, t, cliNATSEnv(t), "events", "tail", "--limit", "1",
		"--subject", "callouts.evt.callout."+id+".>")
	var stdout strings.Builder
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	// Once tail says it is reading, its consumers exist.
	lines := bufio.NewScanner(stderr)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "reading ") {
	}
	require.Contains(t, lines.Text(), "CALLOUTS_EVENTS")

	r = a.form(t, http.MethodPost, "/api/callouts/"+id+"/callout_events", "event=start")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)

	for lines.Scan() {
	}
	require.NoError(t, cmd.Wait(), "tail did not stop after one event: %s", stdout.String())

	var env cliEnvelope
	require.NoError(t, json.Unmarshal([]byte(stdout.String()), &env), stdout.String())
	require.Equal(t, "callout.started", env.EventType, "the creation came before tail started")
	require.Equal(t, id, env.AggregateID)
}

// TestCLIEventsTailWithoutNATS: a NATS server that does not answer is exit
// status 2.
func TestCLIEventsTailWithoutNATS(t *testing.T) {
	t.Parallel()

	r := cliRun(t, []string{"NATS_URL=nats://127.0.0.1:1"}, "events", "tail")
	require.Equal(t, 2, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "connect to NATS")
}
