package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"scfm/shared/contract"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/natsembed"
	"scfm/shared/outbox"
	"scfm/shared/pgtest"
	"scfm/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// appendMany appends n events from writers concurrent transactions, each
// on its own stream.
func appendMany(t *testing.T, pool *pgxpool.Pool, writers, n int, tag string) {
	t.Helper()

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range n / writers {
				id := fmt.Sprintf("%s-%d", tag, w)
				err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
					return eventstore.Append(context.Background(), tx, eventstore.New(
						"thing", id, int64(i+1), "thing.changed", map[string]int{"i": i}, eventstore.Metadata{}))
				})
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// collect reads the whole event stream and returns the event ids seen, with
// how often each was seen.
func collect(t *testing.T, js jetstream.JetStream, stream string, want int) map[string]int {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := map[string]int{}
	require.Eventually(t, func() bool {
		s, err := js.Stream(ctx, stream)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs >= uint64(want)
	}, 30*time.Second, 50*time.Millisecond, "relay did not publish %d events", want)

	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	var lastPos int64
	for range want {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		require.NoError(t, err)
		var env contract.Envelope
		require.NoError(t, json.Unmarshal(m.Data(), &env))
		require.Equal(t, env.EventID, m.Headers().Get(nats.MsgIdHdr))
		require.Greater(t, env.Position, lastPos, "events arrive in position order")
		lastPos = env.Position
		seen[env.EventID]++
	}
	return seen
}

func TestRelayPublishesEveryEventOnceUnderConcurrentAppends(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, "relay", nil)
	nc, err := nats.Connect(testenv.NATS(t))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	names := natsbus.Names{Prefix: testenv.Prefix(t)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	require.NoError(t, natsbus.EnsureStreams(ctx, js, names, "svc", natsbus.StreamConfig{}))

	relay := outbox.NewRelay(pool, js, names, "svc", slog.New(slog.DiscardHandler))
	go func() { _ = relay.Run(ctx) }()

	const writers, total = 16, 2000
	appendMany(t, pool, writers, total, "a")

	seen := collect(t, js, names.EventStream("svc"), total)
	require.Len(t, seen, total, "every event published")
	for id, n := range seen {
		require.Equal(t, 1, n, "event %s published once", id)
	}
}

func TestRelayCatchesUpAcrossNATSRestart(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, "relay", nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	// A server of our own, so it can be stopped and started again on the
	// same port and store.
	store := t.TempDir()
	srv, err := natsembed.Start(ctx, natsembed.Options{StoreDir: store})
	require.NoError(t, err)
	u, err := url.Parse(srv.ClientURL())
	require.NoError(t, err)
	port, _ := strconv.Atoi(u.Port())

	nc, err := natsbus.Connect(ctx, srv.ClientURL(), "test", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	names := natsbus.Names{}
	require.NoError(t, natsbus.EnsureStreams(ctx, js, names, "svc", natsbus.StreamConfig{}))

	relay := outbox.NewRelay(pool, js, names, "svc", slog.New(slog.DiscardHandler))
	go func() { _ = relay.Run(ctx) }()

	appendMany(t, pool, 4, 200, "before")
	collect(t, js, names.EventStream("svc"), 200)

	// NATS goes away while events keep being recorded.
	srv.Shutdown()
	appendMany(t, pool, 4, 200, "during")
	time.Sleep(300 * time.Millisecond)

	srv, err = natsembed.Start(ctx, natsembed.Options{StoreDir: store, Port: port})
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)
	appendMany(t, pool, 4, 200, "after")

	seen := collect(t, js, names.EventStream("svc"), 600)
	require.Len(t, seen, 600, "no event lost")
	for id, n := range seen {
		require.Equal(t, 1, n, "subscribers see event %s once", id)
	}
}
