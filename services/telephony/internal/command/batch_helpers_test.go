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
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"scfm/shared/batchops"
	"scfm/shared/callflow"
	"scfm/shared/contract"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/natsbus"
	"scfm/shared/pgtest"
	"scfm/shared/reply"
	"scfm/shared/testenv"
	"scfm/telephony/internal/command"
	"scfm/telephony/internal/known"
	"scfm/telephony/internal/postgres"
	"scfm/telephony/internal/query"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// params are the provider parameters of the calls the tests create.
var params = map[string]any{"from": "1234", "url": "http://x/y"}

// bundle is a migrated telephony schema with its command handlers, fed
// callouts events the way the known consumer applies them.
type bundle struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	cmds  *command.Handlers
	batch query.Batch
	pos   int64

	mu     sync.Mutex
	frozen time.Time // the handlers' clock when set
}

func setup(t *testing.T) *bundle {
	t.Helper()

	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	b := &bundle{ctx: context.Background(), pool: pool, batch: query.NewBatch(pool)}
	b.cmds = command.New(pool, b.now, callflow.NewRegistry(nil))
	return b
}

// now is the handlers' clock: the frozen time, else the real one.
func (b *bundle) now() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.frozen.IsZero() {
		return time.Now()
	}
	return b.frozen
}

// freeze stops the handlers' clock at at (the real clock again when zero).
func (b *bundle) freeze(at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.frozen = at
}

// feed applies callouts events as one consumer batch, at the next positions.
func (b *bundle) feed(t *testing.T, events ...contract.Envelope) {
	t.Helper()

	for i := range events {
		b.pos++
		events[i].Position = b.pos
	}
	noOrphans := func(context.Context, pgx.Tx, int64) error { return nil }
	require.NoError(t, known.ApplyBatch(b.ctx, b.pool, events, noOrphans))
}

// envelope is a callouts event about aggregate id at version.
func envelope(typ, aggregate string, id, version int64, data any) contract.Envelope {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return contract.Envelope{
		EventID: uuid.NewString(), EventType: typ, SchemaVersion: 1, AggregateType: aggregate,
		AggregateID: strconv.FormatInt(id, 10), AggregateVersion: version, Data: raw,
	}
}

func (b *bundle) account(t *testing.T, id int64) {
	t.Helper()

	b.feed(t, envelope(calloutsv1.AccountCreated, calloutsv1.AggregateAccount, id, 1,
		calloutsv1.AccountCreatedV1{AccountV1: calloutsv1.AccountV1{
			ID: id, Metadata: json.RawMessage(`{}`), Settings: json.RawMessage(`{}`),
		}, CreatedAt: time.Now()}))
}

// callout creates callout id of account, started when running is true.
func (b *bundle) callout(t *testing.T, account, id int64, running bool, md string) {
	t.Helper()

	events := []contract.Envelope{envelope(calloutsv1.CalloutCreated, calloutsv1.AggregateCallout, id, 1,
		calloutsv1.CalloutCreatedV1{
			ID: id, AccountID: account, Status: "initialized", Metadata: json.RawMessage(md),
			CreatedAt: time.Now(),
		})}
	if running {
		events = append(events, envelope(calloutsv1.CalloutStarted, calloutsv1.AggregateCallout, id, 2,
			calloutsv1.CalloutStatusChangedV1{
				ID: id, AccountID: account, Status: "running", PreviousStatus: "initialized",
				UpdatedAt: time.Now(),
			}))
	}
	b.feed(t, events...)
}

// participation creates participation id of callout, for contact id+1000,
// with call flow logic flow when not empty.
func (b *bundle) participation(t *testing.T, account, callout, id int64, md, flow string) {
	t.Helper()

	b.feed(t, envelope(calloutsv1.ParticipationCreated, calloutsv1.AggregateCalloutParticipant, id, 1,
		calloutsv1.ParticipationCreatedV1{
			ID: id, AccountID: account, CalloutID: callout, ContactID: id + 1000, MSISDN: number(id),
			CallFlowLogic: nonEmpty(flow), Metadata: json.RawMessage(md), CreatedAt: time.Now(),
		}))
}

// populate creates participations first..last of callout through a
// population event of operation op, created at at.
func (b *bundle) populate(t *testing.T, account, callout, op, first, last int64, at time.Time) {
	t.Helper()

	var rows []calloutsv1.PopulatedParticipationV1
	for id := first; id <= last; id++ {
		rows = append(rows, calloutsv1.PopulatedParticipationV1{
			ID: id, ContactID: id + 1000, MSISDN: number(id),
		})
	}
	b.feed(t, envelope(calloutsv1.ParticipationsPopulated, calloutsv1.AggregateCalloutPopulation, op, 1,
		calloutsv1.ParticipationsPopulatedV1{
			BatchOperationID: op, AccountID: account, CalloutID: callout, Participations: rows,
			CreatedAt: at,
		}))
}

func number(id int64) string { return fmt.Sprintf("+85510%06d", id) }

// step sends a batch step as command id and decodes its answer.
func (b *bundle) step(
	t *testing.T, h func(context.Context, natsbus.Request) (reply.Reply, error), account int64, id string,
	s batchops.Step,
) batchops.StepResult {
	t.Helper()

	r := b.send(t, h, account, id, s)
	require.Equal(t, 200, r.Status, string(r.Body))
	var res batchops.StepResult
	require.NoError(t, json.Unmarshal(r.Body, &res))
	return res
}

// send sends a command payload as command id and returns the answer.
func (b *bundle) send(
	t *testing.T, h func(context.Context, natsbus.Request) (reply.Reply, error), account int64, id string,
	payload any,
) reply.Reply {
	t.Helper()

	data, err := json.Marshal(payload)
	require.NoError(t, err)
	r, err := h(b.ctx, natsbus.Request{ID: id, AccountID: account, Data: data})
	require.NoError(t, err)
	return r
}

// createStep is a creation step of operation op over everything the
// filters select.
func createStep(op int64, after int64, limit int) batchops.Step {
	return batchops.Step{
		Selection: batchops.Selection{OperationID: op, Type: batchops.PhoneCallCreate},
		Run:       1, After: after, Limit: limit, RemoteRequestParams: params,
	}
}

// phoneCall is a call as the phone_calls table holds it.
type phoneCall struct {
	ID, Participation                 int64
	Status                            string
	CreateBatch, QueueBatch, FetchOne *int64
}

// calls returns account's calls in id order.
func (b *bundle) calls(t *testing.T, account int64) []phoneCall {
	t.Helper()

	rows, err := b.pool.Query(b.ctx, `SELECT id, callout_participation_id, status,
		create_batch_operation_id, queue_batch_operation_id, queue_remote_fetch_batch_operation_id
		FROM phone_calls WHERE account_id = $1 ORDER BY id`, account)
	require.NoError(t, err)
	defer rows.Close()
	var out []phoneCall
	for rows.Next() {
		var c phoneCall
		err := rows.Scan(&c.ID, &c.Participation, &c.Status, &c.CreateBatch, &c.QueueBatch, &c.FetchOne)
		require.NoError(t, err)
		out = append(out, c)
	}
	require.NoError(t, rows.Err())
	return out
}

// participationsOf returns the participations of calls, in order.
func participationsOf(calls []phoneCall) []int64 {
	out := make([]int64, len(calls))
	for i, c := range calls {
		out[i] = c.Participation
	}
	return out
}

// createCall creates a call for participation p through the single create.
func (b *bundle) createCall(t *testing.T, account, p int64) int64 {
	t.Helper()

	r := b.send(t, b.cmds.CreatePhoneCall, account, uuid.NewString(), map[string]any{
		"callout_participation_id": p, "remote_request_params": params,
	})
	require.Equal(t, 201, r.Status, string(r.Body))
	var body struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &body))
	return body.ID
}

// move moves call id to status next, with what the provider said.
func (b *bundle) move(t *testing.T, id int64, next string, remote command.Remote) {
	t.Helper()

	moved, err := b.cmds.Transition(b.ctx, id, func(string) (string, bool) { return next, true }, remote)
	require.NoError(t, err)
	require.True(t, moved)
}

func ptr[T any](v T) *T { return &v }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// natsRequest is a query of account with payload v.
func natsRequest(t *testing.T, account int64, v any) natsbus.Request {
	t.Helper()

	data, err := json.Marshal(v)
	require.NoError(t, err)
	return natsbus.Request{AccountID: account, Data: data}
}

// natsRequestData is command id of account with payload data.
func natsRequestData(account int64, id string, data []byte) natsbus.Request {
	return natsbus.Request{ID: id, AccountID: account, Data: data}
}
