package e2e_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBatchConcurrentPhoneCallCreates queues ten identical phone call
// creations at once over a running callout of 1,000 participations: they
// race over the same participations, and still every participation ends
// with exactly one call, and together they created 1,000.
func TestBatchConcurrentPhoneCallCreates(t *testing.T) {
	t.Parallel()

	const (
		participants = 1000
		operations   = 10
		wait         = 2 * time.Minute
	)

	a := newCaller(t)
	base, _ := gateway(t)
	start := time.Now()
	telParallel(t, participants, 16, func(i int) error {
		_, err := telTry(base, telAccount{account: a}, http.MethodPost, "/api/contacts",
			"msisdn="+msisdn(i+1)+"&metadata[batch]=concurrency", http.StatusCreated)
		return err
	})
	t.Logf("%d contacts created in %s", participants, time.Since(start))

	k := a.coNewCallout(t, "")
	kid := idOf(t, k)
	pop := a.batNew(t, batCalloutOps(kid),
		"type="+batPopulation+"&parameters[contact_filter_params][metadata][batch]=concurrency")
	start = time.Now()
	a.batQueue(t, idOf(t, pop), "queue")
	batRequireCounts(t, a.batAwait(t, idOf(t, pop), wait), participants, participants, participants)
	t.Logf("%d participations populated in %s", participants, time.Since(start))
	r, _ := a.list(t, coCalloutPath(kid)+"/callout_participations?per_page=1")
	require.Equal(t, strconv.Itoa(participants), r.Header.Get("Total"))

	started := a.coFire(t, kid, "start")
	require.Equal(t, http.StatusCreated, started.Status, "%s", started)

	body := "type=" + batCreate + "&parameters[skip_validate_preview_presence]=1&" + batRequestParams
	opIDs := make([]int64, operations)
	for i := range opIDs {
		opIDs[i] = idOf(t, a.batNew(t, "/api/batch_operations", body))
	}

	// Queue them all at once.
	start = time.Now()
	answers := make([]response, operations)
	errs := make([]error, operations)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, id := range opIDs {
		wg.Go(func() {
			<-gate
			answers[i], errs[i] = exchange(context.Background(), base, http.MethodPost,
				batPath(id)+"/batch_operation_events", formType, []byte("event=queue"), withBasic(a.Token))
		})
	}
	close(gate)
	wg.Wait()
	for i := range opIDs {
		require.NoError(t, errs[i])
		require.Equal(t, http.StatusCreated, answers[i].Status, "queue %d: %s", opIDs[i], answers[i])
		require.Equal(t, batQueued, object(t, answers[i])["status"])
	}

	applied := map[int64]int64{}
	var sum int64
	for _, id := range opIDs {
		p := batRequireFinished(t, a.batAwait(t, id, wait))
		require.Nil(t, p.Limit)
		require.LessOrEqual(t, p.Selected, int64(participants))
		applied[id] = p.Applied
		sum += p.Applied
	}
	t.Logf("%d concurrent creations finished in %s, applying %v", operations, time.Since(start), applied)
	require.Equal(t, int64(participants), sum, "the operations together created one call each")

	r, calls := a.list(t, coCalloutPath(kid)+"/phone_calls?per_page=1000")
	require.Equal(t, strconv.Itoa(participants), r.Header.Get("Total"))
	require.Len(t, calls, participants)
	perParticipation := map[int64]int{}
	perOperation := map[int64]int64{}
	for _, c := range calls {
		require.Equal(t, telCreated, c["status"])
		perParticipation[intOf(t, c, "callout_participation_id")]++
		perOperation[intOf(t, c, "create_batch_operation_id")]++
	}
	require.Len(t, perParticipation, participants, "every participation has a call")
	for p, n := range perParticipation {
		require.Equal(t, 1, n, "participation %d has %d calls", p, n)
	}
	for _, id := range opIDs {
		require.Equal(t, applied[id], perOperation[id], "calls of operation %d", id)
		r, _ := a.list(t, batPath(id)+"/phone_calls?per_page=1")
		require.Equal(t, strconv.FormatInt(applied[id], 10), r.Header.Get("Total"),
			"results of operation %d", id)
	}

	// The calls are in flight: a single create is refused too.
	p := intOf(t, calls[0], "callout_participation_id")
	requireErrors(t, a.telCreate(t, p, "remote_request_params[from]=1234"),
		`{"base":["another phone call is in progress"]}`)
}

// TestBatchCreatesRaceSingleCreates queues phone call creations while
// clients create calls one by one for the same participations: whichever
// comes first makes the call, the other is skipped or refused, and no
// participation ends with two.
func TestBatchCreatesRaceSingleCreates(t *testing.T) {
	t.Parallel()

	const (
		participants = 200
		operations   = 5
	)

	a := newCaller(t)
	base, _ := gateway(t)
	k := a.coCalloutIn(t, "running", "")
	kid := idOf(t, k)
	telParallel(t, participants, 16, func(i int) error {
		_, err := telTry(base, telAccount{account: a}, http.MethodPost, "/api/contacts",
			"msisdn="+msisdn(i+1), http.StatusCreated)
		return err
	})
	pop := a.batNew(t, batCalloutOps(kid), "type="+batPopulation)
	batRequireCounts(t, a.batRun(t, idOf(t, pop)), participants, participants, participants)
	_, parts := identListAll(t, a, coCalloutPath(kid)+"/callout_participations")
	require.Len(t, parts, participants)

	body := "type=" + batCreate + "&parameters[skip_validate_preview_presence]=1&" + batRequestParams
	opIDs := make([]int64, operations)
	for i := range opIDs {
		opIDs[i] = idOf(t, a.batNew(t, "/api/batch_operations", body))
	}

	// Single creates, newest participations first, race the operations,
	// which start from the oldest.
	var wg sync.WaitGroup
	gate := make(chan struct{})
	singles := make([]response, participants)
	singleErrs := make([]error, participants)
	queued := make([]response, operations)
	queueErrs := make([]error, operations)
	for i := range participants {
		p := idOf(t, parts[participants-1-i])
		wg.Go(func() {
			<-gate
			singles[i], singleErrs[i] = exchange(context.Background(), base, http.MethodPost,
				coParticipationPath(p)+"/phone_calls", formType, []byte("remote_request_params[from]=1234"),
				withBasic(a.Token))
		})
	}
	for i, id := range opIDs {
		wg.Go(func() {
			<-gate
			queued[i], queueErrs[i] = exchange(context.Background(), base, http.MethodPost,
				batPath(id)+"/batch_operation_events", formType, []byte("event=queue"), withBasic(a.Token))
		})
	}
	close(gate)
	wg.Wait()

	var made int64
	for i := range singles {
		require.NoError(t, singleErrs[i])
		switch singles[i].Status {
		case http.StatusCreated:
			made++
		default:
			requireErrors(t, singles[i], `{"base":["another phone call is in progress"]}`)
		}
	}
	for i := range queued {
		require.NoError(t, queueErrs[i])
		require.Equal(t, http.StatusCreated, queued[i].Status, "%s", queued[i])
	}
	var applied int64
	for _, id := range opIDs {
		applied += batRequireFinished(t, a.batAwait(t, id, batWait)).Applied
	}
	t.Logf("%d calls made one by one, %d by the operations", made, applied)
	require.Equal(t, int64(participants), made+applied, "one call per participation in all")

	_, calls := identListAll(t, a, coCalloutPath(kid)+"/phone_calls")
	require.Len(t, calls, participants)
	seen := map[int64]bool{}
	for _, c := range calls {
		p := intOf(t, c, "callout_participation_id")
		require.False(t, seen[p], "participation %d has two calls", p)
		seen[p] = true
	}
}
