package cli

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"scfm/gateway/internal/apiclient"
)

// createCalls creates one call for every participation of the callout that
// is due for one, and returns how many it created.
func (a *app) createCalls(
	ctx context.Context, c *apiclient.Client, id int64, attempt int, opts runOptions,
) (int64, error) {
	op, err := a.runBatch(ctx, c, batchSpec{
		calloutID: id,
		typ:       apiclient.PhoneCallCreate,
		parameters: map[string]any{
			"remote_request_params": opts.remoteParams(),
			"callout_filter_params": map[string]any{"status": "running"},
			"callout_participation_filter_params": map[string]any{
				"callout_id":                     strconv.FormatInt(id, 10),
				"no_phone_calls_or_last_attempt": opts.retryStatuses(),
			},
			"skip_validate_preview_presence": true,
		},
		metadata: map[string]any{"created_by": "scfm callouts run", "attempt": attempt},
		label:    fmt.Sprintf("attempt %d: create calls", attempt),
	})
	if err != nil {
		return 0, err
	}

	return batchResults(ctx, c, op, "phone_calls")
}

// queueCalls queues the callout's created calls, all at once or, with a
// rate, in slices of one second's worth, and returns how many it queued.
func (a *app) queueCalls(
	ctx context.Context, c *apiclient.Client, id int64, label string, opts runOptions,
) (int64, error) {
	params := map[string]any{
		"phone_call_filter_params": map[string]any{"status": "created"},
		"callout_filter_params":    map[string]any{"status": "running"},
		"callout_participation_filter_params": map[string]any{
			"callout_id": strconv.FormatInt(id, 10),
		},
		"skip_validate_preview_presence": true,
	}

	slice := int64(0)
	if opts.rate > 0 {
		slice = max(1, int64(math.Round(opts.rate)))
		params["limit"] = slice
	}

	var queued int64
	for {
		began := time.Now()
		op, err := a.runBatch(ctx, c, batchSpec{
			calloutID: id, typ: apiclient.PhoneCallQueue, parameters: params,
			metadata: map[string]any{"created_by": "scfm callouts run"},
			label:    label + ": queue calls",
		})
		if err != nil {
			return queued, err
		}

		n, err := batchResults(ctx, c, op, "phone_calls")
		if err != nil {
			return queued, err
		}
		queued += n

		if slice == 0 || n < slice {
			return queued, nil
		}

		// A slice of rate calls may start once a second has passed since the
		// previous one.
		wait := time.Duration(float64(n)/opts.rate*float64(time.Second)) - time.Since(began)
		if err := apiclient.Sleep(ctx, max(wait, 0)); err != nil {
			return queued, err
		}
	}
}

// waitCalls waits until the callout's summary counts at least total calls
// and none of them in flight, showing how many of the expected calls have
// finished. The summary follows the telephony service's events, so calls
// just created can be missing from it for a moment: counting them first
// keeps that moment from looking like the end. A callout paused or stopped
// meanwhile ends the wait with an error.
func (a *app) waitCalls(
	ctx context.Context, c *apiclient.Client, id, expected, total int64, label string,
) error {
	m := a.newMeter(label, expected, false)
	defer m.Done()

	// Calls of the callout created by others can raise the count in flight;
	// what the meter shows as done never goes back.
	var done int64
	for {
		s, err := c.Summary(ctx, id)
		if err != nil {
			return err
		}

		inFlight := s.PhoneCalls.InFlight
		if s.PhoneCalls.Total >= total {
			done = max(done, expected-inFlight)
		}
		m.Set(done, max(expected, inFlight))
		if s.Status != "running" {
			return notRunningError(id, s.Status, inFlight-s.PhoneCalls.ByStatus["created"])
		}
		if inFlight == 0 && s.PhoneCalls.Total >= total {
			return nil
		}

		if err := apiclient.Sleep(ctx, 500*time.Millisecond); err != nil {
			return err
		}
	}
}

// notRunningError stops a run whose callout was paused or stopped under it.
// Pausing a callout does not stop calls already queued (the API's callout
// status only filters what batch operations select), so the error says how
// many still go out.
func notRunningError(id int64, status string, queued int64) error {
	return fmt.Errorf("callout %d is %s: the run stopped; %d calls already queued or in flight "+
		"still go out (queue with --rate to keep that short)", id, status, queued)
}

// printRun writes what a run did and the callout's summary.
func (a *app) printRun(ctx context.Context, c *apiclient.Client, r runReport) error {
	w := a.env.Stdout
	for i, n := range r.rounds {
		fmt.Fprintf(w, "attempt %d: %d calls\n", r.prior+i+1, n)
	}

	switch {
	case len(r.rounds) == 0 && r.left == 0:
		fmt.Fprintf(w, "callout %d: nobody left to call\n", r.calloutID)
	case r.left == 0:
		fmt.Fprintf(w, "callout %d: nobody left to call after %d attempt(s)\n", r.calloutID,
			r.prior+len(r.rounds))
	default:
		fmt.Fprintf(w, "callout %d: %d participations not reached in %d attempt(s); "+
			"a later run with more --attempts calls them again\n",
			r.calloutID, r.left, r.prior+len(r.rounds))
	}

	s, err := c.Summary(ctx, r.calloutID)
	if err != nil {
		return err
	}

	writeSummary(w, s)

	return nil
}
