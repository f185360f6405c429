// Package commands is the frame every command handler of a service runs
// in: decode the payload, decide inside a transaction that also applies
// the events to the read tables, and hand the events and the answer to the
// event store, exactly once per command id.
package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/readmodel"
	"scfm/shared/reply"
)

// Project applies one event to a service's read tables.
type Project func(ctx context.Context, tx pgx.Tx, e eventstore.Event) error

// Decide decides one attempt of a command in tx; it calls rec.Record for
// its events.
type Decide func(ctx context.Context, tx pgx.Tx, rec *Recorder) (reply.Reply, error)

// Recorder projects the events of the command being decided and keeps them
// for the event store to append when the command's transaction ends.
type Recorder struct {
	tx      pgx.Tx
	req     natsbus.Request
	project Project
	events  []eventstore.Event
}

// NewRecorder returns a recorder for events decided in tx outside Runner,
// e.g. by a background worker; the caller appends Events before commit.
func NewRecorder(tx pgx.Tx, req natsbus.Request, project Project) *Recorder {
	return &Recorder{tx: tx, req: req, project: project}
}

// Events returns the events recorded so far.
func (r *Recorder) Events() []eventstore.Event { return r.events }

// MaxEventBytes bounds an event's public payload. Events travel as NATS
// messages whose size the server caps; a larger event would stop the relay
// for every account, so the command that would record it is refused.
const MaxEventBytes = 1 << 20

// ErrTooLarge reports an event over MaxEventBytes; the command answers 422.
var ErrTooLarge = errors.New("commands: event too large")

// Record applies each event to the read tables, so the rest of the command
// (and its answer) sees them, and keeps it for appending.
func (r *Recorder) Record(ctx context.Context, events ...eventstore.Event) error {
	for _, e := range events {
		if len(e.Data) > MaxEventBytes {
			return ErrTooLarge
		}
	}
	for _, e := range events {
		if err := r.project(ctx, r.tx, e); err != nil {
			return err
		}
	}
	r.events = append(r.events, events...)
	return nil
}

// Projected keeps events whose effect on the read tables the command has
// already written itself, set-based (a bulk insert), for appending. Their
// projection must still produce the same rows when the log is replayed.
func (r *Recorder) Projected(events ...eventstore.Event) error {
	for _, e := range events {
		if len(e.Data) > MaxEventBytes {
			return ErrTooLarge
		}
	}
	r.events = append(r.events, events...)
	return nil
}

// Metadata is the event metadata of the command being decided.
func (r *Recorder) Metadata() eventstore.Metadata {
	return eventstore.Metadata{
		CommandID:     r.req.ID,
		CorrelationID: r.req.CorrelationID,
		CausationID:   r.req.ID,
		AccountID:     r.req.AccountID,
	}
}

// Runner executes commands against one service's database.
type Runner struct {
	Pool    *pgxpool.Pool
	Project Project
	// Batcher, when set, runs commands that arrive together in one
	// transaction.
	Batcher *eventstore.Batcher
}

// Run executes decide once per command id.
func (x Runner) Run(ctx context.Context, req natsbus.Request, decide Decide) (reply.Reply, error) {
	r, _, err := x.RunFresh(ctx, req, decide)
	return r, err
}

// RunFresh is Run that also tells whether this call decided the command or
// found an earlier answer.
func (x Runner) RunFresh(ctx context.Context, req natsbus.Request, decide Decide) (reply.Reply, bool, error) {
	return x.run(ctx, req, req.ID, decide)
}

// run executes decide for req, keeping its answer under key.
func (x Runner) run(
	ctx context.Context, req natsbus.Request, key string, decide Decide,
) (reply.Reply, bool, error) {
	run := func(ctx context.Context, tx pgx.Tx) (reply.Reply, []eventstore.Event, error) {
		rec := &Recorder{tx: tx, req: req, project: x.Project}
		r, err := decide(ctx, tx, rec)
		if errors.Is(err, ErrTooLarge) {
			return reply.Invalid1("metadata", "is too large"), nil, nil
		}
		return r, rec.events, err
	}
	if x.Batcher != nil {
		return x.Batcher.Execute(ctx, key, run)
	}
	return eventstore.ExecuteFresh(ctx, x.Pool, key, run)
}

// RunUnrecorded executes decide without keeping its answer: for commands
// whose decision finds its own repeats and answers them as the first time
// (see eventstore.Unrecorded).
func (x Runner) RunUnrecorded(ctx context.Context, req natsbus.Request, decide Decide) (reply.Reply, error) {
	r, _, err := x.run(ctx, req, eventstore.Unrecorded, decide)
	return r, err
}

// Decode reads a command payload keeping numbers as written. A payload that
// cannot be read is the sender's fault and answers 400.
func Decode(data []byte, v any) (reply.Reply, bool) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return reply.BadRequest("base", "is invalid"), false
	}
	return reply.Reply{}, true
}

// NextID allocates the next id of table's identity column.
func NextID(ctx context.Context, tx pgx.Tx, table string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id'))`, table).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("allocate %s id: %w", table, err)
	}
	return id, nil
}

// Exists reports whether "SELECT 1 FROM <from>" with arg finds a row.
func Exists(ctx context.Context, tx pgx.Tx, from string, arg any) (bool, error) {
	var found bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+from+")", arg).Scan(&found); err != nil {
		return false, fmt.Errorf("check %s: %w", from, err)
	}
	return found, nil
}

// Created answers 201 with row id of res as it is now in tx.
func Created(
	ctx context.Context,
	tx pgx.Tx,
	path string,
	id int64,
	res readmodel.Resource,
) (reply.Reply, error) {
	body, err := res.Render(ctx, tx, id)
	if err != nil {
		return reply.Reply{}, err
	}
	return reply.Reply{Status: 201, Location: path + strconv.FormatInt(id, 10), Total: -1, Body: body}, nil
}

// MustJSON marshals the plain structs events carry.
func MustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("marshal " + err.Error()) // plain structs always marshal
	}
	return b
}

// BlankToNil treats an empty value as null.
func BlankToNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}
