package e2e_test

// Crash tests of batch operation runs. A run goes in steps, each a command
// whose id is derived from the operation, its run and the row it resumes
// after, and the batches service records how far it got after every step.
// These tests kill (SIGKILL) the batches service and the services that own
// the rows while runs are under way, start them again, and require that
// every row was acted on exactly once. That a step sent twice changes
// nothing the second time is shown by the owning services' own tests; here
// a second run of a finished operation must find nothing left to do.

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBatchCrashPopulationResumesWithoutDoubles populates a callout from
// 18,000 of 20,000 contacts in steps of 500 while the batches service is
// killed twice and the callouts service once. The run finishes, applied
// and the callout's participations both count every matching contact once,
// and requeueing the finished population adds nobody.
func TestBatchCrashPopulationResumesWithoutDoubles(t *testing.T) {
	t.Parallel()

	const (
		contacts = 20_000
		matching = 18_000 // every tenth contact lives elsewhere
	)

	s := bcrStart(t)
	number := func(i int) string { return fmt.Sprintf("25266%07d", i) }
	matches := func(i int) bool { return i%10 != 9 }
	s.importContacts(t, "msisdn,district", contacts, func(i int) string {
		if matches(i) {
			return number(i) + ",Banadir"
		}
		return number(i) + ",Gedo"
	})
	k := idOf(t, s.do(t, http.MethodPost, "/api/callouts", "metadata[purpose]=crash",
		http.StatusCreated))
	id := s.newOp(t, batCalloutOps(k),
		"type="+batPopulation+"&parameters[contact_filter_params][metadata][district]=Banadir")
	require.EqualValues(t, 1, s.queue(t, id, "queue"))

	// The batches service dies twice while steps flow, then the callouts
	// service, with a step in its hands or between two.
	seen := s.awaitSelected(t, id, 2_000)
	first := s.kill(t, "batches")
	t.Logf("batches killed at %d of %d selected", seen, matching)
	s.restart(t, "batches")

	seen = s.awaitSelected(t, id, seen+2_000)
	s.kill(t, "batches")
	t.Logf("batches killed again at %d of %d selected", seen, matching)
	s.restart(t, "batches")

	seen = s.awaitSelected(t, id, seen+2_000)
	last := s.kill(t, "callouts")
	t.Logf("callouts killed at %d of %d selected", seen, matching)
	s.restart(t, "callouts")

	op := s.awaitFinished(t, id)
	t.Logf("population: %s", jsonText(t, op["progress"]))
	bcrRequireRunSpans(t, op, first, last)
	batRequireCounts(t, op, matching, matching, matching)

	// Every matching contact joined once, through the population, and
	// nobody else did.
	parts := s.listAll(t, coCalloutPath(k)+"/callout_participations")
	require.Len(t, parts, matching)
	joined := map[int64]bool{}
	numbers := map[any]bool{}
	for _, p := range parts {
		c := intOf(t, p, "contact_id")
		require.False(t, joined[c], "contact %d joined twice", c)
		joined[c] = true
		numbers[p["msisdn"]] = true
		require.Equal(t, id, intOf(t, p, "callout_population_id"), "participation %s", jsonText(t, p))
	}
	for i := range contacts {
		require.Equal(t, matches(i), numbers["+"+number(i)], "participation of %s", number(i))
	}
	require.Equal(t, matching, s.total(t, batPath(id)+"/callout_participations"),
		"the population's results")

	// A second run finds everyone in the callout already.
	require.EqualValues(t, 2, s.queue(t, id, "requeue"))
	op = s.awaitFinished(t, id)
	require.EqualValues(t, 2, batProgressOf(t, op).Run)
	batRequireCounts(t, op, matching, matching, 0)
	require.Equal(t, matching, s.total(t, coCalloutPath(k)+"/callout_participations"))
}

// TestBatchCrashPhoneCallCreateCallsEveryoneOnce runs two identical phone
// call creations at once over the 2,000 participations of a running
// callout, in steps of 100, while the batches service is killed and then
// the telephony service. Both finish, every participation has exactly one
// call, and their applied counts add up to 2,000.
func TestBatchCrashPhoneCallCreateCallsEveryoneOnce(t *testing.T) {
	t.Parallel()

	const participants = 2_000

	s := bcrStart(t)
	s.importContacts(t, "msisdn", participants, func(i int) string {
		return fmt.Sprintf("25266%07d", i)
	})
	k := idOf(t, s.do(t, http.MethodPost, "/api/callouts", "metadata[purpose]=crash",
		http.StatusCreated))
	pop := s.newOp(t, batCalloutOps(k), "type="+batPopulation)
	s.queue(t, pop, "queue")
	batRequireCounts(t, s.awaitFinished(t, pop), participants, participants, participants)
	s.do(t, http.MethodPost, coCalloutPath(k)+"/callout_events", "event=start", http.StatusCreated)

	body := "type=" + batCreate + "&" + batRequestParams +
		"&parameters[callout_filter_params][status]=running" +
		"&parameters[callout_participation_filter_params][callout_id]=" + strconv.FormatInt(k, 10)
	ops := make([]int64, 2)
	for i := range ops {
		ops[i] = s.newOp(t, "/api/batch_operations", body)
	}
	for _, id := range ops {
		require.EqualValues(t, 1, s.queue(t, id, "queue"))
	}

	// The batches service dies while steps flow, then the telephony
	// service, with a step in its hands or between two.
	seen := s.awaitSelected(t, ops[0], 300)
	first := s.kill(t, "batches")
	t.Logf("batches killed at %d of %d selected", seen, participants)
	s.restart(t, "batches")

	seen = s.awaitSelected(t, ops[0], seen+300)
	last := s.kill(t, "telephony")
	t.Logf("telephony killed at %d of %d selected", seen, participants)
	s.restart(t, "telephony")

	applied := map[int64]int64{}
	var sum int64
	for _, id := range ops {
		op := s.awaitFinished(t, id)
		t.Logf("operation %d: %s", id, jsonText(t, op["progress"]))
		p := batRequireFinished(t, op)
		require.EqualValues(t, participants, *p.Expected, "expected: %v", p.raw)
		require.EqualValues(t, participants, p.Selected, "selected: %v", p.raw)
		applied[id] = p.Applied
		sum += p.Applied
	}
	bcrRequireRunSpans(t, s.awaitFinished(t, ops[0]), first, last)
	require.EqualValues(t, participants, sum, "the operations together created one call each: %v",
		applied)

	// Every participation has exactly one call, made by one of the two.
	calls := bcrCallsPerParticipation(t, s, k, participants)
	for _, id := range ops {
		require.Equal(t, applied[id], calls[id], "calls of operation %d", id)
		require.EqualValues(t, applied[id], s.total(t, batPath(id)+"/phone_calls"),
			"results of operation %d", id)
	}

	// A second run finds a call in flight for everyone.
	require.EqualValues(t, 2, s.queue(t, ops[0], "requeue"))
	batRequireCounts(t, s.awaitFinished(t, ops[0]), participants, participants, 0)
	require.Equal(t, participants, s.total(t, coCalloutPath(k)+"/phone_calls"))
}

// bcrCallsPerParticipation requires that each of the n participations of
// callout k has exactly one phone call, still created, and returns how
// many calls each batch operation created.
func bcrCallsPerParticipation(t testing.TB, s *bcrSystem, k int64, n int) map[int64]int64 {
	t.Helper()

	parts := s.listAll(t, coCalloutPath(k)+"/callout_participations")
	require.Len(t, parts, n)
	calls := s.listAll(t, coCalloutPath(k)+"/phone_calls")
	require.Len(t, calls, n)

	perParticipation := map[int64]int{}
	perOperation := map[int64]int64{}
	for _, c := range calls {
		require.Equal(t, telCreated, c["status"], "phone call %s", jsonText(t, c))
		perParticipation[intOf(t, c, "callout_participation_id")]++
		perOperation[intOf(t, c, "create_batch_operation_id")]++
	}
	for _, p := range parts {
		require.Equal(t, 1, perParticipation[idOf(t, p)], "calls of participation %d", idOf(t, p))
	}

	return perOperation
}
