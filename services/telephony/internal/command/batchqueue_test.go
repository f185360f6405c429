package command_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"scfm/shared/batchops"
	"scfm/telephony/internal/command"
)

// queueCalls are the calls of seedCalls, by what they are.
type queueCalls struct {
	created, completed, queued, remote, inProgress, unnamed, otherAccount int64
}

// seedCalls gives account 1 six participations of running callout 10,
// each with one call: created, completed, queued, remotely queued with a
// provider id, in progress, and remotely queued without a provider id.
// Account 2 has a created call too.
func seedCalls(t *testing.T, b *bundle) queueCalls {
	t.Helper()

	b.account(t, 1)
	b.account(t, 2)
	b.callout(t, 1, 10, true, `{}`)
	b.callout(t, 2, 20, true, `{}`)
	for p := int64(1); p <= 6; p++ {
		b.participation(t, 1, 10, p, `{}`, "")
	}
	b.participation(t, 2, 20, 7, `{}`, "")

	queuedAt := time.Now().Add(-time.Minute).UTC()
	var c queueCalls
	c.created = b.createCall(t, 1, 1)
	c.completed = b.createCall(t, 1, 2)
	b.move(t, c.completed, "completed", command.Remote{})
	c.queued = b.createCall(t, 1, 3)
	b.move(t, c.queued, "queued", command.Remote{})
	c.remote = b.createCall(t, 1, 4)
	b.move(t, c.remote, "remotely_queued", command.Remote{CallID: ptr("CA4"), QueuedAt: &queuedAt})
	c.inProgress = b.createCall(t, 1, 5)
	b.move(t, c.inProgress, "in_progress", command.Remote{CallID: ptr("CA5"), QueuedAt: &queuedAt})
	c.unnamed = b.createCall(t, 1, 6)
	b.move(t, c.unnamed, "remotely_queued", command.Remote{QueuedAt: &queuedAt})
	c.otherAccount = b.createCall(t, 2, 7)
	return c
}

// queueStep is a step of operation op of type typ over everything.
func queueStep(typ string, op, after int64, limit int) batchops.Step {
	return batchops.Step{
		Selection: batchops.Selection{OperationID: op, Type: typ}, Run: 1, After: after, Limit: limit,
	}
}

// byID returns account's calls by id.
func (b *bundle) byID(t *testing.T, account int64) map[int64]phoneCall {
	t.Helper()

	out := map[int64]phoneCall{}
	for _, c := range b.calls(t, account) {
		out[c.ID] = c
	}
	return out
}

func TestQueueCallsQueuesCreatedCalls(t *testing.T) {
	t.Parallel()

	b := setup(t)
	c := seedCalls(t, b)

	step := queueStep(batchops.PhoneCallQueue, 700, 0, 100)
	step.PhoneCallFilter = map[string]any{"status": "created"}
	res := b.step(t, b.cmds.QueueCalls, 1, uuid.NewString(), step)
	require.Equal(t, batchops.StepResult{Selected: 1, Applied: 1, Last: c.created, Done: true}, res)
	calls := b.byID(t, 1)
	require.Equal(t, "queued", calls[c.created].Status, "the dialer picks up queued calls")
	require.Equal(t, ptr(int64(700)), calls[c.created].QueueBatch)

	// A second operation with no filter selects every outbound call of the
	// account and moves nothing more.
	res = b.step(t, b.cmds.QueueCalls, 1, uuid.NewString(), queueStep(batchops.PhoneCallQueue, 701, 0, 100))
	require.Equal(t, batchops.StepResult{Selected: 6, Applied: 0, Last: c.unnamed, Done: true}, res)
	after := b.byID(t, 1)
	require.Equal(t, calls, after)
	for _, id := range []int64{c.completed, c.queued, c.remote} {
		require.Nil(t, after[id].QueueBatch, "skipped calls keep their batch ids")
	}
	require.Equal(t, "created", b.byID(t, 2)[c.otherAccount].Status)

	var data, private []byte
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT data, private_data FROM events
		WHERE event_type = 'phone_call.status_changed' AND stream_id = ($1::bigint)::text`, c.created).
		Scan(&data, &private))
	var ev struct {
		Status           string `json:"status"`
		PreviousStatus   string `json:"previous_status"`
		BatchOperationID int64  `json:"batch_operation_id"`
	}
	require.NoError(t, json.Unmarshal(data, &ev))
	require.Equal(t, "queued", ev.Status)
	require.Equal(t, "created", ev.PreviousStatus)
	require.Equal(t, int64(700), ev.BatchOperationID)
	require.JSONEq(t, `{"queue_batch_operation_id":700}`, string(private))
}

func TestQueueCallsFetchesRemotelyQueuedCalls(t *testing.T) {
	t.Parallel()

	b := setup(t)
	c := seedCalls(t, b)
	before := b.byID(t, 1)

	res := b.step(t, b.cmds.QueueCalls, 1, uuid.NewString(),
		queueStep(batchops.PhoneCallQueueRemoteFetch, 800, 0, 100))
	require.Equal(t, batchops.StepResult{Selected: 6, Applied: 1, Last: c.unnamed, Done: true}, res)
	after := b.byID(t, 1)
	require.Equal(t, "remote_fetch_queued", after[c.remote].Status)
	require.Equal(t, ptr(int64(800)), after[c.remote].FetchOne)
	delete(before, c.remote)
	delete(after, c.remote)
	require.Equal(t, before, after, "calls in progress, unnamed by the provider or in other statuses stay")
}

func TestQueueCallsFiltersAndResumes(t *testing.T) {
	t.Parallel()

	b := setup(t)
	c := seedCalls(t, b)

	step := queueStep(batchops.PhoneCallQueue, 700, 0, 100)
	step.CalloutFilter = map[string]any{"status": "initialized"}
	res := b.step(t, b.cmds.QueueCalls, 1, uuid.NewString(), step)
	require.Equal(t, batchops.StepResult{Selected: 0, Applied: 0, Last: 0, Done: true}, res)

	step = queueStep(batchops.PhoneCallQueue, 700, 0, 100)
	step.ParticipationFilter = map[string]any{"contact_id": "1002,1003", "has_phone_calls": "true"}
	res = b.step(t, b.cmds.QueueCalls, 1, uuid.NewString(), step)
	require.Equal(t, batchops.StepResult{Selected: 2, Applied: 0, Last: c.queued, Done: true}, res)

	res = b.step(t, b.cmds.QueueCalls, 1, uuid.NewString(), queueStep(batchops.PhoneCallQueue, 700, 0, 2))
	require.Equal(t, batchops.StepResult{Selected: 2, Applied: 1, Last: c.completed, Done: false}, res)
	next := queueStep(batchops.PhoneCallQueue, 700, c.completed, 2)
	res = b.step(t, b.cmds.QueueCalls, 1, uuid.NewString(), next)
	require.Equal(t, batchops.StepResult{Selected: 2, Applied: 0, Last: c.remote, Done: false}, res)
}

func TestQueueCallsIsIdempotent(t *testing.T) {
	t.Parallel()

	b := setup(t)
	c := seedCalls(t, b)
	step := queueStep(batchops.PhoneCallQueue, 700, 0, 100)
	id := batchops.StepID(700, 1, 0)

	first := b.send(t, b.cmds.QueueCalls, 1, id, step)
	again := b.send(t, b.cmds.QueueCalls, 1, id, step)
	require.Equal(t, 200, again.Status)
	require.JSONEq(t, string(first.Body), string(again.Body))
	var events int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM events
		WHERE event_type = 'phone_call.status_changed' AND stream_id = ($1::bigint)::text`, c.created).
		Scan(&events))
	require.Equal(t, 1, events)
}

func TestQueueCallsRefusesOtherTypes(t *testing.T) {
	t.Parallel()

	b := setup(t)
	seedCalls(t, b)
	for _, typ := range []string{batchops.PhoneCallCreate, batchops.CalloutPopulation, ""} {
		r := b.send(t, b.cmds.QueueCalls, 1, uuid.NewString(), queueStep(typ, 700, 0, 100))
		require.Equal(t, 422, r.Status, typ)
		require.JSONEq(t, `{"errors":{"type":["is not included in the list"]}}`, string(r.Body))
	}
}
