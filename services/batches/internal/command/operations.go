package command

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"scfm/batches/internal/operation"
	"scfm/batches/internal/query"
	"scfm/shared/batchops"
	"scfm/shared/commands"
	b "scfm/shared/contract/batchesv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/readmodel"
	"scfm/shared/reply"
)

// Write is a create, update, delete or event of a batch operation.
type Write struct {
	ID                int64            `json:"id,omitempty"`
	BatchOperationID  int64            `json:"batch_operation_id,omitempty"`
	CalloutID         *int64           `json:"callout_id,omitempty"`
	Type              string           `json:"type,omitempty"`
	Parameters        operation.Params `json:"parameters,omitempty"`
	Metadata          map[string]any   `json:"metadata,omitempty"`
	MetadataMergeMode string           `json:"metadata_merge_mode,omitempty"`
	Event             string           `json:"event,omitempty"`
}

// CreateOperation creates a batch operation in status preview. Under a
// callout's route the callout must be the caller's (else 404).
func (h *Handlers) CreateOperation(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	if r, done, err := h.answered(ctx, req); done || err != nil {
		return r, err
	}
	var w Write
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	if w.Parameters == nil {
		w.Parameters = operation.Params{}
	}
	if w.CalloutID != nil {
		found, err := h.owners.CalloutExists(ctx, query.CallOf(req), *w.CalloutID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
	}
	errs, err := h.validate(ctx, req, 0, w.Type, w.CalloutID, w.Parameters)
	if err != nil || len(errs) > 0 {
		return reply.Invalid(errs), err
	}

	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder) (reply.Reply, error) {
		id, err := commands.NextID(ctx, tx, "batch_operations")
		if err != nil {
			return reply.Reply{}, err
		}
		md := w.Metadata
		if md == nil {
			md = map[string]any{}
		}
		ev := eventstore.New(b.AggregateBatchOperation, strconv.FormatInt(id, 10), 1, b.Created,
			b.CreatedV1{
				ID: id, AccountID: req.AccountID, CalloutID: w.CalloutID, Type: w.Type,
				Parameters: metadata.Encode(w.Parameters), Metadata: metadata.Encode(md),
				Status: b.StatusPreview, CreatedAt: h.clock(),
			}, rec.Metadata())
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return commands.Created(ctx, tx, "/api/batch_operations/", id, resource())
	})
}

// UpdateOperation replaces an operation's parameters (when sent) and
// changes its metadata, in any status except that parameters stay as they
// are while a run is queued or under way; the validations run again.
func (h *Handlers) UpdateOperation(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	w, op, r, done, err := h.existing(ctx, req)
	if done || err != nil {
		return r, err
	}
	params := op.Params
	if w.Parameters != nil {
		if busy(op.Status) {
			return reply.Invalid1("parameters", msgParamsBusy), nil
		}
		params = w.Parameters
	}
	errs, err := h.validate(ctx, req, op.ID, op.Type, op.CalloutID, params)
	if err != nil || len(errs) > 0 {
		return reply.Invalid(errs), err
	}

	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder) (reply.Reply, error) {
		s, found, err := lockOp(ctx, tx, req.AccountID, op.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if w.Parameters != nil && (s.status != op.Status || s.run != op.Run) {
			return reply.Invalid1("parameters", msgParamsBusy), nil
		}
		md := s.metadata
		if w.Metadata != nil {
			md = metadata.Apply(md, w.Metadata, w.MetadataMergeMode)
		}
		ev := eventstore.New(b.AggregateBatchOperation, strconv.FormatInt(op.ID, 10), s.version+1, b.Updated,
			b.UpdatedV1{
				ID: op.ID, AccountID: req.AccountID, Parameters: metadata.Encode(params),
				Metadata: metadata.Encode(md), UpdatedAt: h.clock(),
			}, rec.Metadata())
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

// DeleteOperation removes an operation that has no results (participations
// it populated or calls it created, queued or fetched) and no run queued or
// under way, which would write results under an id that no longer exists.
func (h *Handlers) DeleteOperation(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	_, op, r, done, err := h.existing(ctx, req)
	if done || err != nil {
		return r, err
	}
	if busy(op.Status) {
		return reply.Invalid1("base", msgBusy), nil
	}
	name, what := batchops.QueryPhoneCalls, "phone calls"
	if op.Type == batchops.CalloutPopulation {
		name, what = batchops.QueryParticipations, "callout participations"
	}
	q := batchops.PageQuery{Mode: batchops.Results, Selection: op.Selection()}
	used, err := h.owners.Exists(ctx, query.CallOf(req), name, q)
	if err != nil {
		return reply.Reply{}, err
	}
	if used {
		return reply.Invalid1("base", "Cannot delete record because dependent "+what+" exist"), nil
	}

	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder) (reply.Reply, error) {
		s, found, err := lockOp(ctx, tx, req.AccountID, op.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if s.status != op.Status || s.run != op.Run {
			// Queued since the results were looked at: they may exist now.
			return reply.Invalid1("base", msgBusy), nil
		}
		ev := eventstore.New(b.AggregateBatchOperation, strconv.FormatInt(op.ID, 10), s.version+1, b.Deleted,
			b.DeletedV1{ID: op.ID, AccountID: req.AccountID, DeletedAt: h.clock()}, rec.Metadata())
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

// OperationEvent applies the client events queue (from preview) and
// requeue (from finished): the operation is queued and its next run starts
// soon after. Any other event, or one with no transition from the current
// status, is refused.
func (h *Handlers) OperationEvent(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w Write
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	r, err := h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *commands.Recorder) (reply.Reply, error) {
		s, found, err := lockOp(ctx, tx, req.AccountID, w.BatchOperationID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if !operation.Queue(w.Event, s.status) {
			return reply.Invalid1("event", operation.MsgNotIncluded), nil
		}
		id := w.BatchOperationID
		ev := eventstore.New(b.AggregateBatchOperation, strconv.FormatInt(id, 10), s.version+1, b.Queued,
			b.QueuedV1{
				ID: id, AccountID: req.AccountID, Run: s.run + 1, Status: b.StatusQueued,
				PreviousStatus: s.status, UpdatedAt: h.clock(),
			}, rec.Metadata())
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		body, err := resource().Render(ctx, tx, id)
		if err != nil {
			return reply.Reply{}, err
		}
		return reply.Reply{Status: http.StatusCreated, Location: "/api/batch_operations/" +
			strconv.FormatInt(id, 10), Total: -1, Body: body}, nil
	})
	if err == nil && r.Status == http.StatusCreated && h.queued != nil {
		h.queued()
	}
	return r, err
}

// Messages of the refusals while an operation runs: its run reads the
// parameters it was queued with, and writes results under its id.
const (
	msgBusy       = "Cannot delete record while it is queued or running"
	msgParamsBusy = "cannot change while the operation is queued or running"
)

// busy reports whether a run is waiting or under way.
func busy(status string) bool {
	return status == b.StatusQueued || status == b.StatusRunning
}

// existing decodes a write of an existing operation and loads it; done
// (with r the answer) when the command ran before, cannot be read, or names
// no operation of the caller's.
func (h *Handlers) existing(
	ctx context.Context, req natsbus.Request,
) (w Write, op query.Op, r reply.Reply, done bool, err error) {
	if r, done, err = h.answered(ctx, req); done || err != nil {
		return w, op, r, true, err
	}
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return w, op, r, true, nil
	}
	op, found, err := query.LoadOp(ctx, h.pool, req.AccountID, w.ID, w.Type)
	if err != nil || !found {
		return w, op, reply.NotFound(), true, err
	}
	return w, op, reply.Reply{}, false, nil
}

// opState is the write side's view of an operation.
type opState struct {
	status   string
	run      int
	version  int64
	metadata map[string]any
}

// lockOp reads and locks operation id of account.
func lockOp(ctx context.Context, tx pgx.Tx, account, id int64) (opState, bool, error) {
	var s opState
	var md []byte
	err := tx.QueryRow(ctx, `SELECT status, run, version, metadata::text FROM batch_operations
		WHERE id = $1 AND account_id = $2 FOR UPDATE`, id, account).Scan(&s.status, &s.run, &s.version, &md)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, err
	}
	s.metadata, err = metadata.Decode(md)
	return s, err == nil, err
}

// resource renders operations for command answers (Render takes the
// transaction to read in).
func resource() readmodel.Resource {
	return readmodel.Resource{From: "batch_operations o", Alias: "o", Columns: query.Columns}
}
