// Package config reads the gateway's configuration from the environment
// (GATEWAY_<NAME>, falling back to <NAME>).
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
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
	// MaxImportBytes caps the file of a contact import. Default 1 GiB.
	MaxImportBytes int64
	// PublicBaseURL is the scheme and host providers use to reach the
	// gateway (https://scfm.example.org); provider signatures are checked
	// against it. Empty: the request's own, see TrustedProxies.
	PublicBaseURL string
	// TrustedProxies lists the CIDRs of proxies whose X-Forwarded-Proto
	// and X-Forwarded-Host are believed (comma-separated).
	TrustedProxies []netip.Prefix
}

// Load reads the configuration through lookup (os.LookupEnv in main).
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := envconf.New("GATEWAY", lookup)
	c := Config{
		Config:         svc.Load("gateway", r, ":3000"),
		CommandTimeout: r.Duration("COMMAND_TIMEOUT", 10*time.Second),
		MaxBodyBytes:   int64(r.Int("MAX_BODY_BYTES", 10<<20)),
		MaxImportBytes: int64(r.Int("MAX_IMPORT_BYTES", 1<<30)),
		PublicBaseURL:  r.String("PUBLIC_BASE_URL", ""),
	}
	var errs []error
	for _, p := range r.List("TRUSTED_PROXIES") {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("GATEWAY_TRUSTED_PROXIES: %q is not a CIDR such as 10.0.0.0/8", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	if c.PublicBaseURL != "" {
		if u, err := url.Parse(c.PublicBaseURL); err != nil || u.Host == "" ||
			(u.Scheme != "http" && u.Scheme != "https") {
			errs = append(
				errs,
				fmt.Errorf("GATEWAY_PUBLIC_BASE_URL must be an http(s) URL, got %q", c.PublicBaseURL),
			)
		}
	}
	if len(errs) > 0 {
		return c, errors.Join(append(errs, r.Err(), c.Validate())...)
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
	if c.MaxImportBytes < 1024 {
		errs = append(errs, errors.New("GATEWAY_MAX_IMPORT_BYTES must be at least 1024"))
	}
	return errors.Join(errs...)
}
