// Package dispatch dials queued phone calls through each account's
// provider, paced per account, so that nobody is called twice by mistake:
// a call is marked dispatching before the provider is contacted, and a call
// found dispatching after a crash is reconciled with the provider before it
// is ever dialled again.
package dispatch

import "time"

// Config tunes the dispatcher.
type Config struct {
	// PublicBaseURL is the public URL of the API gateway; provider
	// callbacks and call flow requests are sent there.
	PublicBaseURL string
	// TwilioBaseURL and SomlengBaseURL are the providers' API roots when an
	// account's settings name none.
	TwilioBaseURL, SomlengBaseURL string
	// SimulatorURL is the built-in simulator's API root.
	SimulatorURL string
	// CallsPerSecond and MaxConcurrentCalls pace accounts whose settings
	// name no limits.
	CallsPerSecond     float64
	MaxConcurrentCalls int
	// RequestTimeout bounds one provider request. Default 10s.
	RequestTimeout time.Duration
	// Workers bounds concurrent provider requests. Default 64.
	Workers int
	// ReconcileAfter is how long a call may stay dispatching before the
	// provider is asked whether it exists. Default 1m.
	ReconcileAfter time.Duration
	// PollInterval is how often queued calls are looked for. Default 100ms.
	PollInterval time.Duration
	// StaleAfter is how long a call in flight may go without news from the
	// provider before its status is fetched; negative turns it off.
	// Default 10m.
	StaleAfter time.Duration
	// ExpireAfter is how long after dispatch a call the provider still
	// holds as queued becomes expired. Default 1h.
	ExpireAfter time.Duration
	// AllowPrivateProviders lets provider base URLs that accounts set
	// themselves lead to private and loopback addresses (development and
	// tests); off, such requests are refused.
	AllowPrivateProviders bool
}

func (c Config) withDefaults() Config {
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.Workers <= 0 {
		c.Workers = 64
	}
	if c.ReconcileAfter <= 0 {
		c.ReconcileAfter = time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 100 * time.Millisecond
	}
	if c.StaleAfter < 0 {
		c.StaleAfter = 0
	} else if c.StaleAfter == 0 {
		c.StaleAfter = 10 * time.Minute
	}
	if c.ExpireAfter <= 0 {
		c.ExpireAfter = time.Hour
	}
	if c.CallsPerSecond <= 0 {
		c.CallsPerSecond = 10
	}
	if c.MaxConcurrentCalls <= 0 {
		c.MaxConcurrentCalls = 100
	}
	return c
}
