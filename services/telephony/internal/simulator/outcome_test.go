package simulator

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

func TestOutcomeIsDeterministicForSeed(t *testing.T) {
	t.Parallel()

	a := makePicker(42, DefaultOutcomes(), nil)
	same := makePicker(42, DefaultOutcomes(), nil)
	other := makePicker(43, DefaultOutcomes(), nil)
	differs := 0
	for range 200 {
		sid := newCallSid()
		require.Equal(t, a.pick(sid, "+85512345678"), same.pick(sid, "+85599999999"))
		if a.pick(sid, "") != other.pick(sid, "") {
			differs++
		}
	}
	require.Positive(t, differs, "another seed gives another mix")
}

func TestOutcomeForcedByTo(t *testing.T) {
	t.Parallel()

	p := makePicker(1, map[string]int{StatusCompleted: 1}, map[string]string{"+1": StatusBusy})
	require.Equal(t, StatusBusy, p.pick(newCallSid(), "+1"))
	require.Equal(t, StatusCompleted, p.pick(newCallSid(), "+2"))
}

func TestOutcomeMixOverManyCalls(t *testing.T) {
	t.Parallel()

	const n = 1000
	b := setup(t, Config{Seed: 99, TimeScale: 0.0001})
	for range n {
		_, err := b.api.CreateCall(twimlParams("+85512345678"))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return b.sim.Stats().InFlight == 0 },
		10*time.Second, 5*time.Millisecond)

	got := b.sim.Stats().Outcomes
	total := 0
	for name, w := range DefaultOutcomes() {
		total += int(got[name])
		// Binomial standard deviations are under 15 calls; allow about four.
		require.InDelta(t, w*n/100, got[name], 60, "outcome %s: %v", name, got)
	}
	require.Equal(t, n, total)

	// Each call ended as its SID and the seed say, and the same seed says so
	// again.
	p := &api.ListCallParams{}
	p.SetPageSize(1000)
	calls, err := b.api.ListCall(p)
	require.NoError(t, err)
	require.Len(t, calls, n)
	again := makePicker(99, DefaultOutcomes(), nil)
	for _, c := range calls {
		require.Equal(t, again.pick(*c.Sid, *c.To), *c.Status)
	}
}

func TestTimeline(t *testing.T) {
	t.Parallel()

	cfg := Config{}.withDefaults()
	at := func(steps []step) (out []time.Duration) {
		for _, s := range steps {
			out = append(out, s.at)
		}
		return out
	}
	ms := time.Millisecond
	require.Equal(t, []time.Duration{20 * ms, 100 * ms, 300 * ms, 1300 * ms},
		at(timeline(cfg, StatusCompleted)))
	require.Equal(t, []time.Duration{20 * ms, 100 * ms, 1300 * ms},
		at(timeline(cfg, StatusNoAnswer)))
	require.Equal(t, []time.Duration{20 * ms, 100 * ms, 300 * ms}, at(timeline(cfg, StatusBusy)))
	require.Equal(t, []time.Duration{20 * ms, 100 * ms}, at(timeline(cfg, StatusFailed)))
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()

	require.NoError(t, Config{}.Validate())
	err := Config{
		CallsPerSecond: -1,
		FailureRate:    2,
		TimeScale:      -1,
		Outcomes:       map[string]int{"answered": 1, StatusBusy: -1},
		OutcomeByTo:    map[string]string{"+1": "ringing"},
	}.Validate()
	require.Error(t, err)
	for _, want := range []string{"calls per second", "failure rate", "time scale",
		`"answered"`, "negative weight", `forced for "+1"`} {
		require.ErrorContains(t, err, want)
	}
	require.ErrorContains(t, Config{Outcomes: map[string]int{StatusBusy: 0}}.Validate(),
		"add up to zero")
	require.Panics(t, func() { NewServer(Config{FailureRate: -1}, nil) })
}
