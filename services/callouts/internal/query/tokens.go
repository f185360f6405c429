package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// PrincipalByHash returns the principal of the token whose hash is given.
func PrincipalByHash(
	ctx context.Context,
	db eventstore.Querier,
	hash string,
) (calloutsv1.Principal, bool, error) {
	var p calloutsv1.Principal
	err := db.QueryRow(ctx, `
		SELECT t.resource_owner_id, t.id, (a.permissions & 1) = 1
		FROM access_tokens t JOIN accounts a ON a.id = t.resource_owner_id
		WHERE t.token_hash = $1`, hash).Scan(&p.AccountID, &p.TokenID, &p.SuperAdmin)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("resolve token: %w", err)
	}
	return p, true, nil
}

// ResolveToken answers the principal of a token hash, for gateways whose
// token bucket does not have it (yet).
func ResolveToken(db eventstore.Querier) func(context.Context, natsbus.Request) (reply.Reply, error) {
	return func(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
		var in struct {
			TokenHash string `json:"token_hash"`
		}
		if err := json.Unmarshal(req.Data, &in); err != nil {
			return reply.BadRequest("base", "is invalid"), nil
		}
		p, found, err := PrincipalByHash(ctx, db, in.TokenHash)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		return reply.JSON(200, p), nil
	}
}
