// Package query answers the callouts service's read requests from its own
// tables. Rows are rendered to API JSON inside PostgreSQL, which saves a
// decode and encode of every metadata object on the way out.
package query

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/msisdn"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// contactColumns renders a contacts row (alias c) in API shape and order.
const contactColumns = `c.id, c.msisdn, c.metadata, api_time(c.created_at) AS created_at,
	api_time(c.updated_at) AS updated_at, c.account_id`

// contactSort maps sort parameters to columns.
func contactSort() map[string]string {
	return map[string]string{
		"id": "c.id", "msisdn": "c.msisdn", "created_at": "c.created_at", "updated_at": "c.updated_at",
	}
}

// ContactJSON renders one contact of account.
func ContactJSON(ctx context.Context, q eventstore.Querier, accountID, id int64) ([]byte, error) {
	var body []byte
	err := q.QueryRow(ctx, `SELECT row_to_json(r) FROM (SELECT `+contactColumns+`
		FROM contacts c WHERE c.id = $1 AND c.account_id = $2) r`, id, accountID).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("render contact %d: %w", id, err)
	}
	return body, nil
}

// Contacts answers the contact queries.
type Contacts struct {
	db eventstore.Querier
}

// NewContacts returns contact queries over db.
func NewContacts(db eventstore.Querier) *Contacts { return &Contacts{db: db} }

// Get answers one contact of the caller's account.
func (c *Contacts) Get(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	r, err := filter.DecodeRequest(req.Data)
	if err != nil {
		return reply.BadRequest("base", "is invalid"), nil
	}
	body, err := ContactJSON(ctx, c.db, req.AccountID, r.ID)
	if err != nil || body == nil {
		return reply.NotFound(), err
	}
	return reply.Reply{Status: 200, Total: -1, Body: body}, nil
}

// List answers a page of the caller's contacts matching q.
func (c *Contacts) List(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	r, err := filter.DecodeRequest(req.Data)
	if err != nil {
		return reply.BadRequest("base", "is invalid"), nil
	}
	order, err := filter.OrderBy(r.Sort, contactSort(), "c.id")
	if err != nil {
		return reply.Invalid1("sort", "is not included in the list"), nil
	}

	var b filter.Builder
	b.Where("c.account_id = " + b.Arg(req.AccountID))
	ContactFilter(&b, r.Q, "c")
	return List(ctx, c.db, "contacts c", contactColumns, &b, order, r)
}

// ContactFilter adds the contact filters of q for the contacts table
// aliased alias: metadata, msisdn and timestamps.
func ContactFilter(b *filter.Builder, q map[string]any, alias string) {
	b.JSONPath(q, "metadata", alias+".metadata")
	if v, ok := q["msisdn"]; ok {
		n := msisdn.Normalize(filter.Text(v))
		if n == "" {
			b.Where("FALSE")
		} else {
			b.Where(alias + ".msisdn = " + b.Arg(n))
		}
	}
	b.Timestamp(q, "created_at", alias+".created_at")
	b.Timestamp(q, "updated_at", alias+".updated_at")
}
