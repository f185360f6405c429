package cli

import (
	"fmt"
	"io"
	"slices"

	"scfm/gateway/internal/apiclient"
)

// statusOrder is the order of call statuses in tables: in flight first,
// then the outcomes.
func statusOrder() []string {
	return []string{
		"none", "created", "queued", "remotely_queued", "remote_fetch_queued", "in_progress",
		"completed", "busy", "not_answered", "failed", "canceled", "errored", "expired",
	}
}

// writeSummary writes a callout summary as a narrow table, one status a
// row: participations counted by the status of their last call ("none"
// when not called yet), and calls by status.
func writeSummary(w io.Writer, s apiclient.Summary) {
	p, calls := s.Participations, s.PhoneCalls

	reached := p.ByLastCallStatus["completed"]
	fmt.Fprintf(w, "callout %d (%s): %d of %d participations reached (%s)\n", s.CalloutID,
		s.Status, reached, p.Total, percent(reached, p.Total))

	row := func(label string, parts, callCount any) {
		fmt.Fprintf(w, "  %-20s %14v %12v\n", label, parts, callCount)
	}
	row("", "participations", "phone calls")
	row("total", p.Total, calls.Total)
	row("in flight", p.WithCallInFlight, calls.InFlight)
	for _, status := range summaryColumns(p.ByLastCallStatus, calls.ByStatus) {
		var callCount any = calls.ByStatus[status]
		if status == "none" {
			callCount = ""
		}
		row(status, p.ByLastCallStatus[status], callCount)
	}
}

// summaryColumns returns the statuses that occur in either count, in table
// order, unknown ones last.
func summaryColumns(counts ...map[string]int64) []string {
	seen := map[string]bool{}
	for _, m := range counts {
		for status, n := range m {
			if n != 0 {
				seen[status] = true
			}
		}
	}

	var out []string
	for _, status := range statusOrder() {
		if seen[status] {
			out = append(out, status)
			delete(seen, status)
		}
	}

	var rest []string
	for status := range seen {
		rest = append(rest, status)
	}
	slices.Sort(rest)

	return append(out, rest...)
}

// percent writes part of whole as a percentage.
func percent(part, whole int64) string {
	if whole == 0 {
		return "0%"
	}

	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
}
