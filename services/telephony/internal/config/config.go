// Package config reads the telephony service's configuration from the environment
// (TELEPHONY_<NAME>, falling back to <NAME>).
package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"scfm/shared/envconf"
	"scfm/shared/svc"
)

// Config is the telephony service's configuration.
type Config struct {
	svc.Config
	// CallFlowLogics lists optional call flow logics to enable
	// (REGISTERED_CALL_FLOW_LOGIC, comma-separated).
	CallFlowLogics []string
	// PublicBaseURL is the gateway's public URL, where providers send
	// status callbacks (PUBLIC_BASE_URL). Default http://127.0.0.1:3000.
	PublicBaseURL string
	// TwilioBaseURL, SomlengBaseURL and SimulatorURL are the providers'
	// API roots when an account's settings name none.
	TwilioBaseURL, SomlengBaseURL, SimulatorURL string
	// CallsPerSecond and MaxConcurrentCalls pace accounts whose settings
	// name no limits. Defaults 10 and 100.
	CallsPerSecond     int
	MaxConcurrentCalls int
	// ProviderTimeout bounds one provider request. Default 10s.
	ProviderTimeout time.Duration
	// StaleAfter is how long a call in flight may go without provider news
	// before its status is fetched. Default 10m.
	StaleAfter time.Duration
	// ExpireAfter is how long after dispatch a call still queued at the
	// provider becomes expired. Default 1h.
	ExpireAfter time.Duration
	// ReconcileAfter is how long a call may stay dispatching (after a crash
	// or an unclear provider answer) before the provider is asked whether
	// it has the call. Default 1m.
	ReconcileAfter time.Duration
	// AllowPrivateProviders lets provider base URLs set in account settings
	// lead to private or loopback addresses (ALLOW_PRIVATE_PROVIDER_URLS;
	// for development and tests only). Default false.
	AllowPrivateProviders bool
	// SimulatorAddr is where the provider simulator listens: always for the
	// simulator subcommand, and beside the service when set
	// (SIMULATOR_ADDR, e.g. 127.0.0.1:8090; empty by default).
	SimulatorAddr string
}

// Load reads the configuration through lookup (os.LookupEnv in main).
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := envconf.New("TELEPHONY", lookup)
	c := Config{
		Config:                svc.Load("telephony", r, ":8082"),
		CallFlowLogics:        r.List("REGISTERED_CALL_FLOW_LOGIC"),
		PublicBaseURL:         r.String("PUBLIC_BASE_URL", "http://127.0.0.1:3000"),
		TwilioBaseURL:         r.String("TWILIO_API_BASE_URL", "https://api.twilio.com"),
		SomlengBaseURL:        r.String("SOMLENG_API_BASE_URL", "https://api.somleng.org"),
		SimulatorURL:          r.String("SIMULATOR_URL", "http://127.0.0.1:8090"),
		CallsPerSecond:        r.Int("CALLS_PER_SECOND", 10),
		MaxConcurrentCalls:    r.Int("MAX_CONCURRENT_CALLS", 100),
		ProviderTimeout:       r.Duration("PROVIDER_TIMEOUT", 10*time.Second),
		StaleAfter:            r.Duration("STALE_AFTER", 10*time.Minute),
		ExpireAfter:           r.Duration("EXPIRE_AFTER", time.Hour),
		ReconcileAfter:        r.Duration("RECONCILE_AFTER", time.Minute),
		SimulatorAddr:         r.String("SIMULATOR_ADDR", ""),
		AllowPrivateProviders: r.String("ALLOW_PRIVATE_PROVIDER_URLS", "") == "true",
	}
	return c, errors.Join(r.Err(), c.Validate())
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate(true)}
	for name, u := range map[string]string{
		"PUBLIC_BASE_URL": c.PublicBaseURL, "TWILIO_API_BASE_URL": c.TwilioBaseURL,
		"SOMLENG_API_BASE_URL": c.SomlengBaseURL, "SIMULATOR_URL": c.SimulatorURL,
	} {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("TELEPHONY_%s must be an http(s) URL, got %q", name, u))
		}
	}
	if c.CallsPerSecond < 1 || c.MaxConcurrentCalls < 1 {
		errs = append(
			errs,
			errors.New("TELEPHONY_CALLS_PER_SECOND and TELEPHONY_MAX_CONCURRENT_CALLS must be positive"),
		)
	}
	if c.ProviderTimeout <= 0 {
		errs = append(errs, errors.New("TELEPHONY_PROVIDER_TIMEOUT must be positive"))
	}
	return errors.Join(errs...)
}
