package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"scfm/gateway/internal/apiclient"
)

// demoCall builds a call of participation pid that began at minute start
// and last changed at minute end.
func demoCall(id, pid int64, status string, start, end int) apiclient.PhoneCall {
	base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	p := pid

	return apiclient.PhoneCall{
		ID: id, CalloutParticipationID: &p, Status: status,
		CreatedAt: base.Add(time.Duration(start) * time.Minute),
		UpdatedAt: base.Add(time.Duration(end) * time.Minute),
	}
}

// demoFixture is a consistent outcome: participation 1 reached on the
// second attempt, 2 busy three times (out of attempts), 3 canceled once
// (not retried).
func demoFixture() (demoFacts, demoState) {
	st := demoState{
		participations: map[int64]bool{1: true, 2: true, 3: true},
		calls: map[int64][]apiclient.PhoneCall{
			1: {demoCall(1, 1, "failed", 0, 1), demoCall(4, 1, "completed", 2, 3)},
			2: {
				demoCall(2, 2, "busy", 0, 1), demoCall(5, 2, "busy", 2, 3),
				demoCall(6, 2, "busy", 4, 5),
			},
			3: {demoCall(3, 3, "canceled", 0, 1)},
		},
		callCount: 6, contacts: 3, matching: 3,
	}
	st.summary.Participations.Total = 3
	st.summary.Participations.ByLastCallStatus = map[string]int64{
		"completed": 1, "busy": 1, "canceled": 1,
	}
	st.summary.PhoneCalls.Total = 6
	st.summary.PhoneCalls.ByStatus = map[string]int64{
		"failed": 1, "completed": 1, "busy": 3, "canceled": 1,
	}

	f := demoFacts{
		fresh:     true,
		imported:  apiclient.ContactImport{Rows: 4, Created: 3, Rejected: 1},
		populated: 3,
		run:       runReport{rounds: []int64{3, 2, 1}},
		opts:      runOptions{attempts: 3, retryBusy: true},
	}

	return f, st
}

func TestChecksPassOnAConsistentOutcome(t *testing.T) {
	f, st := demoFixture()
	for _, ch := range []check{
		checkImport(f, st), checkPopulation(f, st), checkFinished(f, st),
		checkOneInFlight(st), checkCounts(f, st),
	} {
		require.Empty(t, ch.failures, ch.name)
	}
}

func TestCheckFinishedFindsUnfinishedAndUnretried(t *testing.T) {
	f, st := demoFixture()
	st.calls[1][1].Status = "in_progress"
	st.calls[2] = st.calls[2][:2]
	delete(st.calls, 3)

	ch := checkFinished(f, st)
	require.Len(t, ch.failures, 3, "%v", ch.failures)
	require.Contains(t, ch.failures[0], "still in_progress")
	require.Contains(t, ch.failures[1], "after 2 of 3 attempts")
	require.Contains(t, ch.failures[2], "never called")
}

func TestCheckFinishedFindsTooManyAttempts(t *testing.T) {
	f, st := demoFixture()
	f.opts.attempts = 2

	ch := checkFinished(f, st)
	require.Len(t, ch.failures, 1)
	require.Contains(t, ch.failures[0], "had 3 calls")
}

func TestCheckOneInFlightFindsOverlaps(t *testing.T) {
	_, st := demoFixture()
	st.calls[2][1] = demoCall(5, 2, "busy", 0, 3)

	ch := checkOneInFlight(st)
	require.Len(t, ch.failures, 1)
	require.Contains(t, ch.failures[0], "participation 2: call 5")
}

func TestCheckCountsFindsDisagreements(t *testing.T) {
	f, st := demoFixture()
	st.summary.PhoneCalls.InFlight = 1
	st.summary.PhoneCalls.Total = 7
	st.strayCalls = []int64{9}

	ch := checkCounts(f, st)
	require.Len(t, ch.failures, 4, "%v", ch.failures)
}

func TestCheckImportAndPopulation(t *testing.T) {
	f, st := demoFixture()
	f.imported.Updated = 1
	st.contacts = 2
	f.populated = 4

	require.Len(t, checkImport(f, st).failures, 2)
	require.Len(t, checkPopulation(f, st).failures, 1)
}
