package simulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// shutdownTimeout bounds how long Run waits for open requests at shutdown.
const shutdownTimeout = 10 * time.Second

// Run serves the simulator on cfg.Addr until ctx ends, then shuts the server
// down and stops every running call. It returns an error if cfg is invalid
// or the address cannot be served, and nil after a clean shutdown.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("simulator config: %w", err)
	}
	cfg = cfg.withDefaults()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s := NewServer(cfg, log)
	defer s.Close()

	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.log.InfoContext(ctx, "simulator started", "addr", ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("serve simulator: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve simulator: %w", err)
	}
	st := s.Stats()
	s.log.InfoContext(ctx, "simulator stopped", "creates", st.Creates,
		"rate_limited", st.RateLimited, "callbacks_sent", st.CallbacksSent)
	if err != nil {
		return fmt.Errorf("shut down simulator: %w", err)
	}
	return nil
}
