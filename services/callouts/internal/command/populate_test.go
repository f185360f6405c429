package command_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"scfm/callouts/internal/command"
	"scfm/callouts/internal/postgres"
	"scfm/shared/batchops"
	"scfm/shared/callflow"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/natsbus"
	"scfm/shared/pgtest"
	"scfm/shared/reply"
)

// testBundle is a migrated database with the super-admin account (1) and
// a second account (2).
type testBundle struct {
	ctx  context.Context
	pool *pgxpool.Pool
	cmds *command.Handlers
}

func setup(t testing.TB) *testBundle {
	t.Helper()

	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	var mu sync.Mutex
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(time.Millisecond)
		return tick
	}
	b := &testBundle{
		ctx: context.Background(), pool: pool, cmds: command.New(pool, clock, callflow.NewRegistry(nil)),
	}
	_, err := b.cmds.SeedSuperAdmin(b.ctx)
	require.NoError(t, err)
	r, err := b.cmds.CreateAccount(b.ctx, natsbus.Request{
		ID: uuid.NewString(), AccountID: 1, SuperAdmin: true, Data: []byte(`{"metadata":{"name":"B"}}`),
	})
	require.NoError(t, err)
	require.Equal(t, 201, r.Status, string(r.Body))
	return b
}

// send runs handler h as account acct with a fresh command id.
func (b *testBundle) send(t testing.TB, h natsbus.Handler, acct int64, payload any) reply.Reply {
	t.Helper()

	return b.sendID(t, h, uuid.NewString(), acct, payload)
}

func (b *testBundle) sendID(t testing.TB, h natsbus.Handler, id string, acct int64, payload any) reply.Reply {
	t.Helper()

	data, ok := payload.(string)
	if !ok {
		raw, err := json.Marshal(payload)
		require.NoError(t, err)
		data = string(raw)
	}
	r, err := h(b.ctx, natsbus.Request{ID: id, AccountID: acct, Data: []byte(data)})
	require.NoError(t, err)
	return r
}

// created returns the id in a 201 answer.
func created(t testing.TB, r reply.Reply) int64 {
	t.Helper()

	require.Equal(t, 201, r.Status, string(r.Body))
	var v struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &v))
	return v.ID
}

func (b *testBundle) contact(t testing.TB, acct int64, number, gender string) int64 {
	t.Helper()

	return created(t, b.send(t, b.cmds.CreateContact, acct,
		map[string]any{"msisdn": number, "metadata": map[string]any{"gender": gender}}))
}

func (b *testBundle) callout(t testing.TB, acct int64) int64 {
	t.Helper()

	payload := map[string]any{"call_flow_logic": callflow.PlayMessage}
	return created(t, b.send(t, b.cmds.CreateCallout, acct, payload))
}

// step runs a population step and returns its result.
func (b *testBundle) step(t testing.TB, id string, acct int64, s batchops.Step) batchops.StepResult {
	t.Helper()

	r := b.sendID(t, b.cmds.Populate, id, acct, s)
	require.Equal(t, 200, r.Status, string(r.Body))
	var res batchops.StepResult
	require.NoError(t, json.Unmarshal(r.Body, &res))
	return res
}

type participation struct {
	ContactID, PopulationID int64
	MSISDN, Metadata        string
	Version                 int64
}

// participations returns callout k's participations by contact id.
func (b *testBundle) participations(t testing.TB, k int64) map[int64]participation {
	t.Helper()

	rows, err := b.pool.Query(b.ctx, `
		SELECT contact_id, coalesce(callout_population_id, 0), msisdn, metadata::text, version
		FROM callout_participations WHERE callout_id = $1`, k)
	require.NoError(t, err)
	defer rows.Close()
	out := map[int64]participation{}
	for rows.Next() {
		var p participation
		require.NoError(t, rows.Scan(&p.ContactID, &p.PopulationID, &p.MSISDN, &p.Metadata, &p.Version))
		out[p.ContactID] = p
	}
	require.NoError(t, rows.Err())
	return out
}

func population(op, k int64, after int64, limit int, contactFilter map[string]any) batchops.Step {
	return batchops.Step{
		Selection: batchops.Selection{
			OperationID: op, Type: batchops.CalloutPopulation, CalloutID: &k, ContactFilter: contactFilter,
		},
		Run: 1, After: after, Limit: limit,
	}
}

func TestPopulateAddsMatchingContactsOnce(t *testing.T) {
	t.Parallel()

	b := setup(t)
	x := b.contact(t, 1, "+252662345601", "f")
	y := b.contact(t, 1, "+252662345602", "m")
	z := b.contact(t, 1, "+252662345603", "f")
	w := b.contact(t, 1, "+252662345604", "f")
	v := b.contact(t, 1, "+252662345605", "f")
	k := b.callout(t, 1)
	other := b.contact(t, 2, "+252662345606", "f")

	// Z is in the callout already, and Y's participation has W's number.
	created(t, b.send(t, b.cmds.CreateParticipation, 1, map[string]any{
		"callout_id": k, "contact_id": fmt.Sprint(z),
	}))
	created(t, b.send(t, b.cmds.CreateParticipation, 1, map[string]any{
		"callout_id": k, "contact_id": fmt.Sprint(y), "msisdn": "+252662345604",
	}))

	female := map[string]any{"metadata": map[string]any{"gender": "f"}}
	first := population(7, k, 0, 2, female)
	firstID := batchops.StepID(7, 1, 0)
	got := b.step(t, firstID, 1, first)
	require.Equal(t, batchops.StepResult{Selected: 2, Applied: 1, Last: z, Done: false}, got)

	got = b.step(t, batchops.StepID(7, 1, z), 1, population(7, k, z, 2, female))
	require.Equal(t, batchops.StepResult{Selected: 2, Applied: 1, Last: v, Done: false}, got)
	got = b.step(t, batchops.StepID(7, 1, v), 1, population(7, k, v, 2, female))
	require.Equal(t, batchops.StepResult{Selected: 0, Applied: 0, Last: v, Done: true}, got)

	ps := b.participations(t, k)
	require.Len(t, ps, 4)
	populated := func(contact int64, number string) participation {
		return participation{ContactID: contact, PopulationID: 7, MSISDN: number, Metadata: "{}", Version: 1}
	}
	require.Equal(t, populated(x, "+252662345601"), ps[x])
	require.Equal(t, populated(v, "+252662345605"), ps[v])
	require.Equal(t, int64(0), ps[z].PopulationID, "the direct participation is untouched")
	require.NotContains(t, ps, w, "W's number is taken in the callout")
	require.NotContains(t, ps, other)

	// The same command again gets the stored answer and adds nothing.
	got = b.step(t, firstID, 1, first)
	require.Equal(t, batchops.StepResult{Selected: 2, Applied: 1, Last: z, Done: false}, got)
	// The same step under a new id selects the same contacts and skips them.
	got = b.step(t, uuid.NewString(), 1, first)
	require.Equal(t, batchops.StepResult{Selected: 2, Applied: 0, Last: z, Done: false}, got)
	require.Len(t, b.participations(t, k), 4)

	var events int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM events WHERE stream_type = $1`,
		calloutsv1.AggregateCalloutPopulation).Scan(&events))
	require.Equal(t, 2, events, "one event per step that created participations")
}

func TestPopulateIsScopedToTheAccount(t *testing.T) {
	t.Parallel()

	b := setup(t)
	mine := b.contact(t, 2, "+252662345611", "f")
	b.contact(t, 1, "+252662345612", "f")
	theirs := b.callout(t, 1)
	k := b.callout(t, 2)

	r := b.send(t, b.cmds.Populate, 2, population(3, theirs, 0, 10, nil))
	require.Equal(t, 404, r.Status, "another account's callout")
	require.Empty(t, b.participations(t, theirs))

	got := b.step(t, uuid.NewString(), 2, population(3, k, 0, 10, nil))
	require.Equal(t, batchops.StepResult{Selected: 1, Applied: 1, Last: mine, Done: true}, got)
	require.Len(t, b.participations(t, k), 1)
	require.Contains(t, b.participations(t, k), mine)
}

func TestPopulateRefusesBadSteps(t *testing.T) {
	t.Parallel()

	b := setup(t)
	k := b.callout(t, 1)
	missing := int64(999)
	tests := []struct {
		name    string
		payload any
		status  int
	}{
		{"NotJSON", `{"limit":`, 400},
		{"NoCallout", batchops.Step{Selection: batchops.Selection{OperationID: 1}, Limit: 5}, 404},
		{"UnknownCallout", population(1, missing, 0, 5, nil), 404},
		{"NoLimit", population(1, k, 0, 0, nil), 422},
		{"NoOperation", population(0, k, 0, 5, nil), 422},
		{"OtherType", batchops.Step{
			Selection: batchops.Selection{OperationID: 1, Type: batchops.PhoneCallCreate, CalloutID: &k},
			Limit:     5,
		}, 422},
		{"FilterNotAnObject", `{"operation_id":1,"callout_id":` + strconv.FormatInt(k, 10) +
			`,"contact_filter":"x","limit":5}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			r := b.send(t, b.cmds.Populate, 1, tt.payload)
			require.Equal(t, tt.status, r.Status, string(r.Body))
		})
	}
}

func TestPopulateSplitsLargeStepsIntoEvents(t *testing.T) {
	t.Parallel()

	b := setup(t)
	k := b.callout(t, 1)
	n := 2*calloutsv1.PopulationEventRows + 17
	seedContacts(t, b.ctx, b.pool, 1, n+10)

	got := b.step(t, uuid.NewString(), 1, population(9, k, 0, n, nil))
	require.Equal(t, n, got.Applied)
	got = b.step(t, uuid.NewString(), 1, population(9, k, got.Last, n, nil))
	require.Equal(t, batchops.StepResult{Selected: 10, Applied: 10, Last: got.Last, Done: true}, got)

	rows, err := b.pool.Query(b.ctx, `
		SELECT stream_version, jsonb_array_length(data->'participations') FROM events
		WHERE stream_type = $1 AND stream_id = '9' ORDER BY position`, calloutsv1.AggregateCalloutPopulation)
	require.NoError(t, err)
	var versions, sizes []int
	for rows.Next() {
		var v, size int
		require.NoError(t, rows.Scan(&v, &size))
		versions, sizes = append(versions, v), append(sizes, size)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []int{1, 2, 3, 4}, versions)
	require.Equal(t, []int{calloutsv1.PopulationEventRows, calloutsv1.PopulationEventRows, 17, 10}, sizes)

	// Participation ids ascend with contact ids.
	var ordered bool
	require.NoError(t, b.pool.QueryRow(b.ctx, `
		SELECT bool_and(ok) FROM (
			SELECT id > lag(id, 1, 0::bigint) OVER (ORDER BY contact_id) AS ok
			FROM callout_participations WHERE callout_id = $1) x`, k).Scan(&ordered))
	require.True(t, ordered)
	require.Len(t, b.participations(t, k), n+10)
}

// A participation update that takes the number of a contact the step is
// adding, after the step has looked, makes the step's insert fail on the
// unique key once the update commits. The step is then decided again,
// skips that contact, and succeeds.
func TestPopulateRetriesAfterARacingWrite(t *testing.T) {
	t.Parallel()

	b := setup(t)
	k := b.callout(t, 1)
	seedContacts(t, b.ctx, b.pool, 1, 400)
	holder := b.contact(t, 1, "+85512000000", "m")
	p := created(t, b.send(t, b.cmds.CreateParticipation, 1, map[string]any{
		"callout_id": k, "contact_id": fmt.Sprint(holder),
	}))
	var racer int64
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT id FROM contacts WHERE msisdn = $1`,
		seededNumber(200)).Scan(&racer))

	// The update holds its change uncommitted while the step runs; like a
	// participation update, it takes no lock on the callout.
	tx, err := b.pool.Begin(b.ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(b.ctx) }()
	_, err = tx.Exec(b.ctx, `UPDATE callout_participations SET msisdn = $2 WHERE id = $1`,
		p, seededNumber(200))
	require.NoError(t, err)

	done := make(chan reply.Reply, 1)
	go func() {
		r, err := b.cmds.Populate(b.ctx, natsbus.Request{
			ID: uuid.NewString(), AccountID: 1, Data: mustJSON(t, population(5, k, 0, 1000, nil)),
		})
		if err != nil {
			r = reply.Internal(err)
		}
		done <- r
	}()
	require.Eventually(t, func() bool {
		var waiting int
		err := b.pool.QueryRow(b.ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		return err == nil && waiting > 0
	}, 10*time.Second, 5*time.Millisecond, "the step's insert waits for the update")
	require.NoError(t, tx.Commit(b.ctx))

	r := <-done
	require.Equal(t, 200, r.Status, string(r.Body))
	var res batchops.StepResult
	require.NoError(t, json.Unmarshal(r.Body, &res))
	require.Equal(t, batchops.StepResult{Selected: 401, Applied: 399, Last: holder, Done: true}, res)
	ps := b.participations(t, k)
	require.Len(t, ps, 400)
	require.NotContains(t, ps, racer, "its number is the holder's")
	require.Equal(t, seededNumber(200), ps[holder].MSISDN)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()

	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}
