package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"scfm/shared/commands"
	tel "scfm/shared/contract/telephonyv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/msisdn"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
	"scfm/telephony/internal/domain/phonecall"
	"scfm/telephony/internal/query"
)

// Write is a create, update, delete or event of a phone call.
type Write struct {
	ID                     int64          `json:"id,omitempty"`
	CalloutParticipationID int64          `json:"callout_participation_id,omitempty"`
	MSISDN                 *string        `json:"msisdn,omitempty"`
	CallFlowLogic          *string        `json:"call_flow_logic,omitempty"`
	Metadata               map[string]any `json:"metadata,omitempty"`
	MetadataMergeMode      string         `json:"metadata_merge_mode,omitempty"`
	RemoteRequestParams    map[string]any `json:"remote_request_params,omitempty"`
	Event                  string         `json:"event,omitempty"`
}

// participation is what a new call needs to know of its participation.
type participation struct {
	id, calloutID, contactID int64
	number                   string
	flow                     *string // the participation's, else the callout's, else the account's
}

// Messages.
const (
	msgInFlight    = "another phone call is in progress"
	msgNotIncluded = "is not included in the list"
)

// CreatePhoneCall creates a call for one of the caller's participations. A
// participation has at most one call in flight: a second is refused, and
// the database enforces it against concurrent creates too.
func (h *Handlers) CreatePhoneCall(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w Write
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	var p participation
	// Only a participation newer than every one this service knows can be
	// on its way here; any other unknown id is simply not found.
	var newest int64
	if err := h.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM known_participations`).Scan(&newest); err != nil {
		return reply.Reply{}, err
	}
	wait := h.waitFor
	if w.CalloutParticipationID <= newest {
		wait = once
	}
	found, err := wait(ctx, func(ctx context.Context) (bool, error) {
		var ok bool
		var err error
		p, ok, err = loadParticipation(ctx, h.pool, req.AccountID, w.CalloutParticipationID)
		return ok, err
	})
	if err != nil || !found {
		return reply.NotFound(), err
	}
	return h.runner.Run(
		ctx,
		req,
		func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder) (reply.Reply, error) {
			errs := reply.Errors{}
			number := p.number
			if w.MSISDN != nil {
				number = checkMSISDN(*w.MSISDN, errs)
			}
			if msg := phonecall.CheckRequestParams(w.RemoteRequestParams); msg != "" {
				errs.Add("remote_request_params", msg)
			}
			flow := commands.BlankToNil(w.CallFlowLogic)
			h.checkFlow(flow, p.flow, errs)
			if len(errs) > 0 {
				return reply.Invalid(errs), nil
			}
			busy, err := commands.Exists(
				ctx,
				tx,
				"phone_calls WHERE callout_participation_id = $1 AND status = ANY('"+inFlightList()+"')",
				p.id,
			)
			if err != nil || busy {
				return reply.Invalid1("base", msgInFlight), err
			}

			id, err := commands.NextID(ctx, tx, "phone_calls")
			if err != nil {
				return reply.Reply{}, err
			}
			md := w.Metadata
			if md == nil {
				md = map[string]any{}
			}
			ev := eventstore.New(tel.AggregatePhoneCall, strconv.FormatInt(id, 10), 1, tel.PhoneCallCreated,
				tel.PhoneCallCreatedV1{
					ID: id, AccountID: req.AccountID, CalloutParticipationID: &p.id, CalloutID: &p.calloutID,
					ContactID: &p.contactID, Status: tel.StatusCreated, MSISDN: number, CallFlowLogic: flow,
					Metadata: metadata.Encode(
						md,
					), RemoteRequestParams: metadata.Encode(w.RemoteRequestParams),
					CreatedAt: h.clock(),
				}, rec.Metadata())
			if err := rec.Record(ctx, ev); err != nil {
				return reply.Reply{}, err
			}
			return commands.Created(ctx, tx, "/api/phone_calls/", id, query.PhoneCalls(tx))
		},
	)
}

// UpdatePhoneCall changes a call's msisdn, call flow logic, metadata or
// request parameters, in any status.
func (h *Handlers) UpdatePhoneCall(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	return h.onCall(
		ctx,
		req,
		func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder, w Write, c call) (reply.Reply, error) {
			errs := reply.Errors{}
			if w.MSISDN != nil {
				c.number = checkMSISDN(*w.MSISDN, errs)
			}
			if w.RemoteRequestParams != nil {
				if msg := phonecall.CheckRequestParams(w.RemoteRequestParams); msg != "" {
					errs.Add("remote_request_params", msg)
				}
				c.params = w.RemoteRequestParams
			}
			if w.CallFlowLogic != nil {
				c.flow = commands.BlankToNil(w.CallFlowLogic)
			}
			h.checkFlow(c.flow, c.inherited, errs)
			if len(errs) > 0 {
				return reply.Invalid(errs), nil
			}
			if w.Metadata != nil {
				c.md = metadata.Apply(c.md, w.Metadata, w.MetadataMergeMode)
			}
			ev := eventstore.New(
				tel.AggregatePhoneCall,
				strconv.FormatInt(c.id, 10),
				c.version+1,
				tel.PhoneCallUpdated,
				tel.PhoneCallUpdatedV1{
					ID: c.id, AccountID: req.AccountID, CalloutParticipationID: c.participationID,
					MSISDN: c.number, CallFlowLogic: c.flow, Metadata: metadata.Encode(c.md),
					RemoteRequestParams: metadata.Encode(c.params), UpdatedAt: h.clock(),
				},
				rec.Metadata(),
			)
			return reply.NoContent(), rec.Record(ctx, ev)
		},
	)
}

// DeletePhoneCall removes a call that was never queued and that no
// provider callback concerns.
func (h *Handlers) DeletePhoneCall(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	return h.onCall(
		ctx,
		req,
		func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder, w Write, c call) (reply.Reply, error) {
			events, err := commands.Exists(ctx, tx, "remote_phone_call_events WHERE phone_call_id = $1", c.id)
			if err != nil || events {
				return reply.Invalid1(
					"base",
					"Cannot delete record because dependent remote phone call events exist",
				), err
			}
			if c.status != tel.StatusCreated {
				return reply.Invalid1(
					"base",
					"Cannot delete record because status is "+apiStatus(c.status),
				), nil
			}
			ev := eventstore.New(
				tel.AggregatePhoneCall,
				strconv.FormatInt(c.id, 10),
				c.version+1,
				tel.PhoneCallDeleted,
				tel.PhoneCallDeletedV1{
					ID: c.id, AccountID: req.AccountID, CalloutParticipationID: c.participationID, DeletedAt: h.clock(),
				},
				rec.Metadata(),
			)
			return reply.NoContent(), rec.Record(ctx, ev)
		},
	)
}

// PhoneCallEvent applies the API events queue and queue_remote_fetch; an
// event with no transition from the call's status is refused.
func (h *Handlers) PhoneCallEvent(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	return h.onCall(
		ctx,
		req,
		func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder, w Write, c call) (reply.Reply, error) {
			var next string
			changed, ok := true, false
			switch w.Event {
			case "queue":
				next, ok = phonecall.Queue(c.status)
			case "queue_remote_fetch":
				next, changed, ok = phonecall.QueueRemoteFetch(c.status, c.remoteID != nil)
			}
			if !ok {
				return reply.Invalid1("event", msgNotIncluded), nil
			}
			if changed {
				if err := rec.Record(ctx, c.statusEvent(next, h.clock(), rec)); err != nil {
					return reply.Reply{}, err
				}
			}
			body, err := query.PhoneCalls(tx).Render(ctx, tx, c.id)
			if err != nil {
				return reply.Reply{}, err
			}
			return reply.Reply{Status: 201, Location: "/api/phone_calls/" + strconv.FormatInt(c.id, 10),
				Total: -1, Body: body}, nil
		},
	)
}

// checkFlow validates the effective call flow logic: own, else inherited.
func (h *Handlers) checkFlow(own, inherited *string, errs reply.Errors) {
	eff := own
	if eff == nil {
		eff = inherited
	}
	if eff != nil && !h.flows.Registered(*eff) {
		errs.Add("call_flow_logic", msgNotIncluded)
	}
}

func checkMSISDN(raw string, errs reply.Errors) string {
	n := msisdn.Normalize(raw)
	switch {
	case n == "":
		errs.Add("msisdn", "can't be blank")
	case !msisdn.Valid(n):
		errs.Add("msisdn", "is an invalid number")
	}
	return n
}

// inFlightList is the in-flight statuses as a PostgreSQL array literal.
func inFlightList() string {
	out := "{"
	for i, s := range tel.InFlightStatuses() {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out + "}"
}

// apiStatus is the status as the API shows it.
func apiStatus(s string) string {
	if s == tel.StatusDispatching {
		return tel.StatusQueued
	}
	return s
}

func loadParticipation(
	ctx context.Context,
	db eventstore.Querier,
	account, id int64,
) (participation, bool, error) {
	p := participation{id: id}
	err := db.QueryRow(ctx, `
		SELECT kp.callout_id, kp.contact_id, kp.msisdn,
			coalesce(kp.call_flow_logic, kk.call_flow_logic, ka.settings->>'call_flow_logic')
		FROM known_participations kp
		LEFT JOIN known_callouts kk ON kk.id = kp.callout_id
		LEFT JOIN known_accounts ka ON ka.id = kp.account_id
		WHERE kp.id = $1 AND kp.account_id = $2`, id, account).Scan(&p.calloutID, &p.contactID, &p.number, &p.flow)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("load participation %d: %w", id, err)
	}
	return p, true, nil
}

// onCall decodes a phone call command and runs fn, in the command's
// transaction, on the caller's call it names (404 when there is none).
func (h *Handlers) onCall(
	ctx context.Context, req natsbus.Request,
	fn func(context.Context, pgx.Tx, *commands.Recorder, Write, call) (reply.Reply, error),
) (reply.Reply, error) {
	var w Write
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.runner.Run(
		ctx,
		req,
		func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder) (reply.Reply, error) {
			c, found, err := loadCall(ctx, tx, req.AccountID, w.ID)
			if err != nil || !found {
				return reply.NotFound(), err
			}
			return fn(ctx, tx, rec, w, c)
		},
	)
}

// once asks found a single time.
func once(ctx context.Context, found func(context.Context) (bool, error)) (bool, error) {
	return found(ctx)
}
