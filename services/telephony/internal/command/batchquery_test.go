package command_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"scfm/shared/batchops"
	"scfm/shared/filter"
	"scfm/shared/reply"
	"scfm/telephony/internal/command"
)

// page asks the batch phone call query for q as account.
func (b *bundle) page(t *testing.T, account int64, q batchops.PageQuery) reply.Reply {
	t.Helper()

	r, err := b.batch.PhoneCalls(b.ctx, natsRequest(t, account, q))
	require.NoError(t, err)
	return r
}

// ids returns the ids of a listing answer.
func ids(t *testing.T, r reply.Reply) []int64 {
	t.Helper()

	require.Equal(t, 200, r.Status, string(r.Body))
	var rows []struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &rows))
	out := []int64{}
	for _, row := range rows {
		out = append(out, row.ID)
	}
	return out
}

func preview(typ string, phoneCallFilter map[string]any) batchops.PageQuery {
	return batchops.PageQuery{
		Request: filter.Request{Page: 1, PerPage: 25}, Mode: batchops.Preview,
		Selection: batchops.Selection{OperationID: 900, Type: typ, PhoneCallFilter: phoneCallFilter},
	}
}

func results(typ string, op int64) batchops.PageQuery {
	return batchops.PageQuery{
		Request: filter.Request{Page: 1, PerPage: 25}, Mode: batchops.Results,
		Selection: batchops.Selection{OperationID: op, Type: typ},
	}
}

func TestBatchPreviewOfPhoneCalls(t *testing.T) {
	t.Parallel()

	b := setup(t)
	c := seedCalls(t, b)
	r := b.send(t, b.cmds.UpdatePhoneCall, 1, uuid.NewString(),
		map[string]any{"id": c.created, "metadata": map[string]any{"foo": "bar", "bar": "foo"}})
	require.Equal(t, 204, r.Status)
	r = b.send(t, b.cmds.UpdatePhoneCall, 1, uuid.NewString(),
		map[string]any{"id": c.completed, "metadata": map[string]any{"foo": "bar"}})
	require.Equal(t, 204, r.Status)

	both := map[string]any{"metadata": map[string]any{"foo": "bar", "bar": "foo"}}
	for _, typ := range []string{batchops.PhoneCallQueue, batchops.PhoneCallQueueRemoteFetch} {
		got := b.page(t, 1, preview(typ, both))
		require.Equal(t, []int64{c.created}, ids(t, got), typ)
		require.Equal(t, int64(1), got.Total)
	}
	for _, typ := range []string{batchops.PhoneCallCreate, batchops.CalloutPopulation, "Contact"} {
		require.Equal(t, 404, b.page(t, 1, preview(typ, both)).Status, typ)
	}

	// The whole selection, paged and narrowed by the client's own q like
	// the phone call listing; another account sees none of it.
	all := preview(batchops.PhoneCallQueue, nil)
	all.PerPage = 2
	all.Page = 2
	got := b.page(t, 1, all)
	require.Equal(t, []int64{c.queued, c.remote}, ids(t, got))
	require.Equal(t, int64(6), got.Total)
	all = preview(batchops.PhoneCallQueue, map[string]any{"status": "queued,remotely_queued"})
	all.Q = map[string]any{"remote_call_id": "CA4"}
	require.Equal(t, []int64{c.remote}, ids(t, b.page(t, 1, all)))
	all.Sort = "nonsense"
	require.Equal(t, 422, b.page(t, 1, all).Status)
	require.Equal(t, []int64{c.otherAccount}, ids(t, b.page(t, 2, preview(batchops.PhoneCallQueue, nil))))

	exists := preview(batchops.PhoneCallQueue, both)
	exists.Exists = true
	require.JSONEq(t, `{"exists":true}`, string(b.page(t, 1, exists).Body))
	exists.Selection.PhoneCallFilter = map[string]any{"metadata": map[string]any{"foo": "none"}}
	r = b.page(t, 1, exists)
	require.Equal(t, 200, r.Status)
	require.JSONEq(t, `{"exists":false}`, string(r.Body))
}

func TestBatchResultsOfPhoneCalls(t *testing.T) {
	t.Parallel()

	b := setup(t)
	c := seedCalls(t, b)
	b.participation(t, 1, 10, 8, `{}`, "")
	queue := queueStep(batchops.PhoneCallQueue, 700, 0, 100)
	queue.PhoneCallFilter = map[string]any{"status": "created"}
	b.step(t, b.cmds.QueueCalls, 1, uuid.NewString(), queue)
	fetch := queueStep(batchops.PhoneCallQueueRemoteFetch, 800, 0, 100)
	b.step(t, b.cmds.QueueCalls, 1, uuid.NewString(), fetch)
	b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), createStep(500, 0, 100))

	created := ids(t, b.page(t, 1, results(batchops.PhoneCallCreate, 500)))
	require.Len(t, created, 2, "participations 2 (its call completed) and 8 had no call in flight")
	require.Greater(t, created[0], c.otherAccount)
	require.Equal(t, []int64{c.created}, ids(t, b.page(t, 1, results(batchops.PhoneCallQueue, 700))))
	fetched := b.page(t, 1, results(batchops.PhoneCallQueueRemoteFetch, 800))
	require.Equal(t, []int64{c.remote}, ids(t, fetched))
	require.Empty(t, ids(t, b.page(t, 2, results(batchops.PhoneCallQueue, 700))), "scoped to the account")
	require.Equal(t, 404, b.page(t, 1, results(batchops.CalloutPopulation, 500)).Status)

	exists := results(batchops.PhoneCallQueue, 701)
	exists.Exists = true
	require.JSONEq(t, `{"exists":false}`, string(b.page(t, 1, exists).Body))

	r, err := b.batch.PhoneCalls(b.ctx, natsRequestData(1, "", []byte(`{"mode":`)))
	require.NoError(t, err)
	require.Equal(t, 400, r.Status)
}

func TestBatchPeriodCount(t *testing.T) {
	t.Parallel()

	b := setup(t)
	b.account(t, 1)
	b.account(t, 2)
	b.callout(t, 1, 10, true, `{}`)
	b.callout(t, 2, 20, true, `{}`)
	for p := int64(1); p <= 4; p++ {
		b.participation(t, 1, 10, p, `{}`, "")
	}
	b.participation(t, 2, 20, 5, `{}`, "")
	queued := func(account, p int64, ago time.Duration) int64 {
		id := b.createCall(t, account, p)
		at := time.Now().Add(-ago).UTC()
		b.move(t, id, "remotely_queued", command.Remote{CallID: ptr(uuid.NewString()), QueuedAt: &at})
		return id
	}
	queued(1, 1, 23*time.Hour)
	done := queued(1, 2, 23*time.Hour)
	b.move(t, done, "completed", command.Remote{})
	queued(1, 3, 24*time.Hour+5*time.Minute)
	b.createCall(t, 1, 4)
	queued(2, 5, time.Hour)

	count := func(q batchops.PeriodCount) int64 {
		t.Helper()

		r, err := b.batch.PeriodCount(b.ctx, natsRequest(t, 1, q))
		require.NoError(t, err)
		require.Equal(t, 200, r.Status, string(r.Body))
		var res batchops.PeriodCountResult
		require.NoError(t, json.Unmarshal(r.Body, &res))
		return res.Count
	}
	require.Equal(t, int64(0), count(batchops.PeriodCount{}), "a period of no hours is empty")
	require.Equal(t, int64(2), count(batchops.PeriodCount{Attribute: "remotely_queued_at", Hours: 24}))
	require.Equal(t, int64(3), count(batchops.PeriodCount{Hours: 25}))
	require.Equal(t, int64(1), count(batchops.PeriodCount{Hours: 24, Statuses: []string{" completed "}}))
	both := batchops.PeriodCount{Hours: 24, Statuses: []string{"", "completed", "remotely_queued"}}
	require.Equal(t, int64(2), count(both))
	require.Equal(t, int64(4), count(batchops.PeriodCount{Attribute: "created_at", Hours: 24}))
	require.Equal(t, int64(4), count(batchops.PeriodCount{Attribute: "updated_at", Hours: 1}))
	require.Equal(t, int64(2), count(batchops.PeriodCount{Attribute: "anything else", Hours: 24}))
	require.Equal(t, int64(3), count(batchops.PeriodCount{Hours: 1 << 60}))
	require.Equal(t, int64(0), count(batchops.PeriodCount{Hours: -5}))

	r, err := b.batch.PeriodCount(b.ctx, natsRequestData(1, "", []byte(`[`)))
	require.NoError(t, err)
	require.Equal(t, 400, r.Status)
}

func TestBatchPosition(t *testing.T) {
	t.Parallel()

	b := setup(t)
	position := func() int64 {
		t.Helper()

		r, err := b.batch.Position(b.ctx, natsRequestData(0, "", []byte(`{}`)))
		require.NoError(t, err)
		require.Equal(t, 200, r.Status)
		var res batchops.PositionResult
		require.NoError(t, json.Unmarshal(r.Body, &res))
		return res.Position
	}
	require.Equal(t, int64(0), position())
	b.account(t, 1)
	b.callout(t, 1, 10, true, `{}`)
	require.Equal(t, int64(3), position())
}
