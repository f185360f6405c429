package e2e_test

import (
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cliDemoContacts is the size of the demo's contact file in the test.
const cliDemoContacts = 1_000

// TestCLIDemo runs the demo flow (import, populate from a metadata filter,
// start, run with retries against the simulator) on 1,000 generated
// contacts, requires its own checks to pass, and then checks the same
// invariants itself from the API's listings.
func TestCLIDemo(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	file := filepath.Join(t.TempDir(), "contacts.csv")
	out, err := exec.CommandContext(t.Context(), filepath.Join(cliBinaries(t), "contactsgen"),
		"-n", strconv.Itoa(cliDemoContacts), "-o", file).CombinedOutput()
	require.NoError(t, err, "generate contacts: %s", out)

	r := cliRun(t, cliEnv(t, a), "demo", "--own-account", "--contacts", file,
		"--filter", "metadata.language=km", "--attempts", "3")
	require.Equal(t, 0, r.Code, "%s", r)
	require.Equal(t, 5, strings.Count(r.Stdout, "\nok   "), "%s", r)
	require.NotContains(t, r.Stdout, "FAIL")

	cliCheckDemo(t, a, 3, []string{"failed", "errored", "busy", "not_answered"})
}

// cliCheckDemo checks the outcome of a demo in a's account.
func cliCheckDemo(t *testing.T, a account, attempts int, retried []string) {
	t.Helper()

	_, imports := a.list(t, "/api/contact_imports")
	require.Len(t, imports, 1)
	imp := imports[0]
	rows := intOf(t, imp, "rows")
	require.EqualValues(t, cliDemoContacts, rows)
	require.Equal(t, rows,
		intOf(t, imp, "created")+intOf(t, imp, "updated")+intOf(t, imp, "rejected"))
	require.GreaterOrEqual(t, intOf(t, imp, "rejected"), int64(11),
		"the generated file has 8 bad numbers and 3 duplicates")

	_, callouts := a.list(t, "/api/callouts")
	require.Len(t, callouts, 1)
	id := strconv.FormatInt(idOf(t, callouts[0]), 10)
	require.Equal(t, "running", callouts[0]["status"])

	summary := object(t, a.get(t, "/api/callouts/"+id+"/summary"))
	calls := summary["phone_calls"].(map[string]any)
	require.Equal(t, json.Number("0"), calls["in_flight"])

	parts := cliAll(t, a, "/api/callouts/"+id+"/callout_participations")
	matching := cliTotal(t, a, "/api/contacts", url.Values{"q[metadata][language]": {"km"}})
	require.EqualValues(t, matching, len(parts), "one participation per matching contact")
	require.Greater(t, matching, int64(cliDemoContacts/3))

	byPart := map[int64][]map[string]any{}
	for _, p := range parts {
		byPart[idOf(t, p)] = nil
	}
	all := cliAll(t, a, "/api/callouts/"+id+"/phone_calls")
	require.Equal(t, calls["total"], json.Number(strconv.Itoa(len(all))))
	for _, c := range all {
		pid := intOf(t, c, "callout_participation_id")
		_, ok := byPart[pid]
		require.True(t, ok, "call %v belongs to no participation of the callout", c["id"])
		byPart[pid] = append(byPart[pid], c)
	}

	for pid, calls := range byPart {
		cliCheckParticipation(t, pid, calls, attempts, retried)
	}
}

// cliCheckParticipation checks the calls of one participation: at least
// one, at most attempts, the last one over and not due for a retry unless
// every attempt was used, and never two in flight at once.
func cliCheckParticipation(
	t *testing.T, pid int64, calls []map[string]any, attempts int, retried []string,
) {
	t.Helper()

	require.NotEmpty(t, calls, "participation %d was never called", pid)
	require.LessOrEqual(t, len(calls), attempts, "participation %d", pid)

	slices.SortFunc(calls, func(x, y map[string]any) int {
		if c := strings.Compare(x["created_at"].(string), y["created_at"].(string)); c != 0 {
			return c
		}
		return int(idOf(t, x) - idOf(t, y))
	})

	last := calls[len(calls)-1]["status"].(string)
	require.Contains(t, telTerminal, last, "participation %d", pid)
	if slices.Contains(retried, last) {
		require.Len(t, calls, attempts, "participation %d ended %s with attempts left", pid, last)
	}

	for i := 1; i < len(calls); i++ {
		ended := requireTimestamp(t, calls[i-1]["updated_at"])
		began := requireTimestamp(t, calls[i]["created_at"])
		require.False(t, ended.After(began),
			"participation %d: call %v began at %s before call %v ended at %s", pid,
			calls[i]["id"], began.Format(time.RFC3339Nano), calls[i-1]["id"],
			ended.Format(time.RFC3339Nano))
	}
}
