package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"scfm/gateway/internal/apiclient"
)

// runOptions tunes a callout run.
type runOptions struct {
	attempts  int
	retryBusy bool
	rate      float64
	from      string
	url       string
}

// runReport says what a run did.
type runReport struct {
	calloutID int64
	prior     int
	rounds    []int64
	left      int64
}

// runCommand is `scfm callouts run ID`.
func (a *app) runCommand() *cobra.Command {
	var opts runOptions

	cmd := &cobra.Command{
		Use:   "run ID",
		Short: "Call every participant of a running callout, with retries",
		Long: `Call every participant of a running callout through batch operations, and
call again those whose last call failed, until nobody is left to retry or
each participation has had --attempts calls.

Each attempt creates one call for every participation not called yet or
whose last call failed or errored (also busy or not answered with
--retry-busy), queues those calls, and waits until none of the callout's
calls is in flight. Attempts made by earlier runs (the callout's earlier
phone call creation batch operations) count towards --attempts.

Prints the attempts and the callout's summary.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("callout", args[0])
			if err != nil {
				return err
			}
			if err := opts.check(); err != nil {
				return err
			}

			c, err := a.client()
			if err != nil {
				return err
			}

			report, err := a.runCallout(cmd.Context(), c, id, opts)
			if err != nil {
				return err
			}

			return a.printRun(cmd.Context(), c, report)
		},
	}
	a.runFlags(cmd, &opts)

	return cmd
}

// runFlags adds the flags of a run to cmd.
func (a *app) runFlags(cmd *cobra.Command, opts *runOptions) {
	f := cmd.Flags()
	f.IntVar(&opts.attempts, "attempts", 3, "calls per participation at most")
	f.BoolVar(&opts.retryBusy, "retry-busy", false,
		"also call again participations whose last call was busy or not answered")
	f.Float64Var(&opts.rate, "rate", 0,
		"queue at most this many calls per second (0: as the account's dialer paces them)")
	f.StringVar(&opts.from, "from", "1234", "caller id of the calls (remote_request_params[from])")
	f.StringVar(&opts.url, "call-url", "",
		"voice URL of the calls (default: this system's webhook plays the call flow logic)")
}

// check refuses options a run cannot use.
func (o runOptions) check() error {
	if o.attempts < 1 || o.rate < 0 {
		return usageError{errors.New("--attempts must be at least 1, and --rate not negative")}
	}

	return nil
}

// retryStatuses returns the last-call statuses that make a participation
// due for another call.
func (o runOptions) retryStatuses() string {
	if o.retryBusy {
		return "failed,errored,busy,not_answered"
	}

	return "failed,errored"
}

// runCallout runs the attempts of a callout.
func (a *app) runCallout(
	ctx context.Context, c *apiclient.Client, id int64, opts runOptions,
) (runReport, error) {
	report := runReport{calloutID: id}

	callout, err := c.Callout(ctx, id)
	if err != nil {
		return report, err
	}
	if callout.Status != "running" {
		return report, fmt.Errorf("callout %d is %s: start or resume it first", id, callout.Status)
	}
	if err := requireProvider(ctx, c); err != nil {
		return report, err
	}

	if report.prior, err = priorAttempts(ctx, c, id); err != nil {
		return report, err
	}

	// Calls an interrupted run left behind are finished first, so that the
	// next attempt sees their outcome.
	if err := a.settle(ctx, c, id, opts); err != nil {
		return report, err
	}

	for attempt := report.prior + 1; attempt <= opts.attempts; attempt++ {
		s, err := c.Summary(ctx, id)
		if err != nil {
			return report, err
		}
		if s.Status != "running" {
			queued := s.PhoneCalls.InFlight - s.PhoneCalls.ByStatus["created"]
			return report, notRunningError(id, s.Status, queued)
		}

		before := s.PhoneCalls.Total
		created, err := a.createCalls(ctx, c, id, attempt, opts)
		if err != nil {
			return report, err
		}
		if created == 0 {
			// Nobody is due. Calls someone else created (a run beside
			// this one) may still be in flight: the run ends when they
			// do, so that what it reports is their outcome. They count
			// as this attempt: calling again would go past --attempts.
			if err := a.awaitOthers(ctx, c, id); err != nil {
				return report, err
			}
			break
		}
		report.rounds = append(report.rounds, created)

		label := fmt.Sprintf("attempt %d", attempt)
		if _, err := a.queueCalls(ctx, c, id, label, opts); err != nil {
			return report, err
		}

		if err := a.waitCalls(ctx, c, id, created, before+created, label+": calls finished"); err != nil {
			return report, err
		}
	}

	report.left, err = c.Count(ctx, "/api/callout_participations", url.Values{
		"q[callout_id]":                     {strconv.FormatInt(id, 10)},
		"q[no_phone_calls_or_last_attempt]": {opts.retryStatuses()},
	})

	return report, err
}

// priorAttempts counts the callout's phone call creation operations that
// created calls, finished or not: each creates at most one call per
// participation, so no participation has had more attempts than that.
func priorAttempts(ctx context.Context, c *apiclient.Client, id int64) (int, error) {
	var ops []apiclient.BatchOperation
	err := c.Each(ctx, "/api/callouts/"+strconv.FormatInt(id, 10)+"/batch_operations",
		url.Values{"q[type]": {apiclient.PhoneCallCreate}}, func(raw json.RawMessage) error {
			var op apiclient.BatchOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				return fmt.Errorf("decode batch operation: %w", err)
			}
			if op.Type == apiclient.PhoneCallCreate {
				ops = append(ops, op)
			}
			return nil
		})
	if err != nil {
		return 0, err
	}

	n := 0
	for _, op := range ops {
		created, err := batchResults(ctx, c, op, "phone_calls")
		if err != nil {
			return 0, err
		}
		if created > 0 {
			n++
		}
	}

	return n, nil
}

// settle queues calls that were created but never queued and waits until
// no call of the callout is in flight.
func (a *app) settle(ctx context.Context, c *apiclient.Client, id int64, opts runOptions) error {
	s, err := c.Summary(ctx, id)
	if err != nil || s.PhoneCalls.InFlight == 0 {
		return err
	}

	if s.PhoneCalls.ByStatus["created"] > 0 {
		if _, err := a.queueCalls(ctx, c, id, "earlier calls", opts); err != nil {
			return err
		}
	}

	return a.waitCalls(ctx, c, id, s.PhoneCalls.InFlight, 0, "earlier calls finished")
}

// awaitOthers waits until no call of the callout is in flight.
func (a *app) awaitOthers(ctx context.Context, c *apiclient.Client, id int64) error {
	s, err := c.Summary(ctx, id)
	if err != nil || s.PhoneCalls.InFlight == 0 {
		return err
	}

	return a.waitCalls(ctx, c, id, s.PhoneCalls.InFlight, 0, "other calls finished")
}

// remoteParams returns the provider request parameters of new calls.
func (o runOptions) remoteParams() map[string]any {
	p := map[string]any{"from": o.from}
	if strings.TrimSpace(o.url) != "" {
		p["url"] = o.url
	}

	return p
}

// requireProvider refuses to run for an account that names no voice
// provider: every call would end errored, after being paced like any other.
func requireProvider(ctx context.Context, c *apiclient.Client) error {
	acct, err := c.OwnAccount(ctx)
	if err != nil {
		return err
	}
	if p, _ := acct.Settings["platform_provider_name"].(string); p != "" {
		return nil
	}
	return fmt.Errorf("account %d has no voice provider: set settings[platform_provider_name] "+
		"(simulator, twilio or somleng) with PATCH /api/account first", acct.ID)
}
