package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"scfm/batches/internal/operation"
	"scfm/batches/internal/owners"
	"scfm/batches/internal/query"
	"scfm/shared/batchops"
	b "scfm/shared/contract/batchesv1"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/contract/telephonyv1"
	"scfm/shared/natsbus"
)

// errGone stops a run whose operation was deleted or requeued elsewhere.
var errGone = errors.New("batch operation changed under the run")

// drive takes operation id from queued or running to finished.
func (r *Runner) drive(ctx context.Context, id int64) error {
	op, found, err := query.LoadOp(ctx, r.pool, 0, id, "")
	if err != nil || !found {
		return err
	}
	call := natsbus.Call{AccountID: op.AccountID}
	if op.Status == b.StatusQueued {
		if op, err = r.start(ctx, call, op); err != nil {
			return err
		}
	}
	if op.Status != b.StatusRunning {
		return nil
	}
	if errs := operation.Check(op.Type, op.Params, true); len(errs) > 0 {
		msg := fmt.Sprintf("parameters cannot be run: %v", map[string][]string(errs))
		return r.finish(ctx, op, &msg)
	}
	if op.Type != batchops.CalloutPopulation {
		if err := r.awaitTelephony(ctx, op); err != nil {
			return err
		}
	}
	return r.steps(ctx, call, op)
}

// start records the beginning of a run: the limit it applies and how many
// rows its selection holds now.
func (r *Runner) start(ctx context.Context, call natsbus.Call, op query.Op) (query.Op, error) {
	count := func(ctx context.Context, q batchops.PeriodCount) (int64, error) {
		return r.owners.PeriodCount(ctx, call, q)
	}
	var limit, expected *int64
	err := r.retry(ctx, op, func() error {
		var err error
		if limit, err = operation.AppliedLimit(ctx, op.Type, op.Params, count); err != nil {
			return err
		}
		q := batchops.PageQuery{Mode: batchops.Preview, Selection: op.Selection()}
		n, err := r.owners.Count(ctx, call, previewOf(op.Type), q)
		if err != nil {
			return err
		}
		if limit != nil && *limit < n {
			n = *limit
		}
		expected = &n
		return nil
	})
	if err != nil {
		return op, err
	}
	err = r.record(ctx, op, func() any {
		return b.StartedV1{
			ID: op.ID, AccountID: op.AccountID, Run: op.Run, Status: b.StatusRunning,
			AppliedLimit: limit, Expected: expected, UpdatedAt: r.clock(),
		}
	}, b.Started)
	op.Status, op.Limit = b.StatusRunning, limit
	return op, err
}

// minStepRows is the smallest step a failing step shrinks to.
const minStepRows = 100

// steps sends the run's steps until one says nothing is left or the limit
// is reached.
func (r *Runner) steps(ctx context.Context, call natsbus.Call, op query.Op) error {
	rows := r.cfg.StepRows[op.Type]
	for {
		n := rows
		if op.Limit != nil {
			left := *op.Limit - op.Selected
			if left <= 0 {
				return r.finish(ctx, op, nil)
			}
			n = int(min(int64(n), left))
		}
		s := batchops.Step{
			Selection: op.Selection(), Run: op.Run, After: op.After, Limit: n,
		}
		if op.Type == batchops.PhoneCallCreate {
			s.RemoteRequestParams, _ = op.Params.Hash("remote_request_params")
		}
		call.ID = batchops.StepID(op.ID, op.Run, op.After)

		var res batchops.StepResult
		tries := 0
		err := r.retry(ctx, op, func() error {
			// A step that failed (most often: it outlasted the owner's
			// deadline on a loaded machine) is sent again smaller. Its id
			// stays the same: if the first try did finish, its answer is
			// the one that counts, and it says how far it got.
			if tries > 0 {
				s.Limit = max(min(s.Limit, minStepRows), s.Limit/2)
			}
			tries++
			var err error
			res, err = r.owners.Step(ctx, call, commandOf(op.Type), s)
			return err
		})
		var rejected *owners.Rejection
		if errors.As(err, &rejected) {
			msg := rejected.Error()
			return r.finish(ctx, op, &msg)
		}
		if err != nil {
			return err
		}

		op.After, op.Selected, op.Applied = res.Last, op.Selected+int64(res.Selected), op.Applied+int64(res.Applied)
		err = r.record(ctx, op, func() any {
			return b.ProgressedV1{
				ID: op.ID, AccountID: op.AccountID, Run: op.Run, After: op.After,
				Selected: op.Selected, Applied: op.Applied, UpdatedAt: r.clock(),
			}
		}, b.Progressed)
		if err != nil {
			return err
		}
		op.Error = nil
		if res.Done {
			return r.finish(ctx, op, nil)
		}
	}
}

// finish records the end of the run, with why it stopped early if it did.
func (r *Runner) finish(ctx context.Context, op query.Op, reason *string) error {
	return r.record(ctx, op, func() any {
		return b.FinishedV1{
			ID: op.ID, AccountID: op.AccountID, Run: op.Run, Status: b.StatusFinished,
			Selected: op.Selected, Applied: op.Applied, Error: reason, UpdatedAt: r.clock(),
		}
	}, b.Finished)
}

// awaitTelephony waits until the telephony service has applied every
// callouts event recorded before now, so the run sees the participations
// and callout statuses a client just created or changed.
func (r *Runner) awaitTelephony(ctx context.Context, op query.Op) error {
	var want int64
	if err := r.retry(ctx, op, func() error {
		var err error
		want, err = r.owners.Position(ctx, calloutsv1.Service)
		return err
	}); err != nil {
		return err
	}
	waited := time.Duration(0)
	for {
		var have int64
		if err := r.retry(ctx, op, func() error {
			var err error
			have, err = r.owners.Position(ctx, telephonyv1.Service)
			return err
		}); err != nil {
			return err
		}
		if have >= want {
			return nil
		}
		if waited == 30*time.Second {
			r.stalled(ctx, &op, fmt.Sprintf("waiting for telephony to catch up with callouts "+
				"(position %d of %d)", have, want))
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
		waited += 100 * time.Millisecond
	}
}

// retry runs fn until it succeeds, is rejected, or ctx ends; failures are
// recorded on the operation (once per distinct message) and retried with a
// growing pause.
func (r *Runner) retry(ctx context.Context, op query.Op, fn func() error) error {
	pause := 500 * time.Millisecond
	for {
		err := fn()
		var rejected *owners.Rejection
		if err == nil || errors.As(err, &rejected) || ctx.Err() != nil {
			return err
		}
		r.log.Warn("batch operation step failed; retrying", "batch_operation_id", op.ID,
			"run", op.Run, "err", err)
		r.stalled(ctx, &op, err.Error())
		if err := sleep(ctx, pause); err != nil {
			return err
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// stalled records a failure message unless it is the one already shown.
func (r *Runner) stalled(ctx context.Context, op *query.Op, msg string) {
	if op.Error != nil && *op.Error == msg {
		return
	}
	err := r.record(ctx, *op, func() any {
		return b.StalledV1{ID: op.ID, AccountID: op.AccountID, Run: op.Run, Error: msg, UpdatedAt: r.clock()}
	}, b.Stalled)
	if err == nil {
		op.Error = &msg
	}
}

func previewOf(typ string) string {
	switch typ {
	case batchops.CalloutPopulation:
		return batchops.QueryContacts
	case batchops.PhoneCallCreate:
		return batchops.QueryParticipations
	}
	return batchops.QueryPhoneCalls
}

func commandOf(typ string) string {
	switch typ {
	case batchops.CalloutPopulation:
		return batchops.CommandPopulate
	case batchops.PhoneCallCreate:
		return batchops.CommandCreateCalls
	}
	return batchops.CommandQueueCalls
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func (r *Runner) clock() time.Time { return r.now().UTC().Truncate(time.Microsecond) }
