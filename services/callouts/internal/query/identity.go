package query

import (
	"context"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/readmodel"
)

// Accounts returns the account queries. Only super admins list and read
// accounts by id (the gateway enforces it); everyone reads their own
// through the current-account route, which asks for their own id.
func Accounts(db eventstore.Querier) Resource {
	return Resource{
		DB:    db,
		From:  "accounts a",
		Alias: "a",
		Columns: `a.id, a.metadata, a.settings, a.twilio_account_sid, a.somleng_account_sid,
			a.twilio_auth_token, a.somleng_auth_token,
			CASE WHEN a.permissions & 1 = 1 THEN '["super_admin"]'::json ELSE '[]'::json END AS permissions,
			api_time(a.created_at) AS created_at, api_time(a.updated_at) AS updated_at`,
		Sort:   readmodel.TimestampSort("a"),
		Filter: readmodel.MetadataFilter("a"),
		Scope: func(_ context.Context, req natsbus.Request, r filter.Request, b *filter.Builder) (bool, error) {
			if !req.SuperAdmin {
				b.Where("a.id = " + b.Arg(req.AccountID))
			}
			return true, nil
		},
	}
}

// AccessTokens returns the access token queries. The plain token is never
// stored, so it reads as null.
func AccessTokens(db eventstore.Querier) Resource {
	return Resource{
		DB:    db,
		From:  "access_tokens t",
		Alias: "t",
		Columns: `t.id, NULL::text AS token, api_time(t.created_at) AS created_at,
			api_time(t.updated_at) AS updated_at, t.metadata`,
		Sort:   readmodel.TimestampSort("t"),
		Filter: readmodel.MetadataFilter("t"),
		Scope:  targetAccount(db, "t.resource_owner_id"),
	}
}

// Users returns the user queries. Password hashes are never rendered.
func Users(db eventstore.Querier) Resource {
	return Resource{
		DB:    db,
		From:  "users u",
		Alias: "u",
		Columns: `u.id, u.account_id, u.metadata, u.email, api_time(u.created_at) AS created_at,
			api_time(u.updated_at) AS updated_at, u.invitation_token,
			api_time(u.invitation_created_at) AS invitation_created_at,
			api_time(u.invitation_sent_at) AS invitation_sent_at,
			api_time(u.invitation_accepted_at) AS invitation_accepted_at,
			u.invitation_limit, u.invited_by_id, u.invitations_count`,
		Sort:   readmodel.TimestampSort("u"),
		Filter: readmodel.MetadataFilter("u"),
		Scope:  targetAccount(db, "u.account_id"),
	}
}
