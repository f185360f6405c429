package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"

	tel "scfm/shared/contract/telephonyv1"
	"scfm/telephony/internal/command"
	"scfm/telephony/internal/provider"
)

// leaderLock is the advisory lock whose holder is the one active dispatcher:
// pacing is per account, so only one replica may pace at a time.
const leaderLock = `SELECT pg_try_advisory_lock(hashtextextended('telephony.dispatcher', 0))`

// Dispatcher dials queued calls.
type Dispatcher struct {
	cfg   Config
	pool  *pgxpool.Pool
	cmds  *command.Handlers
	creds jetstream.KeyValue
	log   *slog.Logger

	limiters map[int64]*rate.Limiter
	// cycle is how long the last dispatch cycle took, start to start.
	cycle   time.Duration
	sem     chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	dialing map[int64]bool // calls this process is dialling now
	// outcomes carries provider answers to the recorder, which records
	// them in batches: one commit for many calls.
	outcomes chan command.Step
	// publicOnly is the transport for provider URLs accounts set.
	publicOnly http.RoundTripper
	// transport is the transport for the provider URLs this service is
	// configured with.
	transport http.RoundTripper
}

// New returns a dispatcher; creds is the private credentials bucket.
func New(
	cfg Config,
	pool *pgxpool.Pool,
	cmds *command.Handlers,
	creds jetstream.KeyValue,
	log *slog.Logger,
) *Dispatcher {
	cfg = cfg.withDefaults()
	return &Dispatcher{
		cfg: cfg, pool: pool, cmds: cmds, creds: creds, log: log.With("component", "dispatcher"),
		limiters: map[int64]*rate.Limiter{}, sem: make(chan struct{}, cfg.Workers),
		dialing: map[int64]bool{}, outcomes: make(chan command.Step, cfg.Workers*4),
		publicOnly: provider.PublicOnly(), transport: provider.Transport(),
	}
}

// Run dispatches until ctx ends, once this replica holds the leader lock.
// In-flight provider requests finish before it returns.
func (d *Dispatcher) Run(ctx context.Context) error {
	recorded := make(chan struct{})
	go func() { d.record(); close(recorded) }()
	defer func() {
		d.wg.Wait() // every dial has handed over its outcome
		close(d.outcomes)
		<-recorded
	}()
	for ctx.Err() == nil {
		err := d.lead(ctx)
		if ctx.Err() != nil {
			return nil
		}
		d.log.WarnContext(ctx, "dispatcher lost its database session; retrying", "err", err)
		pause(ctx, time.Second)
	}
	return nil
}

// lead waits for the leader lock on a dedicated connection and dispatches
// while it holds it.
func (d *Dispatcher) lead(ctx context.Context) error {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	for {
		var got bool
		if err := conn.QueryRow(ctx, leaderLock).Scan(&got); err != nil {
			return err
		}
		if got {
			break
		}
		pause(ctx, 2*time.Second)
		if ctx.Err() != nil {
			return nil
		}
	}
	defer func() {
		// Closing the session frees the lock for another replica.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
	}()
	d.log.InfoContext(ctx, "dispatcher leading")

	lastReconcile, lastTick := time.Time{}, time.Time{}
	for ctx.Err() == nil {
		if err := conn.Ping(ctx); err != nil {
			return fmt.Errorf("leader session: %w", err)
		}
		if time.Since(lastReconcile) > d.cfg.ReconcileAfter/2 {
			if err := d.reconcile(ctx); err != nil {
				d.log.WarnContext(ctx, "reconcile dispatching calls", "err", err)
			}
			lastReconcile = time.Now()
		}
		now := time.Now()
		if !lastTick.IsZero() {
			d.cycle = now.Sub(lastTick)
		}
		lastTick = now
		if err := d.tick(ctx); err != nil && ctx.Err() == nil {
			d.log.WarnContext(ctx, "dispatch tick", "err", err)
		}
		if err := d.fetchAll(ctx); err != nil && ctx.Err() == nil {
			d.log.WarnContext(ctx, "remote fetch tick", "err", err)
		}
		pause(ctx, d.cfg.PollInterval)
	}
	return nil
}

// queued is a call waiting to be dialled.
type queued struct{ id, account int64 }

// maxTickCalls caps the calls one tick hands out per account, so that one
// tick's transition stays a modest transaction.
const maxTickCalls = 2000

// tick hands every account with queued calls as many as its pacing allows:
// the room it has at the provider and the tokens its limiter holds decide
// how many of its oldest queued calls are read. Accounts are served one by
// one, so a large backlog in one never hides another's calls, and a tick
// reads no more calls than it can dial.
func (d *Dispatcher) tick(ctx context.Context) error {
	accounts, err := queuedAccounts(ctx, d.pool)
	if err != nil {
		return err
	}

	var allowed []queued
	for _, account := range accounts {
		s, err := loadSettings(ctx, d.pool, account, d.cfg)
		if err != nil {
			return err
		}
		room, err := d.room(ctx, account, s)
		if err != nil {
			return err
		}
		l := d.limiter(account, s)
		n := min(room, int(l.Tokens()), maxTickCalls)
		if n <= 0 {
			continue
		}
		ids, err := oldestQueued(ctx, d.pool, account, n)
		if err != nil {
			return err
		}
		if len(ids) == 0 || !l.AllowN(time.Now(), len(ids)) {
			continue
		}
		for _, id := range ids {
			allowed = append(allowed, queued{id: id, account: account})
		}
	}
	return d.start(ctx, allowed)
}

// queuedAccounts lists the accounts with queued calls. It skips from one
// account to the next through the queued-calls index instead of reading
// every queued call.
func queuedAccounts(ctx context.Context, pool *pgxpool.Pool) ([]int64, error) {
	rows, err := pool.Query(ctx, `
		WITH RECURSIVE a (account_id) AS (
			(SELECT account_id FROM phone_calls WHERE status = 'queued' ORDER BY account_id LIMIT 1)
			UNION ALL
			SELECT (SELECT q.account_id FROM phone_calls q
				WHERE q.status = 'queued' AND q.account_id > a.account_id ORDER BY q.account_id LIMIT 1)
			FROM a WHERE a.account_id IS NOT NULL
		)
		SELECT account_id FROM a WHERE account_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("find accounts with queued calls: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// oldestQueued returns the ids of account's n oldest queued calls.
func oldestQueued(ctx context.Context, pool *pgxpool.Pool, account int64, n int) ([]int64, error) {
	rows, err := pool.Query(ctx, `
		SELECT id FROM phone_calls WHERE account_id = $1 AND status = 'queued' ORDER BY id LIMIT $2`,
		account, n)
	if err != nil {
		return nil, fmt.Errorf("read queued calls of account %d: %w", account, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// room is how many more calls account may have at the provider now.
func (d *Dispatcher) room(ctx context.Context, account int64, s settings) (int, error) {
	var busy int
	err := d.pool.QueryRow(ctx, `SELECT count(*) FROM phone_calls
		WHERE account_id = $1 AND status IN ('dispatching', 'remotely_queued', 'remote_fetch_queued', 'in_progress')`,
		account).Scan(&busy)
	return s.maxConcurrent - busy, err
}

// limiter returns account's calls-per-second limiter, refreshed with its
// current setting.
// The burst is what one dispatch cycle earns (the poll interval, or longer
// when a cycle's work takes longer, up to a second), so the rate is reached
// however long a cycle takes, and no second sends more than about twice it.
func (d *Dispatcher) limiter(account int64, s settings) *rate.Limiter {
	cycle := min(max(d.cycle, d.cfg.PollInterval), time.Second)
	burst := max(1, int(math.Ceil(s.cps*cycle.Seconds())))
	l, ok := d.limiters[account]
	if !ok {
		l = rate.NewLimiter(rate.Limit(s.cps), burst)
		d.limiters[account] = l
	} else if l.Limit() != rate.Limit(s.cps) || l.Burst() != burst {
		l.SetLimit(rate.Limit(s.cps))
		l.SetBurst(burst)
	}
	return l
}

// start records that calls are being dispatched, then dials each in the
// background. Recording comes first: a crash after it leaves dispatching
// calls that are reconciled, never queued calls dialled twice.
func (d *Dispatcher) start(ctx context.Context, calls []queued) error {
	if len(calls) == 0 {
		return nil
	}
	steps := make([]command.Step, len(calls))
	accounts := make(map[int64]int64, len(calls))
	for i, q := range calls {
		accounts[q.id] = q.account
		steps[i] = command.Step{ID: q.id, Change: func(status string) (string, bool) {
			return tel.StatusDispatching, status == tel.StatusQueued
		}}
	}
	moved, err := d.cmds.TransitionMany(ctx, steps)
	if err != nil {
		return err
	}
	// Settings and credentials are read once per account and cycle, not
	// once per call.
	clients := map[int64]accountClient{}
	for _, id := range moved {
		account := accounts[id]
		ac, ok := clients[account]
		if !ok {
			ac = d.clientFor(ctx, account)
			clients[account] = ac
		}
		d.launch(ctx, id, true, func(ctx context.Context) error { return d.dial(ctx, id, ac) })
	}
	return nil
}

// launch runs work for call id in the background, bounded by the worker
// pool. The call counts as in hand until work returns with an error, or,
// when work hands its outcome to the recorder (handsOver) and succeeds,
// until the recorder has written it: reconciliation must not take a call
// whose answer is on its way to the database.
func (d *Dispatcher) launch(ctx context.Context, id int64, handsOver bool, work func(context.Context) error) {
	d.mu.Lock()
	d.dialing[id] = true
	d.mu.Unlock()

	d.sem <- struct{}{}
	d.wg.Add(1)
	go func() {
		defer func() {
			<-d.sem
			d.wg.Done()
		}()
		err := work(context.WithoutCancel(ctx))
		if err != nil {
			d.log.Warn("provider request failed; the call will be reconciled or retried",
				"phone_call_id", id, "err", err)
		}
		if err != nil || !handsOver {
			d.release(id)
		}
	}()
}

// release marks call id as no longer in hand.
func (d *Dispatcher) release(ids ...int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range ids {
		delete(d.dialing, id)
	}
}

// record writes provider outcomes in batches until outcomes is closed.
// A batch that cannot be written leaves its calls dispatching, where
// reconciliation finds them.
func (d *Dispatcher) record() {
	for first := range d.outcomes {
		batch := []command.Step{first}
	drain:
		for len(batch) < 500 {
			select {
			case s, ok := <-d.outcomes:
				if !ok {
					break drain
				}
				batch = append(batch, s)
			default:
				break drain
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := d.cmds.TransitionMany(ctx, batch); err != nil {
			// A conflict with a concurrent writer (say a provider callback
			// about one of the calls) fails the whole batch: record each
			// call on its own instead.
			d.log.Debug(
				"provider outcomes batch failed; recording one by one",
				"count",
				len(batch),
				"err",
				err,
			)
			for _, s := range batch {
				if _, err := d.cmds.Transition(ctx, s.ID, s.Change, s.Remote); err != nil {
					d.log.Warn("provider outcome not recorded; the call will be reconciled",
						"phone_call_id", s.ID, "err", err)
				}
			}
		}
		cancel()
		for _, s := range batch {
			d.release(s.ID)
		}
	}
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// errNoProvider reports an account that names no usable provider.
var errNoProvider = errors.New("the account has no voice provider configured")
