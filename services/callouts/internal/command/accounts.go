package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"scfm/callouts/internal/domain/account"
	"scfm/callouts/internal/query"
	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// CreateAccount creates an account. Only super admins reach it.
func (h *Handlers) CreateAccount(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w account.Write
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	if !req.SuperAdmin {
		return reply.Unauthorized(), nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, errs := account.Apply(
			account.State{Metadata: map[string]any{}, Settings: map[string]any{}},
			w,
			h.flows,
		)
		if errs != nil {
			return reply.Invalid(errs), nil
		}
		if errs, err := sidsTaken(ctx, tx, s); err != nil || errs != nil {
			return reply.Invalid(errs), err
		}
		var err error
		if s.ID, err = commands.NextID(ctx, tx, "accounts"); err != nil {
			return reply.Reply{}, err
		}

		ev := accountEvent(s, 1, calloutsv1.AccountCreated,
			calloutsv1.AccountCreatedV1{AccountV1: publicAccount(s), CreatedAt: h.clock()}, rec)
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return commands.Created(ctx, tx, "/api/accounts/", s.ID, query.Accounts(tx))
	})
}

// UpdateAccount changes an account: any account for super admins, the
// caller's own through the current-account route.
func (h *Handlers) UpdateAccount(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w account.Write
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	if !req.SuperAdmin && w.ID != req.AccountID {
		return reply.NotFound(), nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		old, found, err := loadAccount(ctx, tx, w.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		s, errs := account.Apply(old, w, h.flows)
		if errs != nil {
			return reply.Invalid(errs), nil
		}
		if errs, err := sidsTaken(ctx, tx, s); err != nil || errs != nil {
			return reply.Invalid(errs), err
		}
		ev := accountEvent(s, old.Version+1, calloutsv1.AccountUpdated,
			calloutsv1.AccountUpdatedV1{AccountV1: publicAccount(s), UpdatedAt: h.clock()}, rec)
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

// DeleteAccount removes an account that owns nothing any more, batch
// operations included (as far as this service has heard of them).
func (h *Handlers) DeleteAccount(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w account.Write
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	if !req.SuperAdmin {
		return reply.Unauthorized(), nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		old, found, err := loadAccount(ctx, tx, w.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		for _, dep := range []struct{ from, name string }{
			{"access_tokens WHERE resource_owner_id = $1", "access tokens"},
			{"users WHERE account_id = $1", "users"},
			{"contacts WHERE account_id = $1", "contacts"},
			{"callouts WHERE account_id = $1", "callouts"},
			{"known_batch_operations WHERE account_id = $1", "batch operations"},
		} {
			if blocked, err := commands.Exists(ctx, tx, dep.from, old.ID); err != nil || blocked {
				return reply.Invalid1(
					"base",
					"Cannot delete record because dependent "+dep.name+" exist",
				), err
			}
		}
		ev := eventstore.New(
			calloutsv1.AggregateAccount,
			strconv.FormatInt(old.ID, 10),
			old.Version+1,
			calloutsv1.AccountDeleted,
			calloutsv1.AccountDeletedV1{ID: old.ID, DeletedAt: h.clock()},
			rec.Metadata(),
		)
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

func publicAccount(s account.State) calloutsv1.AccountV1 {
	return calloutsv1.AccountV1{
		ID: s.ID, Metadata: account.Encode(s.Metadata), Settings: account.Encode(s.Settings),
		TwilioAccountSID: s.TwilioAccountSID, SomlengAccountSID: s.SomlengAccountSID,
		Permissions: account.PermissionNames(s.Permissions),
	}
}

// accountEvent builds an account event whose private data carries the
// provider auth tokens.
func accountEvent(s account.State, version int64, typ string, data any, rec *recorder) eventstore.Event {
	ev := eventstore.New(
		calloutsv1.AggregateAccount,
		strconv.FormatInt(s.ID, 10),
		version,
		typ,
		data,
		rec.Metadata(),
	)
	ev.Private = commands.MustJSON(calloutsv1.AccountSecretV1{
		TwilioAuthToken: s.TwilioAuthToken, SomlengAuthToken: s.SomlengAuthToken,
	})
	return ev
}

func loadAccount(ctx context.Context, tx pgx.Tx, id int64) (account.State, bool, error) {
	s := account.State{ID: id}
	var md, settings []byte
	err := tx.QueryRow(ctx, `
		SELECT metadata::text, settings::text, twilio_account_sid, somleng_account_sid,
			twilio_auth_token, somleng_auth_token, permissions, version
		FROM accounts WHERE id = $1 FOR UPDATE`, id).Scan(&md, &settings, &s.TwilioAccountSID,
		&s.SomlengAccountSID, &s.TwilioAuthToken, &s.SomlengAuthToken, &s.Permissions, &s.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("load account %d: %w", id, err)
	}
	if s.Metadata, err = metadata.Decode(md); err != nil {
		return s, false, err
	}
	s.Settings, err = metadata.Decode(settings)
	return s, err == nil, err
}

// sidsTaken checks that no other account uses s's provider account SIDs,
// as either kind of SID (provider callbacks find their account by SID
// alone), and that none looks like a simulator SID, which the system
// issues itself.
func sidsTaken(ctx context.Context, tx pgx.Tx, s account.State) (reply.Errors, error) {
	errs := reply.Errors{}
	for col, sid := range map[string]*string{
		"twilio_account_sid": s.TwilioAccountSID, "somleng_account_sid": s.SomlengAccountSID,
	} {
		if sid == nil {
			continue
		}
		if strings.HasPrefix(*sid, "ACsimulator") {
			errs.Add(col, "is reserved")
			continue
		}
		var taken bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts
			WHERE (twilio_account_sid = $1 OR somleng_account_sid = $1) AND id <> $2)`,
			*sid, s.ID).Scan(&taken)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", col, err)
		}
		if taken {
			errs.Add(col, "has already been taken")
		}
	}
	if len(errs) == 0 {
		return nil, nil
	}
	return errs, nil
}
