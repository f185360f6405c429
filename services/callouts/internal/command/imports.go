package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scfm/callouts/internal/query"
	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Import limits that only the service needs.
const (
	// staleImportAfter is how long an import may run without a chunk
	// before the next import of its account calls it failed: its upload
	// broke off (the gateway that read it stopped) and nobody resumed it.
	staleImportAfter = 10 * time.Minute
	// maxFilenameBytes and maxErrorBytes cap the texts an import keeps.
	maxFilenameBytes = 255
	maxErrorBytes    = 500
	// errInterrupted is the error of an import nobody finished.
	errInterrupted = "upload interrupted"
)

// importState is an import as the write side knows it.
type importState struct {
	ID, AccountID, Version           int64
	Status, Mode                     string
	Rows, Created, Updated, Rejected int64
}

// CreateContactImport opens an import in the caller's account. It also
// fails the account's imports that stopped receiving rows long ago.
func (h *Handlers) CreateContactImport(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w calloutsv1.ContactImportStart
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	mode := metadata.ModeMerge
	if w.MetadataMergeMode == metadata.ModeReplace || w.MetadataMergeMode == metadata.ModeDeepMerge {
		mode = w.MetadataMergeMode
	}
	var filename *string
	if w.Filename != nil {
		if name := storableCut(strings.TrimSpace(*w.Filename), maxFilenameBytes); name != "" {
			filename = &name
		}
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		now := h.clock()
		if err := failStaleImports(ctx, tx, rec, req.AccountID, now); err != nil {
			return reply.Reply{}, err
		}

		id, err := commands.NextID(ctx, tx, "contact_imports")
		if err != nil {
			return reply.Reply{}, err
		}
		ev := eventstore.New(calloutsv1.AggregateContactImport, strconv.FormatInt(id, 10), 1,
			calloutsv1.ContactImportCreated, calloutsv1.ContactImportCreatedV1{
				ID: id, AccountID: req.AccountID, Filename: filename, MetadataMergeMode: mode,
				CreatedAt: now,
			}, rec.Metadata())
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return commands.Created(ctx, tx, "/api/contact_imports/", id, query.ContactImports(tx))
	})
}

// FinishContactImport ends an import: completed, or failed with the error
// the gateway met while reading the file. An import that already ended
// stays as it is. Either way the answer is the import.
func (h *Handlers) FinishContactImport(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w calloutsv1.ContactImportFinish
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadImport(ctx, tx, req.AccountID, w.ImportID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if s.Status == calloutsv1.ImportRunning {
			if err := finishImport(ctx, rec, s, w.Error, h.clock()); err != nil {
				return reply.Reply{}, err
			}
		}
		return commands.Created(ctx, tx, "/api/contact_imports/", s.ID, query.ContactImports(tx))
	})
}

// finishImport records the end of running import s with its totals.
func finishImport(ctx context.Context, rec *recorder, s importState, failure string, now time.Time) error {
	d := calloutsv1.ContactImportFinishedV1{
		ID: s.ID, AccountID: s.AccountID, Status: calloutsv1.ImportCompleted,
		Rows: s.Rows, Created: s.Created, Updated: s.Updated, Rejected: s.Rejected, FinishedAt: now,
	}
	if failure != "" {
		text := storableCut(failure, maxErrorBytes)
		d.Status, d.Error = calloutsv1.ImportFailed, &text
	}
	ev := eventstore.New(calloutsv1.AggregateContactImport, strconv.FormatInt(s.ID, 10), s.Version+1,
		calloutsv1.ContactImportFinished, d, rec.Metadata())
	return rec.Record(ctx, ev)
}

// failStaleImports fails the imports of account that received nothing for
// staleImportAfter.
func failStaleImports(ctx context.Context, tx pgx.Tx, rec *recorder, account int64, now time.Time) error {
	rows, err := tx.Query(ctx, importColumns+`
		WHERE account_id = $1 AND status = 'running' AND updated_at < $2
		ORDER BY id FOR UPDATE`, account, now.Add(-staleImportAfter))
	if err != nil {
		return fmt.Errorf("find stale imports: %w", err)
	}
	stale, err := pgx.CollectRows(rows, scanImport)
	if err != nil {
		return fmt.Errorf("find stale imports: %w", err)
	}
	for _, s := range stale {
		if err := finishImport(ctx, rec, s, errInterrupted, now); err != nil {
			return err
		}
	}
	return nil
}

const importColumns = `
	SELECT id, account_id, version, status, metadata_merge_mode,
		row_count, created_count, updated_count, rejected_count
	FROM contact_imports`

func scanImport(row pgx.CollectableRow) (importState, error) {
	var s importState
	err := row.Scan(&s.ID, &s.AccountID, &s.Version, &s.Status, &s.Mode,
		&s.Rows, &s.Created, &s.Updated, &s.Rejected)
	return s, err
}

// loadImport reads and locks an import of account for a change.
func loadImport(ctx context.Context, tx pgx.Tx, account, id int64) (importState, bool, error) {
	rows, err := tx.Query(ctx, importColumns+` WHERE id = $1 AND account_id = $2 FOR UPDATE`, id, account)
	if err != nil {
		return importState{}, false, fmt.Errorf("load import %d: %w", id, err)
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanImport)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("load import %d: %w", id, err)
	}
	return s, true, nil
}
