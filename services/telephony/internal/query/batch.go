package query

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"scfm/shared/batchops"
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
	"scfm/telephony/internal/known"
)

// QueueFrom joins a phone call to its participation and callout, as the
// selection of a queue or fetch operation reads them.
const QueueFrom = `phone_calls pc
	JOIN known_participations kp ON kp.id = pc.callout_participation_id
	JOIN known_callouts kk ON kk.id = pc.callout_id`

// QueueSelection adds the conditions that select the calls a queue or
// fetch operation acts on: outbound calls (those with a participation)
// matching the operation's phone call, participation and callout filters.
// The caller adds the account.
func QueueSelection(b *filter.Builder, sel batchops.Selection) {
	b.Where("kp.id IS NOT NULL AND kk.id IS NOT NULL")
	PhoneCallFilter(b, sel.PhoneCallFilter)
	ParticipationFilter(b, sel.ParticipationFilter)
	CalloutFilter(b, sel.CalloutFilter)
}

// Batch answers the batches service's questions about an account's phone
// calls: previews and results of operations, throttling counts, and how far
// the copy of the callouts data has come.
type Batch struct {
	db eventstore.Querier
}

// NewBatch returns the batch queries over db.
func NewBatch(db eventstore.Querier) Batch { return Batch{db: db} }

// PhoneCalls answers a page (or, with Exists, the presence) of the calls a
// queue or fetch operation would act on, or of those an operation created,
// queued or fetched, exactly like the phone call listing with the
// operation's condition added. Other types and modes have no phone calls
// here: 404.
func (q Batch) PhoneCalls(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var pq batchops.PageQuery
	if err := decodeNumbers(req.Data, &pq); err != nil {
		return reply.BadRequest("base", "is invalid"), nil
	}
	cond, ok := operationCondition(pq.Mode, pq.Selection)
	if !ok {
		return reply.NotFound(), nil
	}

	res := PhoneCalls(q.db)
	res.Filter = func(b *filter.Builder, qq map[string]any) {
		PhoneCallFilter(b, qq)
		cond(b)
	}
	if !pq.Exists {
		return res.List(ctx, req)
	}

	var b filter.Builder
	if found, err := res.Scope(ctx, req, pq.Request, &b); err != nil || !found {
		return reply.NotFound(), err
	}
	res.Filter(&b, pq.Q)
	var exists bool
	err := q.db.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+res.From+" WHERE "+b.SQL()+")",
		b.Args()...).Scan(&exists)
	if err != nil {
		return reply.Reply{}, fmt.Errorf("batch phone calls exist: %w", err)
	}
	return reply.JSON(200, batchops.ExistsResult{Exists: exists}), nil
}

// operationCondition returns what narrows the phone call listing to an
// operation's preview or results; ok is false when the operation has none.
func operationCondition(mode batchops.Mode, sel batchops.Selection) (func(*filter.Builder), bool) {
	switch mode {
	case batchops.Preview:
		if sel.Type != batchops.PhoneCallQueue && sel.Type != batchops.PhoneCallQueueRemoteFetch {
			return nil, false
		}
		return func(b *filter.Builder) { QueueSelection(b, sel) }, true
	case batchops.Results:
		column, ok := map[string]string{
			batchops.PhoneCallCreate:           "pc.create_batch_operation_id",
			batchops.PhoneCallQueue:            "pc.queue_batch_operation_id",
			batchops.PhoneCallQueueRemoteFetch: "pc.queue_remote_fetch_batch_operation_id",
		}[sel.Type]
		if !ok {
			return nil, false
		}
		return func(b *filter.Builder) { b.Where(column + " = " + b.Arg(sel.OperationID)) }, true
	}
	return nil, false
}

// maxPeriodHours bounds a throttling period (over a century), so an absurd
// value counts everything instead of overflowing the interval.
const maxPeriodHours = 1_000_000

// PeriodCount answers how many of the account's calls have the attribute
// (remotely_queued_at unless created_at or updated_at is named) within the
// last hours (0 hours: an empty period), counting only the statuses given, if any.
func (q Batch) PeriodCount(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var pc batchops.PeriodCount
	if err := decodeNumbers(req.Data, &pc); err != nil {
		return reply.BadRequest("base", "is invalid"), nil
	}
	column := "remotely_queued_at"
	if pc.Attribute == "created_at" || pc.Attribute == "updated_at" {
		column = pc.Attribute
	}
	hours := pc.Hours // the batches service sends 24 when none was given
	hours = min(max(hours, -maxPeriodHours), maxPeriodHours)

	var b filter.Builder
	b.Where("account_id = " + b.Arg(req.AccountID))
	b.Where(column + " > now() - " + b.Arg(hours) + "::bigint * interval '1 hour'")
	var statuses []string
	for _, s := range pc.Statuses {
		if s = strings.TrimSpace(s); s != "" {
			statuses = append(statuses, s)
		}
	}
	if len(statuses) > 0 {
		b.Where("status = ANY(" + b.Arg(Statuses(statuses)) + "::text[])")
	}

	var n int64
	err := q.db.QueryRow(ctx, "SELECT count(*) FROM phone_calls WHERE "+b.SQL(), b.Args()...).Scan(&n)
	if err != nil {
		return reply.Reply{}, fmt.Errorf("count phone calls in period: %w", err)
	}
	return reply.JSON(200, batchops.PeriodCountResult{Count: n}), nil
}

// Position answers the last callouts log position the copy of the
// callouts data has applied.
func (q Batch) Position(ctx context.Context, _ natsbus.Request) (reply.Reply, error) {
	pos, err := known.Position(ctx, q.db)
	if err != nil {
		return reply.Reply{}, err
	}
	return reply.JSON(200, batchops.PositionResult{Position: pos}), nil
}

// decodeNumbers reads a payload keeping the numbers of filters as written.
func decodeNumbers(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}
