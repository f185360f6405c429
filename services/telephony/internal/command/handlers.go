// Package command decides the telephony service's phone call commands.
package command

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/shared/callflow"
	"scfm/shared/commands"
	"scfm/shared/eventstore"
	"scfm/telephony/internal/projection"
)

// Handlers decides commands against the service's database.
type Handlers struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	flows  callflow.Registry
	runner commands.Runner
	// knownWait is how long a command waits for the callouts service's data
	// (a participation just created) to reach this service's copy.
	knownWait time.Duration
}

// New returns handlers over pool; now is the clock and flows the accepted
// call flow logics.
func New(pool *pgxpool.Pool, now func() time.Time, flows callflow.Registry) *Handlers {
	return &Handlers{
		pool: pool, now: now, flows: flows,
		runner:    commands.Runner{Pool: pool, Project: projection.Apply},
		knownWait: 2 * time.Second,
	}
}

// UseBatcher runs commands through b.
func (h *Handlers) UseBatcher(b *eventstore.Batcher) { h.runner.Batcher = b }

// clock returns the current time at the database's precision.
func (h *Handlers) clock() time.Time { return h.now().UTC().Truncate(time.Microsecond) }

// waitFor polls found until it reports true or the known-data wait ends, so
// a client that creates a participation and at once a call for it does not
// get 404 while this service's copy catches up.
func (h *Handlers) waitFor(ctx context.Context, found func(context.Context) (bool, error)) (bool, error) {
	deadline := time.Now().Add(h.knownWait)
	for {
		ok, err := found(ctx)
		if err != nil || ok || time.Now().After(deadline) {
			return ok, err
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}
