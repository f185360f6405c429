package e2e_test

// Helpers of the batch operation tests. Their names start with "bat" so
// that they do not collide with helpers other test files of this package
// define.

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The four batch operation types.
const (
	batPopulation = "BatchOperation::CalloutPopulation"
	batCreate     = "BatchOperation::PhoneCallCreate"
	batQueue      = "BatchOperation::PhoneCallQueue"
	batFetch      = "BatchOperation::PhoneCallQueueRemoteFetch"
)

// Batch operation statuses.
const (
	batPreview  = "preview"
	batQueued   = "queued"
	batFinished = "finished"
)

// batOpKeys are the keys of a batch operation's JSON representation: the
// reference's, and the progress of its latest run.
var batOpKeys = []string{
	"id", "callout_id", "parameters", "metadata", "status", "created_at", "updated_at",
	"account_id", "type", "progress",
}

// batProgressKeys are the keys of a run's progress.
var batProgressKeys = []string{
	"run", "expected", "applied_limit", "selected", "applied", "skipped", "error",
	"started_at", "finished_at",
}

// batWait bounds the wait until a queued operation has finished, and until
// what it did shows in the listings of the services that own the rows.
const batWait = 30 * time.Second

// batRequestParams are provider parameters of phone call creations, as a
// form body of parameters, and the object they are stored as.
const (
	batRequestParams = "parameters[remote_request_params][from]=1234" +
		"&parameters[remote_request_params][url]=http://x/y"
	batRequestParamsJSON = `{"from":"1234","url":"http://x/y"}`
)

// batSkip is the parameter that lets a phone call operation select nothing.
const batSkip = "&parameters[skip_validate_preview_presence]=1"

// batPath returns the path of a batch operation.
func batPath(id int64) string {
	return "/api/batch_operations/" + strconv.FormatInt(id, 10)
}

// batCalloutOps returns the path of a callout's batch operations.
func batCalloutOps(calloutID int64) string {
	return coCalloutPath(calloutID) + "/batch_operations"
}

// batNew creates a batch operation as a by posting a form body to target
// (/api/batch_operations or a callout's batch_operations), requiring 201
// and the operation's Location, and returns it.
func (a account) batNew(t testing.TB, target, body string) map[string]any {
	t.Helper()

	r := a.form(t, http.MethodPost, target, body)
	require.Equal(t, http.StatusCreated, r.Status, "create a batch operation: %s", r)
	op := object(t, r)
	require.Equal(t, batPath(idOf(t, op)), r.Header.Get("Location"))
	batRequireOp(t, a, op)
	require.Equal(t, batPreview, op["status"])
	require.Nil(t, op["progress"], "an operation never queued has no progress")

	return op
}

// batOp fetches a batch operation as a, requiring that it exists.
func (a account) batOp(t testing.TB, id int64) map[string]any {
	t.Helper()

	r := a.get(t, batPath(id))
	require.Equal(t, http.StatusOK, r.Status, "fetch batch operation %d: %s", id, r)
	op := object(t, r)
	batRequireOp(t, a, op)

	return op
}

// batEvent sends a batch operation event as a.
func (a account) batEvent(t testing.TB, id int64, event string) response {
	t.Helper()

	return a.form(t, http.MethodPost, batPath(id)+"/batch_operation_events", "event="+event)
}

// batQueue queues (or, with event requeue, requeues) operation id as a,
// requiring 201, the operation's Location and status queued with a fresh
// run that has done nothing yet, and returns the answer.
func (a account) batQueue(t testing.TB, id int64, event string) map[string]any {
	t.Helper()

	r := a.batEvent(t, id, event)
	require.Equal(t, http.StatusCreated, r.Status, "%s batch operation %d: %s", event, id, r)
	require.Equal(t, batPath(id), r.Header.Get("Location"))
	op := object(t, r)
	batRequireOp(t, a, op)
	require.Equal(t, batQueued, op["status"])

	p := batProgressOf(t, op)
	require.Positive(t, p.Run)
	require.Zero(t, p.Selected+p.Applied+p.Skipped, "a queued run has done nothing: %v", op["progress"])
	require.Nil(t, p.Error)
	require.Nil(t, p.raw["started_at"])
	require.Nil(t, p.raw["finished_at"])

	return op
}

// batAwait polls operation id as a until it has finished, failing with its
// last representation after wait, and requires that its progress adds up.
func (a account) batAwait(t testing.TB, id int64, wait time.Duration) map[string]any {
	t.Helper()

	deadline := time.Now().Add(wait)
	for {
		op := a.batOp(t, id)
		if op["status"] == batFinished {
			batRequireFinished(t, op)
			return op
		}
		require.True(t, time.Now().Before(deadline),
			"batch operation %d has not finished after %s: %s", id, wait, jsonText(t, op))
		time.Sleep(50 * time.Millisecond)
	}
}

// batRun queues operation id as a and waits until it has finished.
func (a account) batRun(t testing.TB, id int64) map[string]any {
	t.Helper()

	a.batQueue(t, id, "queue")

	return a.batAwait(t, id, batWait)
}

// batProgress is a run's progress, decoded.
type batProgress struct {
	Run      int64
	Expected *int64
	Limit    *int64
	Selected int64
	Applied  int64
	Skipped  int64
	Error    any

	raw map[string]any
}

// batProgressOf decodes the progress of an operation, requiring that it
// has one with exactly the known keys and counts that add up: every
// selected row was either applied or skipped.
func batProgressOf(t testing.TB, op map[string]any) batProgress {
	t.Helper()

	raw, ok := op["progress"].(map[string]any)
	require.True(t, ok, "a queued operation has progress: %s", jsonText(t, op))
	requireKeys(t, raw, batProgressKeys...)

	p := batProgress{
		Run: intOf(t, raw, "run"), Selected: intOf(t, raw, "selected"),
		Applied: intOf(t, raw, "applied"), Skipped: intOf(t, raw, "skipped"), Error: raw["error"],
		raw: raw,
	}
	p.Expected = batOptionalInt(t, raw, "expected")
	p.Limit = batOptionalInt(t, raw, "applied_limit")

	require.GreaterOrEqual(t, p.Applied, int64(0))
	require.GreaterOrEqual(t, p.Skipped, int64(0))
	require.Equal(t, p.Selected, p.Applied+p.Skipped, "selected = applied + skipped: %v", raw)

	return p
}

// batRequireFinished requires the progress of a finished run: started and
// finished in that order, without error, at most its applied limit
// selected, and as many rows expected as it could select when it started.
func batRequireFinished(t testing.TB, op map[string]any) batProgress {
	t.Helper()

	p := batProgressOf(t, op)
	require.Nil(t, p.Error, "a run that finished normally has no error: %v", p.raw)
	started := requireTimestamp(t, p.raw["started_at"])
	finished := requireTimestamp(t, p.raw["finished_at"])
	require.False(t, finished.Before(started), "finished before it started: %v", p.raw)
	require.False(t, requireTimestamp(t, op["updated_at"]).Before(finished),
		"updated_at is not before the end of the run: %s", jsonText(t, op))

	require.NotNil(t, p.Expected, "a started run knows how many rows it expects: %v", p.raw)
	require.GreaterOrEqual(t, *p.Expected, int64(0))
	if p.Limit != nil {
		require.GreaterOrEqual(t, *p.Limit, int64(0))
		require.LessOrEqual(t, *p.Expected, *p.Limit, "expected within the limit: %v", p.raw)
		require.LessOrEqual(t, p.Selected, *p.Limit, "selected within the limit: %v", p.raw)
	}

	return p
}

// batRequireCounts requires a finished run's counts: what it expected,
// selected and applied.
func batRequireCounts(t testing.TB, op map[string]any, expected, selected, applied int64) {
	t.Helper()

	p := batRequireFinished(t, op)
	require.NotNil(t, p.Expected)
	require.Equal(t, expected, *p.Expected, "expected: %v", p.raw)
	require.Equal(t, selected, p.Selected, "selected: %v", p.raw)
	require.Equal(t, applied, p.Applied, "applied: %v", p.raw)
}

// batOptionalInt returns an integer field that may be null.
func batOptionalInt(t testing.TB, m map[string]any, key string) *int64 {
	t.Helper()

	if m[key] == nil {
		return nil
	}
	n := intOf(t, m, key)

	return &n
}

// batRequireOp requires a full batch operation representation of a.
func batRequireOp(t testing.TB, a account, op map[string]any) {
	t.Helper()

	requireKeys(t, op, batOpKeys...)
	require.Positive(t, idOf(t, op))
	require.Equal(t, a.ID, intOf(t, op, "account_id"))
	require.Contains(t, []string{batPopulation, batCreate, batQueue, batFetch}, op["type"])
	require.Contains(t, []string{batPreview, batQueued, "running", batFinished}, op["status"])
	_, ok := op["parameters"].(map[string]any)
	require.True(t, ok, "parameters is an object: %s", jsonText(t, op))
	_, ok = op["metadata"].(map[string]any)
	require.True(t, ok, "metadata is an object: %s", jsonText(t, op))
	if op["callout_id"] != nil {
		require.Positive(t, intOf(t, op, "callout_id"))
	}
	requireTimestamp(t, op["created_at"])
	coRequireNotBefore(t, op["updated_at"], op["created_at"])
}

// batAwaitIDs polls a listing as a until the ids of its items (all on one
// page of up to 1000) are want, in order, for listings fed by another
// service's events.
func (a account) batAwaitIDs(t testing.TB, target string, want []int64) {
	t.Helper()

	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	deadline := time.Now().Add(batWait)
	for {
		r, items := a.list(t, target+sep+"per_page=1000")
		got := ids(t, items)
		if slices.Equal(got, want) {
			require.Equal(t, strconv.Itoa(len(want)), r.Header.Get("Total"), "Total of %s", target)
			return
		}
		require.True(t, time.Now().Before(deadline),
			"%s still lists %v after %s, want %v", target, got, batWait, want)
		time.Sleep(50 * time.Millisecond)
	}
}

// batContact creates a contact with the nth test number and the given
// metadata (a form body of metadata[...] pairs, may be empty) as a.
func (a account) batContact(t testing.TB, n int, metadata string) map[string]any {
	t.Helper()

	body := "msisdn=" + msisdn(n)
	if metadata != "" {
		body += "&" + metadata
	}

	return a.createContact(t, body)
}

// batParticipants creates n contacts (numbers first, first+1, …) and their
// participations in callout k as a, and returns the participations in
// creation order (ascending ids).
func (a account) batParticipants(t testing.TB, k map[string]any, first, n int) []map[string]any {
	t.Helper()

	out := make([]map[string]any, 0, n)
	for i := range n {
		out = append(out, a.coJoinContact(t, idOf(t, k), a.batContact(t, first+i, "")))
	}

	return out
}

// batAwaitCalls waits until every phone call ids has a status among want,
// and returns them in the order of ids.
func (a account) batAwaitCalls(t testing.TB, ids []int64, what string, want ...string,
) []map[string]any {
	t.Helper()

	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, a.telAwaitCall(t, id, what, func(c map[string]any) bool {
			s, _ := c["status"].(string)
			return slices.Contains(want, s)
		}))
	}

	return out
}
