package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"scfm/callouts/internal/callhistory"
	"scfm/callouts/internal/command"
	"scfm/callouts/internal/postgres"
	"scfm/shared/batchops"
	"scfm/shared/callflow"
	"scfm/shared/contract"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/contract/telephonyv1"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/pgtest"
	"scfm/shared/reply"
	"scfm/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testBundle is the service's handlers registered on a NATS server, with
// the super-admin account (1) and a second account (2).
type testBundle struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	client *natsbus.Client
}

func setup(t *testing.T) *testBundle {
	t.Helper()

	ctx := context.Background()
	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	log := slog.New(slog.DiscardHandler)
	nc, err := natsbus.Connect(ctx, testenv.NATS(t), "test", log)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	names := natsbus.Names{Prefix: testenv.Prefix(t)}
	require.NoError(t, natsbus.EnsureStreams(ctx, js, names, calloutsv1.Service, natsbus.StreamConfig{}))

	cmds := command.New(pool, time.Now, callflow.NewRegistry(nil))
	server := natsbus.NewServer(nc, js, names,
		natsbus.ServerConfig{Service: calloutsv1.Service, Workers: 4}, log)
	register(server, cmds, pool)
	require.NoError(t, server.Start(ctx))
	t.Cleanup(func() { server.Stop(context.Background()) })
	client, err := natsbus.NewClient(nc, js, names, 10*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })

	b := &testBundle{ctx: ctx, pool: pool, client: client}
	_, err = cmds.SeedSuperAdmin(ctx)
	require.NoError(t, err)
	r := b.commandAs(t, natsbus.Call{ID: uuid.NewString(), AccountID: 1, SuperAdmin: true},
		"account.create", map[string]any{})
	require.Equal(t, 201, r.Status, string(r.Body))
	return b
}

func (b *testBundle) commandAs(t *testing.T, call natsbus.Call, name string, payload any) reply.Reply {
	t.Helper()

	aggregate, verb, _ := cutName(name)
	r, err := b.client.Command(b.ctx, calloutsv1.Service, aggregate, verb, call, mustJSON(t, payload))
	require.NoError(t, err)
	return r
}

func (b *testBundle) command(t *testing.T, acct int64, name string, payload any) reply.Reply {
	t.Helper()

	return b.commandAs(t, natsbus.Call{ID: uuid.NewString(), AccountID: acct}, name, payload)
}

func (b *testBundle) query(t *testing.T, acct int64, name string, payload any) reply.Reply {
	t.Helper()

	model, verb, _ := cutName(name)
	data, ok := payload.([]byte)
	if !ok {
		data = mustJSON(t, payload)
	}
	r, err := b.client.Query(b.ctx, calloutsv1.Service, model, verb, natsbus.Call{AccountID: acct}, data)
	require.NoError(t, err)
	return r
}

func (b *testBundle) create(t *testing.T, acct int64, name string, payload any) int64 {
	t.Helper()

	r := b.command(t, acct, name, payload)
	require.Equal(t, 201, r.Status, string(r.Body))
	var v struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &v))
	return v.ID
}

func (b *testBundle) contact(t *testing.T, acct int64, number, gender string) int64 {
	t.Helper()

	return b.create(t, acct, "contact.create", map[string]any{
		"msisdn": number, "metadata": map[string]any{"gender": gender},
	})
}

func (b *testBundle) participation(t *testing.T, acct, k, contact int64) int64 {
	t.Helper()

	return b.create(t, acct, "participation.create", map[string]any{
		"callout_id": k, "contact_id": fmt.Sprint(contact),
	})
}

// call records a phone call telephony reported for participation p, as
// the call history feed does.
func (b *testBundle) call(t *testing.T, id, acct, p, contactID, createdBy int64, status string) {
	t.Helper()

	created := telephonyv1.PhoneCallCreatedV1{
		ID: id, AccountID: acct, CalloutParticipationID: &p, ContactID: &contactID,
		CreateBatchOperationID: &createdBy, Status: telephonyv1.StatusCreated, MSISDN: "+252662345600",
		Metadata: json.RawMessage(`{}`), RemoteRequestParams: json.RawMessage(`{}`), CreatedAt: time.Now(),
	}
	changed := telephonyv1.PhoneCallStatusChangedV1{
		ID: id, AccountID: acct, CalloutParticipationID: &p, Status: status,
		PreviousStatus: telephonyv1.StatusCreated, ChangedAt: time.Now(),
	}
	err := pgx.BeginFunc(b.ctx, b.pool, func(tx pgx.Tx) error {
		for v, e := range []struct {
			typ  string
			data any
		}{{telephonyv1.PhoneCallCreated, created}, {telephonyv1.PhoneCallStatusChanged, changed}} {
			env := contract.Envelope{
				EventType: e.typ, AggregateID: fmt.Sprint(id), AggregateVersion: int64(v + 1),
				Data: mustJSON(t, e.data),
			}
			if err := callhistory.Apply(b.ctx, tx, env); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
}

// page asks a batch page query and returns the ids of the rows and the
// total.
func (b *testBundle) page(t *testing.T, acct int64, name string, q batchops.PageQuery) ([]int64, int64) {
	t.Helper()

	r := b.query(t, acct, name, q)
	require.Equal(t, 200, r.Status, string(r.Body))
	var rows []struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &rows))
	ids := []int64{}
	for _, row := range rows {
		ids = append(ids, row.ID)
	}
	return ids, r.Total
}

func (b *testBundle) exists(t *testing.T, acct int64, name string, q batchops.PageQuery) bool {
	t.Helper()

	q.Exists = true
	r := b.query(t, acct, name, q)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, int64(-1), r.Total, "no count")
	var res batchops.ExistsResult
	require.NoError(t, json.Unmarshal(r.Body, &res))
	return res.Exists
}

func pageQuery(mode batchops.Mode, s batchops.Selection) batchops.PageQuery {
	return batchops.PageQuery{Mode: mode, Selection: s}
}

func cutName(name string) (string, string, bool) {
	for i := range len(name) {
		if name[i] == '.' {
			return name[:i], name[i+1:], true
		}
	}
	return name, "", false
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()

	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}

func TestPopulateOverNATS(t *testing.T) {
	t.Parallel()

	b := setup(t)
	x := b.contact(t, 1, "+252662345601", "f")
	b.contact(t, 1, "+252662345602", "m")
	z := b.contact(t, 1, "+252662345603", "f")
	k := b.create(t, 1, "callout.create", map[string]any{})
	b.participation(t, 1, k, z)

	step := batchops.Step{
		Selection: batchops.Selection{
			OperationID: 7, Type: batchops.CalloutPopulation, CalloutID: &k,
			ContactFilter: map[string]any{"metadata": map[string]any{"gender": "f"}},
		},
		Run: 1, Limit: 10,
	}
	call := natsbus.Call{ID: batchops.StepID(7, 1, 0), AccountID: 1}
	first := b.commandAs(t, call, batchops.CommandPopulate, step)
	require.Equal(t, 200, first.Status, string(first.Body))
	require.JSONEq(t, fmt.Sprintf(`{"selected":2,"applied":1,"last":%d,"done":true}`, z), string(first.Body))

	// JetStream drops the repeat, and the client fetches the stored answer.
	again := b.commandAs(t, call, batchops.CommandPopulate, step)
	require.Equal(t, first.Status, again.Status)
	require.JSONEq(t, string(first.Body), string(again.Body))

	ids, total := b.page(t, 1, batchops.QueryContacts, pageQuery(batchops.Results, step.Selection))
	require.Equal(t, []int64{x}, ids)
	require.Equal(t, int64(1), total)
}

func TestBatchQueries(t *testing.T) {
	t.Parallel()

	b := setup(t)
	x := b.contact(t, 1, "+252662345601", "f")
	y := b.contact(t, 1, "+252662345602", "m")
	z := b.contact(t, 1, "+252662345603", "f")
	w := b.contact(t, 2, "+252662345604", "f")
	k1 := b.create(t, 1, "callout.create", map[string]any{"metadata": map[string]any{"area": "north"}})
	k2 := b.create(t, 1, "callout.create", map[string]any{})
	started := b.command(t, 1, "callout.event", map[string]any{"id": k1, "event": "start"})
	require.Equal(t, 201, started.Status, string(started.Body))
	k3 := b.create(t, 2, "callout.create", map[string]any{})
	pz := b.participation(t, 1, k1, z)
	pz2 := b.participation(t, 1, k2, z)
	pw := b.participation(t, 2, k3, w)

	population := batchops.Selection{
		OperationID: 7, Type: batchops.CalloutPopulation, CalloutID: &k1,
		ContactFilter: map[string]any{"metadata": map[string]any{"gender": "f"}},
	}
	r := b.command(t, 1, batchops.CommandPopulate, batchops.Step{Selection: population, Run: 1, Limit: 100})
	require.Equal(t, 200, r.Status, string(r.Body))
	var px int64
	require.NoError(t, b.pool.QueryRow(b.ctx,
		`SELECT id FROM callout_participations WHERE contact_id = $1`, x).Scan(&px))
	r = b.command(t, 1, "participation.update", map[string]any{
		"id": px, "metadata": map[string]any{"foo": "bar"},
	})
	require.Equal(t, 204, r.Status, string(r.Body))
	b.call(t, 100, 1, pz, z, 8, telephonyv1.StatusFailed)
	b.call(t, 101, 2, pw, w, 8, telephonyv1.StatusCompleted)

	creation := batchops.Selection{OperationID: 8, Type: batchops.PhoneCallCreate}
	withCallouts := func(f map[string]any) batchops.Selection {
		s := creation
		s.CalloutFilter = f
		return s
	}
	withParticipations := func(f map[string]any) batchops.Selection {
		s := creation
		s.ParticipationFilter = f
		return s
	}
	preview, results := batchops.Preview, batchops.Results
	contacts, parts := batchops.QueryContacts, batchops.QueryParticipations

	tests := []struct {
		name  string
		acct  int64
		query string
		q     batchops.PageQuery
		ids   []int64
		total int64
	}{
		{"PopulationPreview", 1, contacts, pageQuery(preview, population), []int64{x, z}, 2},
		{"PopulationPreviewWithoutFilter", 1, contacts,
			pageQuery(preview, batchops.Selection{OperationID: 7, Type: batchops.CalloutPopulation}),
			[]int64{x, y, z}, 3},
		{"PopulationPreviewOtherAccount", 2, contacts, pageQuery(preview, population), []int64{w}, 1},
		{"PopulationPreviewClientFilter", 1, contacts, batchops.PageQuery{
			Request: filter.Request{Q: map[string]any{"msisdn": "252662345603"}},
			Mode:    preview, Selection: population,
		}, []int64{z}, 1},
		{"PopulationPreviewSortedAndPaged", 1, contacts, batchops.PageQuery{
			Request: filter.Request{Sort: "-id", Page: 2, PerPage: 1}, Mode: preview, Selection: population,
		}, []int64{x}, 2},
		{"PopulationResultContacts", 1, contacts, pageQuery(results, population), []int64{x}, 1},
		{"PopulationResultParticipations", 1, parts, pageQuery(results, population), []int64{px}, 1},
		{"PopulationResultsOtherAccount", 2, parts, pageQuery(results, population), []int64{}, 0},
		{"CreationPreview", 1, parts, pageQuery(preview, creation), []int64{pz, pz2, px}, 3},
		{"CreationPreviewContactsOnce", 1, contacts, pageQuery(preview, creation), []int64{x, z}, 2},
		{"CreationPreviewRunningCallouts", 1, parts,
			pageQuery(preview, withCallouts(map[string]any{"status": "running"})), []int64{pz, px}, 2},
		{"CreationPreviewCalloutMetadata", 1, contacts,
			pageQuery(preview, withCallouts(map[string]any{"metadata": map[string]any{"area": "north"}})),
			[]int64{x, z}, 2},
		{"CreationPreviewCalloutStatusNone", 1, parts,
			pageQuery(preview, withCallouts(map[string]any{"status": "stopped"})), []int64{}, 0},
		{"CreationPreviewParticipationMetadata", 1, parts,
			pageQuery(preview, withParticipations(map[string]any{"metadata": map[string]any{"foo": "bar"}})),
			[]int64{px}, 1},
		{"CreationPreviewCalled", 1, parts,
			pageQuery(preview, withParticipations(map[string]any{"has_phone_calls": "true"})),
			[]int64{pz}, 1},
		{"CreationPreviewNotCalled", 1, contacts,
			pageQuery(preview, withParticipations(map[string]any{"has_phone_calls": "false"})),
			[]int64{x, z}, 2},
		{"CreationPreviewRetry", 1, parts,
			pageQuery(preview, withParticipations(map[string]any{
				"no_phone_calls_or_last_attempt": "failed",
			})),
			[]int64{pz, pz2, px}, 3},
		{"CreationPreviewLastAttempt", 1, parts,
			pageQuery(preview, withParticipations(map[string]any{"last_phone_call_attempt": "completed"})),
			[]int64{}, 0},
		{"CreationPreviewOtherAccount", 2, parts, pageQuery(preview, creation), []int64{pw}, 1},
		{"CreationResultParticipations", 1, parts, pageQuery(results, creation), []int64{pz}, 1},
		{"CreationResultContacts", 1, contacts, pageQuery(results, creation), []int64{z}, 1},
		{"CreationResultsOtherAccount", 2, contacts, pageQuery(results, creation), []int64{w}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			ids, total := b.page(t, tt.acct, tt.query, tt.q)
			require.Equal(t, tt.ids, ids)
			require.Equal(t, tt.total, total)
			require.Equal(t, len(tt.ids) > 0 || tt.total > 0, b.exists(t, tt.acct, tt.query, tt.q))
		})
	}

	t.Run("RenderedLikeTheListings", func(t *testing.T) {
		t.Parallel()

		r := b.query(t, 1, batchops.QueryParticipations, pageQuery(results, population))
		want := b.query(t, 1, "participation.list",
			filter.Request{Q: map[string]any{"callout_population_id": "7"}})
		require.Equal(t, 200, want.Status)
		require.JSONEq(t, string(want.Body), string(r.Body))
		require.Contains(t, string(r.Body), `"callout_population_id":7`)

		r = b.query(t, 1, batchops.QueryContacts, pageQuery(preview, population))
		want = b.query(t, 1, "contact.list",
			filter.Request{Q: map[string]any{"metadata": map[string]any{"gender": "f"}}})
		require.JSONEq(t, string(want.Body), string(r.Body))
	})

	t.Run("OtherCombinationsAreNotFound", func(t *testing.T) {
		t.Parallel()

		for _, c := range []struct {
			query string
			q     batchops.PageQuery
		}{
			{parts, pageQuery(preview, population)},
			{parts, pageQuery(preview, batchops.Selection{Type: batchops.PhoneCallQueue})},
			{contacts, pageQuery(results, batchops.Selection{Type: batchops.PhoneCallQueueRemoteFetch})},
			{contacts, pageQuery("later", population)},
			{contacts, pageQuery(preview, batchops.Selection{Type: "BatchOperation::Other"})},
		} {
			r := b.query(t, 1, c.query, c.q)
			require.Equal(t, 404, r.Status, "%s %s %s", c.query, c.q.Selection.Type, c.q.Mode)
			c.q.Exists = true
			require.Equal(t, 404, b.query(t, 1, c.query, c.q).Status)
		}
	})

	t.Run("BadRequests", func(t *testing.T) {
		t.Parallel()

		r := b.query(t, 1, batchops.QueryContacts, []byte(`{"mode":`))
		require.Equal(t, 400, r.Status)
		notAnObject := []byte(`{"mode":"preview","selection":{"contact_filter":[1]}}`)
		r = b.query(t, 1, batchops.QueryContacts, notAnObject)
		require.Equal(t, 400, r.Status)
		q := pageQuery(preview, population)
		q.Sort = "nope"
		require.Equal(t, 422, b.query(t, 1, batchops.QueryContacts, q).Status)
	})

	t.Run("CallHistoryKeepsTheCreatingOperation", func(t *testing.T) {
		t.Parallel()

		var op int64
		require.NoError(t, b.pool.QueryRow(b.ctx,
			`SELECT create_batch_operation_id FROM call_history WHERE phone_call_id = 100`).Scan(&op))
		require.Equal(t, int64(8), op)
	})
}

func TestPositionIsTheLastRecordedEvent(t *testing.T) {
	t.Parallel()

	b := setup(t)
	position := func() int64 {
		r := b.query(t, 0, batchops.QueryPosition, map[string]any{})
		require.Equal(t, 200, r.Status, string(r.Body))
		var res batchops.PositionResult
		require.NoError(t, json.Unmarshal(r.Body, &res))
		return res.Position
	}

	var last int64
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT max(position) FROM events`).Scan(&last))
	require.Positive(t, last)
	require.Equal(t, last, position())

	b.contact(t, 1, "+252662345601", "f")
	require.Equal(t, last+1, position())

	_, err := b.pool.Exec(b.ctx, `DELETE FROM events`)
	require.NoError(t, err)
	require.Zero(t, position())
}
