package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"scfm/callouts/internal/domain/account"
	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// SeedSuperAdmin makes sure a super-admin account exists (creating the first
// one if none does) and gives it a new access token, which it returns. The
// plain token exists only in the return value; the database keeps its hash.
func (h *Handlers) SeedSuperAdmin(ctx context.Context) (string, error) {
	token, err := NewToken()
	if err != nil {
		return "", err
	}
	req := natsbus.Request{ID: uuid.Must(uuid.NewV7()).String(), Name: "account.seed_super_admin"}
	_, err = h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		now := h.clock()
		var events []eventstore.Event

		var accountID int64
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE permissions & $1 = $1 ORDER BY id LIMIT 1`,
			account.PermissionSuperAdmin).Scan(&accountID)
		if errors.Is(err, pgx.ErrNoRows) {
			if accountID, err = commands.NextID(ctx, tx, "accounts"); err != nil {
				return reply.Reply{}, err
			}
			s := account.State{ID: accountID, Permissions: account.PermissionSuperAdmin}
			events = append(events, accountEvent(s, 1, calloutsv1.AccountCreated, calloutsv1.AccountCreatedV1{
				AccountV1: publicAccount(s), CreatedAt: now,
			}, rec))
		} else if err != nil {
			return reply.Reply{}, fmt.Errorf("find super admin: %w", err)
		}

		tokenID, err := commands.NextID(ctx, tx, "access_tokens")
		if err != nil {
			return reply.Reply{}, err
		}
		ev := eventstore.New(calloutsv1.AggregateAccessToken, strconv.FormatInt(tokenID, 10), 1,
			calloutsv1.AccessTokenCreated, calloutsv1.AccessTokenCreatedV1{
				ID: tokenID, ResourceOwnerID: accountID, CreatedByID: accountID,
				Metadata: []byte("{}"), CreatedAt: now,
			}, rec.Metadata())
		ev.Private = []byte(`{"token_hash":"` + calloutsv1.TokenHash(token) + `"}`)
		events = append(events, ev)

		return reply.NoContent(), rec.Record(ctx, events...)
	})
	if err != nil {
		return "", fmt.Errorf("seed super admin: %w", err)
	}
	return token, nil
}

// NewToken returns a new access token: 32 random bytes as 64 hex digits.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
