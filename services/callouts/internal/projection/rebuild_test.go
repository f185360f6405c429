package projection_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"scfm/callouts/internal/command"
	"scfm/callouts/internal/postgres"
	"scfm/callouts/internal/projection"
	"scfm/callouts/internal/query"
	"scfm/shared/callflow"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/pgtest"
	"scfm/shared/reply"
	"scfm/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestRebuildGivesIdenticalAnswers(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	ctx := context.Background()
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { tick = tick.Add(1500 * time.Microsecond); return tick }
	cmds := command.New(pool, clock, callflow.NewRegistry(nil))

	_, err := cmds.SeedSuperAdmin(ctx)
	require.NoError(t, err)

	send := func(h func(context.Context, natsbus.Request) (reply.Reply, error), payload string) {
		t.Helper()
		_, err := h(ctx, natsbus.Request{ID: uuid.NewString(), AccountID: 1, Data: []byte(payload)})
		require.NoError(t, err)
	}
	for i := range 40 {
		send(cmds.CreateContact, fmt.Sprintf(`{"msisdn":"25266234%04d","metadata":{"i":%d,"n":{"x":1.50}}}`, i, i))
	}
	for i := 1; i <= 40; i += 3 {
		send(cmds.UpdateContact, fmt.Sprintf(`{"id":%d,"metadata":{"k":"v"},"metadata_merge_mode":"deep_merge"}`, i))
	}
	for i := 2; i <= 40; i += 7 {
		send(cmds.DeleteContact, fmt.Sprintf(`{"id":%d}`, i))
	}

	answers := func() []string {
		contacts := query.Contacts(pool)
		var out []string
		for _, req := range []filter.Request{
			{Page: 1, PerPage: 1000},
			{Page: 2, PerPage: 7, Sort: "-updated_at"},
			{Page: 1, PerPage: 25, Q: map[string]any{"metadata": map[string]any{"k": "v"}}},
		} {
			r, err := contacts.List(ctx, natsbus.Request{AccountID: 1, Data: mustJSON(t, req)})
			require.NoError(t, err)
			out = append(out, fmt.Sprintf("%d %d %s", r.Status, r.Total, r.Body))
		}
		for id := 1; id <= 40; id++ {
			r, err := contacts.Get(ctx, natsbus.Request{AccountID: 1, Data: mustJSON(t, filter.Request{ID: int64(id)})})
			require.NoError(t, err)
			out = append(out, fmt.Sprintf("%d %s", r.Status, r.Body))
		}
		return out
	}

	before := answers()
	require.NoError(t, projection.Rebuild(ctx, pool))
	require.Equal(t, before, answers())
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
