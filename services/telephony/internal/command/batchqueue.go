package command

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"scfm/shared/batchops"
	"scfm/shared/commands"
	tel "scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
	"scfm/telephony/internal/domain/phonecall"
	"scfm/telephony/internal/projection"
	"scfm/telephony/internal/query"
)

// QueueCalls runs one step of a phone call queue or remote fetch: it
// selects the account's outbound calls the operation's filters match,
// after the step's cursor, and moves those in a status the operation acts
// on. A queue moves created calls to queued, for the dialer to pick up; a
// fetch moves remotely queued calls the provider named to
// remote_fetch_queued. Other selected calls are skipped and keep the batch
// operation ids they had.
func (h *Handlers) QueueCalls(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	check := func(step batchops.Step, errs reply.Errors) {
		checkType(step, errs, batchops.PhoneCallQueue, batchops.PhoneCallQueueRemoteFetch)
	}
	return h.batchStep(ctx, req, check, h.queueCalls(req.AccountID))
}

// queueCalls decides a queue or fetch step of account.
func (h *Handlers) queueCalls(account int64) decideStep {
	return func(
		ctx context.Context, tx pgx.Tx, rec *commands.Recorder, step batchops.Step,
	) (batchops.StepResult, error) {
		ids, err := selectCalls(ctx, tx, account, step)
		if err != nil || len(ids) == 0 {
			return stepResult(step, ids, 0), err
		}

		// The selection may be a moment old: each call moves, or not, by
		// its status once it is locked.
		calls, err := lockCalls(ctx, tx, account, ids)
		if err != nil {
			return batchops.StepResult{}, err
		}
		at := h.clock()
		var events []eventstore.Event
		for _, c := range calls {
			next, ok := batchMove(step.Type, c)
			if !ok {
				continue
			}
			ev, err := batchStatusEvent(c, next, step, at, rec)
			if err != nil {
				return batchops.StepResult{}, err
			}
			events = append(events, ev)
		}
		if err := rec.Record(ctx, events...); err != nil {
			return batchops.StepResult{}, err
		}
		return stepResult(step, ids, len(events)), project(ctx, tx, events)
	}
}

// batchMove decides where a queue or fetch operation moves call c. Unlike
// the API's queue_remote_fetch, a fetch operation leaves calls in progress
// alone, and skips calls the provider never named instead of answering
// them unchanged.
func batchMove(typ string, c call) (string, bool) {
	if typ == batchops.PhoneCallQueue {
		return phonecall.Queue(c.status)
	}
	if c.status != tel.StatusRemotelyQueued || c.remoteID == nil {
		return "", false
	}
	next, changed, ok := phonecall.QueueRemoteFetch(c.status, true)
	return next, changed && ok
}

// batchStatusEvent is c's status event for the move to next, naming the
// operation in its public payload and in the detail the projection stores.
func batchStatusEvent(
	c call, next string, step batchops.Step, at time.Time, rec *commands.Recorder,
) (eventstore.Event, error) {
	ev := c.statusEvent(next, at, rec)
	var d tel.PhoneCallStatusChangedV1
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return ev, fmt.Errorf("status event of phone call %d: %w", c.id, err)
	}
	op := step.OperationID
	d.BatchOperationID = &op
	ev.Data = commands.MustJSON(d)

	detail := projection.StatusDetail{QueueBatchID: &op}
	if step.Type == batchops.PhoneCallQueueRemoteFetch {
		detail = projection.StatusDetail{FetchBatchID: &op}
	}
	ev.Private = commands.MustJSON(detail)
	return ev, nil
}

// selectCalls returns the ids of the account's calls the step selects:
// outbound calls its phone call, participation and callout filters match,
// after its cursor, in id order, at most its limit.
func selectCalls(ctx context.Context, tx pgx.Tx, account int64, step batchops.Step) ([]int64, error) {
	var b filter.Builder
	b.Where("pc.account_id = " + b.Arg(account))
	b.Where("pc.id > " + b.Arg(step.After))
	query.QueueSelection(&b, step.Selection)
	sql := "SELECT pc.id FROM " + query.QueueFrom + " WHERE " + b.SQL() +
		" ORDER BY pc.id LIMIT " + b.Arg(step.Limit)
	return collectIDs(ctx, tx, "select phone calls", sql, b.Args()...)
}

// lockCalls locks the calls ids of account that still exist, in id order,
// and reads what their status events carry.
func lockCalls(ctx context.Context, tx pgx.Tx, account int64, ids []int64) ([]call, error) {
	rows, err := tx.Query(ctx, `
		SELECT pc.id, pc.callout_participation_id, pc.status, pc.remote_call_id, pc.remote_status,
			pc.remote_direction, pc.remote_error_message, pc.remotely_queued_at, pc.version
		FROM phone_calls pc
		WHERE pc.id = ANY($1) AND pc.account_id = $2
		ORDER BY pc.id FOR UPDATE`, ids, account)
	if err != nil {
		return nil, fmt.Errorf("lock phone calls: %w", err)
	}
	calls, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (call, error) {
		c := call{accountID: account}
		err := row.Scan(&c.id, &c.participationID, &c.status, &c.remoteID, &c.remoteStatus,
			&c.remoteDirection, &c.remoteError, &c.remotelyQueuedAt, &c.version)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("lock phone calls: %w", err)
	}
	return calls, nil
}
