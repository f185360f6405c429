package e2e_test

// Helpers of the batch operation crash tests. Those tests kill services, so
// each runs its own private stack (crashStart) and talks to it through the
// helpers here. Their names start with "bcr" so that they do not collide
// with helpers other test files of this package define.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Settings of the crash tests' stacks: steps small enough that a run takes
// dozens of them, and a short wait for a step's answer so that a step lost
// in a crash is sent again soon.
const (
	bcrPopulateStepRows = 500
	bcrCallStepRows     = 100
	bcrRequestTimeout   = 5 * time.Second
)

// bcrRunWait bounds the wait until a run interrupted by crashes has
// finished. A command whose handler was killed is redelivered only when its
// acknowledgement is overdue (30 s), so a run may pause that long.
const bcrRunWait = 2 * time.Minute

// bcrSystem is a private stack and an ordinary account on it.
type bcrSystem struct {
	*crashSystem
	token string
}

// bcrStart starts a private stack with small run steps and an ordinary
// account. When t fails, the batches service's output is logged too.
func bcrStart(t *testing.T) *bcrSystem {
	t.Helper()

	sys := crashStart(t,
		"BATCHES_POPULATE_STEP_ROWS="+strconv.Itoa(bcrPopulateStepRows),
		"BATCHES_CALL_STEP_ROWS="+strconv.Itoa(bcrCallStepRows),
		"BATCHES_REQUEST_TIMEOUT="+bcrRequestTimeout.String(),
	)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("batches output (latest 200 lines):\n%s", sys.logs.Tail("[batches] ", 200))
		}
	})

	id := idOf(t, sys.call(t, sys.admin, http.MethodPost, "/api/accounts", "", http.StatusCreated))
	tok := sys.call(t, sys.admin, http.MethodPost, "/api/access_tokens",
		"account_id="+strconv.FormatInt(id, 10), http.StatusCreated)
	s := &bcrSystem{crashSystem: sys}
	s.token, _ = tok["token"].(string)
	require.NotEmpty(t, s.token, "access token %v", tok)

	// The gateway learns about new tokens asynchronously.
	crashEventually(t, tokenWait, "the gateway accepts the new token", func() (bool, string) {
		r, err := s.get(t.Context(), "/api/contacts")
		if err != nil {
			return false, err.Error()
		}
		return r.Status == http.StatusOK, r.String()
	})

	return s
}

// get makes one GET request as the account.
func (s *bcrSystem) get(ctx context.Context, target string) (response, error) {
	return s.try(ctx, s.token, http.MethodGet, target, "")
}

// do makes one request with a form body as the account, requiring want,
// and returns the decoded object answered.
func (s *bcrSystem) do(t testing.TB, method, target, body string, want int) map[string]any {
	t.Helper()

	return s.call(t, s.token, method, target, body, want)
}

// kill sends SIGKILL to a service and, once it is gone, returns when the
// kill began.
func (s *bcrSystem) kill(t testing.TB, name string) time.Time {
	t.Helper()

	at := time.Now()
	require.NoError(t, s.stack.Kill(name), "kill %s", name)

	return at
}

// restart starts a killed service again and waits until it is ready.
func (s *bcrSystem) restart(t testing.TB, name string) {
	t.Helper()

	ctx, cancel := context.WithTimeout(t.Context(), crashRestartTimeout)
	defer cancel()
	began := time.Now()
	require.NoError(t, s.stack.Restart(ctx, name), "restart %s", name)
	t.Logf("%s ready again after %s", name, time.Since(began).Round(time.Millisecond))
}

// importContacts uploads a CSV file with a header and n rows, row(i)
// giving row i (from 0), and requires that it created n contacts.
func (s *bcrSystem) importContacts(t testing.TB, header string, n int, row func(i int) string) {
	t.Helper()

	var csv strings.Builder
	csv.WriteString(header + "\n")
	for i := range n {
		csv.WriteString(row(i) + "\n")
	}

	began := time.Now()
	r, err := exchange(t.Context(), s.base, http.MethodPost, "/api/contact_imports?filename=crash.csv",
		"text/csv", []byte(csv.String()), withBasic(s.token))
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("completed rows=%d created=%[1]d updated=0 rejected=0", n),
		ciCounts(t, ciImported(t, r)))
	t.Logf("%d contacts imported in %s", n, time.Since(began).Round(time.Millisecond))
}

// newOp creates a batch operation by posting body to target and returns
// its id.
func (s *bcrSystem) newOp(t testing.TB, target, body string) int64 {
	t.Helper()

	op := s.do(t, http.MethodPost, target, body, http.StatusCreated)
	require.Equal(t, batPreview, op["status"])

	return idOf(t, op)
}

// queue sends event (queue or requeue) to operation id and returns the
// run it started.
func (s *bcrSystem) queue(t testing.TB, id int64, event string) int64 {
	t.Helper()

	op := s.do(t, http.MethodPost, batPath(id)+"/batch_operation_events", "event="+event,
		http.StatusCreated)
	require.Equal(t, batQueued, op["status"])

	return batProgressOf(t, op).Run
}

// op fetches operation id, or reports why it could not: while the batches
// service is down the gateway answers 503.
func (s *bcrSystem) op(ctx context.Context, id int64) (map[string]any, error) {
	r, err := s.get(ctx, batPath(id))
	if err != nil {
		return nil, err
	}
	if r.Status != http.StatusOK {
		return nil, fmt.Errorf("fetch batch operation %d: %s", id, r)
	}
	var op map[string]any
	if err := bcrDecode(r, &op); err != nil {
		return nil, err
	}

	return op, nil
}

// awaitSelected waits until operation id's run has selected at least n
// rows and returns the number, requiring that the run is still going: a
// kill after it is meant to interrupt the run. It polls often, since a run
// between crashes goes through thousands of rows a second.
func (s *bcrSystem) awaitSelected(t testing.TB, id, n int64) int64 {
	t.Helper()

	deadline := time.Now().Add(bcrRunWait)
	for {
		op, err := s.op(t.Context(), id)
		why := fmt.Sprint(err)
		if err == nil {
			require.NotEqual(t, batFinished, op["status"],
				"the run finished before the crash meant to interrupt it: %s", jsonText(t, op))
			if p, _ := op["progress"].(map[string]any); p != nil {
				if selected := intOf(t, p, "selected"); selected >= n {
					return selected
				}
			}
			why = jsonText(t, op["progress"])
		}
		require.True(t, time.Now().Before(deadline),
			"operation %d has not selected %d rows after %s: %s", id, n, bcrRunWait, why)
		time.Sleep(5 * time.Millisecond)
	}
}

// awaitFinished waits until operation id has finished and returns it.
func (s *bcrSystem) awaitFinished(t testing.TB, id int64) map[string]any {
	t.Helper()

	var op map[string]any
	crashEventually(t, bcrRunWait, fmt.Sprintf("operation %d finished", id), func() (bool, string) {
		var err error
		if op, err = s.op(t.Context(), id); err != nil {
			return false, err.Error()
		}
		return op["status"] == batFinished, jsonText(t, op["progress"])
	})
	batRequireFinished(t, op)

	return op
}

// listAll fetches every page of a listing, 1,000 items at a time, and
// requires that they add up to its Total.
func (s *bcrSystem) listAll(t testing.TB, target string) []map[string]any {
	t.Helper()

	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	var all []map[string]any
	total := -1
	for page := 1; ; page++ {
		r, err := s.get(t.Context(), target+sep+"per_page=1000&page="+strconv.Itoa(page))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.Status, "list %s: %s", target, r)
		if total < 0 {
			total, err = strconv.Atoi(r.Header.Get("Total"))
			require.NoError(t, err, "Total of %s", target)
		}
		items := array(t, r)
		all = append(all, items...)
		if len(items) < 1000 {
			break
		}
	}
	require.Len(t, all, total, "the pages of %s add up to its Total", target)

	return all
}

// total returns the Total header of a listing.
func (s *bcrSystem) total(t testing.TB, target string) int {
	t.Helper()

	r, err := s.get(t.Context(), target+"?per_page=1")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.Status, "list %s: %s", target, r)
	n, err := strconv.Atoi(r.Header.Get("Total"))
	require.NoError(t, err, "Total of %s", target)

	return n
}

// bcrDecode decodes a JSON answer, numbers as json.Number. It fails no
// test, so a poll may treat an odd answer as not ready yet.
func bcrDecode(r response, v any) error {
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", r.Body, err)
	}

	return nil
}

// bcrRequireRunSpans requires that the run of op started before from and
// finished after to: the crashes in between interrupted it. It logs how
// long the run went on after to, which is long when the crash at to took a
// step with it: the step is redelivered when its acknowledgement is
// overdue.
func bcrRequireRunSpans(t testing.TB, op map[string]any, from, to time.Time) {
	t.Helper()

	p := batProgressOf(t, op)
	started := requireTimestamp(t, p.raw["started_at"])
	finished := requireTimestamp(t, p.raw["finished_at"])
	require.True(t, started.Before(from), "the run started (%s) before the first crash (%s)",
		started, from)
	require.True(t, finished.After(to.Truncate(time.Millisecond)),
		"the run finished (%s) after the last crash (%s)", finished, to)
	t.Logf("the run finished %s after the last crash", finished.Sub(to).Round(time.Millisecond))
}
