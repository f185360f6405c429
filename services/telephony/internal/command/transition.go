package command

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"scfm/shared/commands"
	tel "scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/telephony/internal/projection"
)

// Remote is what the dialer or a provider callback learned about a call.
type Remote struct {
	CallID        *string
	Status        *string
	Direction     *string
	ErrorMessage  *string
	QueuedAt      *time.Time
	QueueResponse map[string]any
	Response      map[string]any
}

// Change decides a call's next status from its current one; ok false
// leaves the call as it is.
type Change func(status string) (next string, ok bool)

// Transition moves call id (of any account) forward in its own
// transaction, recording what is known of the provider's side, and reports
// whether it moved. It serves the dialer and provider callbacks, which act
// for the system rather than for a client request.
func (h *Handlers) Transition(ctx context.Context, id int64, change Change, remote Remote) (bool, error) {
	moved := false
	req := natsbus.Request{ID: uuid.Must(uuid.NewV7()).String()}
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		rec := commands.NewRecorder(tx, req, projection.Apply)
		var err error
		if moved, err = h.transitionTx(ctx, tx, rec, id, change, remote); err != nil || !moved {
			return err
		}
		return eventstore.Append(ctx, tx, rec.Events()...)
	})
	return moved, err
}

// Step is one call's move in a TransitionMany.
type Step struct {
	ID     int64
	Change Change
	Remote Remote
}

// TransitionMany applies steps in one transaction, so a batch of calls
// costs one commit and one hold of the append lock; it returns the ids of
// the calls that moved. The dialer uses it for its hot path.
func (h *Handlers) TransitionMany(ctx context.Context, steps []Step) ([]int64, error) {
	// Rows are locked in id order, so two batches never wait on each other
	// in a circle.
	steps = slices.Clone(steps)
	slices.SortFunc(steps, func(a, b Step) int { return cmp.Compare(a.ID, b.ID) })
	var moved []int64
	req := natsbus.Request{ID: uuid.Must(uuid.NewV7()).String()}
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		moved = moved[:0]
		rec := commands.NewRecorder(tx, req, projection.Apply)
		for _, s := range steps {
			ok, err := h.transitionTx(ctx, tx, rec, s.ID, s.Change, s.Remote)
			if err != nil {
				return err
			}
			if ok {
				moved = append(moved, s.ID)
			}
		}
		return eventstore.Append(ctx, tx, rec.Events()...)
	})
	return moved, err
}

// transitionTx is Transition inside tx, recording with rec.
func (h *Handlers) transitionTx(
	ctx context.Context, tx pgx.Tx, rec *commands.Recorder, id int64, change Change, remote Remote,
) (bool, error) {
	c, found, err := loadCall(ctx, tx, 0, id)
	if err != nil || !found {
		return false, err
	}
	next, ok := change(c.status)
	if !ok {
		return false, nil
	}
	return true, h.move(ctx, rec, c, next, remote)
}

// move records c's move to next, c being the call as loaded (and locked)
// in rec's transaction.
func (h *Handlers) move(ctx context.Context, rec *commands.Recorder, c call, next string, remote Remote) error {
	c.apply(remote)
	ev := c.statusEvent(next, h.clock(), rec)
	ev.Private = commands.MustJSON(projection.StatusDetail{
		RemoteResponse: encodeOrNil(remote.Response), RemoteQueueResponse: encodeOrNil(remote.QueueResponse),
	})
	return rec.Record(ctx, ev)
}

// apply copies what is known of the provider's side onto c.
func (c *call) apply(r Remote) {
	if r.CallID != nil {
		c.remoteID = r.CallID
	}
	if r.Status != nil {
		c.remoteStatus = r.Status
	}
	if r.Direction != nil {
		c.remoteDirection = r.Direction
	}
	if r.ErrorMessage != nil {
		c.remoteError = r.ErrorMessage
	}
	if r.QueuedAt != nil {
		c.remotelyQueuedAt = r.QueuedAt
	}
}

func encodeOrNil(m map[string]any) []byte {
	if m == nil {
		return nil
	}
	return commands.MustJSON(m)
}

// DropOrphans deletes, inside tx, the calls of a deleted participation that
// were never queued: they were created in a race with the deletion and
// would otherwise outlive it.
func (h *Handlers) DropOrphans(ctx context.Context, tx pgx.Tx, participationID int64) error {
	rows, err := tx.Query(ctx, `SELECT id, account_id FROM phone_calls
		WHERE callout_participation_id = $1 AND status = 'created' ORDER BY id`, participationID)
	if err != nil {
		return err
	}
	type orphan struct{ id, account int64 }
	var orphans []orphan
	for rows.Next() {
		var o orphan
		if err := rows.Scan(&o.id, &o.account); err != nil {
			rows.Close()
			return err
		}
		orphans = append(orphans, o)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	req := natsbus.Request{ID: uuid.Must(uuid.NewV7()).String()}
	rec := commands.NewRecorder(tx, req, projection.Apply)
	for _, o := range orphans {
		c, found, err := loadCall(ctx, tx, o.account, o.id)
		if err != nil || !found {
			return err
		}
		ev := eventstore.New(
			tel.AggregatePhoneCall,
			strconv.FormatInt(c.id, 10),
			c.version+1,
			tel.PhoneCallDeleted,
			tel.PhoneCallDeletedV1{
				ID: c.id, AccountID: c.accountID, CalloutParticipationID: c.participationID, DeletedAt: h.clock(),
			},
			rec.Metadata(),
		)
		if err := rec.Record(ctx, ev); err != nil {
			return err
		}
	}
	return eventstore.Append(ctx, tx, rec.Events()...)
}
