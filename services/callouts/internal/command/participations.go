package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"scfm/callouts/internal/domain/contact"
	"scfm/callouts/internal/query"
	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/msisdn"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// ParticipationWrite is a create, update or delete of a callout
// participation. CalloutID and ContactID are only read on create.
type ParticipationWrite struct {
	ID                int64          `json:"id,omitempty"`
	CalloutID         int64          `json:"callout_id,omitempty"`
	ContactID         *string        `json:"contact_id,omitempty"`
	MSISDN            *string        `json:"msisdn,omitempty"`
	CallFlowLogic     *string        `json:"call_flow_logic,omitempty"`
	Metadata          map[string]any `json:"metadata,omitempty"`
	MetadataMergeMode string         `json:"metadata_merge_mode,omitempty"`
}

type participationState struct {
	id, calloutID, contactID, version int64
	number                            string
	flow, calloutFlow                 *string
	md                                map[string]any
	calls                             int
}

// CreateParticipation adds a contact of the caller's account to a callout.
func (h *Handlers) CreateParticipation(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w ParticipationWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		if err := lockAccountContacts(ctx, tx, req.AccountID, false); err != nil {
			return reply.Reply{}, err
		}
		k, found, err := loadCallout(ctx, tx, req.AccountID, w.CalloutID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		errs := reply.Errors{}
		contactID, contactMSISDN, err := findContact(ctx, tx, req.AccountID, w.ContactID)
		if err != nil {
			return reply.Reply{}, err
		}
		if contactID == 0 {
			errs.Add("contact", "must exist")
		}
		number := h.participationMSISDN(w.MSISDN, contactMSISDN, errs)
		flow := commands.BlankToNil(w.CallFlowLogic)
		h.checkEffectiveFlow(flow, k.flow, errs)
		if err := participationTaken(ctx, tx, k.id, 0, contactID, number, errs); err != nil {
			return reply.Reply{}, err
		}
		if len(errs) > 0 {
			return reply.Invalid(errs), nil
		}

		id, err := commands.NextID(ctx, tx, "callout_participations")
		if err != nil {
			return reply.Reply{}, err
		}
		md := w.Metadata
		if md == nil {
			md = map[string]any{}
		}
		ev := eventstore.New(calloutsv1.AggregateCalloutParticipant, strconv.FormatInt(id, 10), 1,
			calloutsv1.ParticipationCreated, calloutsv1.ParticipationCreatedV1{
				ID: id, AccountID: req.AccountID, CalloutID: k.id, ContactID: contactID, MSISDN: number,
				CallFlowLogic: flow, Metadata: metadata.Encode(md), CreatedAt: h.clock(),
			}, rec.Metadata())
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return commands.Created(ctx, tx, "/api/callout_participations/", id, query.Participations(tx))
	})
}

// UpdateParticipation changes a participation's msisdn, call flow logic and
// metadata; its callout and contact never change.
func (h *Handlers) UpdateParticipation(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	return h.onParticipation(ctx, req, func(
		ctx context.Context, tx pgx.Tx, rec *recorder, w ParticipationWrite, s participationState,
	) (reply.Reply, error) {
		errs := reply.Errors{}
		if w.MSISDN != nil {
			s.number = h.participationMSISDN(w.MSISDN, "", errs)
		}
		if w.CallFlowLogic != nil {
			s.flow = commands.BlankToNil(w.CallFlowLogic)
		}
		h.checkEffectiveFlow(s.flow, s.calloutFlow, errs)
		if err := participationTaken(ctx, tx, s.calloutID, s.id, 0, s.number, errs); err != nil {
			return reply.Reply{}, err
		}
		if len(errs) > 0 {
			return reply.Invalid(errs), nil
		}
		if w.Metadata != nil {
			s.md = metadata.Apply(s.md, w.Metadata, w.MetadataMergeMode)
		}
		ev := eventstore.New(calloutsv1.AggregateCalloutParticipant, strconv.FormatInt(s.id, 10), s.version+1,
			calloutsv1.ParticipationUpdated, calloutsv1.ParticipationUpdatedV1{
				ID: s.id, AccountID: req.AccountID, CalloutID: s.calloutID, MSISDN: s.number,
				CallFlowLogic: s.flow, Metadata: metadata.Encode(s.md), UpdatedAt: h.clock(),
			}, rec.Metadata())
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

// DeleteParticipation removes a participation that has no phone calls.
func (h *Handlers) DeleteParticipation(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	return h.onParticipation(ctx, req, func(
		ctx context.Context, tx pgx.Tx, rec *recorder, w ParticipationWrite, s participationState,
	) (reply.Reply, error) {
		if s.calls > 0 {
			return reply.Invalid1("base", "Cannot delete record because dependent phone calls exist"), nil
		}
		ev := eventstore.New(calloutsv1.AggregateCalloutParticipant, strconv.FormatInt(s.id, 10), s.version+1,
			calloutsv1.ParticipationDeleted, calloutsv1.ParticipationDeletedV1{
				ID: s.id, AccountID: req.AccountID, CalloutID: s.calloutID, DeletedAt: h.clock(),
			}, rec.Metadata())
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

// participationMSISDN normalises the number sent, or takes fallback (the
// contact's number) when none was sent.
func (h *Handlers) participationMSISDN(sent *string, fallback string, errs reply.Errors) string {
	if sent == nil {
		if fallback == "" {
			errs.Add("msisdn", contact.MsgBlank)
		}
		return fallback
	}
	n := msisdn.Normalize(*sent)
	switch {
	case n == "":
		errs.Add("msisdn", contact.MsgBlank)
	case !msisdn.Valid(n):
		errs.Add("msisdn", contact.MsgInvalid)
	}
	return n
}

// checkEffectiveFlow validates the call flow logic a participation runs
// with: its own, else its callout's.
func (h *Handlers) checkEffectiveFlow(own, callout *string, errs reply.Errors) {
	eff := own
	if eff == nil {
		eff = callout
	}
	if eff != nil && !h.flows.Registered(*eff) {
		errs.Add("call_flow_logic", msgNotIncluded)
	}
}

// findContact returns the id and msisdn of the caller's contact named by
// raw; id 0 when there is none.
func findContact(ctx context.Context, tx pgx.Tx, accountID int64, raw *string) (int64, string, error) {
	if raw == nil {
		return 0, "", nil
	}
	id, err := strconv.ParseInt(*raw, 10, 64)
	if err != nil {
		return 0, "", nil
	}
	var number string
	err = tx.QueryRow(ctx, `SELECT msisdn FROM contacts WHERE id = $1 AND account_id = $2`, id, accountID).
		Scan(&number)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("find contact %d: %w", id, err)
	}
	return id, number, nil
}

// participationTaken checks that the contact and the number are not in the
// callout yet (except participation self).
func participationTaken(
	ctx context.Context,
	tx pgx.Tx,
	calloutID, self, contactID int64,
	number string,
	errs reply.Errors,
) error {
	var contactTaken, numberTaken bool
	err := tx.QueryRow(ctx, `
		SELECT coalesce(bool_or(contact_id = $3), false), coalesce(bool_or(msisdn = $4), false)
		FROM callout_participations WHERE callout_id = $1 AND id <> $2 AND (contact_id = $3 OR msisdn = $4)`,
		calloutID, self, contactID, number).Scan(&contactTaken, &numberTaken)
	if err != nil {
		return fmt.Errorf("check participation uniqueness: %w", err)
	}
	if contactTaken {
		errs.Add("contact_id", "has already been taken")
	}
	if numberTaken && number != "" {
		errs.Add("msisdn", "has already been taken")
	}
	return nil
}

func loadParticipation(
	ctx context.Context,
	tx pgx.Tx,
	accountID, id int64,
) (participationState, bool, error) {
	s := participationState{id: id}
	var md []byte
	err := tx.QueryRow(ctx, `
		SELECT p.callout_id, p.contact_id, p.msisdn, p.call_flow_logic, c.call_flow_logic,
			p.metadata::text, p.version, p.phone_calls_count
		FROM callout_participations p JOIN callouts c ON c.id = p.callout_id
		WHERE p.id = $1 AND p.account_id = $2 FOR UPDATE OF p`, id, accountID).
		Scan(&s.calloutID, &s.contactID, &s.number, &s.flow, &s.calloutFlow, &md, &s.version, &s.calls)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("load participation %d: %w", id, err)
	}
	s.md, err = metadata.Decode(md)
	return s, err == nil, err
}

// onParticipation decodes a participation command and runs fn, in the
// command's transaction, on the caller's participation it names (404 when
// there is none).
func (h *Handlers) onParticipation(
	ctx context.Context, req natsbus.Request,
	fn func(context.Context, pgx.Tx, *recorder, ParticipationWrite, participationState) (reply.Reply, error),
) (reply.Reply, error) {
	var w ParticipationWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadParticipation(ctx, tx, req.AccountID, w.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		return fn(ctx, tx, rec, w, s)
	})
}
