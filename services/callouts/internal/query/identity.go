package query

import (
	"context"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
)

// Accounts returns the account queries. Only super admins list and read
// accounts by id (the gateway enforces it); everyone reads their own
// through the current-account route, which asks for their own id.
func Accounts(db eventstore.Querier) Resource {
	return Resource{
		db:    db,
		from:  "accounts a",
		alias: "a",
		columns: `a.id, a.metadata, a.settings, a.twilio_account_sid, a.somleng_account_sid,
			a.twilio_auth_token, a.somleng_auth_token,
			CASE WHEN a.permissions & 1 = 1 THEN '["super_admin"]'::json ELSE '[]'::json END AS permissions,
			api_time(a.created_at) AS created_at, api_time(a.updated_at) AS updated_at`,
		sort:   timestampSort("a"),
		filter: metadataFilter("a"),
		scope: func(_ context.Context, req natsbus.Request, r filter.Request, b *filter.Builder) (bool, error) {
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
		db:    db,
		from:  "access_tokens t",
		alias: "t",
		columns: `t.id, NULL::text AS token, api_time(t.created_at) AS created_at,
			api_time(t.updated_at) AS updated_at, t.metadata`,
		sort:   timestampSort("t"),
		filter: metadataFilter("t"),
		scope:  targetAccount(db, "t.resource_owner_id"),
	}
}

// Users returns the user queries. Password hashes are never rendered.
func Users(db eventstore.Querier) Resource {
	return Resource{
		db:    db,
		from:  "users u",
		alias: "u",
		columns: `u.id, u.account_id, u.metadata, u.email, api_time(u.created_at) AS created_at,
			api_time(u.updated_at) AS updated_at, u.invitation_token,
			api_time(u.invitation_created_at) AS invitation_created_at,
			api_time(u.invitation_sent_at) AS invitation_sent_at,
			api_time(u.invitation_accepted_at) AS invitation_accepted_at,
			u.invitation_limit, u.invited_by_id, u.invitations_count`,
		sort:   timestampSort("u"),
		filter: metadataFilter("u"),
		scope:  targetAccount(db, "u.account_id"),
	}
}
