package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"scfm/shared/reply"
)

// ErrTooLarge reports a request too large for one NATS message.
var ErrTooLarge = errors.New("natsbus: request too large")

// ErrTimeout reports that no answer arrived in time. The command may still
// complete later; the client should retry with the same idempotency key.
var ErrTimeout = errors.New("natsbus: no answer in time")

// Call describes one command or query a client sends.
type Call struct {
	// ID is the command id; ignored for queries.
	ID string
	// AccountID is the authenticated account.
	AccountID int64
	// SuperAdmin tells whether the account holds the super_admin permission.
	SuperAdmin bool
	// CorrelationID ties the call to the client request.
	CorrelationID string
	// Traceparent is the W3C trace context of the request, if any.
	Traceparent string
}

// Client sends commands and queries and waits for their answers. Command
// answers arrive on one wildcard inbox subscription per client, so a
// request costs no subscription of its own.
type Client struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	names   Names
	timeout time.Duration
	inbox   string
	sub     *nats.Subscription

	mu      sync.Mutex
	waiters map[string]chan reply.Reply
}

// NewClient returns a client whose calls wait at most timeout for answers.
func NewClient(nc *nats.Conn, js jetstream.JetStream, n Names, timeout time.Duration) (*Client, error) {
	c := &Client{
		nc: nc, js: js, names: n, timeout: timeout,
		inbox:   nats.NewInbox() + ".",
		waiters: map[string]chan reply.Reply{},
	}
	sub, err := nc.Subscribe(c.inbox+"*", c.deliver)
	if err != nil {
		return nil, fmt.Errorf("subscribe reply inbox: %w", err)
	}
	c.sub = sub
	return c, nil
}

// Close stops receiving answers.
func (c *Client) Close() error { return c.sub.Unsubscribe() }

func (c *Client) deliver(m *nats.Msg) {
	token := m.Subject[len(c.inbox):]
	c.mu.Lock()
	ch, ok := c.waiters[token]
	delete(c.waiters, token)
	c.mu.Unlock()
	if ok {
		ch <- DecodeReply(m)
	}
}

// Command publishes a command to service's stream and waits for its answer.
// If JetStream reports the command id as a duplicate, the first delivery's
// answer is fetched from the service instead: it will never be sent again.
func (c *Client) Command(
	ctx context.Context,
	service, aggregate, verb string,
	call Call,
	payload []byte,
) (reply.Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	token := nuid.Next()
	ch := make(chan reply.Reply, 1)
	c.mu.Lock()
	c.waiters[token] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, token)
		c.mu.Unlock()
	}()

	if int64(len(payload)) > c.nc.MaxPayload()-8192 {
		return reply.Reply{}, ErrTooLarge
	}
	m := nats.NewMsg(c.names.CommandSubject(service, aggregate, verb))
	m.Header.Set(nats.MsgIdHdr, call.ID)
	m.Header.Set(HeaderReplyTo, c.inbox+token)
	setCallHeaders(m, call)
	m.Data = payload
	ack, err := c.js.PublishMsg(ctx, m)
	if err != nil {
		return reply.Reply{}, fmt.Errorf("publish command: %w", err)
	}
	if ack.Duplicate {
		return c.storedAnswer(ctx, service, call)
	}

	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return reply.Reply{}, ctx.Err() // the caller went away
		}
		return reply.Reply{}, ErrTimeout
	}
}

// storedAnswer polls service for the answer of a command that was already
// published once, until it is recorded or ctx ends.
func (c *Client) storedAnswer(ctx context.Context, service string, call Call) (reply.Reply, error) {
	q, _ := json.Marshal(map[string]string{"command_id": call.ID})
	for {
		r, err := c.Query(ctx, service, "command", "answer", call, q)
		if err != nil {
			return r, err
		}
		if r.Status != http.StatusNotFound {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return reply.Reply{}, ErrTimeout
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Query asks service's read model and waits for the answer. No responding
// service is reported as a 503 answer, not an error.
func (c *Client) Query(
	ctx context.Context,
	service, model, verb string,
	call Call,
	payload []byte,
) (reply.Reply, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	m := nats.NewMsg(c.names.QuerySubject(service, model, verb))
	setCallHeaders(m, call)
	m.Data = payload
	resp, err := c.nc.RequestMsgWithContext(ctx, m)
	if errors.Is(err, nats.ErrNoResponders) {
		return reply.Unavailable(), nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return reply.Reply{}, ErrTimeout
	}
	if err != nil {
		return reply.Reply{}, fmt.Errorf("query %s.%s: %w", model, verb, err)
	}
	return DecodeReply(resp), nil
}

func setCallHeaders(m *nats.Msg, call Call) {
	if call.AccountID != 0 {
		m.Header.Set(HeaderAccountID, strconv.FormatInt(call.AccountID, 10))
	}
	if call.SuperAdmin {
		m.Header.Set(HeaderSuperAdmin, "true")
	}
	if call.CorrelationID != "" {
		m.Header.Set(HeaderCorrelationID, call.CorrelationID)
	}
	if call.Traceparent != "" {
		m.Header.Set(HeaderTraceparent, call.Traceparent)
	}
}
