package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// envelope is the part of an event message this subscriber reads; the
// whole contract is in docs/events.md.
type envelope struct {
	EventID   string          `json:"event_id"`
	EventType string          `json:"event_type"`
	Position  int64           `json:"position"`
	Data      json.RawMessage `json:"data"`
}

// callData is the part of the phone call events' data this subscriber
// reads.
type callData struct {
	ID        int64  `json:"id"`
	CalloutID *int64 `json:"callout_id"`
	Status    string `json:"status"`
}

// finalStatuses are the statuses a call never leaves, in table order.
func finalStatuses() []string {
	return []string{"completed", "busy", "not_answered", "failed", "canceled", "errored",
		"expired"}
}

// unknownCallout stands for calls whose creation this subscriber did not
// see (it started reading after it), and inboundCallout for calls that
// belong to no callout.
const (
	unknownCallout = int64(-1)
	inboundCallout = int64(0)
)

// call is what the table remembers of one call.
type call struct {
	callout int64
	final   string
}

// Outcomes is a per-callout table of calls by final status, built from the
// telephony service's phone call events.
type Outcomes struct {
	position int64
	calls    map[int64]*call
	counts   map[int64]map[string]int
	inFlight map[int64]int
}

// NewOutcomes returns an empty table.
func NewOutcomes() *Outcomes {
	return &Outcomes{
		calls: map[int64]*call{}, counts: map[int64]map[string]int{}, inFlight: map[int64]int{},
	}
}

// Apply takes one event message into the table. Events of the telephony
// service arrive in the order of their position, and a message the relay
// published again carries a position already seen, so comparing positions
// is enough to ignore repeats.
func (o *Outcomes) Apply(msg []byte) error {
	var env envelope
	if err := json.Unmarshal(msg, &env); err != nil {
		return fmt.Errorf("decode envelope: %w", err)
	}
	if env.Position <= o.position {
		return nil
	}
	o.position = env.Position

	var d callData
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return fmt.Errorf("decode %s data: %w", env.EventType, err)
	}

	switch env.EventType {
	case "phone_call.created":
		callout := inboundCallout
		if d.CalloutID != nil {
			callout = *d.CalloutID
		}
		o.calls[d.ID] = &call{callout: callout}
		o.inFlight[callout]++
	case "phone_call.status_changed":
		o.changed(d)
	case "phone_call.deleted":
		if c, ok := o.calls[d.ID]; ok && c.final == "" {
			o.inFlight[c.callout]--
		}
		delete(o.calls, d.ID)
	}

	return nil
}

// changed records a status change; a call counts once, when it ends.
func (o *Outcomes) changed(d callData) {
	c, ok := o.calls[d.ID]
	if !ok {
		c = &call{callout: unknownCallout}
		o.calls[d.ID] = c
		o.inFlight[c.callout]++
	}

	if c.final != "" || !slices.Contains(finalStatuses(), d.Status) {
		return
	}

	c.final = d.Status
	o.inFlight[c.callout]--
	if o.counts[c.callout] == nil {
		o.counts[c.callout] = map[string]int{}
	}
	o.counts[c.callout][d.Status]++

	// A finished call changes no count again: forget it, so the table's
	// memory follows the calls in flight, not all calls ever made.
	delete(o.calls, d.ID)
}

// Count returns how many calls of a callout ended with status.
func (o *Outcomes) Count(callout int64, status string) int { return o.counts[callout][status] }

// InFlight returns how many calls of a callout have not ended.
func (o *Outcomes) InFlight(callout int64) int { return o.inFlight[callout] }

// Write prints the table: one row per callout, calls by final status.
func (o *Outcomes) Write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "callout\tin flight\t%s\t\n", strings.Join(finalStatuses(), "\t"))

	for _, id := range o.callouts() {
		name := fmt.Sprint(id)
		switch id {
		case unknownCallout:
			name = "(before start)"
		case inboundCallout:
			name = "(inbound)"
		}

		cells := []string{name, fmt.Sprint(o.inFlight[id])}
		for _, s := range finalStatuses() {
			cells = append(cells, fmt.Sprint(o.counts[id][s]))
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(cells, "\t"))
	}

	_ = tw.Flush()
}

// callouts returns the callouts the table knows, in id order.
func (o *Outcomes) callouts() []int64 {
	seen := map[int64]bool{}
	for id := range o.counts {
		seen[id] = true
	}
	for id, n := range o.inFlight {
		if n != 0 {
			seen[id] = true
		}
	}

	out := make([]int64, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	slices.Sort(out)

	return out
}
