// Package callout holds the rules of callouts: the campaigns whose
// participants are called.
package callout

// Statuses of a callout. A new callout is initialized.
const (
	Initialized = "initialized"
	Running     = "running"
	Paused      = "paused"
	Stopped     = "stopped"
)

// transitions maps each event to the statuses it may leave and the status
// it enters.
func transitions() map[string]struct {
	from []string
	to   string
} {
	return map[string]struct {
		from []string
		to   string
	}{
		"start":  {[]string{Initialized}, Running},
		"pause":  {[]string{Running}, Paused},
		"resume": {[]string{Paused, Stopped}, Running},
		"stop":   {[]string{Running, Paused}, Stopped},
	}
}

// Fire returns the status event leads to from status; ok is false when the
// event is unknown or has no transition from status.
func Fire(status, event string) (next string, ok bool) {
	t, known := transitions()[event]
	if !known {
		return "", false
	}
	for _, f := range t.from {
		if f == status {
			return t.to, true
		}
	}
	return "", false
}

// EventType is the event name recorded for a callout event, e.g.
// "callout.started".
func EventType(event string) string {
	switch event {
	case "start":
		return "callout.started"
	case "pause":
		return "callout.paused"
	case "resume":
		return "callout.resumed"
	default:
		return "callout.stopped"
	}
}
