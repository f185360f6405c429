package simulator

import (
	"net/http"
	"sync/atomic"
)

// Stats is a snapshot of a Server's counters since it was created.
type Stats struct {
	// Creates counts calls created (201).
	Creates int64 `json:"creates"`
	// RateLimited counts creates refused with 429 by CallsPerSecond.
	RateLimited int64 `json:"rate_limited"`
	// Saturated counts creates refused with 429 because MaxInFlight calls
	// were running.
	Saturated int64 `json:"saturated"`
	// InjectedFailures counts requests failed with 500 by FailureRate.
	InjectedFailures int64 `json:"injected_failures"`
	// Unauthorized counts requests refused with 401.
	Unauthorized int64 `json:"unauthorized"`
	// InFlight is the number of calls whose timeline is running.
	InFlight int64 `json:"in_flight"`
	// Retained is the number of calls fetch and list can see.
	Retained int `json:"retained"`
	// CallbacksSent counts status callbacks the receiver accepted.
	CallbacksSent int64 `json:"callbacks_sent"`
	// CallbacksFailed counts status callbacks given up on after retries or a
	// 4xx answer.
	CallbacksFailed int64 `json:"callbacks_failed"`
	// VoiceRequests counts voice URL requests the receiver accepted.
	VoiceRequests int64 `json:"voice_requests"`
	// VoiceFailures counts voice URL requests given up on.
	VoiceFailures int64 `json:"voice_failures"`
	// Outcomes counts finished calls by final status.
	Outcomes map[string]int64 `json:"outcomes"`
}

// counters are the live counters behind Stats.
type counters struct {
	creates, rateLimited, saturated, injected, unauthorized atomic.Int64
	inFlight                                                atomic.Int64
	callbacksSent, callbacksFailed                          atomic.Int64
	voiceRequests, voiceFailures                            atomic.Int64
	outcomes                                                map[string]*atomic.Int64
}

func newCounters() *counters {
	c := &counters{outcomes: map[string]*atomic.Int64{}}
	for _, name := range finalStatuses() {
		c.outcomes[name] = new(atomic.Int64)
	}
	return c
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	c := s.counters
	st := Stats{
		Creates:          c.creates.Load(),
		RateLimited:      c.rateLimited.Load(),
		Saturated:        c.saturated.Load(),
		InjectedFailures: c.injected.Load(),
		Unauthorized:     c.unauthorized.Load(),
		InFlight:         c.inFlight.Load(),
		Retained:         s.store.size(),
		CallbacksSent:    c.callbacksSent.Load(),
		CallbacksFailed:  c.callbacksFailed.Load(),
		VoiceRequests:    c.voiceRequests.Load(),
		VoiceFailures:    c.voiceFailures.Load(),
		Outcomes:         map[string]int64{},
	}
	for name, n := range c.outcomes {
		st.Outcomes[name] = n.Load()
	}
	return st
}

// serveStats answers GET /simulator/stats, for load reports taken from a
// simulator running in another process.
func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	respondJSON(w, http.StatusOK, s.Stats())
}
