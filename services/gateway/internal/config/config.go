// Package config reads the gateway's configuration from the environment
// (GATEWAY_<NAME>, falling back to <NAME>).
package config

import (
	"errors"
	"time"

	"scfm/shared/envconf"
	"scfm/shared/svc"
)

// Config is the gateway's configuration.
type Config struct {
	svc.Config
	// CommandTimeout bounds the wait for a service's answer; past it the
	// client gets 503 with Retry-After. Default 10s.
	CommandTimeout time.Duration
	// MaxBodyBytes caps request bodies. Default 10 MiB.
	MaxBodyBytes int64
}

// Load reads the configuration through lookup (os.LookupEnv in main).
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := envconf.New("GATEWAY", lookup)
	c := Config{
		Config:         svc.Load("gateway", r, ":3000"),
		CommandTimeout: r.Duration("COMMAND_TIMEOUT", 10*time.Second),
		MaxBodyBytes:   int64(r.Int("MAX_BODY_BYTES", 10<<20)),
	}
	return c, errors.Join(r.Err(), c.Validate())
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate(false)}
	if c.CommandTimeout <= 0 {
		errs = append(errs, errors.New("GATEWAY_COMMAND_TIMEOUT must be positive"))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, errors.New("GATEWAY_MAX_BODY_BYTES must be at least 1024"))
	}
	return errors.Join(errs...)
}
