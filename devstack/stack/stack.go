// Package stack builds the four service binaries and runs them as child
// processes against a given PostgreSQL and NATS, on free ports: the engine
// behind the development supervisor and the black-box tests.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Services returns the service names, each built from
// ./services/<name>/cmd/<name>.
func Services() []string {
	return []string{"gateway", "callouts", "telephony", "batches"}
}

// migrating returns the services that own a database schema.
func migrating() []string {
	return []string{"callouts", "telephony", "batches"}
}

// Defaults of Options.
const (
	defaultReadyTimeout = 60 * time.Second
	defaultStopGrace    = 30 * time.Second
)

// Options configures a stack.
type Options struct {
	// Root is the repository root. Empty means FindRoot of the working
	// directory.
	Root string

	// BinDir holds the service binaries. Empty means one build per process
	// into a temporary directory shared by all stacks (see
	// RemoveSharedBuild).
	BinDir string

	// SkipBuild uses the binaries already in BinDir instead of building.
	SkipBuild bool

	// DatabaseURL is the PostgreSQL URL all services use. Required.
	DatabaseURL string

	// NATSURL is the NATS server URL. Required.
	NATSURL string

	// Prefix is given to the services as NATS_PREFIX, keeping stacks that
	// share a NATS server apart. Empty in development.
	Prefix string

	// GatewayPort is the public API port. 0 picks a free port below 32768.
	GatewayPort int
	// PreferredGatewayPort is used as GatewayPort when GatewayPort is 0 and
	// it is free once the binaries are built (a build takes long enough for
	// another program to take a port checked before it).
	PreferredGatewayPort int

	// AdminTokenFile keeps the super-admin token between runs: when it
	// exists its token is used, otherwise seed-admin runs and its token is
	// written there (mode 0600). Empty means seed-admin runs on every
	// Start.
	AdminTokenFile string

	// AutoRestart restarts a service that exits on its own, with backoff.
	// Off, a crashed service stays down and the crash is logged.
	AutoRestart bool

	// ReadyTimeout bounds the wait for all services to be ready. 0 means
	// 60 seconds.
	ReadyTimeout time.Duration

	// StopGrace is how long Stop waits after SIGTERM before SIGKILL. 0
	// means 30 seconds.
	StopGrace time.Duration

	// LogLevel is the services' LOG_LEVEL. Empty means info.
	LogLevel string

	// Env holds extra KEY=value settings for every service, applied last.
	Env []string

	// Logger receives the stack's own messages. Nil discards them.
	Logger *slog.Logger

	// LogWriter receives the services' output, each line prefixed with
	// "[name] ". Nil means os.Stderr.
	LogWriter io.Writer
}

// Stack is a running set of services.
type Stack struct {
	opts  Options
	log   *slog.Logger
	token string
	ports map[string]int
	procs map[string]*process
}

// Start builds the binaries unless told not to, applies the migrations,
// obtains the super-admin token, starts the services and waits until every
// one of them is ready. On failure everything started is stopped again.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	s, err := newStack(opts)
	if err != nil {
		return nil, err
	}

	if err := s.prepareBinaries(ctx); err != nil {
		return nil, err
	}

	if err := s.allocatePorts(); err != nil {
		return nil, err
	}

	if err := s.migrate(ctx); err != nil {
		return nil, err
	}

	if s.token, err = s.adminToken(ctx); err != nil {
		return nil, err
	}

	if err := s.startAll(ctx); err != nil {
		s.stopAll(context.WithoutCancel(ctx))
		return nil, err
	}

	return s, nil
}

// newStack validates opts and fills in defaults.
func newStack(opts Options) (*Stack, error) {
	if opts.DatabaseURL == "" || opts.NATSURL == "" {
		return nil, errors.New("start stack: DatabaseURL and NATSURL are required")
	}

	if opts.SkipBuild && opts.BinDir == "" {
		return nil, errors.New("start stack: SkipBuild needs a BinDir")
	}

	if opts.Root == "" {
		root, err := FindRoot(".")
		if err != nil {
			return nil, err
		}

		opts.Root = root
	}

	opts.ReadyTimeout = orDefault(opts.ReadyTimeout, defaultReadyTimeout)
	opts.StopGrace = orDefault(opts.StopGrace, defaultStopGrace)
	if opts.LogLevel == "" {
		opts.LogLevel = "info"
	}

	if opts.LogWriter == nil {
		opts.LogWriter = os.Stderr
	}

	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	return &Stack{opts: opts, log: log, procs: map[string]*process{}}, nil
}

// orDefault returns d, or def when d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}

	return d
}

// prepareBinaries builds the binaries, or finds the shared build.
func (s *Stack) prepareBinaries(ctx context.Context) error {
	if s.opts.BinDir == "" {
		dir, err := sharedBinDir(ctx, s.opts.Root, s.log)
		if err != nil {
			return err
		}

		s.opts.BinDir = dir
		return nil
	}

	if s.opts.SkipBuild {
		return nil
	}

	return Build(ctx, s.opts.Root, s.opts.BinDir, s.log)
}

// allocatePorts picks the gateway port and the other services' ops ports.
func (s *Stack) allocatePorts() error {
	s.ports = map[string]int{}
	for _, name := range Services() {
		if name == "gateway" && s.opts.GatewayPort != 0 {
			s.ports[name] = s.opts.GatewayPort
			continue
		}
		if name == "gateway" && s.opts.PreferredGatewayPort != 0 && PortFree(s.opts.PreferredGatewayPort) {
			s.ports[name] = s.opts.PreferredGatewayPort
			continue
		}

		port, err := freePort()
		if err != nil {
			return err
		}

		s.ports[name] = port
	}

	// The built-in provider simulator runs inside the telephony service.
	port, err := freePort()
	if err != nil {
		return err
	}
	s.ports[simulatorPort] = port

	return nil
}

// simulatorPort is the ports key of the provider simulator.
const simulatorPort = "simulator"

// SimulatorURL is the API root of the built-in provider simulator that
// accounts with platform_provider_name=simulator dial through.
func (s *Stack) SimulatorURL() string {
	return "http://127.0.0.1:" + strconv.Itoa(s.ports[simulatorPort])
}

// bin returns the path of a service binary.
func (s *Stack) bin(name string) string {
	return filepath.Join(s.opts.BinDir, name)
}

// GatewayURL returns the base URL of the public API, such as
// http://127.0.0.1:3000.
func (s *Stack) GatewayURL() string {
	return "http://127.0.0.1:" + strconv.Itoa(s.ports["gateway"])
}

// OpsURL returns the base URL of a service's operations server (/metrics,
// /healthz, /readyz); for the gateway it is the API's URL.
func (s *Stack) OpsURL(name string) string {
	return "http://127.0.0.1:" + strconv.Itoa(s.ports[name])
}

// AdminToken returns the super-admin token.
func (s *Stack) AdminToken() string {
	return s.token
}

// Kill sends SIGKILL to a service and leaves it down until Restart.
func (s *Stack) Kill(name string) error {
	p, ok := s.procs[name]
	if !ok {
		return fmt.Errorf("kill %s: no such service", name)
	}

	p.kill()
	return nil
}

// Restart stops a service gracefully if it is running, starts it again and
// waits until it is ready.
func (s *Stack) Restart(ctx context.Context, name string) error {
	p, ok := s.procs[name]
	if !ok {
		return fmt.Errorf("restart %s: no such service", name)
	}

	p.stop(ctx, s.opts.StopGrace, false)
	if err := p.start(); err != nil {
		return err
	}

	return s.waitReady(ctx, []*process{p})
}

// Stop stops all services: SIGTERM, then SIGKILL after the grace period or
// when ctx ends. It leaves PostgreSQL and NATS alone.
func (s *Stack) Stop(ctx context.Context) {
	s.stopAll(ctx)
}

// stopAll stops every started service in parallel.
func (s *Stack) stopAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, p := range s.procs {
		wg.Go(func() { p.stop(ctx, s.opts.StopGrace, true) })
	}

	wg.Wait()
	s.log.InfoContext(ctx, "services stopped")
}
