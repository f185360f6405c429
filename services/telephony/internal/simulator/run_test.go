package simulator

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	t.Parallel()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Addr: "127.0.0.1:0"}, slog.New(slog.DiscardHandler)) }()

	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestRunFails(t *testing.T) {
	t.Parallel()

	log := slog.New(slog.DiscardHandler)
	require.ErrorContains(t, Run(t.Context(), Config{FailureRate: 3}, log), "failure rate")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	require.ErrorContains(t, Run(t.Context(), Config{Addr: ln.Addr().String()}, log), "listen")
}
