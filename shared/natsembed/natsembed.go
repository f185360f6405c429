// Package natsembed runs a NATS server with JetStream inside the current
// process, for tests and for the development supervisor.
package natsembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultMaxPayload is the largest message the server accepts unless
// Options.MaxPayload says otherwise: 8 MiB, because replies carrying a page
// of 1000 rows outgrow the 1 MB that NATS allows by default.
const DefaultMaxPayload = 8 << 20

// readyTimeout bounds how long Start waits for the client listener.
const readyTimeout = 10 * time.Second

// portAttempts is how many free ports Start tries when Options.Port is 0.
const portAttempts = 5

// Options configures an embedded server.
type Options struct {
	// Host is the interface to listen on. Empty means 127.0.0.1.
	Host string

	// Port is the client port. 0 picks a free port below 32768, outside the
	// range the kernel hands out to outgoing connections.
	Port int

	// StoreDir is where JetStream keeps its files. Empty means a new
	// temporary directory that Shutdown removes.
	StoreDir string

	// MaxPayload is the largest message in bytes. 0 means DefaultMaxPayload.
	MaxPayload int32

	// Logger receives the server's log lines. Nil discards them.
	Logger *slog.Logger
}

// Server is a running embedded NATS server.
type Server struct {
	srv       *server.Server
	storeDir  string
	ownsStore bool
	once      sync.Once
}

// Start starts a server with JetStream and waits until it accepts clients.
// Signal handling is left to the caller. Cancelling ctx aborts the start.
func Start(ctx context.Context, opts Options) (*Server, error) {
	s := &Server{storeDir: opts.StoreDir}
	if s.storeDir == "" {
		dir, err := os.MkdirTemp("", "natsembed-")
		if err != nil {
			return nil, fmt.Errorf("create store dir: %w", err)
		}

		s.storeDir, s.ownsStore = dir, true
	}

	srv, err := startServer(ctx, opts, s.storeDir)
	if err != nil {
		s.removeStore()
		return nil, err
	}

	s.srv = srv
	return s, nil
}

// startServer starts the server, trying other free ports when the chosen
// one turns out to be taken and the caller did not ask for a fixed port.
func startServer(ctx context.Context, opts Options, storeDir string) (*server.Server, error) {
	attempts := 1
	if opts.Port == 0 {
		attempts = portAttempts
	}

	var lastErr error
	for range attempts {
		port := opts.Port
		if port == 0 {
			p, err := freePort(opts.host())
			if err != nil {
				return nil, err
			}

			port = p
		}

		srv, err := startOnce(ctx, opts, storeDir, port)
		if err == nil {
			return srv, nil
		}

		lastErr = err
		if ctx.Err() != nil || !errors.Is(err, errListen) {
			break
		}
	}

	return nil, lastErr
}

// errListen marks a start that failed because the port could not be bound.
var errListen = errors.New("listen failed")

// startOnce makes one attempt to start the server on the given port.
func startOnce(
	ctx context.Context, opts Options, storeDir string, port int,
) (*server.Server, error) {
	maxPayload := opts.MaxPayload
	if maxPayload == 0 {
		maxPayload = DefaultMaxPayload
	}

	srv, err := server.NewServer(&server.Options{
		Host:                   opts.host(),
		Port:                   port,
		JetStream:              true,
		StoreDir:               storeDir,
		MaxPayload:             maxPayload,
		NoSigs:                 true,
		DisableJetStreamBanner: true,
	})
	if err != nil {
		return nil, fmt.Errorf("configure nats server: %w", err)
	}

	log := newLogAdapter(opts.Logger)
	srv.SetLoggerV2(log, log.debugEnabled(), false, false)

	// Start returns once the listener is set up or has failed; a failure is
	// reported only through the logger's Fatalf.
	done := make(chan struct{})
	go func() {
		srv.Start()
		close(done)
	}()

	select {
	case <-done:
	case <-ctx.Done():
		srv.Shutdown()
		return nil, fmt.Errorf("start nats server: %w", ctx.Err())
	}

	if srv.Addr() == nil {
		srv.Shutdown()
		return nil, startError(log.fatal())
	}

	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("start nats server: not ready after %s", readyTimeout)
	}

	return srv, nil
}

// startError turns the server's last fatal log line into an error.
func startError(msg string) error {
	if msg == "" {
		msg = "unknown error"
	}

	if strings.Contains(msg, "Error listening") {
		return fmt.Errorf("start nats server: %w: %s", errListen, msg)
	}

	return fmt.Errorf("start nats server: %s", msg)
}

// host returns the listen host, defaulting to the loopback address.
func (o Options) host() string {
	if o.Host == "" {
		return "127.0.0.1"
	}

	return o.Host
}

// ClientURL returns the URL clients connect to, such as
// nats://127.0.0.1:12345.
func (s *Server) ClientURL() string {
	return s.srv.ClientURL()
}

// StoreDir returns the directory holding the JetStream files.
func (s *Server) StoreDir() string {
	return s.storeDir
}

// Shutdown stops the server and waits until it has stopped. A temporary
// store directory is removed. Calling Shutdown again does nothing.
func (s *Server) Shutdown() {
	s.once.Do(func() {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		s.removeStore()
	})
}

// removeStore deletes the store directory if Start created it.
func (s *Server) removeStore() {
	if s.ownsStore {
		_ = os.RemoveAll(s.storeDir)
	}
}
