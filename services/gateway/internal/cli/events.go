package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"scfm/shared/natsbus"
)

// eventServices are the services whose event streams tail reads.
func eventServices() []string { return []string{"callouts", "telephony", "batches"} }

// tailOptions tunes events tail.
type tailOptions struct {
	nats     string
	prefix   string
	subjects []string
	all      bool
	limit    int
}

// eventsCommand groups the event stream commands.
func (a *app) eventsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: "Read the services' event streams"}
	cmd.AddCommand(a.tailCommand())

	return cmd
}

// tailCommand is `scfm events tail`.
func (a *app) tailCommand() *cobra.Command {
	var opts tailOptions

	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print events as JSON lines as they happen",
		Long: `Print the events of the callouts, telephony and batches services as JSON
lines, one event envelope per line (see docs/events.md), from new events on,
or from the start of the streams with --all. Events of one service come in
the order of their position; events of different services are interleaved
as they arrive.

It reads NATS directly: the URL comes from --nats, else NATS_URL, else
./.data/nats-url (which make run writes); a deployment's name prefix from
--prefix, else NATS_PREFIX.

  scfm events tail --subject 'telephony.evt.phone_call.*.status_changed'`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.limit < 0 {
				return usageError{errors.New("--limit must not be negative")}
			}

			return a.tail(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.nats, "nats", "", "NATS URL (env NATS_URL; default from ./.data/nats-url)")
	f.StringVar(&opts.prefix, "prefix", "", "NATS name prefix of the deployment (env NATS_PREFIX)")
	f.StringArrayVar(&opts.subjects, "subject", nil,
		"only events on this subject, wildcards allowed (repeatable)")
	f.BoolVar(&opts.all, "all", false, "start from the first event kept instead of new ones")
	f.IntVar(&opts.limit, "limit", 0, "stop after this many events (0: run until interrupted)")

	return cmd
}

// tail consumes the event streams until ctx ends or the limit is reached.
func (a *app) tail(ctx context.Context, opts tailOptions) error {
	url, err := a.natsURL(opts.nats)
	if err != nil {
		return err
	}
	if opts.prefix == "" {
		opts.prefix = a.getenv(natsPrefixEnv)
	}

	nc, err := nats.Connect(url, nats.Name("scfm events tail"), nats.Timeout(5*time.Second))
	if err != nil {
		return unavailableError{fmt.Errorf("connect to NATS at %s: %w", url, err)}
	}
	defer nc.Close()

	js, err := jetstream.New(nc)
	if err != nil {
		return unavailableError{fmt.Errorf("open JetStream: %w", err)}
	}

	ctx, stop := context.WithCancel(ctx)
	defer stop()

	out := &eventWriter{w: a, limit: opts.limit, stop: stop}
	streams, err := a.subscribe(ctx, js, opts, out)
	if err != nil {
		return err
	}

	fmt.Fprintf(a.env.Stderr, "reading %s (Ctrl-C to stop)\n", strings.Join(streams, ", "))
	<-ctx.Done()

	return out.err()
}

// subscribe starts an ordered consumer on every event stream the subjects
// touch and returns the streams' names.
func (a *app) subscribe(
	ctx context.Context, js jetstream.JetStream, opts tailOptions, out *eventWriter,
) ([]string, error) {
	names := natsbus.Names{Prefix: opts.prefix}
	policy := jetstream.DeliverNewPolicy
	if opts.all {
		policy = jetstream.DeliverAllPolicy
	}

	var streams []string
	for _, service := range eventServices() {
		filters := streamFilters(names, service, opts.subjects)
		if len(filters) == 0 {
			continue
		}

		if ctx.Err() != nil {
			break // the limit was reached (or Ctrl-C) while subscribing
		}
		stream := names.EventStream(service)
		cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
			FilterSubjects: filters, DeliverPolicy: policy,
		})
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			fmt.Fprintf(a.env.Stderr, "stream %s does not exist yet; skipped\n", stream)
			continue
		}
		if err != nil && ctx.Err() != nil {
			break
		}
		if err != nil {
			return nil, unavailableError{fmt.Errorf("read stream %s: %w", stream, err)}
		}

		cc, err := cons.Consume(out.handle)
		if err != nil {
			return nil, unavailableError{fmt.Errorf("read stream %s: %w", stream, err)}
		}
		context.AfterFunc(ctx, cc.Stop)
		streams = append(streams, stream)
	}

	if len(streams) == 0 && ctx.Err() == nil {
		return nil, usageError{errors.New("no event stream matches the given subjects")}
	}

	return streams, nil
}

// streamFilters returns the subjects, under the prefix, that a service's
// event stream can hold; no subjects means the whole stream.
func streamFilters(names natsbus.Names, service string, subjects []string) []string {
	root := names.Subject(service + ".evt.>")
	if len(subjects) == 0 {
		return []string{root}
	}

	var out []string
	for _, s := range subjects {
		s = names.Subject(strings.TrimSpace(s))
		if subjectsOverlap(s, root) {
			out = append(out, s)
		}
	}

	return out
}

// subjectsOverlap reports whether some subject matches both patterns (with
// "*" for one token and ">" for the rest).
func subjectsOverlap(a, b string) bool {
	at, bt := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(at) && i < len(bt); i++ {
		if at[i] == ">" || bt[i] == ">" {
			return true
		}
		if at[i] != "*" && bt[i] != "*" && at[i] != bt[i] {
			return false
		}
	}

	return len(at) == len(bt)
}

// eventWriter prints events as JSON lines, one at a time, and stops the
// tail after the limit.
type eventWriter struct {
	w     *app
	limit int
	stop  func()

	mu      sync.Mutex
	written int
	failure error
}

// handle writes one message's envelope as one line.
func (e *eventWriter) handle(msg jetstream.Msg) {
	e.mu.Lock()
	defer e.mu.Unlock()

	if e.failure != nil || (e.limit > 0 && e.written >= e.limit) {
		return
	}

	var line bytes.Buffer
	if err := json.Compact(&line, msg.Data()); err != nil {
		fmt.Fprintf(e.w.env.Stderr, "skipped a message on %s that is not JSON\n", msg.Subject())
		return
	}
	line.WriteByte('\n')

	if _, err := e.w.env.Stdout.Write(line.Bytes()); err != nil {
		e.failure = fmt.Errorf("write event: %w", err)
		e.stop()
		return
	}

	e.written++
	if e.limit > 0 && e.written >= e.limit {
		e.stop()
	}
}

// err returns the write error that ended the tail, if any.
func (e *eventWriter) err() error {
	e.mu.Lock()
	defer e.mu.Unlock()

	return e.failure
}
