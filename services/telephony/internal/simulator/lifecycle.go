package simulator

import (
	"errors"
	"math"
	"time"
)

var (
	// errSaturated means MaxInFlight calls are already playing.
	errSaturated = errors.New("too many calls in flight")
	// errClosed means the server is closing.
	errClosed = errors.New("simulator closed")
)

// start stores c and plays it in the background until it ends with outcome.
func (s *Server) start(c call, h hooks, outcome string) error {
	select {
	case s.sem <- struct{}{}:
	default:
		return errSaturated
	}
	s.lifeMu.Lock()
	if s.closed {
		s.lifeMu.Unlock()
		<-s.sem
		return errClosed
	}
	s.wg.Add(1)
	s.lifeMu.Unlock()

	s.store.add(c)
	s.counters.inFlight.Add(1)
	go s.play(c, h, outcome)
	return nil
}

// play walks c through its timeline, updating the stored call and calling
// the application at each step. Steps are timed from the call's creation, so
// a slow webhook delays later callbacks but not the timeline itself.
func (s *Server) play(c call, h hooks, outcome string) {
	defer s.wg.Done()
	defer func() {
		s.counters.inFlight.Add(-1)
		<-s.sem
	}()

	duration := 0
	if outcome == StatusCompleted {
		duration = int(math.Ceil(s.cfg.TalkTime.Seconds()))
	}
	seq := 0
	for _, st := range timeline(s.cfg, outcome) {
		if !s.sleep(time.Until(c.created.Add(s.scale(st.at)))) {
			return
		}
		cur, ok := s.store.advance(c.sid, st, time.Now(), duration)
		if !ok {
			return
		}
		if isFinal(st.status) {
			s.counters.outcomes[st.status].Add(1)
		}
		if st.status == statusInProgress && h.voiceURL != "" {
			s.requestVoice(cur, h)
		}
		if h.statusURL != "" && h.events.has(st) {
			s.sendStatus(cur, st, h, seq)
			seq++
		}
	}
}

// sleep waits for d, or returns false early if the server closes.
func (s *Server) sleep(d time.Duration) bool {
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}
