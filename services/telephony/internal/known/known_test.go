package known_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"scfm/shared/contract"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/natsbus"
	"scfm/shared/pgtest"
	"scfm/shared/testenv"
	"scfm/telephony/internal/known"
	"scfm/telephony/internal/postgres"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testBundle is a telephony schema fed by the known consumer from a
// callouts event stream on a real NATS server.
type testBundle struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	js    jetstream.JetStream
	names natsbus.Names
}

func setup(t *testing.T) testBundle {
	t.Helper()

	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.DiscardHandler)
	nc, err := natsbus.Connect(ctx, testenv.NATS(t), "test", log)
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	names := natsbus.Names{Prefix: testenv.Prefix(t)}
	require.NoError(t, natsbus.EnsureStreams(ctx, js, names, calloutsv1.Service, natsbus.StreamConfig{}))

	done := make(chan error, 1)
	noOrphans := func(context.Context, pgx.Tx, int64) error { return nil }
	go func() { done <- known.Run(ctx, pool, js, names, noOrphans, log) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		nc.Close()
	})
	return testBundle{ctx: context.Background(), pool: pool, js: js, names: names}
}

// publish puts a callouts event at position pos on the stream, as the
// callouts relay does.
func (b testBundle) publish(t *testing.T, pos int64, typ, aggregate string, id, version int64, data any) {
	t.Helper()

	raw, err := json.Marshal(data)
	require.NoError(t, err)
	env := contract.Envelope{
		EventID: uuid.NewString(), EventType: typ, SchemaVersion: 1, AggregateType: aggregate,
		AggregateID: strconv.FormatInt(id, 10), AggregateVersion: version, Position: pos,
		OccurredAt: time.Now(), Data: raw,
	}
	msg, err := json.Marshal(env)
	require.NoError(t, err)
	verb := typ[strings.LastIndex(typ, ".")+1:]
	subject := b.names.Subject(
		calloutsv1.Service + ".evt." + aggregate + "." + env.AggregateID + "." + verb)
	_, err = b.js.Publish(b.ctx, subject, msg, jetstream.WithMsgID(env.EventID))
	require.NoError(t, err)
}

// awaitPosition waits until the copy has applied position pos.
func (b testBundle) awaitPosition(t *testing.T, pos int64) {
	t.Helper()

	require.Eventually(t, func() bool {
		have, err := known.Position(b.ctx, b.pool)
		return err == nil && have >= pos
	}, 10*time.Second, 20*time.Millisecond)
	have, err := known.Position(b.ctx, b.pool)
	require.NoError(t, err)
	require.Equal(t, pos, have)
}

// participation is a known participation row.
type participation struct {
	ID, Account, Callout, Contact int64
	MSISDN                        string
	Flow                          *string
	Metadata                      string
	Population                    *int64
	CreatedAt, UpdatedAt          *time.Time
	Version                       int64
}

func (b testBundle) participations(t *testing.T) []participation {
	t.Helper()

	rows, err := b.pool.Query(b.ctx, `SELECT id, account_id, callout_id, contact_id, msisdn,
		call_flow_logic, metadata::text, callout_population_id, created_at, updated_at, version
		FROM known_participations ORDER BY id`)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (participation, error) {
		var p participation
		err := row.Scan(&p.ID, &p.Account, &p.Callout, &p.Contact, &p.MSISDN, &p.Flow, &p.Metadata,
			&p.Population, &p.CreatedAt, &p.UpdatedAt, &p.Version)
		return p, err
	})
	require.NoError(t, err)
	return out
}

func TestKnownAppliesPopulationsAndTheirPosition(t *testing.T) {
	t.Parallel()

	b := setup(t)
	created := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	updated := created.Add(time.Hour)
	flow := "CallFlowLogic::HelloWorld"
	population := calloutsv1.ParticipationsPopulatedV1{
		BatchOperationID: 9, AccountID: 1, CalloutID: 10, CreatedAt: created,
		Participations: []calloutsv1.PopulatedParticipationV1{
			{ID: 21, ContactID: 31, MSISDN: "+85510000021"},
			{ID: 22, ContactID: 32, MSISDN: "+85510000022"},
			{ID: 23, ContactID: 33, MSISDN: "+85510000023"},
		},
	}

	b.publish(t, 1, calloutsv1.CalloutCreated, calloutsv1.AggregateCallout, 10, 1,
		calloutsv1.CalloutCreatedV1{
			ID: 10, AccountID: 1, Status: "initialized", Metadata: json.RawMessage(`{"m":1}`),
			CreatedAt: created,
		})
	b.publish(t, 2, calloutsv1.ParticipationCreated, calloutsv1.AggregateCalloutParticipant, 20, 1,
		calloutsv1.ParticipationCreatedV1{
			ID: 20, AccountID: 1, CalloutID: 10, ContactID: 30, MSISDN: "+85510000020",
			CallFlowLogic: &flow, Metadata: json.RawMessage(`{"gender":"f"}`), CreatedAt: created,
		})
	b.publish(t, 3, calloutsv1.ParticipationsPopulated, calloutsv1.AggregateCalloutPopulation, 9, 1,
		population)
	b.publish(t, 4, calloutsv1.ParticipationUpdated, calloutsv1.AggregateCalloutParticipant, 22, 2,
		calloutsv1.ParticipationUpdatedV1{
			ID: 22, AccountID: 1, CalloutID: 10, MSISDN: "+85510000099",
			Metadata: json.RawMessage(`{"k":"v"}`), UpdatedAt: updated,
		})
	b.publish(t, 5, calloutsv1.CalloutStarted, calloutsv1.AggregateCallout, 10, 2,
		calloutsv1.CalloutStatusChangedV1{
			ID: 10, AccountID: 1, Status: "running", PreviousStatus: "initialized", UpdatedAt: updated,
		})
	// An event the copy has no use for still moves its position.
	b.publish(t, 6, calloutsv1.AccessTokenCreated, calloutsv1.AggregateAccessToken, 3, 1,
		calloutsv1.AccessTokenCreatedV1{ID: 3, ResourceOwnerID: 1, CreatedByID: 1, CreatedAt: created})
	b.awaitPosition(t, 6)

	pop := ptr(int64(9))
	want := []participation{
		{20, 1, 10, 30, "+85510000020", &flow, `{"gender": "f"}`, nil, &created, &created, 1},
		{21, 1, 10, 31, "+85510000021", nil, `{}`, pop, &created, &created, 1},
		{22, 1, 10, 32, "+85510000099", nil, `{"k": "v"}`, pop, &created, &updated, 2},
		{23, 1, 10, 33, "+85510000023", nil, `{}`, pop, &created, &created, 1},
	}
	requireParticipations(t, want, b.participations(t))

	var status string
	var calloutCreated, calloutUpdated time.Time
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT status, created_at, updated_at FROM known_callouts
		WHERE id = 10`).Scan(&status, &calloutCreated, &calloutUpdated))
	require.Equal(t, "running", status)
	require.True(t, created.Equal(calloutCreated))
	require.True(t, updated.Equal(calloutUpdated))

	// The same population delivered again (a relay's repeat after a crash)
	// changes nothing, and the position never goes back.
	b.publish(t, 3, calloutsv1.ParticipationsPopulated, calloutsv1.AggregateCalloutPopulation, 9, 1,
		population)
	b.publish(t, 7, calloutsv1.ContactDeleted, calloutsv1.AggregateContact, 99, 2,
		calloutsv1.ContactDeletedV1{ID: 99, AccountID: 1, DeletedAt: updated})
	b.awaitPosition(t, 7)
	requireParticipations(t, want, b.participations(t))
}

func requireParticipations(t *testing.T, want, got []participation) {
	t.Helper()

	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.True(t, w.CreatedAt.Equal(*g.CreatedAt), "created_at of %d", w.ID)
		require.True(t, w.UpdatedAt.Equal(*g.UpdatedAt), "updated_at of %d", w.ID)
		w.CreatedAt, w.UpdatedAt, g.CreatedAt, g.UpdatedAt = nil, nil, nil, nil
		require.Equal(t, w, g)
	}
}

func ptr[T any](v T) *T { return &v }
