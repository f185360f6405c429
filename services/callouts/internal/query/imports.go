package query

import (
	"context"
	"fmt"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/readmodel"
	"scfm/shared/reply"
)

// ContactImports returns the contact import queries. The counts keep
// growing while an import runs.
func ContactImports(db eventstore.Querier) Resource {
	return Resource{
		DB:    db,
		From:  "contact_imports i",
		Alias: "i",
		Columns: `i.id, i.account_id, i.status, i.filename, i.row_count AS "rows",
			i.created_count AS "created", i.updated_count AS "updated",
			i.rejected_count AS "rejected", i.error, api_time(i.created_at) AS created_at,
			api_time(i.updated_at) AS updated_at, api_time(i.finished_at) AS finished_at`,
		Sort: readmodel.TimestampSort("i"),
		Filter: func(b *filter.Builder, q map[string]any) {
			b.ExactList(q, "status", "i.status")
			b.Timestamp(q, "created_at", "i.created_at")
			b.Timestamp(q, "updated_at", "i.updated_at")
		},
		Scope: readmodel.Scoped(db, "i.account_id", nil),
	}
}

// ContactImportErrors answers a page of the rows an import rejected, in
// row order; the import is named by the contact_import_id scope and must
// be the caller's.
func ContactImportErrors(db eventstore.Querier) natsbus.Handler {
	return func(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
		r, err := filter.DecodeRequest(req.Data)
		if err != nil {
			return reply.BadRequest("base", "is invalid"), nil
		}
		id := r.Scope["contact_import_id"]

		// The import's count of rejected rows is the number of error rows:
		// both change in the same transaction.
		var total int64
		err = db.QueryRow(ctx,
			`SELECT rejected_count FROM contact_imports WHERE id = $1 AND account_id = $2`,
			id, req.AccountID).Scan(&total)
		if isNoRows(err) {
			return reply.NotFound(), nil
		}
		if err != nil {
			return reply.Reply{}, fmt.Errorf("find import %d: %w", id, err)
		}
		if total == 0 || r.Offset() >= total {
			return reply.Reply{Status: 200, Total: total, Body: []byte("[]")}, nil
		}

		var body []byte
		err = db.QueryRow(ctx, `
			SELECT coalesce(json_agg(e), '[]') FROM (
				SELECT row_number AS "row", msisdn, reason FROM contact_import_errors
				WHERE import_id = $1 ORDER BY row_number LIMIT $2 OFFSET $3) e`,
			id, r.PerPage, r.Offset()).Scan(&body)
		if err != nil {
			return reply.Reply{}, fmt.Errorf("list import %d errors: %w", id, err)
		}
		return reply.Reply{Status: 200, Total: total, Body: body}, nil
	}
}
