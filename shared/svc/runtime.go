package svc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"scfm/shared/natsbus"
	"scfm/shared/pgdb"
)

// Runtime is a running service process's shared infrastructure.
type Runtime struct {
	Cfg      Config
	Log      *slog.Logger
	Registry *prometheus.Registry
	// Pool is the service's PostgreSQL pool; nil for the gateway.
	Pool  *pgxpool.Pool
	NC    *nats.Conn
	JS    jetstream.JetStream
	Names natsbus.Names

	ready   atomic.Bool
	bgWG    sync.WaitGroup
	bgStop  context.CancelFunc
	bgCtx   context.Context
	stopper []func(ctx context.Context)
}

// Open connects the service's database (when schema is not empty) and NATS.
func Open(ctx context.Context, cfg Config, log *slog.Logger, schema string) (*Runtime, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	rt := &Runtime{Cfg: cfg, Log: log, Registry: reg, Names: natsbus.Names{Prefix: cfg.NATSPrefix}}
	rt.bgCtx, rt.bgStop = context.WithCancel(context.WithoutCancel(ctx))

	if schema != "" {
		pool, err := pgdb.Open(ctx, cfg.DatabaseURL, schema, pgdb.PoolConfig{
			MaxConns: int32(cfg.Workers + 4), AppName: cfg.Service,
		})
		if err != nil {
			return nil, err
		}
		rt.Pool = pool
	}

	nc, err := natsbus.Connect(ctx, cfg.NATSURL, cfg.Service, log)
	if err != nil {
		rt.closePool()
		return nil, err
	}
	rt.NC = nc
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		rt.closePool()
		return nil, fmt.Errorf("open jetstream: %w", err)
	}
	rt.JS = js
	return rt, nil
}

// StreamConfig is the configuration of the streams this service creates.
func (rt *Runtime) StreamConfig() natsbus.StreamConfig {
	return natsbus.StreamConfig{Replicas: rt.Cfg.StreamReplicas}
}

// Go runs fn in the background until shutdown. fn must return soon after
// its context ends.
func (rt *Runtime) Go(name string, fn func(ctx context.Context) error) {
	rt.bgWG.Add(1)
	go func() {
		defer rt.bgWG.Done()
		if err := fn(rt.bgCtx); err != nil && rt.bgCtx.Err() == nil {
			rt.Log.Error("background task stopped", "task", name, "err", err)
		}
	}()
}

// OnStop registers a stopper run after HTTP shuts down and before the
// background tasks, NATS and the pool close: message consumers go here.
func (rt *Runtime) OnStop(fn func(ctx context.Context)) { rt.stopper = append(rt.stopper, fn) }

// Serve serves api (may be nil) and the operations endpoints on HTTPAddr
// until ctx ends, then shuts down in order: fail readiness, stop HTTP, stop
// consumers, stop background tasks, drain NATS, close the pool.
func (rt *Runtime) Serve(ctx context.Context, api http.Handler) error {
	ln, err := net.Listen("tcp", rt.Cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", rt.Cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler:           rt.opsMux(api),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	go ServePprof(rt.bgCtx, rt.Cfg.PprofAddr, rt.Log)
	rt.ready.Store(true)
	rt.Log.Info("service started", "addr", ln.Addr().String())

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		rt.ready.Store(false)
		rt.shutdown(srv)
		return fmt.Errorf("serve http: %w", err)
	}
	rt.shutdown(srv)
	rt.Log.Info("service stopped")
	return nil
}

func (rt *Runtime) shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), rt.Cfg.ShutdownTimeout)
	defer cancel()

	rt.ready.Store(false)
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		rt.Log.Warn("http shutdown", "err", err)
	}
	for _, stop := range rt.stopper {
		stop(ctx)
	}
	rt.bgStop()
	done := make(chan struct{})
	go func() { rt.bgWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		rt.Log.Warn("background tasks still running at shutdown deadline")
	}
	if err := rt.NC.Drain(); err != nil {
		rt.NC.Close()
	}
	rt.closePool()
}

func (rt *Runtime) closePool() {
	if rt.Pool != nil {
		rt.Pool.Close()
	}
}

func (rt *Runtime) opsMux(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(rt.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", rt.readyz)
	if api != nil {
		mux.Handle("/", api)
	}
	return mux
}

// HeaderProcessID is the readiness answer's header naming the process id.
const HeaderProcessID = "Scfm-Process-Id"

// readyz answers 200 while the service is started, NATS is connected and
// PostgreSQL answers; 503 otherwise, so a load balancer routes elsewhere.
func (rt *Runtime) readyz(w http.ResponseWriter, r *http.Request) {
	// Which process answers: a supervisor that started this one checks it,
	// so another program on the same port never passes for it.
	w.Header().Set(HeaderProcessID, strconv.Itoa(os.Getpid()))
	problem := ""
	switch {
	case !rt.ready.Load():
		problem = "stopping or not started"
	case !rt.NC.IsConnected():
		problem = "nats disconnected"
	case rt.Pool != nil:
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := rt.Pool.Ping(ctx); err != nil {
			problem = "database unavailable"
		}
	}
	if problem != "" {
		w.Header().Set("Retry-After", "1")
		http.Error(w, problem, http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
