package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"scfm/callouts/internal/domain/callout"
	"scfm/callouts/internal/query"
	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// CalloutWrite is a create, update, delete or event of a callout. A status
// sent with an update is ignored: only events change it.
type CalloutWrite struct {
	ID                int64          `json:"id,omitempty"`
	CallFlowLogic     *string        `json:"call_flow_logic,omitempty"`
	Metadata          map[string]any `json:"metadata,omitempty"`
	MetadataMergeMode string         `json:"metadata_merge_mode,omitempty"`
	Event             string         `json:"event,omitempty"`
}

type calloutState struct {
	id, version int64
	status      string
	flow        *string
	md          map[string]any
}

const msgNotIncluded = "is not included in the list"

// CreateCallout creates a callout in the caller's account.
func (h *Handlers) CreateCallout(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w CalloutWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	flow := commands.BlankToNil(w.CallFlowLogic)
	if flow != nil && !h.flows.Registered(*flow) {
		return reply.Invalid1("call_flow_logic", msgNotIncluded), nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		id, err := commands.NextID(ctx, tx, "callouts")
		if err != nil {
			return reply.Reply{}, err
		}
		md := w.Metadata
		if md == nil {
			md = map[string]any{}
		}
		ev := eventstore.New(
			calloutsv1.AggregateCallout,
			strconv.FormatInt(id, 10),
			1,
			calloutsv1.CalloutCreated,
			calloutsv1.CalloutCreatedV1{
				ID: id, AccountID: req.AccountID, Status: callout.Initialized, CallFlowLogic: flow,
				Metadata: metadata.Encode(md), CreatedAt: h.clock(),
			},
			rec.Metadata(),
		)
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return commands.Created(ctx, tx, "/api/callouts/", id, query.Callouts(tx))
	})
}

// UpdateCallout changes a callout's call flow logic and metadata.
func (h *Handlers) UpdateCallout(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w CalloutWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadCallout(ctx, tx, req.AccountID, w.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if w.CallFlowLogic != nil {
			s.flow = commands.BlankToNil(w.CallFlowLogic)
			if s.flow != nil && !h.flows.Registered(*s.flow) {
				return reply.Invalid1("call_flow_logic", msgNotIncluded), nil
			}
		}
		if w.Metadata != nil {
			s.md = metadata.Apply(s.md, w.Metadata, w.MetadataMergeMode)
		}
		ev := eventstore.New(calloutsv1.AggregateCallout, strconv.FormatInt(s.id, 10), s.version+1,
			calloutsv1.CalloutUpdated, calloutsv1.CalloutUpdatedV1{
				ID: s.id, AccountID: req.AccountID, CallFlowLogic: s.flow,
				Metadata: metadata.Encode(s.md), UpdatedAt: h.clock(),
			}, rec.Metadata())
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

// CalloutEvent starts, pauses, resumes or stops a callout. An event with no
// transition from the current status is refused; a good one answers 201
// with the callout.
func (h *Handlers) CalloutEvent(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w CalloutWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadCallout(ctx, tx, req.AccountID, w.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		next, ok := callout.Fire(s.status, w.Event)
		if !ok {
			return reply.Invalid1("event", msgNotIncluded), nil
		}
		ev := eventstore.New(calloutsv1.AggregateCallout, strconv.FormatInt(s.id, 10), s.version+1,
			callout.EventType(w.Event), calloutsv1.CalloutStatusChangedV1{
				ID: s.id, AccountID: req.AccountID, Status: next, PreviousStatus: s.status, UpdatedAt: h.clock(),
			}, rec.Metadata())
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return commands.Created(ctx, tx, "/api/callouts/", s.id, query.Callouts(tx))
	})
}

// DeleteCallout removes a callout without participations or batch
// operations, whatever its status.
func (h *Handlers) DeleteCallout(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w CalloutWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadCallout(ctx, tx, req.AccountID, w.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		for _, dep := range []struct{ from, name string }{
			{"callout_participations WHERE callout_id = $1", "callout participations"},
			{"known_batch_operations WHERE callout_id = $1", "batch operations"},
		} {
			if blocked, err := commands.Exists(ctx, tx, dep.from, s.id); err != nil || blocked {
				return reply.Invalid1("base", "Cannot delete record because dependent "+dep.name+" exist"), err
			}
		}
		ev := eventstore.New(
			calloutsv1.AggregateCallout,
			strconv.FormatInt(s.id, 10),
			s.version+1,
			calloutsv1.CalloutDeleted,
			calloutsv1.CalloutDeletedV1{ID: s.id, AccountID: req.AccountID, DeletedAt: h.clock()},
			rec.Metadata(),
		)
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

func loadCallout(ctx context.Context, tx pgx.Tx, accountID, id int64) (calloutState, bool, error) {
	s := calloutState{id: id}
	var md []byte
	err := tx.QueryRow(ctx, `
		SELECT status, call_flow_logic, metadata::text, version FROM callouts
		WHERE id = $1 AND account_id = $2 FOR UPDATE`, id, accountID).Scan(&s.status, &s.flow, &md, &s.version)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("load callout %d: %w", id, err)
	}
	s.md, err = metadata.Decode(md)
	return s, err == nil, err
}
