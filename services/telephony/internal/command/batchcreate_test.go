package command_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"scfm/shared/batchops"
	"scfm/shared/filter"
	"scfm/telephony/internal/command"
	"scfm/telephony/internal/query"
)

// seedFilters gives account 1 participations 1 and 2 (metadata gender f
// and m, 1 with its own call flow logic) in running callout 10, 3 in
// initialized callout 11, and 4 and 5 populated into callout 10 by
// operation 77 in 2020; account 2 has participation 6 in running callout 20.
func seedFilters(t *testing.T, b *bundle) {
	t.Helper()

	b.account(t, 1)
	b.account(t, 2)
	b.callout(t, 1, 10, true, `{"area":"north"}`)
	b.callout(t, 1, 11, false, `{}`)
	b.callout(t, 2, 20, true, `{"area":"north"}`)
	b.participation(t, 1, 10, 1, `{"gender":"f"}`, "CallFlowLogic::HelloWorld")
	b.participation(t, 1, 10, 2, `{"gender":"m"}`, "")
	b.participation(t, 1, 11, 3, `{}`, "")
	b.populate(t, 1, 10, 77, 4, 5, time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
	b.participation(t, 2, 20, 6, `{"gender":"f"}`, "")
}

// seedHistory gives the participations of seedFilters calls: 1 failed then
// completed, 2 failed, 4 failed and completed at the same instant; 3 and
// 5 have none.
func seedHistory(t *testing.T, b *bundle) {
	t.Helper()

	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	call := func(p int64, status string, created time.Time) {
		b.freeze(created)
		id := b.createCall(t, 1, p)
		b.move(t, id, status, command.Remote{})
	}
	call(1, "failed", at)
	call(1, "completed", at.Add(time.Minute))
	call(2, "failed", at)
	call(4, "failed", at)
	call(4, "completed", at)
	b.freeze(time.Time{})
}

func TestCreateCallsSelectsWithFilters(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name          string
		participation map[string]any
		callout       map[string]any
		history       bool
		want          []int64
	}{
		{name: "everything of the account", want: []int64{1, 2, 3, 4, 5}},
		{name: "running callouts", callout: map[string]any{"status": "running"}, want: []int64{1, 2, 4, 5}},
		{
			name:    "callout status list",
			callout: map[string]any{"status": "initialized, paused"}, want: []int64{3},
		},
		{name: "empty status list", callout: map[string]any{"status": ""}, want: nil},
		{
			name:    "callout metadata",
			callout: map[string]any{"metadata": map[string]any{"area": "north"}}, want: []int64{1, 2, 4, 5},
		},
		{
			name:          "participation metadata",
			participation: map[string]any{"metadata": map[string]any{"gender": "f"}}, want: []int64{1},
		},
		{
			name:          "participation metadata any of",
			participation: map[string]any{"metadata": map[string]any{"gender": []any{"f", "m"}}},
			want:          []int64{1, 2},
		},
		{name: "msisdn", participation: map[string]any{"msisdn": "85510000002"}, want: []int64{2}},
		{name: "callout id", participation: map[string]any{"callout_id": "11"}, want: []int64{3}},
		{
			name:          "contact ids",
			participation: map[string]any{"contact_id": "1001, 1003"}, want: []int64{1, 3},
		},
		{
			name:          "population",
			participation: map[string]any{"callout_population_id": "77"}, want: []int64{4, 5},
		},
		{
			name:          "own call flow logic",
			participation: map[string]any{"call_flow_logic": "CallFlowLogic::HelloWorld"}, want: []int64{1},
		},
		{
			name:          "created before a date",
			participation: map[string]any{"created_at_before": "2021-01-01"}, want: []int64{4, 5},
		},
		{
			name:          "updated after an instant",
			participation: map[string]any{"updated_at_after": "2021-01-01 10:00:00"},
			want:          []int64{1, 2, 3},
		},
		{
			name:    "callout created after a date",
			callout: map[string]any{"created_at_after": "2021-01-01"}, want: []int64{1, 2, 3, 4, 5},
		},
		{
			name: "has phone calls", history: true,
			participation: map[string]any{"has_phone_calls": "true"}, want: []int64{1, 2, 4},
		},
		{
			name: "has phone calls, any other word is true", history: true,
			participation: map[string]any{"has_phone_calls": "no"}, want: []int64{1, 2, 4},
		},
		{
			name: "has no phone calls", history: true,
			participation: map[string]any{"has_phone_calls": "false"}, want: []int64{3, 5},
		},
		{
			name: "last attempt failed, ties all count", history: true,
			participation: map[string]any{"last_phone_call_attempt": "failed"}, want: []int64{2, 4},
		},
		{
			name: "last attempt completed", history: true,
			participation: map[string]any{"last_phone_call_attempt": " completed ,"}, want: []int64{1, 4},
		},
		{
			name: "retry selector", history: true,
			participation: map[string]any{"no_phone_calls_or_last_attempt": "failed,errored"},
			want:          []int64{2, 3, 4, 5},
		},
		{
			name: "retry selector on running callouts", history: true,
			participation: map[string]any{"no_phone_calls_or_last_attempt": "failed"},
			callout:       map[string]any{"status": "running"}, want: []int64{2, 4, 5},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()

			b := setup(t)
			seedFilters(t, b)
			if test.history {
				seedHistory(t, b)
			}

			step := createStep(500, 0, 100)
			step.ParticipationFilter, step.CalloutFilter = test.participation, test.callout
			res := b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), step)

			var created []phoneCall
			for _, c := range b.calls(t, 1) {
				if c.CreateBatch != nil && *c.CreateBatch == 500 {
					created = append(created, c)
				}
			}
			require.Equal(t, len(test.want), res.Selected)
			require.Equal(t, len(test.want), res.Applied)
			require.True(t, res.Done)
			if len(test.want) == 0 {
				require.Empty(t, created)
				return
			}
			require.Equal(t, test.want, participationsOf(created))
			require.Equal(t, test.want[len(test.want)-1], res.Last)
			require.Empty(t, b.calls(t, 2), "another account's participations are never selected")
		})
	}
}

func TestCreateCallsMakesCallsLikeTheSingleCreate(t *testing.T) {
	t.Parallel()

	b := setup(t)
	seedFilters(t, b)

	step := createStep(500, 0, 10)
	step.CalloutFilter = map[string]any{"status": "running"}
	step.ParticipationFilter = map[string]any{"contact_id": "1002"}
	res := b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), step)
	require.Equal(t, batchops.StepResult{Selected: 1, Applied: 1, Last: 2, Done: true}, res)

	var id int64
	var flow *string
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT id, call_flow_logic FROM phone_calls`).
		Scan(&id, &flow))
	require.Nil(t, flow, "the call has no call flow logic of its own")
	r, err := query.PhoneCalls(b.pool).Get(b.ctx, natsRequest(t, 1, filter.Request{ID: id}))
	require.NoError(t, err)
	require.Equal(t, 200, r.Status)
	var got map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &got))
	require.Equal(t, "created", got["status"])
	require.Equal(t, number(2), got["msisdn"])
	require.EqualValues(t, 2, got["callout_participation_id"])
	require.EqualValues(t, 1002, got["contact_id"])
	require.EqualValues(t, 500, got["create_batch_operation_id"])
	require.Nil(t, got["queue_batch_operation_id"])
	require.Equal(t, params, got["remote_request_params"])
	require.Equal(t, map[string]any{}, got["metadata"])

	var events int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM events
		WHERE event_type = 'phone_call.created' AND data->>'create_batch_operation_id' = '500'`).
		Scan(&events))
	require.Equal(t, 1, events)
}

func TestCreateCallsResumesAfterTheCursor(t *testing.T) {
	t.Parallel()

	b := setup(t)
	seedFilters(t, b)
	running := func(after int64, limit int) batchops.Step {
		s := createStep(500, after, limit)
		s.CalloutFilter = map[string]any{"status": "running"}
		return s
	}

	res := b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), running(0, 1))
	require.Equal(t, batchops.StepResult{Selected: 1, Applied: 1, Last: 1, Done: false}, res)
	require.Equal(t, []int64{1}, participationsOf(b.calls(t, 1)), "the lowest participation id first")

	res = b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), running(1, 2))
	require.Equal(t, batchops.StepResult{Selected: 2, Applied: 2, Last: 4, Done: false}, res)
	res = b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), running(4, 2))
	require.Equal(t, batchops.StepResult{Selected: 1, Applied: 1, Last: 5, Done: true}, res)
	res = b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), running(5, 2))
	require.Equal(t, batchops.StepResult{Selected: 0, Applied: 0, Last: 5, Done: true}, res)
	require.Equal(t, []int64{1, 2, 4, 5}, participationsOf(b.calls(t, 1)))
}

func TestCreateCallsIsIdempotent(t *testing.T) {
	t.Parallel()

	b := setup(t)
	seedFilters(t, b)
	step := createStep(500, 0, 10)
	step.CalloutFilter = map[string]any{"status": "running"}
	id := batchops.StepID(500, 1, 0)

	first := b.send(t, b.cmds.CreateCalls, 1, id, step)
	require.Equal(t, 200, first.Status)
	again := b.send(t, b.cmds.CreateCalls, 1, id, step)
	require.Equal(t, first.Status, again.Status)
	require.JSONEq(t, string(first.Body), string(again.Body), "a repeat gets the stored answer")
	require.Len(t, b.calls(t, 1), 4, "and creates nothing")

	res := b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), step)
	require.Equal(t, batchops.StepResult{Selected: 4, Applied: 0, Last: 5, Done: true}, res,
		"a new command skips participations with a call in flight")
	other := createStep(501, 0, 10)
	res = b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), other)
	require.Equal(t, 1, res.Applied, "only participation 3 had no call in flight")
	require.Len(t, b.calls(t, 1), 5)

	var processed int
	require.NoError(t, b.pool.QueryRow(b.ctx,
		`SELECT count(*) FROM processed_commands WHERE command_id = $1`, id).Scan(&processed))
	require.Equal(t, 1, processed)
}

func TestCreateCallsSkipsCallFlowLogicsNotAccepted(t *testing.T) {
	t.Parallel()

	b := setup(t)
	b.account(t, 1)
	b.callout(t, 1, 10, true, `{}`)
	b.participation(t, 1, 10, 1, `{}`, "CallFlowLogic::Retired")
	b.participation(t, 1, 10, 2, `{}`, "")

	res := b.step(t, b.cmds.CreateCalls, 1, uuid.NewString(), createStep(500, 0, 10))
	require.Equal(t, batchops.StepResult{Selected: 2, Applied: 1, Last: 2, Done: true}, res)
	require.Equal(t, []int64{2}, participationsOf(b.calls(t, 1)))
}

func TestCreateCallsRefusesBadSteps(t *testing.T) {
	t.Parallel()

	b := setup(t)
	seedFilters(t, b)
	wrongType := createStep(500, 0, 10)
	wrongType.Type = batchops.PhoneCallQueue
	noParams := createStep(500, 0, 10)
	noParams.RemoteRequestParams = nil
	badParams := createStep(500, 0, 10)
	badParams.RemoteRequestParams = map[string]any{"foo": "bar"}
	noLimit := createStep(500, 0, 0)
	noOperation := createStep(0, 0, 10)

	for _, tc := range []struct {
		step  batchops.Step
		field string
	}{
		{wrongType, "type"}, {noParams, "remote_request_params"}, {badParams, "remote_request_params"},
		{noLimit, "limit"}, {noOperation, "operation_id"},
	} {
		r := b.send(t, b.cmds.CreateCalls, 1, uuid.NewString(), tc.step)
		require.Equal(t, 422, r.Status, tc.field)
		require.Contains(t, string(r.Body), `"`+tc.field+`"`)
	}
	r := b.send(t, b.cmds.CreateCalls, 1, uuid.NewString(), "not a step")
	require.Equal(t, 400, r.Status)
	require.Empty(t, b.calls(t, 1))
}

// Ten operations create calls at the same time for the same thousand
// participations, in steps of 100: every participation ends with exactly
// one call in flight, and the operations together created one each.
func TestCreateCallsConcurrentOperationsCreateOneCallEach(t *testing.T) {
	t.Parallel()

	b := setup(t)
	b.account(t, 1)
	b.callout(t, 1, 10, true, `{}`)
	b.populate(t, 1, 10, 77, 1, 1000, time.Now())

	var wg sync.WaitGroup
	applied := make([]int, 10)
	errs := make(chan error, 10)
	start := time.Now()
	for i := range 10 {
		op := int64(600 + i)
		wg.Go(func() {
			after := int64(0)
			for {
				step := createStep(op, after, 100)
				step.CalloutFilter = map[string]any{"status": "running"}
				data, _ := json.Marshal(step)
				r, err := b.cmds.CreateCalls(b.ctx, natsRequestData(1, batchops.StepID(op, 1, after), data))
				if err == nil && r.Status != 200 {
					err = fmt.Errorf("step answered %d: %s", r.Status, r.Body)
				}
				if err != nil {
					errs <- err
					return
				}
				var res batchops.StepResult
				if err := json.Unmarshal(r.Body, &res); err != nil {
					errs <- err
					return
				}
				applied[i] += res.Applied
				if res.Done {
					return
				}
				after = res.Last
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	t.Logf("10 operations over 1000 participations in %s", time.Since(start))

	total := 0
	for _, n := range applied {
		total += n
	}
	require.Equal(t, 1000, total)
	var participations, inFlight, most int
	require.NoError(t, b.pool.QueryRow(b.ctx, `
		SELECT count(DISTINCT callout_participation_id), count(*), coalesce(max(n), 0)
		FROM (SELECT callout_participation_id, count(*) OVER (PARTITION BY callout_participation_id) AS n
			FROM phone_calls WHERE status = 'created') c`).Scan(&participations, &inFlight, &most))
	require.Equal(t, 1000, participations)
	require.Equal(t, 1000, inFlight)
	require.Equal(t, 1, most)
}
