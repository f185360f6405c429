package projection_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"scfm/callouts/internal/callhistory"
	"scfm/callouts/internal/command"
	"scfm/callouts/internal/postgres"
	"scfm/shared/callflow"
	"scfm/shared/contract"
	"scfm/shared/contract/telephonyv1"
	"scfm/shared/natsbus"
	"scfm/shared/pgtest"
	"scfm/shared/reply"
)

// A participation deleted while the call history did not yet show its
// call (the deletion raced the call's creation) leaves that call counted
// under its callout until telephony deletes the call, and not after.
func TestCallTalliesFollowTheCallNotItsParticipation(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	pool := calloutWithParticipants(t, ctx, 1)

	apply := func(eventType string, version int64, data any) {
		t.Helper()
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		env := contract.Envelope{
			EventType: eventType, AggregateID: "70", AggregateVersion: version, Data: mustJSON(t, data),
		}
		require.NoError(t, callhistory.Apply(ctx, tx, env))
		require.NoError(t, tx.Commit(ctx))
	}
	participation, callout := int64(1), int64(1)
	apply(telephonyv1.PhoneCallCreated, 1, telephonyv1.PhoneCallCreatedV1{
		ID: 70, AccountID: 1, CalloutParticipationID: &participation, CalloutID: &callout,
		Status: telephonyv1.StatusQueued, MSISDN: "+252662340001", CreatedAt: time.Now().UTC(),
	})
	require.Equal(t, `{"queued": 1}`, callCounts(t, ctx, pool))

	// The deletion that did not see the call yet.
	_, err := pool.Exec(ctx, `DELETE FROM callout_participations WHERE id = 1`)
	require.NoError(t, err)
	require.Equal(t, `{"queued": 1}`, callCounts(t, ctx, pool), "the call still exists")

	apply(telephonyv1.PhoneCallDeleted, 2, telephonyv1.PhoneCallDeletedV1{
		ID: 70, AccountID: 1, CalloutParticipationID: &participation, DeletedAt: time.Now().UTC(),
	})
	require.Equal(t, `{}`, callCounts(t, ctx, pool), "no call left in flight")
}

// A batch holding creations, status changes out of order and a deletion is
// written as the events say, counted once in the callout's tallies and the
// participations' summaries, and the same batch again changes nothing.
func TestCallHistoryBatchWritesEachCallOnce(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	pool := calloutWithParticipants(t, ctx, 3)
	apply := func(events ...contract.Envelope) {
		t.Helper()
		require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			return callhistory.Apply(ctx, tx, events...)
		}))
	}

	at := time.Now().UTC().Truncate(time.Millisecond)
	created := func(call, participation int64) contract.Envelope {
		return envelope(t, telephonyv1.PhoneCallCreated, call, 1, telephonyv1.PhoneCallCreatedV1{
			ID: call, AccountID: 1, CalloutParticipationID: &participation,
			Status: telephonyv1.StatusCreated, MSISDN: "+25266234000" + strconv.FormatInt(participation, 10),
			CreatedAt: at,
		})
	}
	changed := func(call, participation, version int64, status string) contract.Envelope {
		return envelope(t, telephonyv1.PhoneCallStatusChanged, call, version,
			telephonyv1.PhoneCallStatusChangedV1{ID: call, CalloutParticipationID: &participation, Status: status})
	}
	p3 := int64(3)
	batch := []contract.Envelope{
		created(10, 1), created(11, 2), created(12, 3),
		changed(10, 1, 3, telephonyv1.StatusCompleted),
		changed(10, 1, 2, telephonyv1.StatusDispatching), // older than the completion
		changed(11, 2, 2, telephonyv1.StatusDispatching),
		created(10, 1), // a repeat
		envelope(t, telephonyv1.PhoneCallDeleted, 12, 2, telephonyv1.PhoneCallDeletedV1{
			ID: 12, AccountID: 1, CalloutParticipationID: &p3, DeletedAt: at,
		}),
	}
	apply(batch...)
	want := "10 1 completed 3|11 2 queued 2"
	require.Equal(t, want, history(t, ctx, pool))
	require.Equal(t, `{"queued": 1, "completed": 1}`, callCounts(t, ctx, pool))
	require.Equal(t, "1 1 10 completed|2 1 11 queued|3 0 - -", summaries(t, ctx, pool))

	apply(batch...)
	require.Equal(t, want, history(t, ctx, pool), "a replayed batch changes nothing")
	require.Equal(t, `{"queued": 1, "completed": 1}`, callCounts(t, ctx, pool))

	apply(changed(11, 2, 3, telephonyv1.StatusBusy))
	require.Equal(t, "10 1 completed 3|11 2 busy 3", history(t, ctx, pool))
	require.Equal(t, `{"busy": 1, "completed": 1}`, callCounts(t, ctx, pool))
	require.Equal(t, "1 1 10 completed|2 1 11 busy|3 0 - -", summaries(t, ctx, pool))
}

// calloutWithParticipants returns a pool whose account 1 has callout 1 with
// n participations (1 to n), of contacts 1 to n.
func calloutWithParticipants(t *testing.T, ctx context.Context, n int) *pgxpool.Pool {
	t.Helper()

	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	cmds := command.New(pool, time.Now, callflow.NewRegistry(nil))
	_, err := cmds.SeedSuperAdmin(ctx)
	require.NoError(t, err)
	send := func(h func(context.Context, natsbus.Request) (reply.Reply, error), payload any) {
		t.Helper()
		r, err := h(ctx, natsbus.Request{ID: uuid.NewString(), AccountID: 1, Data: mustJSON(t, payload)})
		require.NoError(t, err)
		require.Less(t, r.Status, 300, string(r.Body))
	}
	send(cmds.CreateCallout, map[string]any{"call_flow_logic": callflow.PlayMessage})
	for i := 1; i <= n; i++ {
		send(cmds.CreateContact, map[string]any{"msisdn": "25266234000" + strconv.Itoa(i)})
		send(cmds.CreateParticipation, map[string]any{"callout_id": 1, "contact_id": strconv.Itoa(i)})
	}
	return pool
}

func envelope(t *testing.T, eventType string, call, version int64, data any) contract.Envelope {
	return contract.Envelope{
		EventType: eventType, AggregateID: strconv.FormatInt(call, 10), AggregateVersion: version,
		Data: mustJSON(t, data),
	}
}

// history lists the call history rows as "call participation status
// version", by call.
func history(t *testing.T, ctx context.Context, pool *pgxpool.Pool) string {
	t.Helper()

	var s string
	require.NoError(t, pool.QueryRow(ctx, `SELECT coalesce(string_agg(
		concat_ws(' ', phone_call_id, participation_id, status, version), '|' ORDER BY phone_call_id), '')
		FROM call_history`).Scan(&s))
	return s
}

// summaries lists each participation's call summary as "id calls last
// status", by participation.
func summaries(t *testing.T, ctx context.Context, pool *pgxpool.Pool) string {
	t.Helper()

	var s string
	require.NoError(t, pool.QueryRow(ctx, `SELECT string_agg(concat_ws(' ', id, phone_calls_count,
		coalesce(last_phone_call_id::text, '-'), coalesce(last_phone_call_status, '-')), '|' ORDER BY id)
		FROM callout_participations`).Scan(&s))
	return s
}

// callCounts returns callout 1's counted calls by status, as its summary
// reads them.
func callCounts(t *testing.T, ctx context.Context, pool *pgxpool.Pool) string {
	t.Helper()

	var counts string
	require.NoError(t, pool.QueryRow(ctx, `SELECT coalesce(jsonb_object_agg(status, n), '{}')::text
		FROM callout_tallies WHERE callout_id = 1 AND kind = 'call' AND n <> 0`).Scan(&counts))
	return counts
}
