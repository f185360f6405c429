package natsbus

import (
	"strconv"

	"github.com/nats-io/nats.go"

	"scfm/shared/reply"
)

// Header names carried by commands, queries and replies.
const (
	HeaderReplyTo       = "Reply-To"
	HeaderAccountID     = "Account-Id"
	HeaderSuperAdmin    = "Super-Admin"
	HeaderCorrelationID = "Correlation-Id"
	HeaderTraceparent   = "traceparent"
	HeaderStatus        = "Status"
	HeaderLocation      = "Location"
	HeaderTotal         = "Total"
	HeaderEventType     = "Event-Type"
	HeaderVersion       = "Aggregate-Version"
	HeaderCausationID   = "Causation-Id"
)

// ReplyMsg encodes r as a message to subject: status, location and total in
// headers, the JSON body as data.
func ReplyMsg(subject string, r reply.Reply) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Header.Set(HeaderStatus, strconv.Itoa(r.Status))
	if r.Location != "" {
		m.Header.Set(HeaderLocation, r.Location)
	}
	if r.Total >= 0 {
		m.Header.Set(HeaderTotal, strconv.FormatInt(r.Total, 10))
	}
	m.Data = r.Body
	return m
}

// DecodeReply reads a reply message. A message without a status (for
// example a "no responders" notice) decodes as 503.
func DecodeReply(m *nats.Msg) reply.Reply {
	status, err := strconv.Atoi(m.Header.Get(HeaderStatus))
	if err != nil || status == 0 {
		return reply.Unavailable()
	}
	r := reply.Reply{Status: status, Location: m.Header.Get(HeaderLocation), Total: -1, Body: m.Data}
	if t := m.Header.Get(HeaderTotal); t != "" {
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			r.Total = n
		}
	}
	return r
}

// Request is an inbound command or query as a service sees it.
type Request struct {
	// ID is the command id (Nats-Msg-Id); empty for queries.
	ID string
	// Name is the subject after "<service>.cmd." or "<service>.qry.",
	// e.g. "contact.create".
	Name string
	// AccountID is the authenticated account the request acts for.
	AccountID int64
	// SuperAdmin tells whether that account holds the super_admin
	// permission, as the gateway established when it authenticated.
	SuperAdmin bool
	// CorrelationID ties the request to the client call that caused it.
	CorrelationID string
	// Header holds every header, for handlers that need more.
	Header nats.Header
	// Data is the JSON payload.
	Data []byte
}

func newRequest(m *nats.Msg, prefix string) Request {
	acct, _ := strconv.ParseInt(m.Header.Get(HeaderAccountID), 10, 64)
	name := m.Subject
	if len(name) > len(prefix) {
		name = name[len(prefix):]
	}
	return Request{
		ID:            m.Header.Get(nats.MsgIdHdr),
		Name:          name,
		AccountID:     acct,
		SuperAdmin:    m.Header.Get(HeaderSuperAdmin) == "true",
		CorrelationID: m.Header.Get(HeaderCorrelationID),
		Header:        m.Header,
		Data:          m.Data,
	}
}
