// Package query answers the batches service's read requests: batch
// operations from its own table, and the previews and results of an
// operation from the services that own those rows.
package query

import (
	"context"

	"scfm/batches/internal/owners"
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/readmodel"
)

// Columns renders a batch operation in API shape: the fields clients of
// this API know, then its run's progress.
const Columns = `o.id, o.callout_id, o.parameters, o.metadata, o.status,
	api_time(o.created_at) AS created_at, api_time(o.updated_at) AS updated_at, o.account_id, o.type,
	CASE WHEN o.run = 0 THEN NULL ELSE json_build_object(
		'run', o.run, 'expected', o.run_expected, 'applied_limit', o.run_limit,
		'selected', o.run_selected, 'applied', o.run_applied,
		'skipped', o.run_selected - o.run_applied, 'error', o.run_error,
		'started_at', api_time(o.run_started_at), 'finished_at', api_time(o.run_finished_at))
	END AS progress`

// Operations returns the batch operation queries. A callout_id scope (the
// nested route) must name a callout of the caller's account, which the
// callouts service confirms.
func Operations(db eventstore.Querier, own owners.Owners) readmodel.Resource {
	return readmodel.Resource{
		DB:      db,
		From:    "batch_operations o",
		Alias:   "o",
		Columns: Columns,
		Sort:    readmodel.TimestampSort("o"),
		Filter: func(b *filter.Builder, q map[string]any) {
			readmodel.MetadataFilter("o")(b, q)
			b.JSONPath(q, "parameters", "o.parameters")
			b.ExactList(q, "status", "o.status")
			b.ExactList(q, "callout_id", "o.callout_id")
			b.ExactList(q, "type", "o.type")
		},
		Scope: func(ctx context.Context, req natsbus.Request, r filter.Request, b *filter.Builder) (bool, error) {
			b.Where("o.account_id = " + b.Arg(req.AccountID))
			if r.Type != "" {
				b.Where("o.type = " + b.Arg(r.Type))
			}
			id, ok := r.Scope["callout_id"]
			if !ok {
				return true, nil
			}
			found, err := own.CalloutExists(ctx, CallOf(req), id)
			if err != nil || !found {
				return false, err
			}
			b.Where("o.callout_id = " + b.Arg(id))
			return true, nil
		},
	}
}

// CallOf is the call that asks another service on behalf of req.
func CallOf(req natsbus.Request) natsbus.Call {
	return natsbus.Call{AccountID: req.AccountID, SuperAdmin: req.SuperAdmin, CorrelationID: req.CorrelationID}
}
