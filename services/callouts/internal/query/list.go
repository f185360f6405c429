package query

import (
	"context"
	"fmt"
	"strconv"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/reply"
)

// List runs a paged listing: from is the FROM clause, columns the rendered
// columns, b the conditions, order the ORDER BY list. It answers the page as
// a JSON array with the total count of matching rows.
func List(
	ctx context.Context, db eventstore.Querier, from, columns string,
	b *filter.Builder, order string, r filter.Request,
) (reply.Reply, error) {
	var total int64
	where := b.SQL()
	if err := db.QueryRow(ctx, "SELECT count(*) FROM "+from+" WHERE "+where, b.Args()...).Scan(&total); err != nil {
		return reply.Reply{}, fmt.Errorf("count %s: %w", from, err)
	}
	if total == 0 || r.Offset() >= total {
		return reply.Reply{Status: 200, Total: total, Body: []byte("[]")}, nil
	}

	args := append(b.Args(), r.PerPage, r.Offset())
	limit := "$" + strconv.Itoa(len(args)-1)
	offset := "$" + strconv.Itoa(len(args))
	sql := "SELECT coalesce(json_agg(p), '[]') FROM (SELECT " + columns + " FROM " + from +
		" WHERE " + where + " ORDER BY " + order + " LIMIT " + limit + " OFFSET " + offset + ") p"
	var body []byte
	if err := db.QueryRow(ctx, sql, args...).Scan(&body); err != nil {
		return reply.Reply{}, fmt.Errorf("list %s: %w", from, err)
	}
	return reply.Reply{Status: 200, Total: total, Body: body}, nil
}
