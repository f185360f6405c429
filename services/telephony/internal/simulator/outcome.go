package simulator

import (
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// picker draws a call's outcome from the configured weights. The draw is a
// pure function of the seed and the call SID, so replaying a SID with the
// same seed gives the same outcome.
type picker struct {
	seed    uint64
	names   []string
	upTo    []int // upTo[i] is the sum of the weights of names[:i+1]
	forced  map[string]string
	weights int
}

func makePicker(seed int64, weights map[string]int, forced map[string]string) picker {
	p := picker{seed: uint64(seed), forced: forced}
	for _, name := range finalStatuses() {
		if w := weights[name]; w > 0 {
			p.weights += w
			p.names = append(p.names, name)
			p.upTo = append(p.upTo, p.weights)
		}
	}
	return p
}

// pick returns the final status of the call sid placed to to.
func (p picker) pick(sid, to string) string {
	if name, ok := p.forced[to]; ok {
		return name
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(sid))
	n := rand.New(rand.NewPCG(p.seed, h.Sum64())).IntN(p.weights)
	for i, limit := range p.upTo {
		if n < limit {
			return p.names[i]
		}
	}
	return p.names[len(p.names)-1]
}

// step is one moment of a call's timeline: at offset at after creation the
// call takes status (what fetch shows) and fires event (what the status
// callback's CallStatus says; they differ only for "initiated", which the
// call resource shows as "queued").
type step struct {
	at     time.Duration
	status string
	event  string
}

// callStatus is the CallStatus the step's status callback carries.
func (s step) callStatus() string {
	if s.event != "" {
		return s.event
	}
	return s.status
}

const (
	statusQueued     = "queued"
	statusRinging    = "ringing"
	statusInProgress = "in-progress"
	eventInitiated   = "initiated"
)

// timeline returns the unscaled steps of a call that ends with outcome.
func timeline(cfg Config, outcome string) []step {
	initiated := step{at: cfg.InitiateAfter, status: statusQueued, event: eventInitiated}
	ringing := step{at: max(cfg.RingAfter, cfg.InitiateAfter), status: statusRinging}
	answerAt := max(cfg.AnswerAfter, ringing.at)
	end := func(at time.Duration) step { return step{at: at, status: outcome} }

	switch outcome {
	case StatusCompleted:
		answered := step{at: answerAt, status: statusInProgress}
		return []step{initiated, ringing, answered, end(answerAt + cfg.TalkTime)}
	case StatusNoAnswer:
		return []step{initiated, ringing, end(answerAt + cfg.TalkTime)}
	case StatusFailed:
		return []step{initiated, end(ringing.at)}
	default: // busy and canceled end when the call would have been answered
		return []step{initiated, ringing, end(answerAt)}
	}
}
