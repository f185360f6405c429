// Package command decides the callouts service's commands: each handler
// loads what it needs, checks the rules, and records events together with
// their projection and the command's answer in one transaction.
package command

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/callouts/internal/projection"
	"scfm/callouts/internal/query"
	"scfm/shared/callflow"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Handlers decides commands against the service's database.
type Handlers struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	flows callflow.Registry
	// tokenChanged, when set, is told the hash of a token that was deleted
	// or changed owner, right after the commit, so gateways stop honouring
	// it at once instead of when the token feed catches up.
	tokenChanged func(ctx context.Context, hash string)
}

// New returns handlers over pool; now is the clock (time.Now in
// production) and flows the accepted call flow logics.
func New(pool *pgxpool.Pool, now func() time.Time, flows callflow.Registry) *Handlers {
	return &Handlers{pool: pool, now: now, flows: flows}
}

// OnTokenChange registers the hook told about deleted tokens.
func (h *Handlers) OnTokenChange(fn func(ctx context.Context, hash string)) { h.tokenChanged = fn }

// clock returns the current time at the database's precision, so the time
// in an event and the time in its projection are the same value.
func (h *Handlers) clock() time.Time { return h.now().UTC().Truncate(time.Microsecond) }

// decideFunc decides one attempt of a command in tx; it calls rec.Record
// for its events.
type decideFunc func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error)

// recorder projects the events of the command being decided and keeps them
// for the event store to append when the command's transaction ends.
type recorder struct {
	tx     pgx.Tx
	req    natsbus.Request
	events []eventstore.Event
}

// Record applies each event to the read tables, so the rest of the command
// (and its answer) sees them, and keeps it for appending.
func (r *recorder) Record(ctx context.Context, events ...eventstore.Event) error {
	for _, e := range events {
		if err := projection.Apply(ctx, r.tx, e); err != nil {
			return err
		}
	}
	r.events = append(r.events, events...)
	return nil
}

// Metadata is the event metadata of the command being decided.
func (r *recorder) Metadata() eventstore.Metadata {
	return eventstore.Metadata{
		CommandID:     r.req.ID,
		CorrelationID: r.req.CorrelationID,
		CausationID:   r.req.ID,
		AccountID:     r.req.AccountID,
	}
}

// run executes decide once per command id.
func (h *Handlers) run(ctx context.Context, req natsbus.Request, decide decideFunc) (reply.Reply, error) {
	r, _, err := h.runFresh(ctx, req, decide)
	return r, err
}

// runFresh is run that also tells whether this call decided the command or
// found an earlier answer.
func (h *Handlers) runFresh(ctx context.Context, req natsbus.Request, decide decideFunc) (reply.Reply, bool, error) {
	return eventstore.ExecuteFresh(ctx, h.pool, req.ID,
		func(ctx context.Context, tx pgx.Tx) (reply.Reply, []eventstore.Event, error) {
			rec := &recorder{tx: tx, req: req}
			r, err := decide(ctx, tx, rec)
			return r, rec.events, err
		})
}

// decode reads a command payload keeping numbers as written. A payload that
// cannot be read is the sender's fault and answers 400.
func decode(data []byte, v any) (reply.Reply, bool) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return reply.BadRequest("base", "is invalid"), false
	}
	return reply.Reply{}, true
}

// renderCreated answers 201 with the new row as res renders it.
func renderCreated(ctx context.Context, tx pgx.Tx, path string, id int64, res query.Resource) (reply.Reply, error) {
	body, err := res.Render(ctx, tx, id)
	if err != nil {
		return reply.Reply{}, err
	}
	loc := path + strconv.FormatInt(id, 10)
	return reply.Reply{Status: 201, Location: loc, Total: -1, Body: body}, nil
}

// mustJSON marshals the plain structs events carry.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("marshal " + err.Error()) // plain structs always marshal
	}
	return b
}
