package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"scfm/callouts/internal/domain/contact"
	"scfm/callouts/internal/query"
	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// CreateContact creates a contact in the caller's account.
func (h *Handlers) CreateContact(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w calloutsv1.ContactWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		d, errs := contact.Create(req.AccountID, 0, w, h.clock())
		if errs != nil {
			return reply.Invalid(errs), nil
		}
		if taken, err := msisdnTaken(ctx, tx, req.AccountID, d.MSISDN, 0); err != nil || taken {
			return reply.Invalid1("msisdn", contact.MsgTaken), err
		}
		var err error
		if d.ID, err = commands.NextID(ctx, tx, "contacts"); err != nil {
			return reply.Reply{}, err
		}

		ev := eventstore.New(calloutsv1.AggregateContact, strconv.FormatInt(d.ID, 10), 1,
			calloutsv1.ContactCreated, d, rec.Metadata())
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return commands.Created(ctx, tx, "/api/contacts/", d.ID, query.Contacts(tx))
	})
}

// UpdateContact changes a contact's msisdn and metadata.
func (h *Handlers) UpdateContact(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w calloutsv1.ContactWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadContact(ctx, tx, req.AccountID, w.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		d, errs := contact.Update(s, w, h.clock())
		if errs != nil {
			return reply.Invalid(errs), nil
		}
		if d.MSISDN != s.MSISDN {
			if taken, err := msisdnTaken(ctx, tx, req.AccountID, d.MSISDN, s.ID); err != nil || taken {
				return reply.Invalid1("msisdn", contact.MsgTaken), err
			}
		}

		ev := eventstore.New(calloutsv1.AggregateContact, strconv.FormatInt(s.ID, 10), s.Version+1,
			calloutsv1.ContactUpdated, d, rec.Metadata())
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return reply.NoContent(), nil
	})
}

// DeleteContact removes a contact that no callout participation and no
// phone call refers to.
func (h *Handlers) DeleteContact(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var w calloutsv1.ContactWrite
	if r, ok := commands.Decode(req.Data, &w); !ok {
		return r, nil
	}
	return h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		if err := lockAccountContacts(ctx, tx, req.AccountID, true); err != nil {
			return reply.Reply{}, err
		}
		s, found, err := loadContact(ctx, tx, req.AccountID, w.ID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		for _, dep := range []struct{ from, name string }{
			{"callout_participations WHERE contact_id = $1", "callout participations"},
			{"call_history WHERE contact_id = $1", "phone calls"},
		} {
			if blocked, err := commands.Exists(ctx, tx, dep.from, s.ID); err != nil || blocked {
				return reply.Invalid1(
					"base",
					"Cannot delete record because dependent "+dep.name+" exist",
				), err
			}
		}
		d := calloutsv1.ContactDeletedV1{ID: s.ID, AccountID: s.AccountID, DeletedAt: h.clock()}
		ev := eventstore.New(calloutsv1.AggregateContact, strconv.FormatInt(s.ID, 10), s.Version+1,
			calloutsv1.ContactDeleted, d, rec.Metadata())
		if err := rec.Record(ctx, ev); err != nil {
			return reply.Reply{}, err
		}
		return reply.NoContent(), nil
	})
}

// loadContact reads and locks a contact of account for a change.
func loadContact(ctx context.Context, tx pgx.Tx, accountID, id int64) (contact.State, bool, error) {
	s := contact.State{ID: id, AccountID: accountID}
	var raw []byte
	err := tx.QueryRow(ctx, `
		SELECT msisdn, metadata::text, version FROM contacts
		WHERE id = $1 AND account_id = $2 FOR UPDATE`, id, accountID).Scan(&s.MSISDN, &raw, &s.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("load contact %d: %w", id, err)
	}
	s.Metadata, err = metadata.Decode(raw)
	return s, err == nil, err
}

// msisdnTaken reports whether another contact of account has number.
func msisdnTaken(ctx context.Context, tx pgx.Tx, accountID int64, number string, except int64) (bool, error) {
	var taken bool
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM contacts WHERE account_id = $1 AND msisdn = $2 AND id <> $3)`,
		accountID, number, except).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("check msisdn: %w", err)
	}
	return taken, nil
}

// EnsureContact creates the contact with number in account unless one
// exists: the callouts service does so for inbound callers. key identifies
// the request; a repeat finds its first answer and changes nothing.
func (h *Handlers) EnsureContact(ctx context.Context, account int64, number, key string) error {
	req := natsbus.Request{ID: key, AccountID: account}
	_, err := h.run(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		if taken, err := msisdnTaken(ctx, tx, account, number, 0); err != nil || taken {
			return reply.NoContent(), err
		}
		d, errs := contact.Create(account, 0, calloutsv1.ContactWrite{MSISDN: &number}, h.clock())
		if errs != nil {
			return reply.Invalid(errs), nil // not a possible number: nobody to create
		}
		var err error
		if d.ID, err = commands.NextID(ctx, tx, "contacts"); err != nil {
			return reply.Reply{}, err
		}
		ev := eventstore.New(calloutsv1.AggregateContact, strconv.FormatInt(d.ID, 10), 1,
			calloutsv1.ContactCreated, d, rec.Metadata())
		return reply.NoContent(), rec.Record(ctx, ev)
	})
	return err
}
