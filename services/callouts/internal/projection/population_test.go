package projection_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"scfm/callouts/internal/callhistory"
	"scfm/callouts/internal/command"
	"scfm/callouts/internal/postgres"
	"scfm/callouts/internal/projection"
	"scfm/callouts/internal/query"
	"scfm/shared/batchops"
	"scfm/shared/callflow"
	"scfm/shared/contract"
	"scfm/shared/contract/telephonyv1"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/pgtest"
	"scfm/shared/reply"
)

// A rebuild replays population events into the same participations,
// including their later changes and the calls reported for them.
func TestRebuildReplaysPopulations(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	ctx := context.Background()
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { tick = tick.Add(1500 * time.Microsecond); return tick }
	cmds := command.New(pool, clock, callflow.NewRegistry(nil))
	_, err := cmds.SeedSuperAdmin(ctx)
	require.NoError(t, err)

	send := func(h func(context.Context, natsbus.Request) (reply.Reply, error), payload any) reply.Reply {
		t.Helper()
		r, err := h(ctx, natsbus.Request{ID: uuid.NewString(), AccountID: 1, Data: mustJSON(t, payload)})
		require.NoError(t, err)
		require.Less(t, r.Status, 300, string(r.Body))
		return r
	}
	for i := range 30 {
		send(cmds.CreateContact, map[string]any{
			"msisdn": fmt.Sprintf("25266234%04d", i), "metadata": map[string]any{"odd": i%2 == 1},
		})
	}
	send(cmds.CreateCallout, map[string]any{"call_flow_logic": callflow.PlayMessage})
	send(cmds.CreateParticipation, map[string]any{"callout_id": 1, "contact_id": "2"})
	k := int64(1)
	for after, done := int64(0), false; !done; {
		r := send(cmds.Populate, batchops.Step{
			Selection: batchops.Selection{
				OperationID: 4, Type: batchops.CalloutPopulation, CalloutID: &k,
				ContactFilter: map[string]any{"metadata": map[string]any{"odd": "true"}},
			},
			Run: 1, After: after, Limit: 5,
		})
		var res batchops.StepResult
		require.NoError(t, json.Unmarshal(r.Body, &res))
		after, done = res.Last, res.Done
	}
	rows, err := pool.Query(ctx,
		`SELECT id FROM callout_participations WHERE callout_population_id = 4 ORDER BY id`)
	require.NoError(t, err)
	populated, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	require.Len(t, populated, 14, "contact 2 was in the callout already")
	send(cmds.UpdateParticipation, map[string]any{"id": populated[3], "metadata": map[string]any{"k": "v"}})
	reportCall(t, ctx, pool, 50, populated[5])

	answers := func() []string {
		t.Helper()
		parts := query.Participations(pool)
		var out []string
		for _, req := range []filter.Request{
			{Page: 1, PerPage: 100},
			{Page: 1, PerPage: 100, Q: map[string]any{"has_phone_calls": "true"}},
			{Page: 1, PerPage: 100, Q: map[string]any{"callout_population_id": "4"}, Sort: "-updated_at"},
		} {
			r, err := parts.List(ctx, natsbus.Request{AccountID: 1, Data: mustJSON(t, req)})
			require.NoError(t, err)
			out = append(out, fmt.Sprintf("%d %d %s", r.Status, r.Total, r.Body))
		}
		summary := natsbus.Request{AccountID: 1, Data: mustJSON(t, filter.Request{ID: 1})}
		r, err := query.CalloutSummary(pool)(ctx, summary)
		require.NoError(t, err)
		out = append(out, string(r.Body))
		var versions string
		require.NoError(t, pool.QueryRow(ctx, `SELECT string_agg(id || ':' || version, ',' ORDER BY id)
			FROM callout_participations`).Scan(&versions))
		return append(out, versions)
	}

	before := answers()
	require.Contains(t, before[1], fmt.Sprintf(`"id":%d`, populated[5]), "the called participation")
	require.Contains(t, before[3], `"total":15,"by_last_call_status":{"completed":1,"none":14}`)
	requireTalliesCounted(t, ctx, pool)
	_, err = pool.Exec(ctx, `UPDATE callout_tallies SET n = n + 7`)
	require.NoError(t, err)
	require.NoError(t, projection.Rebuild(ctx, pool))
	require.Equal(t, before, answers())
	requireTalliesCounted(t, ctx, pool)
}

// requireTalliesCounted requires the callout tallies the triggers keep to
// equal a count of the rows they stand for.
func requireTalliesCounted(t *testing.T, ctx context.Context, pool *pgxpool.Pool) {
	t.Helper()

	var kept, counted string
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT coalesce(string_agg(callout_id || ' ' || kind || ' ' || status || ' ' || n, ', '
			ORDER BY callout_id, kind, status), '')
		FROM callout_tallies WHERE n <> 0`).Scan(&kept))
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT coalesce(string_agg(callout_id || ' ' || kind || ' ' || status || ' ' || n, ', '
			ORDER BY callout_id, kind, status), '')
		FROM (
			SELECT callout_id, 'participation' AS kind, coalesce(last_phone_call_status, 'none') AS status,
				count(*) AS n
			FROM callout_participations GROUP BY 1, 3
			UNION ALL
			SELECT callout_id, 'call', status, count(*)
			FROM call_history WHERE callout_id IS NOT NULL GROUP BY 1, 3
		) x`).Scan(&counted))
	require.NotEmpty(t, counted)
	require.Equal(t, counted, kept)
}

// reportCall records a completed call of participation p as the call
// history feed does.
func reportCall(t *testing.T, ctx context.Context, pool *pgxpool.Pool, id, p int64) {
	t.Helper()

	d := telephonyv1.PhoneCallCreatedV1{
		ID: id, AccountID: 1, CalloutParticipationID: &p, Status: telephonyv1.StatusCompleted,
		MSISDN: "+252662340001", Metadata: json.RawMessage(`{}`), RemoteRequestParams: json.RawMessage(`{}`),
		CreatedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
	}
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	env := contract.Envelope{
		EventType: telephonyv1.PhoneCallCreated, AggregateID: fmt.Sprint(id), AggregateVersion: 1,
		Data: mustJSON(t, d),
	}
	require.NoError(t, callhistory.Apply(ctx, tx, env))
	require.NoError(t, tx.Commit(ctx))
}
