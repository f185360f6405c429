package projection

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
)

// applyImport routes the contact import events.
func applyImport(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	switch e.Type {
	case calloutsv1.ContactImportCreated:
		return applyImportCreated(ctx, tx, e)
	case calloutsv1.ContactsImported:
		return applyContactsImported(ctx, tx, e)
	case calloutsv1.ContactImportRowsRejected:
		return applyRowsRejected(ctx, tx, e)
	case calloutsv1.ContactImportFinished:
		return applyImportFinished(ctx, tx, e)
	}
	return nil
}

func applyImportCreated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ContactImportCreatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO contact_imports (id, account_id, status, filename, metadata_merge_mode,
			created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
		d.ID, d.AccountID, calloutsv1.ImportRunning, d.Filename, d.MetadataMergeMode, d.CreatedAt,
		e.Version)
	return err
}

// applyContactsImported writes a chunk's contacts in two set-based
// statements: the created ones are inserted and the updated ones get their
// new metadata and version; every one remembers the import and row that
// last set it. A plain INSERT is used rather than an upsert because the
// event says which ids are new, and an upsert's speculative insert costs an
// extra write per row.
func applyContactsImported(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ContactsImportedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	var fresh, known importedColumns
	for _, c := range d.Contacts {
		if c.Action == calloutsv1.ImportActionCreated {
			fresh.add(c)
		} else {
			known.add(c)
		}
	}

	b := &pgx.Batch{}
	if len(fresh.ids) > 0 {
		b.Queue(`
			INSERT INTO contacts (id, account_id, msisdn, metadata, created_at, updated_at, version,
				last_import_id, last_import_row)
			SELECT c.id, $1, c.msisdn, c.metadata, $2, $2, c.version, $3, c.rn
			FROM unnest($4::bigint[], $5::text[], $6::jsonb[], $7::bigint[], $8::bigint[])
				AS c (id, msisdn, metadata, version, rn)`,
			d.AccountID, d.ImportedAt, d.ImportID,
			fresh.ids, fresh.numbers, fresh.metadata, fresh.versions, fresh.rows)
	}
	if len(known.ids) > 0 {
		b.Queue(`
			UPDATE contacts SET metadata = c.metadata, updated_at = $1, version = c.version,
				last_import_id = $2, last_import_row = c.rn
			FROM unnest($3::bigint[], $4::jsonb[], $5::bigint[], $6::bigint[]) AS c (id, metadata, version, rn)
			WHERE contacts.id = c.id`,
			d.ImportedAt, d.ImportID, known.ids, known.metadata, known.versions, known.rows)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	created := int64(len(fresh.ids))
	return countImport(ctx, tx, d.ImportID, e.Version, d.ImportedAt, created, int64(len(known.ids)), 0)
}

// importedColumns holds imported contacts column by column, as the
// statements that write them take them.
type importedColumns struct {
	ids, rows, versions []int64
	numbers, metadata   []string
}

func (c *importedColumns) add(x calloutsv1.ImportedContactV1) {
	c.ids, c.rows, c.versions = append(c.ids, x.ID), append(c.rows, x.Row), append(c.versions, x.Version)
	c.numbers, c.metadata = append(c.numbers, x.MSISDN), append(c.metadata, string(x.Metadata))
}

func applyRowsRejected(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ContactImportRowsRejectedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	n := len(d.Rows)
	rows := make([]int64, n)
	numbers, reasons := make([]string, n), make([]string, n)
	for i, r := range d.Rows {
		rows[i], numbers[i], reasons[i] = r.Row, r.MSISDN, r.Reason
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO contact_import_errors (import_id, row_number, msisdn, reason)
		SELECT $1, r.rn, r.msisdn, r.reason
		FROM unnest($2::bigint[], $3::text[], $4::text[]) AS r (rn, msisdn, reason)`,
		d.ImportID, rows, numbers, reasons)
	if err != nil {
		return err
	}
	return countImport(ctx, tx, d.ImportID, e.Version, d.RejectedAt, 0, 0, int64(n))
}

// countImport adds a chunk's outcome to its import's totals.
func countImport(
	ctx context.Context, tx pgx.Tx, importID, version int64, at time.Time, created, updated, rejected int64,
) error {
	_, err := tx.Exec(ctx, `
		UPDATE contact_imports SET row_count = row_count + $2 + $3 + $4,
			created_count = created_count + $2, updated_count = updated_count + $3,
			rejected_count = rejected_count + $4, updated_at = $5, version = $6
		WHERE id = $1`,
		importID, created, updated, rejected, at, version)
	return err
}

func applyImportFinished(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ContactImportFinishedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		UPDATE contact_imports SET status = $2, error = $3, row_count = $4, created_count = $5,
			updated_count = $6, rejected_count = $7, finished_at = $8, updated_at = $8, version = $9
		WHERE id = $1`,
		d.ID, d.Status, d.Error, d.Rows, d.Created, d.Updated, d.Rejected, d.FinishedAt, e.Version)
	return err
}
