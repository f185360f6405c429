package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/natsbus"
	"scfm/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// event builds an event message as the telephony service publishes it.
func event(position int64, typ string, data string) []byte {
	b, _ := json.Marshal(map[string]any{
		"event_id": fmt.Sprintf("e%d", position), "event_type": typ, "schema_version": 1,
		"aggregate_type": "phone_call", "position": position, "data": json.RawMessage(data),
	})

	return b
}

// TestOutcomesCountsFinalStatusesOnce: each call counts once, when it ends,
// under its callout; repeats of a message change nothing.
func TestOutcomesCountsFinalStatusesOnce(t *testing.T) {
	o := NewOutcomes()
	msgs := [][]byte{
		event(1, "phone_call.created", `{"id":1,"callout_id":7,"status":"created"}`),
		event(2, "phone_call.created", `{"id":2,"callout_id":7,"status":"created"}`),
		event(3, "phone_call.created", `{"id":3,"callout_id":8,"status":"created"}`),
		event(4, "phone_call.status_changed", `{"id":1,"status":"queued"}`),
		event(5, "phone_call.status_changed", `{"id":1,"status":"completed"}`),
		event(5, "phone_call.status_changed", `{"id":1,"status":"completed"}`),
		event(6, "phone_call.status_changed", `{"id":2,"status":"busy"}`),
		event(7, "phone_call.status_changed", `{"id":3,"status":"in_progress"}`),
		event(8, "phone_call.status_changed", `{"id":99,"status":"failed"}`),
		event(9, "phone_call.created", `{"id":4,"callout_id":null,"status":"created"}`),
	}
	for _, m := range msgs {
		if err := o.Apply(m); err != nil {
			t.Fatal(err)
		}
	}

	checks := []struct {
		callout int64
		status  string
		want    int
	}{
		{7, "completed", 1}, {7, "busy", 1}, {8, "completed", 0},
		{unknownCallout, "failed", 1},
	}
	for _, c := range checks {
		if got := o.Count(c.callout, c.status); got != c.want {
			t.Errorf("callout %d %s: %d, want %d", c.callout, c.status, got, c.want)
		}
	}

	for callout, want := range map[int64]int{7: 0, 8: 1, inboundCallout: 1, unknownCallout: 0} {
		if got := o.InFlight(callout); got != want {
			t.Errorf("callout %d in flight: %d, want %d", callout, got, want)
		}
	}

	var out bytes.Buffer
	o.Write(&out)
	text := out.String()
	if !strings.Contains(text, "(inbound)") || !strings.Contains(text, "completed") {
		t.Errorf("table:\n%s", out.String())
	}
}

// TestOutcomesRejectsGarbage: a message that is no envelope is an error.
func TestOutcomesRejectsGarbage(t *testing.T) {
	if err := NewOutcomes().Apply([]byte("not json")); err == nil {
		t.Fatal("no error for a message that is not JSON")
	}
}

// TestRunReadsTheStream publishes events to a real JetStream stream named
// as the telephony service names it, and reads the table run prints.
func TestRunReadsTheStream(t *testing.T) {
	url, prefix := testenv.NATS(t), testenv.Prefix(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

	names := natsbus.Names{Prefix: prefix}
	err = natsbus.EnsureStreams(ctx, js, names, "telephony", natsbus.StreamConfig{})
	if err != nil {
		t.Fatal(err)
	}

	publish := func(pos int64, id int, typ, data string) {
		subject := names.Subject(fmt.Sprintf("telephony.evt.phone_call.%d.%s", id,
			strings.TrimPrefix(typ, "phone_call.")))
		if _, err := js.Publish(ctx, subject, event(pos, typ, data)); err != nil {
			t.Fatal(err)
		}
	}
	publish(1, 1, "phone_call.created", `{"id":1,"callout_id":42,"status":"created"}`)
	publish(2, 2, "phone_call.created", `{"id":2,"callout_id":42,"status":"created"}`)
	publish(3, 1, "phone_call.status_changed", `{"id":1,"status":"completed"}`)
	publish(4, 2, "phone_call.status_changed", `{"id":2,"status":"not_answered"}`)

	out := &syncBuffer{}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, out, url, prefix, 20*time.Millisecond, false) }()

	// Columns: callout, in flight, completed, busy, not_answered, ...
	want := rowMatcher("42", "0", "1", "0", "1")
	for !want(out.String()) {
		if ctx.Err() != nil {
			t.Fatalf("the table never showed callout 42's outcomes:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// rowMatcher returns a matcher of a table row with the given leading cells.
func rowMatcher(cells ...string) func(string) bool {
	return func(s string) bool {
		for _, line := range strings.Split(s, "\n") {
			fields := strings.Fields(line)
			if len(fields) >= len(cells) && strings.Join(fields[:len(cells)], " ") ==
				strings.Join(cells, " ") {
				return true
			}
		}

		return false
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.String()
}
