package e2e_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCLIExitCodes: 0 for success, 1 for a refused request or bad usage
// (with the server's errors printed), 2 when the API cannot be reached.
func TestCLIExitCodes(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	env := cliEnv(t, a)

	r := cliRun(t, nil, "--help")
	require.Equal(t, 0, r.Code, "%s", r)
	require.Contains(t, r.Stdout, "Exit codes:")

	r = cliRun(t, []string{"SCFM_URL=http://127.0.0.1:1", "SCFM_TOKEN=x"}, "callouts", "create")
	require.Equal(t, 2, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "cannot reach the API")

	r = cliRun(t, nil, "callouts", "create")
	require.Equal(t, 1, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "no API URL")

	base, _ := gateway(t)
	r = cliRun(t, []string{"SCFM_URL=" + base, "SCFM_TOKEN=" + strings.Repeat("0", 64)},
		"callouts", "create")
	require.Equal(t, 1, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "401 Unauthorized")

	r = cliRun(t, env, "callouts", "create", "--call-flow-logic", "CallFlowLogic::NoSuchFlow")
	require.Equal(t, 1, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "422 Unprocessable Entity")
	require.Contains(t, r.Stderr, "\n  call_flow_logic: ")

	r = cliRun(t, env, "callouts", "start")
	require.Equal(t, 1, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "scfm --help")

	r = cliRun(t, env, "callouts", "start", "999999999")
	require.Equal(t, 1, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "404 Not Found")

	id := cliID(t, cliRun(t, env, "callouts", "create"))
	r = cliRun(t, env, "callouts", "resume", strconv.FormatInt(id, 10))
	require.Equal(t, 1, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "is initialized: resume does not apply "+
		"(resume a paused or stopped callout)")

	r = cliRun(t, env, "callouts", "run", strconv.FormatInt(id, 10))
	require.Equal(t, 1, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "start or resume it first")
}

// TestCLICalloutLifecycle: create prints the id of a callout with the
// given call flow logic and metadata; the events move it as the API does.
func TestCLICalloutLifecycle(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	env := cliEnv(t, a)

	id := cliID(t, cliRun(t, env, "callouts", "create",
		"--metadata", "message=Clinic opens at 8", "--metadata", "area.district=Kampot"))
	path := "/api/callouts/" + strconv.FormatInt(id, 10)

	callout := object(t, a.get(t, path))
	require.Equal(t, "CallFlowLogic::PlayMessage", callout["call_flow_logic"])
	require.JSONEq(t, `{"message":"Clinic opens at 8","area":{"district":"Kampot"}}`,
		jsonText(t, callout["metadata"]))

	for _, step := range []struct{ event, status string }{
		{"start", "running"}, {"pause", "paused"}, {"resume", "running"}, {"stop", "stopped"},
	} {
		r := cliRun(t, env, "callouts", step.event, strconv.FormatInt(id, 10))
		require.Equal(t, 0, r.Code, "%s", r)
		require.Equal(t, "callout "+strconv.FormatInt(id, 10)+": "+step.status+"\n", r.Stdout)
		require.Equal(t, step.status, object(t, a.get(t, path))["status"])
	}
}

// TestCLIContactsImport: the summary counts, the first rejected rows, the
// errors file, and a second import of the same file updating everyone.
func TestCLIContactsImport(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	env := cliEnv(t, a)
	file := cliWriteFile(t, "people.csv", "msisdn,district,language\n"+
		"+855 12 345 678,Kampot,km\n"+
		"00252 61 234 5678,Hargeisa,so\n"+
		"2.52662E+11,Banadir,so\n"+
		",Takeo,km\n"+
		"855-97-712-3456,Takeo,km\n"+
		"+85512345678,Kampot,en\n")
	errorsFile := file + ".errors.csv"

	r := cliRun(t, env, "contacts", "import", file, "--errors", errorsFile)
	require.Equal(t, 0, r.Code, "%s", r)
	require.Regexp(t, `(?m)^  rows +6$`, r.Stdout)
	require.Regexp(t, `(?m)^  created +3$`, r.Stdout)
	require.Regexp(t, `(?m)^  updated +0$`, r.Stdout)
	require.Regexp(t, `(?m)^  rejected +3$`, r.Stdout)
	require.Contains(t, r.Stdout, "first rejected rows (3 in all)")
	require.Contains(t, r.Stderr, "upload people.csv")

	written, err := os.ReadFile(errorsFile)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(written)), "\n")
	require.Len(t, lines, 4, "%s", written)
	require.Equal(t, "row,msisdn,reason", lines[0])
	require.True(t, strings.HasPrefix(lines[1], "3,2.52662E+11,"), lines[1])
	require.Contains(t, lines[1], "scientific notation")
	require.True(t, strings.HasPrefix(lines[2], "4,,"), lines[2])
	require.Contains(t, lines[2], "can't be blank")
	require.True(t, strings.HasPrefix(lines[3], "6,"), lines[3])
	require.Contains(t, lines[3], "duplicate of row 1")

	_, contacts := a.list(t, "/api/contacts?sort=msisdn")
	var numbers []string
	for _, c := range contacts {
		numbers = append(numbers, c["msisdn"].(string))
	}
	require.Equal(t, []string{"+252612345678", "+85512345678", "+855977123456"}, numbers)

	r = cliRun(t, env, "contacts", "import", file)
	require.Equal(t, 0, r.Code, "%s", r)
	require.Regexp(t, `(?m)^  created +0$`, r.Stdout)
	require.Regexp(t, `(?m)^  updated +3$`, r.Stdout)
}

// TestCLIContactsImportErrorsFile: a report path that cannot be written,
// or that is the imported file, fails before anything is imported; a
// report from an earlier import is emptied when this one rejects nothing.
func TestCLIContactsImportErrorsFile(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	env := cliEnv(t, a)
	file := cliWriteFile(t, "clean.csv", "msisdn\n+855 12 345 679\n")

	for _, bad := range []string{filepath.Dir(file), filepath.Join(file+".missing", "x.csv"), file} {
		r := cliRun(t, env, "contacts", "import", file, "--errors", bad)
		require.Equal(t, 1, r.Code, "--errors %s: %s", bad, r)
	}
	require.Zero(t, cliTotal(t, a, "/api/contact_imports", url.Values{}), "nothing imported")
	kept, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, "msisdn\n+855 12 345 679\n", string(kept))

	stale := file + ".errors.csv"
	require.NoError(t, os.WriteFile(stale, []byte("row,msisdn,reason\n9,x,old\n"), 0o600))
	r := cliRun(t, env, "contacts", "import", file, "--errors", stale)
	require.Equal(t, 0, r.Code, "%s", r)
	written, err := os.ReadFile(stale)
	require.NoError(t, err)
	require.Equal(t, "row,msisdn,reason\n", string(written))
}

// TestCLIRunPacesAndCountsEarlierAttempts: populate adds every contact;
// run with a rate queues in slices of a second's worth; a second run
// counts the first one's attempt and calls nobody again.
func TestCLIRunPacesAndCountsEarlierAttempts(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	cliSimulator(t, a)
	env := cliEnv(t, a)

	var csv strings.Builder
	csv.WriteString("msisdn,group\n")
	for i := range 20 {
		csv.WriteString("+85512" + strconv.Itoa(400000+i) + ",a\n")
	}
	r := cliRun(t, env, "contacts", "import", cliWriteFile(t, "twenty.csv", csv.String()))
	require.Equal(t, 0, r.Code, "%s", r)

	id := cliID(t, cliRun(t, env, "callouts", "create", "--metadata", "message=hello"))
	sid := strconv.FormatInt(id, 10)

	r = cliRun(t, env, "callouts", "populate", sid)
	require.Equal(t, 1, r.Code, "populate needs a filter: %s", r)
	r = cliRun(t, env, "callouts", "populate", sid, "--all-contacts")
	require.Equal(t, 0, r.Code, "%s", r)
	require.Equal(t, "20\n", r.Stdout)

	require.Equal(t, 0, cliRun(t, env, "callouts", "start", sid).Code)

	began := time.Now()
	r = cliRun(t, env, "callouts", "run", sid, "--attempts", "1", "--rate", "5")
	require.Equal(t, 0, r.Code, "%s", r)
	require.Contains(t, r.Stdout, "attempt 1: 20 calls\n")
	// Four full slices of five calls start a second apart.
	require.GreaterOrEqual(t, time.Since(began), 3*time.Second)

	ops := "/api/callouts/" + sid + "/batch_operations"
	require.EqualValues(t, 5, cliTotal(t, a, ops,
		url.Values{"q[type]": {"BatchOperation::PhoneCallQueue"}}),
		"four slices of five, and one that found nothing left")

	summary := object(t, a.get(t, "/api/callouts/"+sid+"/summary"))
	calls := summary["phone_calls"].(map[string]any)
	require.Equal(t, json.Number("20"), calls["total"])
	require.Equal(t, json.Number("0"), calls["in_flight"])

	r = cliRun(t, env, "callouts", "run", sid, "--attempts", "1", "--retry-busy")
	require.Equal(t, 0, r.Code, "%s", r)
	require.NotContains(t, r.Stdout, "attempt ")
	require.EqualValues(t, 1, cliTotal(t, a, ops,
		url.Values{"q[type]": {"BatchOperation::PhoneCallCreate"}}))
	require.EqualValues(t, 20, cliTotal(t, a, "/api/callouts/"+sid+"/phone_calls", url.Values{}))

	r = cliRun(t, env, "callouts", "watch", sid)
	require.Equal(t, 0, r.Code, "%s", r)
	require.Contains(t, r.Stdout, "participations reached")
	require.Regexp(t, `(?m)^  total +20 +20$`, r.Stdout)
	require.Regexp(t, `(?m)^  in flight +0 +0$`, r.Stdout)
}

// A run whose callout is paused under it stops with status 1 and queues no
// more calls; the calls it had queued still go out.
// TestCLIRunsSideBySide: two runs of one callout at once both end with
// nobody in flight, and nobody is called twice in one attempt.
func TestCLIRunsSideBySide(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	cliSimulator(t, a)
	env := cliEnv(t, a)

	var csv strings.Builder
	csv.WriteString("msisdn\n")
	for i := range 40 {
		csv.WriteString("+85512" + strconv.Itoa(600000+i) + "\n")
	}
	require.Equal(t, 0, cliRun(t, env, "contacts", "import", cliWriteFile(t, "forty.csv", csv.String())).Code)
	id := cliID(t, cliRun(t, env, "callouts", "create", "--metadata", "message=hello"))
	sid := strconv.FormatInt(id, 10)
	require.Equal(t, 0, cliRun(t, env, "callouts", "populate", sid, "--all-contacts").Code)
	require.Equal(t, 0, cliRun(t, env, "callouts", "start", sid).Code)

	results := make(chan cliResult, 2)
	for range 2 {
		go func() { results <- cliRun(t, env, "callouts", "run", sid, "--attempts", "1", "--rate", "10") }()
	}
	for range 2 {
		r := <-results
		require.Equal(t, 0, r.Code, "%s", r)
		require.Regexp(t, `(?m)^  in flight +0 +0$`, r.Stdout, "each run ends after every call")
	}

	summary := object(t, a.get(t, "/api/callouts/"+sid+"/summary"))
	calls := summary["phone_calls"].(map[string]any)
	require.Equal(t, json.Number("40"), calls["total"], "one call each")
}

func TestCLIRunStopsWhenThePauseComes(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	cliSimulator(t, a)
	env := cliEnv(t, a)

	var csv strings.Builder
	csv.WriteString("msisdn\n")
	for i := range 30 {
		csv.WriteString("+85512" + strconv.Itoa(500000+i) + "\n")
	}
	require.Equal(t, 0, cliRun(t, env, "contacts", "import", cliWriteFile(t, "thirty.csv", csv.String())).Code)
	id := cliID(t, cliRun(t, env, "callouts", "create", "--metadata", "message=hello"))
	sid := strconv.FormatInt(id, 10)
	require.Equal(t, 0, cliRun(t, env, "callouts", "populate", sid, "--all-contacts").Code)
	require.Equal(t, 0, cliRun(t, env, "callouts", "start", sid).Code)

	done := make(chan cliResult, 1)
	go func() { done <- cliRun(t, env, "callouts", "run", sid, "--attempts", "1", "--rate", "2") }()
	calls := "/api/callouts/" + sid + "/phone_calls"
	require.Eventually(t, func() bool {
		return cliTotal(t, a, calls, url.Values{"q[status]": {"queued,remotely_queued,in_progress,completed"}}) > 0
	}, 20*time.Second, 100*time.Millisecond, "the run queues its first calls")
	require.Equal(t, 0, cliRun(t, env, "callouts", "pause", sid).Code)

	var r cliResult
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the run went on after the pause")
	}
	require.Equal(t, 1, r.Code, "%s", r)
	require.Contains(t, r.Stderr, "callout "+sid+" is paused: the run stopped")
	left := cliTotal(t, a, calls, url.Values{"q[status]": {"created"}})
	require.Greater(t, left, int64(20), "at 2 a second, most calls were never queued")
	time.Sleep(1500 * time.Millisecond)
	require.Equal(t, left, cliTotal(t, a, calls, url.Values{"q[status]": {"created"}}),
		"nothing is queued after the run stopped")
}
