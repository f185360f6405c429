package command

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"scfm/callouts/internal/query"
	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// UserWrite is a create, update, delete or event of a user. AccountID
// targets another account; only super admins may.
type UserWrite struct {
	ID                int64          `json:"id,omitempty"`
	AccountID         int64          `json:"account_id,omitempty"`
	Email             *string        `json:"email,omitempty"`
	Password          *string        `json:"password,omitempty"`
	Metadata          map[string]any `json:"metadata,omitempty"`
	MetadataMergeMode string         `json:"metadata_merge_mode,omitempty"`
	Event             string         `json:"event,omitempty"`
}

// userState is a user as the write side knows it.
type userState struct {
	calloutsv1.UserV1
	secret  calloutsv1.UserSecretV1
	md      map[string]any
	version int64
}

// emailFormat is the accepted shape of e-mail addresses.
var emailFormat = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)

// CreateUser adds a user to the target account.
func (h *Handlers) CreateUser(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w UserWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	errs := reply.Errors{}
	email := checkEmail(w.Email, errs)
	hash := h.checkPassword(w.Password, true, errs)
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		owner, found, err := query.TargetAccount(ctx, tx, req, w.AccountID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if err := emailTaken(ctx, tx, email, 0, errs); err != nil {
			return reply.Reply{}, err
		}
		if len(errs) > 0 {
			return reply.Invalid(errs), nil
		}
		s := userState{md: w.Metadata}
		if s.md == nil {
			s.md = map[string]any{}
		}
		s.AccountID, s.Email, s.secret.PasswordHash = owner, email, hash
		if s.ID, err = commands.NextID(ctx, tx, "users"); err != nil {
			return reply.Reply{}, err
		}
		ev := userEvent(
			s,
			1,
			calloutsv1.UserCreated,
			calloutsv1.UserCreatedV1{UserV1: public(s), CreatedAt: h.clock()},
			rec,
		)
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return commands.Created(ctx, tx, "/api/users/", s.ID, query.Users(tx))
	})
}

// UpdateUser changes a user's e-mail, password or metadata.
func (h *Handlers) UpdateUser(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w UserWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	errs := reply.Errors{}
	var email string
	if w.Email != nil {
		email = checkEmail(w.Email, errs)
	}
	hash := h.checkPassword(w.Password, false, errs)
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadUser(ctx, tx, req, w)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if w.Email != nil {
			if err := emailTaken(ctx, tx, email, s.ID, errs); err != nil {
				return reply.Reply{}, err
			}
			s.Email = email
		}
		if len(errs) > 0 {
			return reply.Invalid(errs), nil
		}
		if hash != "" {
			s.secret.PasswordHash = hash
		}
		if w.Metadata != nil {
			s.md = metadata.Apply(s.md, w.Metadata, w.MetadataMergeMode)
		}
		ev := userEvent(
			s,
			s.version+1,
			calloutsv1.UserUpdated,
			calloutsv1.UserUpdatedV1{UserV1: public(s), UpdatedAt: h.clock()},
			rec,
		)
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

// DeleteUser removes a user.
func (h *Handlers) DeleteUser(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w UserWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadUser(ctx, tx, req, w)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		ev := eventstore.New(
			calloutsv1.AggregateUser,
			strconv.FormatInt(s.ID, 10),
			s.version+1,
			calloutsv1.UserDeleted,
			calloutsv1.UserDeletedV1{ID: s.ID, AccountID: s.AccountID, DeletedAt: h.clock()},
			rec.Metadata(),
		)
		return reply.NoContent(), rec.Record(ctx, ev)
	})
}

// UserEvent applies a user event; the only one is "invite", which issues an
// invitation (a mailer subscribed to user.invited sends it).
func (h *Handlers) UserEvent(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w UserWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadUser(ctx, tx, req, w)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if w.Event != "invite" {
			return reply.Invalid1("event", "is not included in the list"), nil
		}
		raw, err := NewToken()
		if err != nil {
			return reply.Reply{}, err
		}
		digest := sha256.Sum256([]byte(raw))
		token := hex.EncodeToString(digest[:])
		now := h.clock()
		s.secret.InvitationToken = &token
		s.InvitationCreatedAt, s.InvitationSentAt, s.InvitationAcceptedAt = &now, &now, nil
		ev := userEvent(
			s,
			s.version+1,
			calloutsv1.UserInvited,
			calloutsv1.UserInvitedV1{UserV1: public(s), UpdatedAt: now},
			rec,
		)
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		r, err := commands.Created(ctx, tx, "/api/users/", s.ID, query.Users(tx))
		return r, err
	})
}

func public(s userState) calloutsv1.UserV1 {
	u := s.UserV1
	u.Metadata = metadata.Encode(s.md)
	return u
}

func userEvent(s userState, version int64, typ string, data any, rec *recorder) eventstore.Event {
	ev := eventstore.New(
		calloutsv1.AggregateUser,
		strconv.FormatInt(s.ID, 10),
		version,
		typ,
		data,
		rec.Metadata(),
	)
	ev.Private = commands.MustJSON(s.secret)
	return ev
}

// checkEmail returns the stored form of an e-mail (trimmed, lower case),
// adding errors for a missing or malformed one.
func checkEmail(raw *string, errs reply.Errors) string {
	if raw == nil || strings.TrimSpace(*raw) == "" {
		errs.Add("email", "can't be blank")
		return ""
	}
	email := strings.ToLower(strings.TrimSpace(*raw))
	if !emailFormat.MatchString(email) {
		errs.Add("email", "is invalid")
	}
	return email
}

// checkPassword hashes a password of 6 to 128 characters; on create it is
// required.
func (h *Handlers) checkPassword(raw *string, required bool, errs reply.Errors) string {
	switch {
	case raw == nil || *raw == "":
		if required {
			errs.Add("password", "can't be blank")
		}
		return ""
	case len([]rune(*raw)) < 6:
		errs.Add("password", "is too short (minimum is 6 characters)")
		return ""
	case len([]rune(*raw)) > 128 || len(*raw) > 72*4:
		errs.Add("password", "is too long (maximum is 128 characters)")
		return ""
	}
	hash, err := bcrypt.GenerateFromPassword(prehash(*raw), bcrypt.DefaultCost)
	if err != nil {
		errs.Add("password", "is invalid")
		return ""
	}
	return string(hash)
}

// prehash feeds bcrypt a fixed-size digest, since bcrypt reads at most 72
// bytes and long passphrases would otherwise be cut.
func prehash(password string) []byte {
	sum := sha256.Sum256([]byte(password))
	return []byte(hex.EncodeToString(sum[:]))
}

func emailTaken(ctx context.Context, tx pgx.Tx, email string, except int64, errs reply.Errors) error {
	if email == "" {
		return nil
	}
	var taken bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE email = $1 AND id <> $2)`,
		email, except).Scan(&taken); err != nil {
		return fmt.Errorf("check email: %w", err)
	}
	if taken {
		errs.Add("email", "has already been taken")
	}
	return nil
}

// loadUser reads and locks a user of the request's target account.
func loadUser(ctx context.Context, tx pgx.Tx, req natsbus.Request, w UserWrite) (userState, bool, error) {
	var s userState
	owner, found, err := query.TargetAccount(ctx, tx, req, w.AccountID)
	if err != nil || !found {
		return s, false, err
	}
	var md []byte
	var invCreated, invSent, invAccepted *time.Time
	err = tx.QueryRow(ctx, `
		SELECT id, account_id, email, password_hash, metadata::text, invitation_token,
			invitation_created_at, invitation_sent_at, invitation_accepted_at, invitation_limit,
			invited_by_id, invitations_count, version
		FROM users WHERE id = $1 AND account_id = $2 FOR UPDATE`, w.ID, owner).Scan(
		&s.ID, &s.AccountID, &s.Email, &s.secret.PasswordHash, &md, &s.secret.InvitationToken,
		&invCreated, &invSent, &invAccepted, &s.InvitationLimit, &s.InvitedByID, &s.InvitationsCount, &s.version)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("load user %d: %w", w.ID, err)
	}
	s.InvitationCreatedAt, s.InvitationSentAt, s.InvitationAcceptedAt = utc(
		invCreated,
	), utc(
		invSent,
	), utc(
		invAccepted,
	)
	s.md, err = metadata.Decode(md)
	return s, err == nil, err
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
