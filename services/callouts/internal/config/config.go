// Package config reads the callouts service's configuration from the
// environment (CALLOUTS_<NAME>, falling back to <NAME>).
package config

import (
	"errors"

	"scfm/shared/envconf"
	"scfm/shared/svc"
)

// Config is the callouts service's configuration.
type Config struct {
	svc.Config
	// CallFlowLogics lists optional call flow logics to enable
	// (REGISTERED_CALL_FLOW_LOGIC, comma-separated); names this build does
	// not implement are ignored.
	CallFlowLogics []string
}

// Load reads the configuration through lookup (os.LookupEnv in main).
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := envconf.New("CALLOUTS", lookup)
	c := Config{
		Config:         svc.Load("callouts", r, ":8081"),
		CallFlowLogics: r.List("REGISTERED_CALL_FLOW_LOGIC"),
	}
	return c, errors.Join(r.Err(), c.Validate())
}

// Validate reports every problem of c at once.
func (c Config) Validate() error { return c.Config.Validate(true) }
