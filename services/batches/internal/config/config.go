// Package config reads the batches service's configuration from the environment
// (BATCHES_<NAME>, falling back to <NAME>).
package config

import (
	"errors"

	"scfm/shared/envconf"
	"scfm/shared/svc"
)

// Config is the batches service's configuration.
type Config struct {
	svc.Config
}

// Load reads the configuration through lookup (os.LookupEnv in main).
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := envconf.New("BATCHES", lookup)
	c := Config{Config: svc.Load("batches", r, ":8083")}
	return c, errors.Join(r.Err(), c.Validate())
}

// Validate reports every problem of c at once.
func (c Config) Validate() error { return c.Config.Validate(true) }
