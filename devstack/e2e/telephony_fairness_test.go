package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestTelephonyDispatchServesEveryAccount gives one account a backlog of
// more queued calls than the dispatcher hands out in one tick, none of which
// can go (its one call slot is taken by a call the provider keeps queued),
// and checks that another account's call is still dialled at once.
func TestTelephonyDispatchServesEveryAccount(t *testing.T) {
	t.Parallel()

	const backlog = 2100

	stub := telNewStub(t)
	busy := telProviderAccount(t, stub.URL, "settings[max_concurrent_calls]=1")
	var csv strings.Builder
	csv.WriteString("msisdn,batch\n")
	for i := range backlog {
		csv.WriteString(msisdn(i+1) + ",backlog\n")
	}
	imp := ciImported(t, busy.ciUpload(t, "backlog.csv", csv.String(), nil))
	require.Equal(t, "completed rows=2100 created=2100 updated=0 rejected=0", ciCounts(t, imp))

	k := idOf(t, busy.coNewCallout(t, ""))
	pop := busy.batNew(t, batCalloutOps(k), "type="+batPopulation+batSkip)
	batRequireFinished(t, busy.batRun(t, idOf(t, pop)))
	require.Equal(t, 201, busy.coFire(t, k, "start").Status)
	create := busy.batNew(t, "/api/batch_operations", "type="+batCreate+batSkip+"&"+batRequestParams)
	batRequireFinished(t, busy.batRun(t, idOf(t, create)))
	queue := busy.batNew(t, "/api/batch_operations", "type="+batQueue+batSkip)
	batRequireFinished(t, busy.batRun(t, idOf(t, queue)))

	other := telProviderAccount(t, stub.URL, "")
	start := time.Now()
	c := other.telNewCall(t, 1, "remote_request_params[from]=1234")
	other.telAwaitStatus(t, idOf(t, other.telQueue(t, idOf(t, c))), telRemotelyQueued)
	t.Logf("the other account's call was dialled in %s behind a backlog of %d", time.Since(start), backlog)

	r, _ := busy.list(t, "/api/phone_calls?per_page=1&q[status]="+telQueued)
	require.Equal(t, "2099", r.Header.Get("Total"), "the busy account dialled one call")
}
