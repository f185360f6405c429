package command

import (
	"context"

	"scfm/batches/internal/operation"
	"scfm/batches/internal/query"
	"scfm/shared/batchops"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// validate checks an operation's type and parameters, asking the owning
// services whether its callout exists and whether it selects anything.
func (h *Handlers) validate(
	ctx context.Context, req natsbus.Request, id int64, typ string, calloutID *int64, p operation.Params,
) (reply.Errors, error) {
	if len(metadata.Encode(p)) > maxParamsBytes {
		return reply.Errors{"parameters": {"is too large"}}, nil
	}
	call := query.CallOf(req)
	calloutFound := false
	if calloutID != nil {
		var err error
		if calloutFound, err = h.owners.CalloutExists(ctx, call, *calloutID); err != nil {
			return nil, err
		}
	}
	errs := operation.Check(typ, p, calloutFound)
	if len(errs) > 0 && !onlyParams(errs) {
		return errs, nil
	}
	attr, needed := operation.NeedsPreview(typ, p)
	if !needed || hasFilterErrors(errs, typ) {
		return errs, nil
	}
	empty, err := h.previewEmpty(ctx, call, id, typ, calloutID, p)
	if err != nil {
		return nil, err
	}
	if empty {
		errs.Add(attr, operation.MsgBlank)
	}
	return errs, nil
}

// maxParamsBytes bounds an operation's parameters: they travel in its
// events and in every step of its runs.
const maxParamsBytes = 256 << 10

// previewEmpty tells whether an operation's preview, cut to its applied
// limit, is empty.
func (h *Handlers) previewEmpty(
	ctx context.Context, call natsbus.Call, id int64, typ string, calloutID *int64, p operation.Params,
) (bool, error) {
	count := func(ctx context.Context, q batchops.PeriodCount) (int64, error) {
		return h.owners.PeriodCount(ctx, call, q)
	}
	limit, err := operation.AppliedLimit(ctx, typ, p, count)
	if err != nil {
		return false, err
	}
	if limit != nil && *limit == 0 {
		return true, nil
	}
	name := batchops.QueryParticipations
	if typ != batchops.PhoneCallCreate {
		name = batchops.QueryPhoneCalls
	}
	q := batchops.PageQuery{Mode: batchops.Preview, Selection: operation.Selection(id, typ, calloutID, p)}
	found, err := h.owners.Exists(ctx, call, name, q)
	return !found, err
}

// onlyParams reports whether errs concern parameters only, so the preview
// can still be checked (all validations of a record are reported together).
func onlyParams(errs reply.Errors) bool {
	_, typ := errs["type"]
	_, callout := errs["callout"]
	return !typ && !callout
}

func hasFilterErrors(errs reply.Errors, typ string) bool {
	for _, k := range operation.Filters(typ) {
		if _, bad := errs[k]; bad {
			return true
		}
	}
	return false
}
