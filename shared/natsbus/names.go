// Package natsbus carries commands, queries, replies and events over NATS:
// JetStream streams for commands and events, core request/reply for queries.
package natsbus

import "strings"

// Names derives subject, stream and bucket names from an optional prefix,
// so several deployments or test runs can share one NATS server.
type Names struct {
	// Prefix is prepended to every name; empty in a normal deployment.
	Prefix string
}

// Subject returns s under the prefix: "callouts.cmd.contact.create" or
// "t1.callouts.cmd.contact.create".
func (n Names) Subject(s string) string {
	if n.Prefix == "" {
		return s
	}
	return n.Prefix + "." + s
}

// Stream returns the stream or bucket name for base, upper-cased under
// the prefix: "CALLOUTS_EVENTS" or "T1_CALLOUTS_EVENTS".
func (n Names) Stream(base string) string {
	if n.Prefix == "" {
		return base
	}
	return strings.ToUpper(n.Prefix) + "_" + base
}

// CommandSubject is the subject of command verb on aggregate of service.
func (n Names) CommandSubject(service, aggregate, verb string) string {
	return n.Subject(service + ".cmd." + aggregate + "." + verb)
}

// QuerySubject is the subject of query verb on model of service.
func (n Names) QuerySubject(service, model, verb string) string {
	return n.Subject(service + ".qry." + model + "." + verb)
}

// CommandStream is the JetStream stream holding service's commands.
func (n Names) CommandStream(service string) string {
	return n.Stream(strings.ToUpper(service) + "_COMMANDS")
}

// EventStream is the JetStream stream holding service's events.
func (n Names) EventStream(service string) string {
	return n.Stream(strings.ToUpper(service) + "_EVENTS")
}
