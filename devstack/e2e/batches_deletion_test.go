package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// An account or a callout that batch operations name is not deleted; once
// the operations are gone, they can be. The callouts service learns of
// operations from the batches service's events, so the test waits for it.
func TestBatchOperationsKeepTheirCalloutAndAccount(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t)
	k := a.coNewCallout(t, "")
	op := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)

	// Nothing observable tells when the callouts service has heard of the
	// operation, and a delete that comes first goes through: give the event
	// a moment (it takes milliseconds).
	time.Sleep(time.Second)
	refused := `{"errors":{"base":["Cannot delete record because dependent batch operations exist"]}}`
	r := a.do(t, http.MethodDelete, coCalloutPath(idOf(t, k)), "", "")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
	require.JSONEq(t, refused, string(r.Body))
	r = admin.do(t, http.MethodDelete, identAccountPath(a.ID), "", "")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)

	r = a.do(t, http.MethodDelete, batPath(idOf(t, op)), "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	awaitStatus(t, func() response { return a.do(t, http.MethodDelete, coCalloutPath(idOf(t, k)), "", "") },
		http.StatusNoContent, "")
}

// awaitStatus repeats call until it answers status (and body, when given),
// for up to five seconds.
func awaitStatus(t *testing.T, call func() response, status int, body string) {
	t.Helper()

	deadline := time.Now().Add(5 * time.Second)
	for {
		r := call()
		if r.Status == status && (body == "" || string(r.Body) == body) {
			return
		}
		require.True(t, time.Now().Before(deadline), "still %s, want %d %s", r, status, body)
		time.Sleep(50 * time.Millisecond)
	}
}

// A queued operation keeps its id until its run is over: deleting it (or
// changing its parameters) then is refused, so its results never outlive it.
func TestBatchOperationQueuedIsNotDeletedNorChanged(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	k := a.coNewCallout(t, "")
	for i := range 3 {
		a.batContact(t, 7100+i, "")
	}
	op := a.batNew(t, batCalloutOps(idOf(t, k)), "type="+batPopulation)
	id := idOf(t, op)
	a.batQueue(t, id, "queue")

	// Queued, running or finished with results: never deleted now.
	r := a.do(t, http.MethodDelete, batPath(id), "", "")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
	r = a.form(t, http.MethodPatch, batPath(id), "parameters[contact_filter_params][msisdn]=1")
	if r.Status != http.StatusNoContent { // it may have finished already
		require.JSONEq(t,
			`{"errors":{"parameters":["cannot change while the operation is queued or running"]}}`,
			string(r.Body))
	}

	done := a.batAwait(t, id, batWait)
	require.Equal(t, "finished", done["status"])
	require.EqualValues(t, 3, batProgressOf(t, done).Applied)
}
