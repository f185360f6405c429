package natsbus_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"scfm/shared/contract"
	"scfm/shared/natsbus"
	"scfm/shared/testenv"
)

// A batch that fails is applied again before anything after it: a
// projector that records its stream position must never skip ahead.
func TestConsumeEventsRetriesAFailedBatchBeforeLaterEvents(t *testing.T) {
	t.Parallel()

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.DiscardHandler)
	nc, err := natsbus.Connect(ctx, testenv.NATS(t), "test", log)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	names := natsbus.Names{Prefix: testenv.Prefix(t)}
	require.NoError(t, natsbus.EnsureStreams(ctx, js, names, "svc", natsbus.StreamConfig{}))

	publish := func(pos int64) {
		env := contract.Envelope{EventID: strconv.FormatInt(pos, 10), EventType: "thing.created", Position: pos}
		data, err := json.Marshal(env)
		require.NoError(t, err)
		m := nats.NewMsg(names.Subject("svc.evt.thing." + env.EventID + ".created"))
		m.Data = data
		_, err = js.PublishMsg(ctx, m)
		require.NoError(t, err)
	}
	publish(1)

	var mu sync.Mutex
	var applied []int64
	failed := false
	apply := func(_ context.Context, events []contract.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		if !failed {
			failed = true
			publish(2) // arrives while the first batch is failing
			return context.DeadlineExceeded
		}
		for _, e := range events {
			applied = append(applied, e.Position)
		}
		return nil
	}
	cfg := jetstream.ConsumerConfig{Durable: "ordered", FilterSubject: names.Subject("svc.evt.>")}
	go func() {
		_ = natsbus.ConsumeEvents(ctx, js, names.EventStream("svc"), cfg, 1, apply, log)
	}()

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(applied) == 2
	}, 10*time.Second, 20*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []int64{1, 2}, applied)
}
