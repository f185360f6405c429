package simulator

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// call is what the simulator remembers of a call: only what the call
// resource shows. Webhook URLs live in the goroutine playing the call and are
// gone when it ends.
type call struct {
	sid        string
	accountSid string
	to         string
	from       string
	status     string
	created    time.Time
	updated    time.Time
	started    time.Time // zero until dialing starts
	ended      time.Time // zero until the call ends
	duration   int       // seconds, meaningful once ended
}

// finished records when a call ended, for retention.
type finished struct {
	sid string
	at  time.Time
}

// store holds calls by SID. Running calls are bounded by the in-flight
// semaphore and finished ones by retention and maxRetained.
type store struct {
	mu          sync.RWMutex
	calls       map[string]*call
	done        []finished // in order of ending; done[head:] are retained
	head        int
	retention   time.Duration
	maxRetained int
}

func newStore(retention time.Duration, maxRetained int) *store {
	return &store{calls: map[string]*call{}, retention: retention, maxRetained: maxRetained}
}

func (s *store) add(c call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[c.sid] = &c
}

// get returns a copy of the call sid of account, if it is known.
func (s *store) get(account, sid string) (call, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.calls[sid]
	if !ok || c.accountSid != account {
		return call{}, false
	}
	return *c, true
}

// advance moves the call sid to st's status at now and returns a copy of it.
func (s *store) advance(sid string, st step, now time.Time, duration int) (call, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.calls[sid]
	if !ok {
		return call{}, false
	}
	c.status, c.updated = st.status, now
	switch {
	case st.event == eventInitiated:
		c.started = now
	case isFinal(st.status):
		c.ended, c.duration = now, duration
		s.done = append(s.done, finished{sid: sid, at: now})
		s.evictLocked(now)
	}
	return *c, true
}

// evict forgets finished calls older than the retention period.
func (s *store) evict(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evictLocked(now)
}

func (s *store) evictLocked(now time.Time) {
	for s.head < len(s.done) {
		oldest := s.done[s.head]
		if len(s.done)-s.head <= s.maxRetained && now.Sub(oldest.at) < s.retention {
			break
		}
		delete(s.calls, oldest.sid)
		s.done[s.head] = finished{}
		s.head++
	}
	// Reclaim the consumed front once it is most of the slice.
	if s.head > 1024 && s.head*2 > len(s.done) {
		s.done = append(s.done[:0], s.done[s.head:]...)
		s.head = 0
	}
}

// size returns how many calls the store holds, running or finished.
func (s *store) size() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.calls)
}

// listFilter selects calls for list. Zero fields match everything; the time
// bounds apply to the call's start time, or its creation time if it has not
// started.
type listFilter struct {
	account string
	to      string
	from    string
	status  string
	after   time.Time // inclusive
	before  time.Time // inclusive
}

func (f listFilter) match(c *call) bool {
	at := c.started
	if at.IsZero() {
		at = c.created
	}
	return c.accountSid == f.account &&
		(f.to == "" || c.to == f.to) &&
		(f.from == "" || c.from == f.from) &&
		(f.status == "" || c.status == f.status) &&
		(f.after.IsZero() || !at.Before(f.after)) &&
		(f.before.IsZero() || !at.After(f.before))
}

// list returns copies of the calls f selects, newest first.
func (s *store) list(f listFilter) []call {
	s.mu.RLock()
	var out []call
	for _, c := range s.calls {
		if f.match(c) {
			out = append(out, *c)
		}
	}
	s.mu.RUnlock()

	slices.SortFunc(out, func(a, b call) int {
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return strings.Compare(a.sid, b.sid)
	})
	return out
}
