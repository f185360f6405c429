package natsembed_test

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"scfm/shared/natsembed"
)

func TestStartServesJetStreamWithLargePayloads(t *testing.T) {
	t.Parallel()

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	srv, err := natsembed.Start(ctx, natsembed.Options{StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)

	nc, err := nats.Connect(srv.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	require.GreaterOrEqual(t, nc.MaxPayload(), int64(natsembed.DefaultMaxPayload))

	js, err := jetstream.New(nc)
	require.NoError(t, err)

	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "BIG", Subjects: []string{"big.>"}})
	require.NoError(t, err)

	payload := bytes.Repeat([]byte("x"), 3<<20)
	_, err = js.Publish(ctx, "big.one", payload)
	require.NoError(t, err)

	msg, err := js.Stream(ctx, "BIG")
	require.NoError(t, err)
	got, err := msg.GetLastMsgForSubject(ctx, "big.one")
	require.NoError(t, err)
	require.Len(t, got.Data, len(payload))
}

func TestStartPicksPortBelowEphemeralRange(t *testing.T) {
	t.Parallel()

	srv, err := natsembed.Start(t.Context(), natsembed.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)

	_, portText, err := net.SplitHostPort(srv.ClientURL()[len("nats://"):])
	require.NoError(t, err)
	port, err := net.LookupPort("tcp", portText)
	require.NoError(t, err)
	require.Less(t, port, 32768)
}

func TestStoreDirSurvivesRestart(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	ctx := t.Context()

	srv, err := natsembed.Start(ctx, natsembed.Options{StoreDir: dir})
	require.NoError(t, err)

	nc, err := nats.Connect(srv.ClientURL())
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "KEEP", Subjects: []string{"keep"}})
	require.NoError(t, err)
	_, err = js.Publish(ctx, "keep", []byte("1"))
	require.NoError(t, err)
	nc.Close()

	srv.Shutdown()
	srv.Shutdown()

	srv, err = natsembed.Start(ctx, natsembed.Options{StoreDir: dir})
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)

	nc, err = nats.Connect(srv.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err = jetstream.New(nc)
	require.NoError(t, err)
	stream, err := js.Stream(ctx, "KEEP")
	require.NoError(t, err)
	info, err := stream.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), info.State.Msgs)
}

func TestStartFailsOnTakenPort(t *testing.T) {
	t.Parallel()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })

	port := l.Addr().(*net.TCPAddr).Port
	start := time.Now()
	_, err = natsembed.Start(t.Context(), natsembed.Options{Port: port})
	require.ErrorContains(t, err, "listen")
	require.Less(t, time.Since(start), 5*time.Second)
}
