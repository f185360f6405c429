package natsbus_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"scfm/shared/natsbus"
	"scfm/shared/reply"
	"scfm/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type bundle struct {
	client *natsbus.Client
	server *natsbus.Server
	names  natsbus.Names
}

func setup(t *testing.T) bundle {
	t.Helper()

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

	client, err := natsbus.NewClient(nc, js, names, 5*time.Second)
	require.NoError(t, err)
	server := natsbus.NewServer(nc, js, names, natsbus.ServerConfig{Service: "svc", Workers: 4}, log)
	t.Cleanup(func() { server.Stop(context.Background()) })
	return bundle{client: client, server: server, names: names}
}

func TestCommandAndQueryRoundTrip(t *testing.T) {
	t.Parallel()

	b := setup(t)
	var got natsbus.Request
	b.server.HandleCommand("thing.create", func(_ context.Context, req natsbus.Request) (reply.Reply, error) {
		got = req
		return reply.Created("/api/things/1", map[string]int{"id": 1}), nil
	})
	b.server.HandleQuery("thing.list", func(_ context.Context, req natsbus.Request) (reply.Reply, error) {
		return reply.List(42, []int{1, 2}), nil
	})
	require.NoError(t, b.server.Start(context.Background()))

	call := natsbus.Call{ID: "cmd-1", AccountID: 7, CorrelationID: "req-1", Traceparent: "00-abc-def-01"}
	r, err := b.client.Command(context.Background(), "svc", "thing", "create", call, []byte(`{"a":1}`))
	require.NoError(t, err)
	require.Equal(t, 201, r.Status)
	require.Equal(t, "/api/things/1", r.Location)
	require.JSONEq(t, `{"id":1}`, string(r.Body))
	require.Equal(t, "cmd-1", got.ID)
	require.Equal(t, "thing.create", got.Name)
	require.Equal(t, int64(7), got.AccountID)
	require.Equal(t, "req-1", got.CorrelationID)
	require.Equal(t, "00-abc-def-01", got.Header.Get("traceparent"))
	require.JSONEq(t, `{"a":1}`, string(got.Data))

	r, err = b.client.Query(context.Background(), "svc", "thing", "list", call, nil)
	require.NoError(t, err)
	require.Equal(t, 200, r.Status)
	require.Equal(t, int64(42), r.Total)
}

func TestDuplicateCommandGetsStoredAnswer(t *testing.T) {
	t.Parallel()

	b := setup(t)
	var mu sync.Mutex
	answers := map[string]reply.Reply{}
	var runs atomic.Int32
	b.server.HandleCommand("thing.create", func(_ context.Context, req natsbus.Request) (reply.Reply, error) {
		runs.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if r, ok := answers[req.ID]; ok {
			return r, nil
		}
		r := reply.Created("/api/things/9", map[string]string{"id": req.ID})
		answers[req.ID] = r
		return r, nil
	})
	b.server.HandleQuery("command.answer", func(_ context.Context, req natsbus.Request) (reply.Reply, error) {
		var in struct {
			CommandID string `json:"command_id"`
		}
		require.NoError(t, json.Unmarshal(req.Data, &in))
		mu.Lock()
		defer mu.Unlock()
		if r, ok := answers[in.CommandID]; ok {
			return r, nil
		}
		return reply.NotFound(), nil
	})
	require.NoError(t, b.server.Start(context.Background()))

	call := natsbus.Call{ID: "same-id", AccountID: 1}
	first, err := b.client.Command(context.Background(), "svc", "thing", "create", call, nil)
	require.NoError(t, err)
	second, err := b.client.Command(context.Background(), "svc", "thing", "create", call, nil)
	require.NoError(t, err)

	require.Equal(t, first, second)
	require.Equal(t, int32(1), runs.Load(), "JetStream dropped the duplicate publish")
}

func TestFailingCommandIsRedeliveredAndAnswered503(t *testing.T) {
	t.Parallel()

	b := setup(t)
	var runs atomic.Int32
	b.server.HandleCommand("thing.create", func(context.Context, natsbus.Request) (reply.Reply, error) {
		if runs.Add(1) == 1 {
			return reply.Reply{}, context.DeadlineExceeded
		}
		return reply.NoContent(), nil
	})
	require.NoError(t, b.server.Start(context.Background()))

	r, err := b.client.Command(context.Background(), "svc", "thing", "create", natsbus.Call{ID: "x"}, nil)
	require.NoError(t, err)
	require.Equal(t, 503, r.Status)
	require.Eventually(t, func() bool { return runs.Load() == 2 }, 10*time.Second, 20*time.Millisecond,
		"the command is redelivered after a failure")
}

func TestQueryWithoutServiceIs503(t *testing.T) {
	t.Parallel()

	b := setup(t)
	r, err := b.client.Query(context.Background(), "nobody", "thing", "list", natsbus.Call{}, nil)
	require.NoError(t, err)
	require.Equal(t, 503, r.Status)
}

func TestReplyMessageRoundTrip(t *testing.T) {
	t.Parallel()

	in := reply.Reply{Status: 201, Location: "/x/1", Total: -1, Body: []byte(`{}`)}
	out := natsbus.DecodeReply(natsbus.ReplyMsg("s", in))
	require.Equal(t, in, out)
	require.Equal(t, 503, natsbus.DecodeReply(&nats.Msg{}).Status)
}
