package run

import (
	"context"
	"errors"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"scfm/batches/internal/projection"
	"scfm/batches/internal/query"
	b "scfm/shared/contract/batchesv1"
	"scfm/shared/eventstore"
)

// record appends one event of typ, with the payload data builds, to the
// operation's stream if the operation is still in the run op is in (else
// errGone: it was deleted or requeued).
func (r *Runner) record(ctx context.Context, op query.Op, data func() any, typ string) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		var version int64
		var run int
		err := tx.QueryRow(ctx, `SELECT version, run FROM batch_operations WHERE id = $1 FOR UPDATE`, op.ID).
			Scan(&version, &run)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && run != op.Run) {
			return errGone
		}
		if err != nil {
			return err
		}
		md := eventstore.Metadata{CommandID: uuid.Must(uuid.NewV7()).String(), AccountID: op.AccountID}
		ev := eventstore.New(b.AggregateBatchOperation, strconv.FormatInt(op.ID, 10), version+1, typ,
			data(), md)
		if err := projection.Apply(ctx, tx, ev); err != nil {
			return err
		}
		return eventstore.Append(ctx, tx, ev)
	})
}
