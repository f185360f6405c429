package projection_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
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

	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	ctx := context.Background()
	cmds := command.New(pool, time.Now, callflow.NewRegistry(nil))
	_, err := cmds.SeedSuperAdmin(ctx)
	require.NoError(t, err)
	send := func(h func(context.Context, natsbus.Request) (reply.Reply, error), payload any) {
		t.Helper()
		r, err := h(ctx, natsbus.Request{ID: uuid.NewString(), AccountID: 1, Data: mustJSON(t, payload)})
		require.NoError(t, err)
		require.Less(t, r.Status, 300, string(r.Body))
	}
	send(cmds.CreateContact, map[string]any{"msisdn": "252662340001"})
	send(cmds.CreateCallout, map[string]any{"call_flow_logic": callflow.PlayMessage})
	send(cmds.CreateParticipation, map[string]any{"callout_id": 1, "contact_id": "1"})

	apply := func(eventType string, version int64, data any) {
		t.Helper()
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		env := contract.Envelope{
			EventType: eventType, AggregateID: "70", AggregateVersion: version, Data: mustJSON(t, data),
		}
		_, err = callhistory.Apply(ctx, tx, env)
		require.NoError(t, err)
		require.NoError(t, tx.Commit(ctx))
	}
	participation, callout := int64(1), int64(1)
	apply(telephonyv1.PhoneCallCreated, 1, telephonyv1.PhoneCallCreatedV1{
		ID: 70, AccountID: 1, CalloutParticipationID: &participation, CalloutID: &callout,
		Status: telephonyv1.StatusQueued, MSISDN: "+252662340001", CreatedAt: time.Now().UTC(),
	})
	require.Equal(t, `{"queued": 1}`, callCounts(t, ctx, pool))

	// The deletion that did not see the call yet.
	_, err = pool.Exec(ctx, `DELETE FROM callout_participations WHERE id = 1`)
	require.NoError(t, err)
	require.Equal(t, `{"queued": 1}`, callCounts(t, ctx, pool), "the call still exists")

	apply(telephonyv1.PhoneCallDeleted, 2, telephonyv1.PhoneCallDeletedV1{
		ID: 70, AccountID: 1, CalloutParticipationID: &participation, DeletedAt: time.Now().UTC(),
	})
	require.Equal(t, `{}`, callCounts(t, ctx, pool), "no call left in flight")
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
