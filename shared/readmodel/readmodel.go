// Package readmodel answers lookups and paged listings of a service's read
// tables. Rows are rendered to API JSON inside PostgreSQL, which saves a
// decode and encode of every metadata object on the way out.
package readmodel

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Scope adds the ownership conditions of the caller to b; found is false
// when the request names a parent the caller may not see (answered 404).
type Scope func(ctx context.Context, req natsbus.Request, r filter.Request, b *filter.Builder) (found bool, err error)

// Resource describes one table's API rendering, sorting, filters and scope.
type Resource struct {
	// DB runs the queries.
	DB eventstore.Querier
	// From is the FROM clause, e.g. "contacts c" or a join.
	From string
	// CountFrom, when set, replaces From for counting: the joins that only
	// render columns are not needed to count (filters and scope must not
	// use them).
	CountFrom string
	// Alias is the alias of the resource's own table in From.
	Alias string
	// Columns renders a row in API shape and order.
	Columns string
	// Sort maps sort parameters to columns; the id always breaks ties.
	Sort map[string]string
	// Filter adds the resource's q filters.
	Filter func(b *filter.Builder, q map[string]any)
	// Scope adds the caller's ownership conditions.
	Scope Scope
}

// Render returns row id as API JSON without any scope; nil if missing.
func (res Resource) Render(ctx context.Context, q eventstore.Querier, id int64) ([]byte, error) {
	var body []byte
	err := q.QueryRow(ctx, "SELECT row_to_json(r) FROM (SELECT "+res.Columns+" FROM "+res.From+
		" WHERE "+res.Alias+".id = $1) r", id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("render %s %d: %w", res.From, id, err)
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
	if found, err := res.Scope(ctx, req, r, &b); err != nil || !found {
		return reply.NotFound(), err
	}
	b.Where(res.Alias + ".id = " + b.Arg(r.ID))

	var body []byte
	err = res.DB.QueryRow(ctx, "SELECT row_to_json(r) FROM (SELECT "+res.Columns+" FROM "+res.From+
		" WHERE "+b.SQL()+") r", b.Args()...).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return reply.NotFound(), nil
	}
	if err != nil {
		return reply.Reply{}, fmt.Errorf("get %s %d: %w", res.From, r.ID, err)
	}
	return reply.Reply{Status: 200, Total: -1, Body: body}, nil
}

// List answers a page of the caller's rows matching q.
func (res Resource) List(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	r, err := filter.DecodeRequest(req.Data)
	if err != nil {
		return reply.BadRequest("base", "is invalid"), nil
	}
	order, err := filter.OrderBy(r.Sort, res.Sort, res.Alias+".id")
	if err != nil {
		return reply.Invalid1("sort", "is not included in the list"), nil
	}
	var b filter.Builder
	if found, err := res.Scope(ctx, req, r, &b); err != nil || !found {
		return reply.NotFound(), err
	}
	res.Filter(&b, r.Q)
	return res.page(ctx, &b, order, r)
}

// page runs the count and the page query and answers the page as a JSON
// array with the total count of matching rows.
func (res Resource) page(
	ctx context.Context,
	b *filter.Builder,
	order string,
	r filter.Request,
) (reply.Reply, error) {
	var total int64
	where := b.SQL()
	countFrom := res.From
	if res.CountFrom != "" {
		countFrom = res.CountFrom
	}
	err := res.DB.QueryRow(ctx, "SELECT count(*) FROM "+countFrom+" WHERE "+where, b.Args()...).Scan(&total)
	if err != nil {
		return reply.Reply{}, fmt.Errorf("count %s: %w", res.From, err)
	}
	if total == 0 || r.Offset() >= total {
		return reply.Reply{Status: 200, Total: total, Body: []byte("[]")}, nil
	}

	args := append(b.Args(), r.PerPage, r.Offset())
	limit := "$" + strconv.Itoa(len(args)-1)
	offset := "$" + strconv.Itoa(len(args))
	sql := "SELECT coalesce(json_agg(p), '[]') FROM (SELECT " + res.Columns + " FROM " + res.From +
		" WHERE " + where + " ORDER BY " + order + " LIMIT " + limit + " OFFSET " + offset + ") p"
	var body []byte
	if err := res.DB.QueryRow(ctx, sql, args...).Scan(&body); err != nil {
		return reply.Reply{}, fmt.Errorf("list %s: %w", res.From, err)
	}
	return reply.Reply{Status: 200, Total: total, Body: body}, nil
}

// TimestampSort is the sort map of tables sorted by id and timestamps.
func TimestampSort(alias string) map[string]string {
	return map[string]string{
		"id": alias + ".id", "created_at": alias + ".created_at", "updated_at": alias + ".updated_at",
	}
}

// MetadataFilter applies the filters every resource has: metadata and
// timestamps.
func MetadataFilter(alias string) func(*filter.Builder, map[string]any) {
	return func(b *filter.Builder, q map[string]any) {
		b.JSONPath(q, "metadata", alias+".metadata")
		b.Timestamp(q, "created_at", alias+".created_at")
		b.Timestamp(q, "updated_at", alias+".updated_at")
	}
}

// Parent is a parent resource a nested route may name.
type Parent struct {
	// Table holds the parent rows; it has id and account_id columns.
	Table string
	// Cond narrows the listing to the parent: a format with one %s for
	// the parent id.
	Cond string
}

// Scoped scopes rows to the caller's account through accountColumn, and for
// each parent named in the request's scope (a nested route) checks that the
// parent is the caller's (else 404) and adds its condition.
func Scoped(db eventstore.Querier, accountColumn string, parents map[string]Parent) Scope {
	return func(ctx context.Context, req natsbus.Request, r filter.Request, b *filter.Builder) (bool, error) {
		b.Where(accountColumn + " = " + b.Arg(req.AccountID))
		for key, p := range parents {
			id, ok := r.Scope[key]
			if !ok {
				continue
			}
			var found bool
			err := db.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+p.Table+" WHERE id = $1 AND account_id = $2)",
				id, req.AccountID).
				Scan(&found)
			if err != nil {
				return false, fmt.Errorf("check %s %d: %w", p.Table, id, err)
			}
			if !found {
				return false, nil
			}
			b.Where(fmt.Sprintf(p.Cond, b.Arg(id)))
		}
		return true, nil
	}
}
