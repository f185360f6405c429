package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"scfm/shared/commands"
	tel "scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/metadata"
	"scfm/shared/msisdn"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
	"scfm/telephony/internal/domain/phonecall"
	"scfm/telephony/internal/flow"
)

// Callback is a provider callback, already authenticated by its signature.
type Callback struct {
	// AccountID is the account whose provider SID signed it.
	AccountID int64 `json:"account_id"`
	// PhoneCallID is the call named in the callback URL, when this system
	// set that URL; it finds a call whose SID is not recorded yet.
	PhoneCallID int64 `json:"phone_call_id,omitempty"`
	// Details are every parameter of the callback.
	Details map[string]any `json:"details"`
}

// RecordCallback records a provider callback and moves its call forward:
// a terminal status is never left, and a repeated callback is recorded
// once. The answer is the TwiML of the call's call flow logic. The first
// callback of an inbound call creates its phone call (its caller becomes a
// contact through the callouts service). A callback for an outbound call
// this system does not know is recorded and answered too, so the provider
// does not retry it.
func (h *Handlers) RecordCallback(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var cb Callback
	if r, ok := commands.Decode(req.Data, &cb); !ok {
		return r, nil
	}
	d := func(k string) string { return filter.Text(cb.Details[k]) }
	sid, direction, status := d("CallSid"), d("Direction"), d("CallStatus")
	if sid == "" || direction == "" {
		errs := reply.Errors{}
		if sid == "" {
			errs.Add("remote_call_id", "can't be blank")
		}
		if direction == "" {
			errs.Add("remote_direction", "can't be blank")
		}
		return reply.Invalid(errs), nil
	}
	dedupe := strings.ToLower(sid) + "|" + status + "|" + d("SequenceNumber") + "|" + d("CallDuration")

	// A repeated callback, whether the provider sent it twice or the bus
	// delivered it twice, finds its dedupe key and gets the same TwiML, so
	// no answer needs keeping.
	return h.runner.RunUnrecorded(
		ctx,
		req,
		func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder) (reply.Reply, error) {
			c, found, remote, err := callbackCall(ctx, tx, cb.AccountID, cb.PhoneCallID, sid, dedupe)
			if err != nil {
				return reply.Reply{}, err
			}
			if !found && direction == "inbound" {
				if c, err = h.inboundCall(ctx, tx, rec, cb.AccountID, d("From")); err != nil {
					return reply.Reply{}, err
				}
				found = true
			}
			logic, calloutMD := h.flowOf(c, found)
			twiml, err := flow.Render(logic, calloutMD)
			if err != nil {
				return reply.Reply{}, err
			}
			answer := reply.Reply{Status: 201, Total: -1, Body: []byte(twiml)}

			if !remote.fresh {
				return answer, nil
			}
			id := remote.id
			var callID *int64
			if found {
				callID = &c.id
				if c.flow == nil {
					// The call flow that answered is now the call's own.
					if c, err = h.keepFlow(ctx, tx, rec, c, logic); err != nil {
						return reply.Reply{}, err
					}
				}
				if err := h.advance(ctx, rec, c, sid, status, direction); err != nil {
					return reply.Reply{}, err
				}
			}
			ev := eventstore.New(
				tel.AggregateRemoteEvent,
				strconv.FormatInt(id, 10),
				1,
				tel.RemoteEventCreated,
				tel.RemoteEventCreatedV1{
					ID: id, AccountID: cb.AccountID, PhoneCallID: callID, RemoteCallID: sid,
					RemoteDirection: direction, CallStatus: status, CallFlowLogic: logic, CreatedAt: h.clock(),
				},
				rec.Metadata(),
			)
			ev.Private = commands.MustJSON(map[string]any{"details": cb.Details, "dedupe_key": dedupe})
			return answer, rec.Record(ctx, ev)
		},
	)
}

// callbackCall finds and locks the call a callback is about: the one its
// URL names, else the one with its SID. In the same round trip it looks
// for an earlier callback with the same dedupe key; that check runs after
// the lock is taken, so of two copies of a callback the second sees the
// first once it may proceed.
func callbackCall(
	ctx context.Context, tx pgx.Tx, account, id int64, sid, dedupe string,
) (call, bool, remoteEvent, error) {
	if id == 0 {
		err := tx.QueryRow(ctx, `SELECT id FROM phone_calls WHERE lower(remote_call_id) = lower($1)
			AND account_id = $2`, sid, account).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			ev, err := newRemoteEvent(tx.QueryRow(ctx, newRemoteEventSQL, dedupe), dedupe)
			return call{}, false, ev, err
		}
		if err != nil {
			return call{}, false, remoteEvent{}, fmt.Errorf("find call %s: %w", sid, err)
		}
	}

	b := &pgx.Batch{}
	b.Queue(loadCallSQL, id, account)
	b.Queue(newRemoteEventSQL, dedupe)
	res := tx.SendBatch(ctx, b)
	c, found, err := scanCall(res.QueryRow(), account, id)
	if err != nil {
		_ = res.Close()
		return c, false, remoteEvent{}, err
	}
	ev, err := newRemoteEvent(res.QueryRow(), dedupe)
	if err != nil {
		_ = res.Close()
		return c, false, ev, err
	}
	return c, found, ev, res.Close()
}

// flowOf resolves the call flow logic of a callback's call (HelloWorld for
// an unknown call) and its callout's metadata.
func (h *Handlers) flowOf(c call, found bool) (string, []byte) {
	if !found {
		return flow.Resolve(h.flows), nil
	}
	return flow.Resolve(h.flows, c.flow, c.inherited), c.calloutMD
}

// newRemoteEventSQL reports whether a remote event with the dedupe key $1
// was recorded already and allocates the id a new one would get (an id
// taken for a repeat is left unused).
const newRemoteEventSQL = `SELECT EXISTS (SELECT 1 FROM remote_phone_call_events
	WHERE dedupe_key = $1), nextval(pg_get_serial_sequence('remote_phone_call_events', 'id'))`

// remoteEvent is the id a callback's remote event gets, and whether it is
// the first with its dedupe key.
type remoteEvent struct {
	id    int64
	fresh bool
}

// newRemoteEvent reads the row of newRemoteEventSQL.
func newRemoteEvent(row pgx.Row, dedupe string) (remoteEvent, error) {
	var (
		ev       remoteEvent
		repeated bool
	)
	if err := row.Scan(&repeated, &ev.id); err != nil {
		return ev, fmt.Errorf("check remote event %s: %w", dedupe, err)
	}
	ev.fresh = !repeated
	return ev, nil
}

// advance moves the call forward by the callback's status; a call still
// dispatching learns its SID here if the provider called back first.
func (h *Handlers) advance(
	ctx context.Context,
	rec *commands.Recorder,
	c call,
	sid, status, direction string,
) error {
	next, ok := phonecall.FromRemote(status)
	r := Remote{Status: &status, Direction: &direction}
	if c.remoteID == nil {
		r.CallID = &sid
	}
	if c.status == tel.StatusDispatching {
		// The provider has the call: it is remotely queued at least.
		now := h.clock()
		r.QueuedAt = &now
		if !ok {
			next, ok = tel.StatusRemotelyQueued, true
		}
	}
	if !ok || !phonecall.Forward(c.status, next) {
		return nil
	}
	return h.move(ctx, rec, c, next, r)
}

// UpdateRemoteEvent changes a remote event's metadata.
func (h *Handlers) UpdateRemoteEvent(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w Write
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.runner.Run(
		ctx,
		req,
		func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder) (reply.Reply, error) {
			var raw []byte
			var version int64
			err := tx.QueryRow(ctx, `SELECT metadata::text, version FROM remote_phone_call_events
			WHERE id = $1 AND account_id = $2 FOR UPDATE`, w.ID, req.AccountID).Scan(&raw, &version)
			if errors.Is(err, pgx.ErrNoRows) {
				return reply.NotFound(), nil
			}
			if err != nil {
				return reply.Reply{}, err
			}
			md, err := metadata.Decode(raw)
			if err != nil {
				return reply.Reply{}, err
			}
			if w.Metadata != nil {
				md = metadata.Apply(md, w.Metadata, w.MetadataMergeMode)
			}
			ev := eventstore.New(
				tel.AggregateRemoteEvent,
				strconv.FormatInt(w.ID, 10),
				version+1,
				tel.RemoteEventUpdated,
				tel.RemoteEventUpdatedV1{
					ID:        w.ID,
					AccountID: req.AccountID,
					Metadata:  metadata.Encode(md),
					UpdatedAt: h.clock(),
				},
				rec.Metadata(),
			)
			return reply.NoContent(), rec.Record(ctx, ev)
		},
	)
}

// inboundCall creates the phone call of a new inbound call from number: no
// participation, the caller's contact if it is one already.
func (h *Handlers) inboundCall(
	ctx context.Context,
	tx pgx.Tx,
	rec *commands.Recorder,
	account int64,
	from string,
) (call, error) {
	number := msisdn.Normalize(from)
	if number == "" {
		number = from
	}
	var contactID *int64
	err := tx.QueryRow(ctx, `SELECT id FROM known_contacts WHERE account_id = $1 AND msisdn = $2 LIMIT 1`,
		account, number).Scan(&contactID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return call{}, fmt.Errorf("find caller: %w", err)
	}
	id, err := commands.NextID(ctx, tx, "phone_calls")
	if err != nil {
		return call{}, err
	}
	ev := eventstore.New(tel.AggregatePhoneCall, strconv.FormatInt(id, 10), 1, tel.PhoneCallCreated,
		tel.PhoneCallCreatedV1{
			ID: id, AccountID: account, ContactID: contactID, Status: tel.StatusCreated, MSISDN: number,
			Metadata: []byte("{}"), RemoteRequestParams: []byte("{}"), CreatedAt: h.clock(),
		}, rec.Metadata())
	if err := rec.Record(ctx, ev); err != nil {
		return call{}, err
	}
	c, _, err := loadCall(ctx, tx, account, id)
	return c, err
}

// keepFlow records logic as the call's own call flow logic.
func (h *Handlers) keepFlow(
	ctx context.Context,
	tx pgx.Tx,
	rec *commands.Recorder,
	c call,
	logic string,
) (call, error) {
	c.flow = &logic
	ev := eventstore.New(
		tel.AggregatePhoneCall,
		strconv.FormatInt(c.id, 10),
		c.version+1,
		tel.PhoneCallUpdated,
		tel.PhoneCallUpdatedV1{
			ID: c.id, AccountID: c.accountID, CalloutParticipationID: c.participationID, MSISDN: c.number,
			CallFlowLogic: c.flow, Metadata: metadata.Encode(c.md), RemoteRequestParams: metadata.Encode(c.params),
			UpdatedAt: h.clock(),
		},
		rec.Metadata(),
	)
	if err := rec.Record(ctx, ev); err != nil {
		return c, err
	}
	c.version++
	return c, nil
}
