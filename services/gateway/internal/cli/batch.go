package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"scfm/gateway/internal/apiclient"
)

// batchStall is how long a batch operation may show no change at all
// before waiting for it is given up: its run has most likely crashed.
const batchStall = 5 * time.Minute

// batchSpec describes one batch operation to create and run.
type batchSpec struct {
	calloutID  int64
	typ        string
	parameters map[string]any
	metadata   map[string]any
	label      string
}

// runBatch creates a batch operation, queues it and waits until it has
// finished, showing its progress.
func (a *app) runBatch(
	ctx context.Context, c *apiclient.Client, spec batchSpec,
) (apiclient.BatchOperation, error) {
	op, err := c.CreateBatch(ctx, spec.calloutID, spec.typ, spec.parameters, spec.metadata)
	if err != nil {
		return op, err
	}

	if _, err := c.QueueBatch(ctx, op.ID); err != nil {
		return op, err
	}

	return a.waitBatch(ctx, c, op.ID, fmt.Sprintf("%s (batch operation %d)", spec.label, op.ID))
}

// waitBatch polls a batch operation until it has finished.
func (a *app) waitBatch(
	ctx context.Context, c *apiclient.Client, id int64, label string,
) (apiclient.BatchOperation, error) {
	m := a.newMeter(label, -1, false)
	defer m.Done()

	var (
		seen    string
		changed = time.Now()
		every   = 50 * time.Millisecond
	)
	for {
		op, err := c.Batch(ctx, id)
		if err != nil {
			return op, err
		}

		done, total := progressOf(op)
		m.Set(done, total)

		if op.Status == apiclient.BatchFinished {
			return op, runError(op)
		}

		if state := fmt.Sprint(op.Status, done, total); state != seen {
			seen, changed = state, time.Now()
		}
		if time.Since(changed) > batchStall {
			return op, fmt.Errorf("batch operation %d has been %s without progress for %s",
				id, op.Status, batchStall)
		}

		if err := apiclient.Sleep(ctx, every); err != nil {
			return op, err
		}
		every = min(2*every, time.Second)
	}
}

// progressOf returns how many rows an operation has handled so far and how
// many it expects (-1 when unknown).
func progressOf(op apiclient.BatchOperation) (done, total int64) {
	p := op.Progress
	if p == nil {
		return 0, -1
	}

	done = value(p.Selected)
	if p.Selected == nil {
		done = value(p.Applied) + value(p.Skipped)
	}

	total = -1
	if p.Expected != nil {
		total = *p.Expected
	}

	return done, total
}

// runError reports a run that finished with an error.
func runError(op apiclient.BatchOperation) error {
	if op.Progress == nil || op.Progress.Error == nil || *op.Progress.Error == "" {
		return nil
	}

	return fmt.Errorf("batch operation %d (%s) failed: %s", op.ID, op.Type, *op.Progress.Error)
}

// batchResults counts the rows a finished operation produced, from its
// results listing (kind is "phone_calls" or "callout_participations"); when
// the listing is not served it falls back to the run's applied count.
func batchResults(
	ctx context.Context, c *apiclient.Client, op apiclient.BatchOperation, kind string,
) (int64, error) {
	n, err := c.Count(ctx, apiclient.BatchPath(op.ID)+"/"+kind, nil)

	var refused *apiclient.APIError
	if errors.As(err, &refused) && refused.NotFound() && op.Progress != nil &&
		op.Progress.Applied != nil {
		return *op.Progress.Applied, nil
	}

	return n, err
}

// value returns *p, or 0 for nil.
func value(p *int64) int64 {
	if p == nil {
		return 0
	}

	return *p
}
