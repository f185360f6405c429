// Package config reads the batches service's configuration from the environment
// (BATCHES_<NAME>, falling back to <NAME>).
package config

import (
	"errors"
	"time"

	"scfm/shared/envconf"
	"scfm/shared/svc"
)

// Config is the batches service's configuration.
type Config struct {
	svc.Config
	// RequestTimeout bounds one query or run step sent to another service.
	// Default 30s: a step of thousands of rows takes a few seconds.
	RequestTimeout time.Duration
	// Parallel caps the batch operations one process runs at once.
	// Default 8.
	Parallel int
	// Poll is how often the runner looks for queued operations queued
	// through another replica. Default 1s.
	Poll time.Duration
	// PopulateStepRows caps the contacts of one population step (default
	// 20000); CallStepRows the participations or calls of one phone call
	// step (default 1000).
	PopulateStepRows int
	CallStepRows     int
}

// Load reads the configuration through lookup (os.LookupEnv in main).
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := envconf.New("BATCHES", lookup)
	c := Config{
		Config:           svc.Load("batches", r, ":8083"),
		RequestTimeout:   r.Duration("REQUEST_TIMEOUT", 30*time.Second),
		Parallel:         r.Int("PARALLEL", 8),
		Poll:             r.Duration("POLL", time.Second),
		PopulateStepRows: r.Int("POPULATE_STEP_ROWS", 20000),
		CallStepRows:     r.Int("CALL_STEP_ROWS", 1000),
	}
	return c, errors.Join(r.Err(), c.Validate())
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate(true)}
	if c.RequestTimeout <= 0 {
		errs = append(errs, errors.New("REQUEST_TIMEOUT must be positive"))
	}
	if c.Parallel < 1 {
		errs = append(errs, errors.New("PARALLEL must be at least 1"))
	}
	if c.Poll <= 0 {
		errs = append(errs, errors.New("POLL must be positive"))
	}
	if c.PopulateStepRows < 1 || c.CallStepRows < 1 {
		errs = append(errs, errors.New("POPULATE_STEP_ROWS and CALL_STEP_ROWS must be at least 1"))
	}
	return errors.Join(errs...)
}
