package query

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Resource answers the lookups and listings of one table.
type Resource struct {
	db eventstore.Querier
	// From is the FROM clause with the table's alias, e.g. "contacts c".
	from string
	// Alias is the table's alias in From.
	alias string
	// Columns renders a row in API shape and order.
	columns string
	// Sort maps sort parameters to columns.
	sort map[string]string
	// Filter adds the resource's q filters.
	filter func(b *filter.Builder, q map[string]any)
	// Scope adds the ownership conditions of the caller; found is false
	// when the caller names a parent that does not exist (404).
	scope func(ctx context.Context, req natsbus.Request, r filter.Request, b *filter.Builder) (found bool, err error)
}

// Render returns row id as API JSON without any scope; nil if missing.
func (res Resource) Render(ctx context.Context, q eventstore.Querier, id int64) ([]byte, error) {
	var body []byte
	err := q.QueryRow(ctx, "SELECT row_to_json(r) FROM (SELECT "+res.columns+" FROM "+res.from+
		" WHERE "+res.alias+".id = $1) r", id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("render %s %d: %w", res.from, id, err)
	}
	return body, nil
}

// Get answers one row visible to the caller.
func (res Resource) Get(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	r, err := filter.DecodeRequest(req.Data)
	if err != nil {
		return reply.BadRequest("base", "is invalid"), nil
	}
	var b filter.Builder
	if found, err := res.scope(ctx, req, r, &b); err != nil || !found {
		return reply.NotFound(), err
	}
	b.Where(res.alias + ".id = " + b.Arg(r.ID))

	var body []byte
	err = res.db.QueryRow(ctx, "SELECT row_to_json(r) FROM (SELECT "+res.columns+" FROM "+res.from+
		" WHERE "+b.SQL()+") r", b.Args()...).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return reply.NotFound(), nil
	}
	if err != nil {
		return reply.Reply{}, fmt.Errorf("get %s %d: %w", res.from, r.ID, err)
	}
	return reply.Reply{Status: 200, Total: -1, Body: body}, nil
}

// List answers a page of the caller's rows matching q.
func (res Resource) List(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	r, err := filter.DecodeRequest(req.Data)
	if err != nil {
		return reply.BadRequest("base", "is invalid"), nil
	}
	order, err := filter.OrderBy(r.Sort, res.sort, res.alias+".id")
	if err != nil {
		return reply.Invalid1("sort", "is not included in the list"), nil
	}
	var b filter.Builder
	if found, err := res.scope(ctx, req, r, &b); err != nil || !found {
		return reply.NotFound(), err
	}
	res.filter(&b, r.Q)
	return List(ctx, res.db, res.from, res.columns, &b, order, r)
}

// timestampSort is the sort map of tables sorted by id and timestamps.
func timestampSort(alias string) map[string]string {
	return map[string]string{
		"id": alias + ".id", "created_at": alias + ".created_at", "updated_at": alias + ".updated_at",
	}
}

// metadataFilter applies the filters every resource has: metadata and
// timestamps.
func metadataFilter(alias string) func(*filter.Builder, map[string]any) {
	return func(b *filter.Builder, q map[string]any) {
		b.JSONPath(q, "metadata", alias+".metadata")
		b.Timestamp(q, "created_at", alias+".created_at")
		b.Timestamp(q, "updated_at", alias+".updated_at")
	}
}

// TargetAccount returns the account a request acts on: the account named by
// the account_id scope when a super admin names one (found is false if it
// does not exist), else the caller's own. Ordinary accounts cannot act on
// another account; their account_id is ignored.
func TargetAccount(ctx context.Context, db eventstore.Querier, req natsbus.Request, named int64) (int64, bool, error) {
	if !req.SuperAdmin || named == 0 || named == req.AccountID {
		return req.AccountID, true, nil
	}
	var exists bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)`, named).Scan(&exists); err != nil {
		return 0, false, fmt.Errorf("check account %d: %w", named, err)
	}
	return named, exists, nil
}

// targetAccount scopes rows through column to TargetAccount.
func targetAccount(db eventstore.Querier, column string) func(context.Context, natsbus.Request, filter.Request, *filter.Builder) (bool, error) {
	return func(ctx context.Context, req natsbus.Request, r filter.Request, b *filter.Builder) (bool, error) {
		id, found, err := TargetAccount(ctx, db, req, r.Scope["account_id"])
		if err != nil || !found {
			return false, err
		}
		b.Where(column + " = " + b.Arg(id))
		return true, nil
	}
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
