package command

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"scfm/shared/batchops"
	"scfm/shared/commands"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
	"scfm/telephony/internal/projection"
)

// maxStepRows caps the rows one batch step acts on, whatever limit it asks
// for, so a step's events stay a few megabytes and it ends well within a
// handler's time. A step capped this way answers Done false, and the next
// step resumes after its last row.
const maxStepRows = 5000

// decideStep decides one step in tx and sums up what it did.
type decideStep func(
	ctx context.Context, tx pgx.Tx, rec *commands.Recorder, step batchops.Step,
) (batchops.StepResult, error)

// batchStep is the frame of a batch operation step: decode and check the
// step (check adds what is wrong with it to errs), then decide it once per
// command id. Steps run outside the batcher, which serialises its
// transactions: a step holding locks on thousands of rows would stall
// every single-call command queued behind it.
func (h *Handlers) batchStep(
	ctx context.Context, req natsbus.Request, check func(batchops.Step, reply.Errors), decide decideStep,
) (reply.Reply, error) {
	var step batchops.Step
	if r, ok := commands.Decode(req.Data, &step); !ok {
		return r, nil
	}
	errs := reply.Errors{}
	checkStep(step, errs)
	check(step, errs)
	if len(errs) > 0 {
		return reply.Invalid(errs), nil
	}
	step.Limit = min(step.Limit, maxStepRows)

	runner := commands.Runner{Pool: h.pool, Project: projectedAlready}
	run := func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder) (reply.Reply, error) {
		res, err := decide(ctx, tx, rec, step)
		if err != nil {
			return reply.Reply{}, err
		}
		return reply.JSON(200, res), nil
	}
	return runner.Run(ctx, req, run)
}

// checkStep adds to errs what is wrong with any step: the batches service
// never sends such a step, so it is refused rather than guessed at.
func checkStep(step batchops.Step, errs reply.Errors) {
	if step.OperationID <= 0 {
		errs.Add("operation_id", "must be greater than 0")
	}
	if step.Limit <= 0 {
		errs.Add("limit", "must be greater than 0")
	}
	if step.After < 0 {
		errs.Add("after", "must be greater than or equal to 0")
	}
}

// checkType adds an error to errs unless the step's type is one of types.
func checkType(step batchops.Step, errs reply.Errors, types ...string) {
	if !slices.Contains(types, step.Type) {
		errs.Add("type", msgNotIncluded)
	}
}

// stepResult sums up a step that selected the rows ids (ascending).
func stepResult(step batchops.Step, ids []int64, applied int) batchops.StepResult {
	last := step.After
	if len(ids) > 0 {
		last = ids[len(ids)-1]
	}
	return batchops.StepResult{
		Selected: len(ids), Applied: applied, Last: last, Done: len(ids) < step.Limit,
	}
}

// projectedAlready is the projection of the batch runner: a step projects
// its events itself, all in one round trip (see project), before it hands
// them to the recorder.
func projectedAlready(context.Context, pgx.Tx, eventstore.Event) error { return nil }

// project applies events to the read tables with the service's own
// projection, sending its statements to the database together: one round
// trip for a whole step instead of one per event.
func project(ctx context.Context, tx pgx.Tx, events []eventstore.Event) error {
	queued := &queuedTx{Tx: tx}
	for _, e := range events {
		if err := projection.Apply(ctx, queued, e); err != nil {
			return err
		}
	}
	if queued.batch.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, &queued.batch).Close(); err != nil {
		return fmt.Errorf("project batch step: %w", err)
	}
	return nil
}

// queuedTx is a transaction whose Exec calls are queued rather than sent;
// the projection only writes, so it never needs their results.
type queuedTx struct {
	pgx.Tx
	batch pgx.Batch
}

// Exec queues sql.
func (q *queuedTx) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	q.batch.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}
