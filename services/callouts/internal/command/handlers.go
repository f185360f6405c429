// Package command decides the callouts service's commands: each handler
// loads what it needs, checks the rules, and records events together with
// their projection and the command's answer in one transaction.
package command

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/callouts/internal/projection"
	"scfm/shared/callflow"
	"scfm/shared/commands"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Handlers decides commands against the service's database.
type Handlers struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	flows callflow.Registry
	// tokenChanged, when set, is told the hash of a token that was deleted
	// or changed owner, right after the commit, so gateways stop honouring
	// it at once instead of when the token feed catches up.
	tokenChanged func(ctx context.Context, hash string)
	// batcher, when set, runs commands that arrive together in one
	// transaction.
	batcher *eventstore.Batcher
}

// New returns handlers over pool; now is the clock (time.Now in
// production) and flows the accepted call flow logics.
func New(pool *pgxpool.Pool, now func() time.Time, flows callflow.Registry) *Handlers {
	return &Handlers{pool: pool, now: now, flows: flows}
}

// UseBatcher runs commands through b.
func (h *Handlers) UseBatcher(b *eventstore.Batcher) { h.batcher = b }

// OnTokenChange registers the hook told about deleted tokens.
func (h *Handlers) OnTokenChange(fn func(ctx context.Context, hash string)) { h.tokenChanged = fn }

// clock returns the current time at the database's precision, so the time
// in an event and the time in its projection are the same value.
func (h *Handlers) clock() time.Time { return h.now().UTC().Truncate(time.Microsecond) }

// decideFunc decides one attempt of a command in tx.
type decideFunc = commands.Decide

// recorder projects and keeps the events of the command being decided.
type recorder = commands.Recorder

// run executes decide once per command id.
func (h *Handlers) run(ctx context.Context, req natsbus.Request, decide decideFunc) (reply.Reply, error) {
	return h.runner().Run(ctx, req, decide)
}

// runFresh is run that also tells whether this call decided the command or
// found an earlier answer.
func (h *Handlers) runFresh(
	ctx context.Context,
	req natsbus.Request,
	decide decideFunc,
) (reply.Reply, bool, error) {
	return h.runner().RunFresh(ctx, req, decide)
}

// runAlone executes decide once per command id in a transaction of its
// own. Bulk commands (a population step, an import chunk) take long enough
// that sharing the batcher's transaction would hold up every other command
// queued behind them.
func (h *Handlers) runAlone(ctx context.Context, req natsbus.Request, decide decideFunc) (reply.Reply, error) {
	return commands.Runner{Pool: h.pool, Project: projection.Apply}.Run(ctx, req, decide)
}

func (h *Handlers) runner() commands.Runner {
	return commands.Runner{Pool: h.pool, Project: projection.Apply, Batcher: h.batcher}
}
