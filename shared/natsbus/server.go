package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/reply"
)

// Handler answers one command or query. A nil error means r is the answer
// (including validation failures, which are answers too). An error means the
// request could not be handled now: a command is redelivered later and the
// caller is told 503 meanwhile.
type Handler func(ctx context.Context, req Request) (r reply.Reply, err error)

// ServerConfig tunes a Server.
type ServerConfig struct {
	// Service is the owning service's name, e.g. "callouts".
	Service string
	// Workers bounds concurrent handlers per kind (commands, queries).
	// Default 16.
	Workers int
	// CommandWorkers, when set, bounds concurrent command handlers instead
	// of Workers. A service whose commands mostly wait for a shared batch
	// transaction (holding no connection meanwhile) needs more of them than
	// it has connections: the more wait, the larger each batch.
	CommandWorkers int
	// HandlerTimeout bounds one handler call. Default 20s; while it runs
	// the command is kept in progress, so it is not redelivered meanwhile.
	HandlerTimeout time.Duration
	// MaxDeliver bounds deliveries of a failing command. Default 10.
	MaxDeliver int
}

// Server consumes a service's commands from its durable JetStream consumer
// and answers its queries on a core NATS queue group.
type Server struct {
	cfg      ServerConfig
	nc       *nats.Conn
	js       jetstream.JetStream
	names    Names
	log      *slog.Logger
	commands map[string]Handler
	queries  map[string]Handler
	wg       sync.WaitGroup
	consume  jetstream.ConsumeContext
	sub      *nats.Subscription
}

// NewServer returns a server for cfg.Service. Register handlers with
// HandleCommand and HandleQuery before Start.
func NewServer(nc *nats.Conn, js jetstream.JetStream, n Names, cfg ServerConfig, log *slog.Logger) *Server {
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.CommandWorkers <= 0 {
		cfg.CommandWorkers = cfg.Workers
	}
	if cfg.HandlerTimeout <= 0 {
		cfg.HandlerTimeout = 20 * time.Second
	}
	if cfg.MaxDeliver <= 0 {
		cfg.MaxDeliver = 10
	}
	return &Server{
		cfg: cfg, nc: nc, js: js, names: n,
		log:      log.With("component", "natsbus.server"),
		commands: map[string]Handler{},
		queries:  map[string]Handler{},
	}
}

// HandleCommand registers h for the command name ("contact.create").
func (s *Server) HandleCommand(name string, h Handler) { s.commands[name] = h }

// HandleQuery registers h for the query name ("contact.get").
func (s *Server) HandleQuery(name string, h Handler) { s.queries[name] = h }

// Start begins consuming commands and answering queries.
func (s *Server) Start(ctx context.Context) error {
	if err := s.startQueries(); err != nil {
		return err
	}
	return s.startCommands(ctx)
}

// Stop stops taking new requests and waits for in-flight handlers up to
// ctx's deadline. Unfinished commands are redelivered to another replica.
func (s *Server) Stop(ctx context.Context) {
	if s.sub != nil {
		_ = s.sub.Drain()
	}
	if s.consume != nil {
		s.consume.Stop()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("stopped before in-flight handlers finished")
	}
}

func (s *Server) startQueries() error {
	prefix := s.names.Subject(s.cfg.Service + ".qry.")
	sem := make(chan struct{}, s.cfg.Workers)
	sub, err := s.nc.QueueSubscribe(prefix+">", s.cfg.Service, func(m *nats.Msg) {
		sem <- struct{}{}
		s.wg.Add(1)
		go func() {
			defer func() { <-sem; s.wg.Done() }()
			s.serveQuery(m, prefix)
		}()
	})
	if err != nil {
		return fmt.Errorf("subscribe queries: %w", err)
	}
	s.sub = sub
	return nil
}

func (s *Server) serveQuery(m *nats.Msg, prefix string) {
	req := newRequest(m, prefix)
	h, ok := s.queries[req.Name]
	var r reply.Reply
	if !ok {
		r = reply.NotFound()
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.HandlerTimeout)
		var err error
		r, err = h(ctx, req)
		cancel()
		if err != nil {
			s.log.Error("query failed", "query", req.Name, "err", err)
			r = reply.Unavailable()
		}
	}
	if m.Reply == "" {
		return
	}
	if err := m.RespondMsg(ReplyMsg(m.Reply, s.fit(r))); err != nil {
		s.log.Warn("query reply not sent", "query", req.Name, "err", err)
	}
}

func (s *Server) startCommands(ctx context.Context) error {
	stream := s.names.CommandStream(s.cfg.Service)
	cons, err := s.js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable:       s.cfg.Service + "-commands",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       commandAckWait,
		MaxDeliver:    s.cfg.MaxDeliver,
		MaxAckPending: s.cfg.CommandWorkers * 4,
	})
	if err != nil {
		return fmt.Errorf("ensure command consumer: %w", err)
	}

	prefix := s.names.Subject(s.cfg.Service + ".cmd.")
	sem := make(chan struct{}, s.cfg.CommandWorkers)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		busy := keepInProgress(m)
		sem <- struct{}{}
		s.wg.Add(1)
		go func() {
			defer func() { <-sem; s.wg.Done() }()
			defer busy()
			s.serveCommand(m, prefix)
		}()
	}, jetstream.PullMaxMessages(s.cfg.CommandWorkers*2), jetstream.ConsumeErrHandler(
		func(_ jetstream.ConsumeContext, err error) {
			if !errors.Is(err, jetstream.ErrNoHeartbeat) {
				s.log.Debug("command consumer", "err", err)
			}
		}))
	if err != nil {
		return fmt.Errorf("consume commands: %w", err)
	}
	s.consume = cc
	return nil
}

// commandAckWait is how long the server waits for a command's ack before
// delivering it again. It is short, so a command held by a service that
// crashed is soon handled by another (or the restarted) one; while a
// command waits for a worker or runs, keepInProgress extends it.
const commandAckWait = 10 * time.Second

// keepInProgress tells the server every few seconds that m is still being
// handled, until the returned stop is called.
func keepInProgress(m jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(commandAckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = m.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

func (s *Server) serveCommand(m jetstream.Msg, prefix string) {
	req := newRequest(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()}, prefix)
	replyTo := m.Headers().Get(HeaderReplyTo)
	meta, _ := m.Metadata()
	log := s.log.With("command", req.Name, "command_id", req.ID)

	h, ok := s.commands[req.Name]
	if !ok || req.ID == "" {
		log.Warn("command dropped: unknown name or missing id")
		s.respond(replyTo, reply.NotFound())
		_ = m.TermWithReason("unknown command")
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.HandlerTimeout)
	r, err := h(ctx, req)
	cancel()
	if err == nil {
		// Ack before answering: once the client has its answer the command
		// must not run again (it would only find its stored answer).
		if aerr := m.DoubleAck(context.Background()); aerr != nil {
			log.Warn("command ack failed; a redelivery will find the stored answer", "err", aerr)
		}
		s.respond(replyTo, r)
		return
	}

	s.respond(replyTo, reply.Unavailable())
	if meta != nil && meta.NumDelivered >= uint64(s.cfg.MaxDeliver) {
		log.Error("command failed on its last delivery", "err", err,
			"delivery_attempt", meta.NumDelivered)
		_ = m.TermWithReason("failed on every delivery")
		return
	}
	attempt := uint64(1)
	if meta != nil {
		attempt = meta.NumDelivered
	}
	log.Warn("command failed; will be redelivered", "err", err, "delivery_attempt", attempt)
	_ = m.NakWithDelay(time.Duration(attempt) * 500 * time.Millisecond)
}

func (s *Server) respond(subject string, r reply.Reply) {
	if subject == "" {
		return
	}
	r = s.fit(r)
	if err := s.nc.PublishMsg(ReplyMsg(subject, r)); err != nil {
		s.log.Warn("command reply not sent", "err", err)
	}
}

// fit replaces an answer too large for one NATS message with a 422 that
// tells the client to ask for fewer rows, instead of an error that no retry
// could cure.
func (s *Server) fit(r reply.Reply) reply.Reply {
	if int64(len(r.Body)) <= s.nc.MaxPayload()-4096 {
		return r
	}
	return reply.Invalid1("per_page", "gives an answer too large to send; ask for fewer rows")
}
