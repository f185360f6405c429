package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"scfm/callouts/internal/query"
	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// TokenWrite is a create, update or delete of an access token. AccountID
// targets another account; only super admins may.
type TokenWrite struct {
	ID                int64          `json:"id,omitempty"`
	AccountID         int64          `json:"account_id,omitempty"`
	Metadata          map[string]any `json:"metadata,omitempty"`
	MetadataMergeMode string         `json:"metadata_merge_mode,omitempty"`
}

// tokenState is an access token as the write side knows it.
type tokenState struct {
	id, ownerID, createdByID, version int64
	hash                              string
	metadata                          map[string]any
}

// CreateAccessToken issues a token for the target account. The answer is the
// only place the plain token ever appears; the database keeps its hash.
func (h *Handlers) CreateAccessToken(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w TokenWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	token, err := NewToken()
	if err != nil {
		return reply.Reply{}, err
	}
	r, fresh, err := h.runFresh(
		ctx,
		req,
		func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
			owner, found, err := query.TargetAccount(ctx, tx, req, w.AccountID)
			if err != nil || !found {
				return reply.NotFound(), err
			}
			id, err := commands.NextID(ctx, tx, "access_tokens")
			if err != nil {
				return reply.Reply{}, err
			}
			md := w.Metadata
			if md == nil {
				md = map[string]any{}
			}
			ev := eventstore.New(calloutsv1.AggregateAccessToken, strconv.FormatInt(id, 10), 1,
				calloutsv1.AccessTokenCreated, calloutsv1.AccessTokenCreatedV1{
					ID: id, ResourceOwnerID: owner, CreatedByID: req.AccountID,
					Metadata: metadata.Encode(md), CreatedAt: h.clock(),
				}, rec.Metadata())
			ev.Private = commands.MustJSON(
				calloutsv1.AccessTokenSecretV1{TokenHash: calloutsv1.TokenHash(token)},
			)
			if err := rec.Record(ctx, ev); err != nil {
				return reply.Reply{}, err
			}
			return commands.Created(ctx, tx, "/api/access_tokens/", id, query.AccessTokens(tx))
		},
	)
	if err != nil || r.Status != 201 || !fresh {
		return r, err
	}
	// The plain token is added to the first answer only: the stored answer
	// that a repeated request receives shows "token": null, since the
	// database keeps no token, only its hash.
	return withToken(r, token)
}

// UpdateAccessToken changes a token's metadata.
func (h *Handlers) UpdateAccessToken(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w TokenWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := h.loadToken(ctx, tx, req, w)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		md := s.metadata
		if w.Metadata != nil {
			md = metadata.Apply(s.metadata, w.Metadata, w.MetadataMergeMode)
		}
		ev := eventstore.New(calloutsv1.AggregateAccessToken, strconv.FormatInt(s.id, 10), s.version+1,
			calloutsv1.AccessTokenUpdated, calloutsv1.AccessTokenUpdatedV1{
				ID: s.id, ResourceOwnerID: s.ownerID, Metadata: metadata.Encode(md), UpdatedAt: h.clock(),
			}, rec.Metadata())
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

// DeleteAccessToken revokes a token. Only its creator or a super admin may;
// the token stops authenticating as soon as the answer is sent.
func (h *Handlers) DeleteAccessToken(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w TokenWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	var hash string
	r, err := h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := h.loadToken(ctx, tx, req, w)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if !req.SuperAdmin && s.createdByID != req.AccountID {
			return reply.Invalid1(
				"base",
				"Cannot delete record because the destroyer is not the creator",
			), nil
		}
		hash = s.hash
		ev := eventstore.New(calloutsv1.AggregateAccessToken, strconv.FormatInt(s.id, 10), s.version+1,
			calloutsv1.AccessTokenDeleted, calloutsv1.AccessTokenDeletedV1{
				ID: s.id, ResourceOwnerID: s.ownerID, DeletedAt: h.clock(),
			}, rec.Metadata())
		ev.Private = commands.MustJSON(calloutsv1.AccessTokenSecretV1{TokenHash: s.hash})
		return reply.NoContent(), rec.Record(ctx, ev)
	})
	if err == nil && hash != "" && h.tokenChanged != nil {
		h.tokenChanged(ctx, hash)
	}
	return r, err
}

// loadToken reads and locks a token of the request's target account.
func (h *Handlers) loadToken(
	ctx context.Context,
	tx pgx.Tx,
	req natsbus.Request,
	w TokenWrite,
) (tokenState, bool, error) {
	s := tokenState{id: w.ID}
	owner, found, err := query.TargetAccount(ctx, tx, req, w.AccountID)
	if err != nil || !found {
		return s, false, err
	}
	var md []byte
	err = tx.QueryRow(ctx, `
		SELECT resource_owner_id, created_by_id, token_hash, metadata::text, version
		FROM access_tokens WHERE id = $1 AND resource_owner_id = $2 FOR UPDATE`, w.ID, owner).
		Scan(&s.ownerID, &s.createdByID, &s.hash, &md, &s.version)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("load access token %d: %w", w.ID, err)
	}
	s.metadata, err = metadata.Decode(md)
	return s, err == nil, err
}

// withToken puts the plain token into a rendered token answer.
func withToken(r reply.Reply, token string) (reply.Reply, error) {
	m, err := metadata.Decode(r.Body)
	if err != nil {
		return r, err
	}
	m["token"] = token
	r.Body = commands.MustJSON(struct {
		ID        any    `json:"id"`
		Token     string `json:"token"`
		CreatedAt any    `json:"created_at"`
		UpdatedAt any    `json:"updated_at"`
		Metadata  any    `json:"metadata"`
	}{m["id"], token, m["created_at"], m["updated_at"], m["metadata"]})
	return r, nil
}
