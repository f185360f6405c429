// Command subscriber is an example analytics subscriber: it reads the
// telephony service's phone call events from NATS JetStream and keeps a
// table of calls by final status per callout, printed every few seconds.
//
//	go run ./examples/subscriber -nats "$(cat .data/nats-url)"
//
// It reads through an ordered consumer, which the server forgets when the
// subscriber stops, and so it reads from the start of the stream each
// time. A subscriber that must not miss events while it is down would use
// a durable consumer and keep its table and last position in its own
// database.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func main() {
	natsURL := flag.String("nats", envOr("NATS_URL", nats.DefaultURL), "NATS server URL")
	prefix := flag.String("prefix", os.Getenv("NATS_PREFIX"), "name prefix of the deployment")
	every := flag.Duration("every", 5*time.Second, "how often to print the table")
	onlyNew := flag.Bool("new", false, "count only calls from now on")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, os.Stdout, *natsURL, *prefix, *every, *onlyNew); err != nil {
		fmt.Fprintf(os.Stderr, "subscriber: %v\n", err)
		os.Exit(1)
	}
}

// run consumes the phone call events until ctx ends, printing the table to
// w every interval and once more at the end.
func run(
	ctx context.Context, w io.Writer, url, prefix string, every time.Duration, onlyNew bool,
) error {
	nc, err := nats.Connect(url, nats.Name("scfm example subscriber"))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", url, err)
	}
	defer nc.Close()

	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}

	policy := jetstream.DeliverAllPolicy
	if onlyNew {
		policy = jetstream.DeliverNewPolicy
	}

	// Stream and subject names follow docs/events.md: a prefix "eu" gives
	// EU_TELEPHONY_EVENTS and eu.telephony.evt.….
	stream, subject := "TELEPHONY_EVENTS", "telephony.evt.phone_call.>"
	if prefix != "" {
		stream, subject = strings.ToUpper(prefix)+"_"+stream, prefix+"."+subject
	}

	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject}, DeliverPolicy: policy,
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}

	var mu sync.Mutex
	table := NewOutcomes()
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		mu.Lock()
		defer mu.Unlock()

		if err := table.Apply(msg.Data()); err != nil {
			fmt.Fprintf(os.Stderr, "skip %s: %v\n", msg.Subject(), err)
		}
	})
	if err != nil {
		return err
	}
	defer cc.Stop()

	ticker := time.NewTicker(every)
	defer ticker.Stop()

	for {
		select {
		case <-ctx.Done():
			mu.Lock()
			table.Write(w)
			mu.Unlock()
			return nil
		case now := <-ticker.C:
			mu.Lock()
			fmt.Fprintf(w, "\n%s\n", now.Format(time.TimeOnly))
			table.Write(w)
			mu.Unlock()
		}
	}
}

// envOr returns an environment variable, or def when it is empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}

	return def
}
