// Package command decides the batches service's commands: create, update
// and delete batch operations, and queue them to run. Validations that need
// the rows of other services (a callout of the account, a non-empty
// preview, the calls of a throttling period) ask those services first; the
// decision and its events are then recorded once per command id.
package command

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/batches/internal/owners"
	"scfm/batches/internal/projection"
	"scfm/shared/commands"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Handlers decides commands against the service's database.
type Handlers struct {
	pool   *pgxpool.Pool
	now    func() time.Time
	owners owners.Owners
	// queued, when set, is told after the commit that an operation was
	// queued, so the runner starts it at once instead of at its next look.
	queued func()
}

// New returns handlers over pool; now is the clock and own asks the owning
// services.
func New(pool *pgxpool.Pool, now func() time.Time, own owners.Owners) *Handlers {
	return &Handlers{pool: pool, now: now, owners: own}
}

// OnQueued registers the hook told about queued operations.
func (h *Handlers) OnQueued(fn func()) { h.queued = fn }

// clock returns the current time at the database's precision.
func (h *Handlers) clock() time.Time { return h.now().UTC().Truncate(time.Microsecond) }

func (h *Handlers) run(ctx context.Context, req natsbus.Request, decide commands.Decide) (reply.Reply, error) {
	return commands.Runner{Pool: h.pool, Project: projection.Apply}.Run(ctx, req, decide)
}

// answered returns the stored answer of a command executed before, so a
// redelivery is not validated again against rows that changed since.
func (h *Handlers) answered(ctx context.Context, req natsbus.Request) (reply.Reply, bool, error) {
	return eventstore.LookupAnswer(ctx, h.pool, req.ID)
}
