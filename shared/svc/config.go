// Package svc holds what every service process shares: its common
// configuration, logger, metrics registry, operations HTTP server, the
// PostgreSQL pool and NATS connection, and the shutdown order.
package svc

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"scfm/shared/envconf"
)

// Config is the configuration every service reads.
type Config struct {
	// Service is the service's name, e.g. "callouts".
	Service string
	// DatabaseURL is the PostgreSQL URL (<SERVICE>_DATABASE_URL or
	// DATABASE_URL). Required except for the gateway.
	DatabaseURL string
	// NATSURL is the NATS server URL. Default nats://127.0.0.1:4222.
	NATSURL string
	// NATSPrefix prefixes every subject, stream and bucket name; empty by
	// default. Tests sharing a server give each run its own.
	NATSPrefix string
	// StreamReplicas is the replica count of the streams the service
	// creates. Default 1; use 3 on a clustered NATS.
	StreamReplicas int
	// HTTPAddr is where the operations endpoints (/metrics, /healthz,
	// /readyz) listen; for the gateway it also serves the API.
	HTTPAddr string
	// LogFormat is "json" (default) or "text".
	LogFormat string
	// LogLevel is debug, info (default), warn or error.
	LogLevel string
	// ShutdownTimeout bounds the graceful stop. Default 25s, inside a
	// Kubernetes grace period of 30s.
	ShutdownTimeout time.Duration
	// Workers bounds concurrent command and query handlers. Default 16.
	Workers int
	// PprofAddr, when set, is where Go's profiling endpoints listen
	// (/debug/pprof/). Off by default: profiles expose memory contents, so
	// they get their own listener, best bound to 127.0.0.1.
	PprofAddr string
}

// Load reads the common configuration of service from r. defaultAddr is the
// service's default HTTPAddr.
func Load(service string, r *envconf.Reader, defaultAddr string) Config {
	return Config{
		Service:         service,
		DatabaseURL:     r.String("DATABASE_URL", ""),
		NATSURL:         r.String("NATS_URL", "nats://127.0.0.1:4222"),
		NATSPrefix:      r.String("NATS_PREFIX", ""),
		StreamReplicas:  r.Int("STREAM_REPLICAS", 1),
		HTTPAddr:        r.String("HTTP_ADDR", defaultAddr),
		LogFormat:       r.String("LOG_FORMAT", "json"),
		LogLevel:        r.String("LOG_LEVEL", "info"),
		ShutdownTimeout: r.Duration("SHUTDOWN_TIMEOUT", 25*time.Second),
		Workers:         r.Int("WORKERS", 16),
		PprofAddr:       r.String("PPROF_ADDR", ""),
	}
}

// Validate reports every problem of c at once. needDB says whether the
// service owns a database.
func (c Config) Validate(needDB bool) error {
	var errs []error
	if needDB && c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL is required (or "+
			strings.ToUpper(c.Service)+"_DATABASE_URL)"))
	}
	if c.NATSURL == "" {
		errs = append(errs, errors.New("NATS_URL must not be empty"))
	}
	if c.StreamReplicas < 1 || c.StreamReplicas > 5 {
		errs = append(errs, fmt.Errorf("STREAM_REPLICAS must be 1 to 5, got %d", c.StreamReplicas))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("LOG_FORMAT must be json or text, got %q", c.LogFormat))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, got %q", c.LogLevel))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("SHUTDOWN_TIMEOUT must be positive"))
	}
	if c.Workers < 1 {
		errs = append(errs, errors.New("WORKERS must be at least 1"))
	}
	return errors.Join(errs...)
}
