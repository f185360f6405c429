package simulator

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Final call statuses, which are also the names of outcomes in Config.Outcomes.
const (
	StatusCompleted = "completed"
	StatusBusy      = "busy"
	StatusNoAnswer  = "no-answer"
	StatusFailed    = "failed"
	StatusCanceled  = "canceled"
)

// Config tunes a Server. Every zero field takes the default written on it, so
// the zero Config is a working simulator.
type Config struct {
	// Addr is the address Run listens on. Default ":8090".
	Addr string
	// CallsPerSecond caps call creation per account with a token bucket whose
	// burst is the rate rounded up; creates above it get 429 with code 20429.
	// Default 0: unlimited.
	CallsPerSecond float64
	// FailureRate is the fraction (0 to 1) of authenticated API requests that
	// fail with 500 before doing anything, so nothing is created. Default 0.
	FailureRate float64
	// Seed makes the outcome of each call a function of its SID and the seed,
	// and the sequence of injected failures reproducible. Default 0, which is
	// a seed like any other.
	Seed int64
	// Outcomes weighs the final statuses (the Status constants). Default
	// DefaultOutcomes. Missing names weigh 0; at least one weight must be
	// positive.
	Outcomes map[string]int
	// OutcomeByTo forces the outcome of calls to the given To numbers, for
	// tests that need a particular answer. Default none.
	OutcomeByTo map[string]string
	// TimeScale multiplies every delay of the call timeline and the callback
	// retry backoff; 0.001 plays a whole call in about 1.3 ms. Default 1.
	TimeScale float64
	// InitiateAfter is when, after creation, dialing starts (status
	// callback "initiated"). Default 20 ms.
	InitiateAfter time.Duration
	// RingAfter is when, after creation, the phone rings. Default 100 ms.
	RingAfter time.Duration
	// AnswerAfter is when, after creation, the call is answered, or ends
	// busy or canceled. Default 300 ms.
	AnswerAfter time.Duration
	// TalkTime is how long an answered call lasts, and how long an unanswered
	// one rings on after AnswerAfter before it ends as no-answer. The duration
	// reported for a completed call is TalkTime in whole seconds rounded up,
	// unscaled. Default 1 s.
	TalkTime time.Duration
	// MaxInFlight caps calls whose timeline is still running; creates above it
	// get 429. Default 10,000.
	MaxInFlight int
	// MaxRetained caps finished calls kept for fetch and list; the oldest are
	// forgotten first. Default 100,000.
	MaxRetained int
	// Retention is how long a finished call stays visible. Default 1 h.
	Retention time.Duration
	// HTTPClient sends status callbacks and voice URL requests. Default a
	// client with a 10 s timeout and a connection pool sized for load tests.
	HTTPClient *http.Client
}

// DefaultOutcomes returns the outcome mix used when Config.Outcomes is empty.
func DefaultOutcomes() map[string]int {
	return map[string]int{
		StatusCompleted: 70,
		StatusBusy:      10,
		StatusNoAnswer:  12,
		StatusFailed:    5,
		StatusCanceled:  3,
	}
}

// finalStatuses lists the outcomes in a fixed order.
func finalStatuses() []string {
	return []string{StatusCompleted, StatusBusy, StatusNoAnswer, StatusFailed, StatusCanceled}
}

func isFinal(status string) bool {
	switch status {
	case StatusCompleted, StatusBusy, StatusNoAnswer, StatusFailed, StatusCanceled:
		return true
	}
	return false
}

// Validate reports every problem of c at once. Zero values are valid.
func (c Config) Validate() error {
	var errs []error
	check := func(bad bool, format string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.CallsPerSecond < 0 || math.IsNaN(c.CallsPerSecond),
		"calls per second %v is negative", c.CallsPerSecond)
	check(!(c.FailureRate >= 0 && c.FailureRate <= 1),
		"failure rate %v is not between 0 and 1", c.FailureRate)
	check(!(c.TimeScale >= 0) || math.IsInf(c.TimeScale, 1),
		"time scale %v is invalid", c.TimeScale)
	check(c.InitiateAfter < 0 || c.RingAfter < 0 || c.AnswerAfter < 0 || c.TalkTime < 0,
		"call timeline delays must not be negative")
	check(c.MaxInFlight < 0, "max in flight %d is negative", c.MaxInFlight)
	check(c.MaxRetained < 0, "max retained %d is negative", c.MaxRetained)
	check(c.Retention < 0, "retention %s is negative", c.Retention)

	total := 0
	for name, w := range c.Outcomes {
		check(!isFinal(name), "outcome %q is not a final call status", name)
		check(w < 0, "outcome %q has negative weight %d", name, w)
		if isFinal(name) && w > 0 {
			total += w
		}
	}
	check(len(c.Outcomes) > 0 && total == 0, "outcome weights add up to zero")
	for to, name := range c.OutcomeByTo {
		check(!isFinal(name), "outcome %q forced for %q is not a final call status", name, to)
	}
	return errors.Join(errs...)
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	setDefault(&c.Addr, ":8090")
	setDefault(&c.TimeScale, 1)
	setDefault(&c.InitiateAfter, 20*time.Millisecond)
	setDefault(&c.RingAfter, 100*time.Millisecond)
	setDefault(&c.AnswerAfter, 300*time.Millisecond)
	setDefault(&c.TalkTime, time.Second)
	setDefault(&c.MaxInFlight, 10_000)
	setDefault(&c.MaxRetained, 100_000)
	setDefault(&c.Retention, time.Hour)
	if len(c.Outcomes) == 0 {
		c.Outcomes = DefaultOutcomes()
	}
	if c.HTTPClient == nil {
		c.HTTPClient = defaultHTTPClient()
	}
	return c
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// defaultHTTPClient keeps many idle connections per host: at hundreds of
// calls per second nearly every callback goes to the same webhook host, and
// the standard two idle connections would open a socket per request.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: t, Timeout: 10 * time.Second}
}
