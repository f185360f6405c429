package simulator

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Server is the simulator: an http.Handler for the REST API plus the
// goroutines that play calls and send their callbacks.
type Server struct {
	cfg      Config
	log      *slog.Logger
	accounts *accounts
	store    *store
	picker   picker
	counters *counters
	sem      chan struct{} // one slot per running call
	handler  http.Handler

	failMu  sync.Mutex
	failRNG *rand.Rand

	// ctx ends when Close is called; running calls and callbacks watch it.
	ctx    context.Context
	cancel context.CancelFunc
	// lifeMu orders starting calls against Close, so that no call is added
	// to wg once Close waits on it.
	lifeMu sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// NewServer returns a running simulator configured by cfg, logging to log
// (nil discards). It panics if cfg is invalid (see Config.Validate); Run
// validates first and returns the error instead. Close releases its
// goroutines.
func NewServer(cfg Config, log *slog.Logger) *Server {
	if err := cfg.Validate(); err != nil {
		panic("simulator: invalid config: " + err.Error())
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:      cfg,
		log:      log.With("component", "telephony.simulator"),
		accounts: newAccounts(cfg.CallsPerSecond),
		store:    newStore(cfg.Retention, cfg.MaxRetained),
		picker:   makePicker(cfg.Seed, cfg.Outcomes, cfg.OutcomeByTo),
		counters: newCounters(),
		sem:      make(chan struct{}, cfg.MaxInFlight),
		failRNG:  rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed)),
		ctx:      ctx,
		cancel:   cancel,
	}
	s.handler = s.routes()

	s.wg.Add(1)
	go s.janitor()
	return s
}

// Handler returns the REST API handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops every running call and callback and waits for their
// goroutines. Calls cut short keep the status they had. Close is idempotent.
func (s *Server) Close() {
	s.lifeMu.Lock()
	s.closed = true
	s.lifeMu.Unlock()
	s.cancel()
	s.wg.Wait()
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{account}/Calls.json", s.createCall)
	mux.HandleFunc("GET /2010-04-01/Accounts/{account}/Calls.json", s.listCalls)
	mux.HandleFunc("GET /2010-04-01/Accounts/{account}/Calls/{call}", s.fetchCall)
	mux.HandleFunc("GET /simulator/stats", s.serveStats)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		respondError(w, http.StatusNotFound, codeNotFound,
			"The requested resource "+r.URL.Path+" was not found")
	})
	return mux
}

// janitor forgets expired calls until Close.
func (s *Server) janitor() {
	defer s.wg.Done()
	every := min(max(s.cfg.Retention/10, 10*time.Millisecond), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-tick.C:
			s.store.evict(now)
		}
	}
}

// authorize authenticates r for the account in its path and applies failure
// injection. It answers r itself and returns false when r must stop here.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (*account, bool) {
	acc, ok := s.accounts.authenticate(r, r.PathValue("account"))
	if !ok {
		s.counters.unauthorized.Add(1)
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		respondError(w, http.StatusUnauthorized, codeAuthenticate, "Authenticate")
		return nil, false
	}
	if s.injectFailure() {
		s.counters.injected.Add(1)
		respondError(w, http.StatusInternalServerError, codeInternal,
			"Internal Server Error (injected by the simulator)")
		return nil, false
	}
	return acc, true
}

func (s *Server) injectFailure() bool {
	if s.cfg.FailureRate <= 0 {
		return false
	}
	s.failMu.Lock()
	defer s.failMu.Unlock()
	return s.failRNG.Float64() < s.cfg.FailureRate
}

// scale converts a configured delay into real time.
func (s *Server) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.cfg.TimeScale)
}
