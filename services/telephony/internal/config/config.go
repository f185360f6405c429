// Package config reads the telephony service's configuration from the environment
// (TELEPHONY_<NAME>, falling back to <NAME>).
package config

import (
	"errors"

	"scfm/shared/envconf"
	"scfm/shared/svc"
)

// Config is the telephony service's configuration.
type Config struct {
	svc.Config
	// CallFlowLogics lists optional call flow logics to enable
	// (REGISTERED_CALL_FLOW_LOGIC, comma-separated).
	CallFlowLogics []string
}

// Load reads the configuration through lookup (os.LookupEnv in main).
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := envconf.New("TELEPHONY", lookup)
	c := Config{
		Config:         svc.Load("telephony", r, ":8082"),
		CallFlowLogics: r.List("REGISTERED_CALL_FLOW_LOGIC"),
	}
	return c, errors.Join(r.Err(), c.Validate())
}

// Validate reports every problem of c at once.
func (c Config) Validate() error { return c.Config.Validate(true) }
