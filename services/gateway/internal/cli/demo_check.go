package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"scfm/gateway/internal/apiclient"
)

// shownFailures is how many examples a failed check prints.
const shownFailures = 5

// demoFacts is what the demo did, for the checks.
type demoFacts struct {
	fresh     bool
	imported  apiclient.ContactImport
	filter    map[string]any
	populated int64
	run       runReport
	opts      runOptions
}

// demoState is what the API shows after the run.
type demoState struct {
	summary        apiclient.Summary
	contacts       int64
	matching       int64
	participations map[int64]bool
	calls          map[int64][]apiclient.PhoneCall
	strayCalls     []int64
	callCount      int64
}

// check is one invariant and what violates it.
type check struct {
	name     string
	failures []string
}

// fail records a violation.
func (c *check) fail(format string, args ...any) {
	c.failures = append(c.failures, fmt.Sprintf(format, args...))
}

// checkDemo reads the outcome back from the API, checks the invariants,
// prints each verdict, and returns a checkError when any failed.
func (a *app) checkDemo(ctx context.Context, c *apiclient.Client, f demoFacts) error {
	st, err := readDemoState(ctx, c, f)
	if err != nil {
		return err
	}

	checks := []check{
		checkImport(f, st), checkPopulation(f, st), checkFinished(f, st),
		checkOneInFlight(st), checkCounts(f, st),
	}

	failed := 0
	for _, ch := range checks {
		verdict := "ok  "
		if len(ch.failures) > 0 {
			verdict = "FAIL"
			failed++
		}

		fmt.Fprintf(a.env.Stdout, "%s %s\n", verdict, ch.name)
		for i, msg := range ch.failures {
			if i == shownFailures {
				fmt.Fprintf(a.env.Stdout, "       … and %d more\n", len(ch.failures)-i)
				break
			}
			fmt.Fprintf(a.env.Stdout, "       %s\n", msg)
		}
	}

	if failed > 0 {
		return checkError{failed: failed}
	}

	return nil
}

// readDemoState lists the callout's participations and calls and counts
// the contacts.
func readDemoState(ctx context.Context, c *apiclient.Client, f demoFacts) (demoState, error) {
	id := f.run.calloutID
	st := demoState{participations: map[int64]bool{}, calls: map[int64][]apiclient.PhoneCall{}}

	var err error
	if st.summary, err = c.Summary(ctx, id); err != nil {
		return st, err
	}

	if st.contacts, err = c.Count(ctx, "/api/contacts", nil); err != nil {
		return st, err
	}

	q := url.Values{}
	queryOf("q", f.filter, q)
	if st.matching, err = c.Count(ctx, "/api/contacts", q); err != nil {
		return st, err
	}

	base := "/api/callouts/" + strconv.FormatInt(id, 10)
	err = c.Each(ctx, base+"/callout_participations", nil, func(raw json.RawMessage) error {
		var p apiclient.Participation
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("decode participation: %w", err)
		}
		st.participations[p.ID] = true
		return nil
	})
	if err != nil {
		return st, err
	}

	err = c.Each(ctx, base+"/phone_calls", nil, func(raw json.RawMessage) error {
		var call apiclient.PhoneCall
		if err := json.Unmarshal(raw, &call); err != nil {
			return fmt.Errorf("decode phone call: %w", err)
		}
		st.callCount++
		if call.CalloutParticipationID == nil || !st.participations[*call.CalloutParticipationID] {
			st.strayCalls = append(st.strayCalls, call.ID)
			return nil
		}
		pid := *call.CalloutParticipationID
		st.calls[pid] = append(st.calls[pid], call)
		return nil
	})
	if err != nil {
		return st, err
	}

	for _, calls := range st.calls {
		slices.SortFunc(calls, func(x, y apiclient.PhoneCall) int {
			if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
				return c
			}
			return int(x.ID - y.ID)
		})
	}

	return st, nil
}

// checkImport: the import's counts add up, and in a new account every
// created contact is there.
func checkImport(f demoFacts, st demoState) check {
	ch := check{name: "import counts add up (rows = created + updated + rejected)"}
	imp := f.imported
	if imp.Rows != imp.Created+imp.Updated+imp.Rejected {
		ch.fail("%d rows but %d created, %d updated, %d rejected", imp.Rows, imp.Created,
			imp.Updated, imp.Rejected)
	}

	if f.fresh && st.contacts != imp.Created {
		ch.fail("the new account has %d contacts, the import created %d", st.contacts,
			imp.Created)
	}

	return ch
}

// checkPopulation: the callout holds exactly the contacts the filter
// selects.
func checkPopulation(f demoFacts, st demoState) check {
	ch := check{name: "the callout holds every contact the filter selects, once"}
	if f.populated != st.matching {
		ch.fail("the population added %d participations; %d contacts match the filter",
			f.populated, st.matching)
	}

	if n := int64(len(st.participations)); n != st.matching {
		ch.fail("the callout has %d participations; %d contacts match the filter", n,
			st.matching)
	}

	return ch
}

// checkFinished: every participation's last call is over, and those whose
// last call asks for a retry have had every attempt; nobody had more.
func checkFinished(f demoFacts, st demoState) check {
	ch := check{name: fmt.Sprintf(
		"every participation is finished or out of attempts (%d at most, retried: %s)",
		f.opts.attempts, f.opts.retryStatuses())}
	retry := strings.Split(f.opts.retryStatuses(), ",")

	for _, pid := range sortedKeys(st.participations) {
		calls := st.calls[pid]
		if len(calls) == 0 {
			ch.fail("participation %d was never called", pid)
			continue
		}

		last := calls[len(calls)-1]
		switch {
		case !terminal(last.Status):
			ch.fail("participation %d: call %d is still %s", pid, last.ID, last.Status)
		case slices.Contains(retry, last.Status) && len(calls) < f.opts.attempts:
			ch.fail("participation %d: last call %d %s after %d of %d attempts", pid, last.ID,
				last.Status, len(calls), f.opts.attempts)
		}

		if len(calls) > f.opts.attempts {
			ch.fail("participation %d had %d calls, more than %d attempts", pid, len(calls),
				f.opts.attempts)
		}
	}

	return ch
}

// checkOneInFlight: each call of a participation began after the one
// before it had ended (its last change).
func checkOneInFlight(st demoState) check {
	ch := check{name: "nobody had two calls in flight at once"}
	for _, pid := range sortedKeys(st.participations) {
		calls := st.calls[pid]
		for i := 1; i < len(calls); i++ {
			prev, next := calls[i-1], calls[i]
			if prev.UpdatedAt.After(next.CreatedAt) {
				ch.fail("participation %d: call %d was created at %s, before call %d ended at %s",
					pid, next.ID, next.CreatedAt.Format(timeLayout), prev.ID,
					prev.UpdatedAt.Format(timeLayout))
			}
		}
	}

	return ch
}

// timeLayout writes timestamps as the API does.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// checkCounts: the summary, the listings and the run agree.
func checkCounts(f demoFacts, st demoState) check {
	ch := check{name: "counts add up (summary, listings and attempts agree)"}
	s := st.summary

	if len(st.strayCalls) > 0 {
		ch.fail("calls %v belong to no participation of the callout", st.strayCalls)
	}

	var runCalls int64
	for _, n := range f.run.rounds {
		runCalls += n
	}

	p, calls := s.Participations, s.PhoneCalls
	equal := []struct {
		what      string
		got, want int64
	}{
		{"summary participations vs listing", p.Total, int64(len(st.participations))},
		{"summary participations vs their last call statuses", sum(p.ByLastCallStatus), p.Total},
		{"summary calls vs listing", calls.Total, st.callCount},
		{"summary calls vs their statuses", sum(calls.ByStatus), calls.Total},
		{"calls created by the attempts vs listing", runCalls, st.callCount},
		{"calls in flight", calls.InFlight, 0},
		{"participations with a call in flight", p.WithCallInFlight, 0},
		{"participations reached vs last calls completed", p.ByLastCallStatus["completed"],
			lastCompleted(st)},
	}
	for _, e := range equal {
		if e.got != e.want {
			ch.fail("%s: %d, expected %d", e.what, e.got, e.want)
		}
	}

	return ch
}

// lastCompleted counts participations whose last call completed.
func lastCompleted(st demoState) int64 {
	var n int64
	for _, calls := range st.calls {
		if len(calls) > 0 && calls[len(calls)-1].Status == "completed" {
			n++
		}
	}

	return n
}

// terminal reports whether a call status is final.
func terminal(status string) bool {
	switch status {
	case "completed", "busy", "not_answered", "failed", "canceled", "errored", "expired":
		return true
	}

	return false
}

// sum adds up counts.
func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}

	return n
}

// sortedKeys returns the ids of a set in order.
func sortedKeys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)

	return out
}
