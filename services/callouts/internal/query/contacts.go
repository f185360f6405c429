// Package query answers the callouts service's read requests from its own
// tables.
package query

import (
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/readmodel"
)

// Contacts returns the contact queries.
func Contacts(db eventstore.Querier) Resource {
	return Resource{
		DB:    db,
		From:  "contacts c",
		Alias: "c",
		Columns: `c.id, c.msisdn, c.metadata, api_time(c.created_at) AS created_at,
			api_time(c.updated_at) AS updated_at, c.account_id`,
		Sort: map[string]string{
			"id": "c.id", "msisdn": "c.msisdn", "created_at": "c.created_at", "updated_at": "c.updated_at",
		},
		Filter: func(b *filter.Builder, q map[string]any) { ContactFilter(b, q, "c") },
		Scope: readmodel.Scoped(db, "c.account_id", map[string]readmodel.Parent{
			"callout_id": {Table: "callouts", Cond: "EXISTS (SELECT 1 FROM callout_participations sp " +
				"WHERE sp.contact_id = c.id AND sp.callout_id = %s)"},
		}),
	}
}

// ContactFilter adds the contact filters of q for the contacts table
// aliased alias: metadata, msisdn and timestamps.
func ContactFilter(b *filter.Builder, q map[string]any, alias string) {
	readmodel.MetadataFilter(alias)(b, q)
	b.MSISDN(q, alias+".msisdn")
}
