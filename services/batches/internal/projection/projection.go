// Package projection keeps the batch_operations table from the service's
// events; commands apply each event in the transaction that records it.
package projection

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	b "scfm/shared/contract/batchesv1"
	"scfm/shared/eventstore"
)

// Apply records one batches event in the read table.
func Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var err error
	switch e.Type {
	case b.Created:
		var d b.CreatedV1
		if err = json.Unmarshal(e.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `
				INSERT INTO batch_operations (id, account_id, callout_id, type, parameters, metadata,
					status, created_at, updated_at, version)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)`,
				d.ID, d.AccountID, d.CalloutID, d.Type, d.Parameters, d.Metadata, d.Status,
				d.CreatedAt, e.Version)
		}
	case b.Updated:
		var d b.UpdatedV1
		if err = json.Unmarshal(e.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `UPDATE batch_operations SET parameters = $2, metadata = $3,
				updated_at = $4, version = $5 WHERE id = $1`,
				d.ID, d.Parameters, d.Metadata, d.UpdatedAt, e.Version)
		}
	case b.Deleted:
		var d b.DeletedV1
		if err = json.Unmarshal(e.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `DELETE FROM batch_operations WHERE id = $1`, d.ID)
		}
	case b.Queued:
		var d b.QueuedV1
		if err = json.Unmarshal(e.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `UPDATE batch_operations SET status = $2, run = $3, run_after = 0,
				run_selected = 0, run_applied = 0, run_limit = NULL, run_expected = NULL,
				run_error = NULL, run_started_at = NULL, run_finished_at = NULL,
				updated_at = $4, version = $5 WHERE id = $1`,
				d.ID, d.Status, d.Run, d.UpdatedAt, e.Version)
		}
	case b.Started:
		var d b.StartedV1
		if err = json.Unmarshal(e.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `UPDATE batch_operations SET status = $2, run_limit = $3,
				run_expected = $4, run_started_at = $5, updated_at = $5, version = $6 WHERE id = $1`,
				d.ID, d.Status, d.AppliedLimit, d.Expected, d.UpdatedAt, e.Version)
		}
	case b.Progressed:
		var d b.ProgressedV1
		if err = json.Unmarshal(e.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `UPDATE batch_operations SET run_after = $2, run_selected = $3,
				run_applied = $4, run_error = NULL, version = $5 WHERE id = $1`,
				d.ID, d.After, d.Selected, d.Applied, e.Version)
		}
	case b.Stalled:
		var d b.StalledV1
		if err = json.Unmarshal(e.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `UPDATE batch_operations SET run_error = $2, version = $3
				WHERE id = $1`, d.ID, d.Error, e.Version)
		}
	case b.Finished:
		var d b.FinishedV1
		if err = json.Unmarshal(e.Data, &d); err == nil {
			_, err = tx.Exec(ctx, `UPDATE batch_operations SET status = $2, run_selected = $3,
				run_applied = $4, run_error = $5, run_finished_at = $6, updated_at = $6, version = $7
				WHERE id = $1`,
				d.ID, d.Status, d.Selected, d.Applied, d.Error, d.UpdatedAt, e.Version)
		}
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("project %s: %w", e.Type, err)
	}
	return nil
}
