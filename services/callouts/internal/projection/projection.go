// Package projection keeps the callouts service's read tables in step with
// its event log. The command side applies each new event in the same
// transaction that appends it, and a rebuild applies the whole log again:
// both go through Apply, so a rebuilt table answers exactly like the live one.
package projection

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
)

// Apply writes the effect of e on the read tables in tx. Unknown event types
// are ignored, so older binaries survive newer events.
func Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var err error
	switch e.Type {
	case calloutsv1.AccountCreated, calloutsv1.AccountUpdated:
		err = applyAccount(ctx, tx, e)
	case calloutsv1.AccountDeleted:
		err = deleteRow(ctx, tx, "accounts", e)
	case calloutsv1.AccessTokenCreated:
		err = applyAccessTokenCreated(ctx, tx, e)
	case calloutsv1.AccessTokenUpdated:
		err = applyAccessTokenUpdated(ctx, tx, e)
	case calloutsv1.AccessTokenDeleted:
		err = deleteRow(ctx, tx, "access_tokens", e)
	case calloutsv1.UserCreated, calloutsv1.UserUpdated, calloutsv1.UserInvited:
		err = applyUser(ctx, tx, e)
	case calloutsv1.UserDeleted:
		err = deleteRow(ctx, tx, "users", e)
	case calloutsv1.CalloutCreated:
		err = applyCalloutCreated(ctx, tx, e)
	case calloutsv1.CalloutUpdated:
		err = applyCalloutUpdated(ctx, tx, e)
	case calloutsv1.CalloutStarted, calloutsv1.CalloutPaused, calloutsv1.CalloutResumed,
		calloutsv1.CalloutStopped:
		err = applyCalloutStatus(ctx, tx, e)
	case calloutsv1.CalloutDeleted:
		err = deleteRow(ctx, tx, "callouts", e)
	case calloutsv1.ParticipationCreated:
		err = applyParticipationCreated(ctx, tx, e)
	case calloutsv1.ParticipationUpdated:
		err = applyParticipationUpdated(ctx, tx, e)
	case calloutsv1.ParticipationDeleted:
		err = deleteRow(ctx, tx, "callout_participations", e)
	case calloutsv1.ParticipationsPopulated:
		err = applyParticipationsPopulated(ctx, tx, e)
	case calloutsv1.ContactCreated:
		err = applyContactCreated(ctx, tx, e)
	case calloutsv1.ContactUpdated:
		err = applyContactUpdated(ctx, tx, e)
	case calloutsv1.ContactDeleted:
		err = deleteRow(ctx, tx, "contacts", e)
	case calloutsv1.ContactImportCreated, calloutsv1.ContactsImported,
		calloutsv1.ContactImportRowsRejected, calloutsv1.ContactImportFinished:
		err = applyImport(ctx, tx, e)
	}
	if err != nil {
		return fmt.Errorf("project %s %s: %w", e.Type, e.StreamID, err)
	}
	return nil
}

// applyAccount upserts the account as the event states it. Created and
// updated events carry the whole state, so one statement serves both.
func applyAccount(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d struct {
		calloutsv1.AccountV1
		CreatedAt *time.Time `json:"created_at"`
		UpdatedAt *time.Time `json:"updated_at"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	var secret calloutsv1.AccountSecretV1
	if len(e.Private) > 0 {
		if err := json.Unmarshal(e.Private, &secret); err != nil {
			return fmt.Errorf("read account secret: %w", err)
		}
	}
	perms := 0
	for _, p := range d.Permissions {
		if p == "super_admin" {
			perms |= 1
		}
	}
	at := d.UpdatedAt
	if d.CreatedAt != nil {
		at = d.CreatedAt
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO accounts (id, metadata, settings, twilio_account_sid, somleng_account_sid,
			twilio_auth_token, somleng_auth_token, permissions, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
		ON CONFLICT (id) DO UPDATE SET metadata = excluded.metadata, settings = excluded.settings,
			twilio_account_sid = excluded.twilio_account_sid,
			somleng_account_sid = excluded.somleng_account_sid,
			twilio_auth_token = excluded.twilio_auth_token,
			somleng_auth_token = excluded.somleng_auth_token,
			permissions = excluded.permissions, updated_at = excluded.updated_at,
			version = excluded.version`,
		d.ID, d.Metadata, d.Settings, d.TwilioAccountSID, d.SomlengAccountSID,
		secret.TwilioAuthToken, secret.SomlengAuthToken, perms, at, e.Version)
	return err
}

func applyAccessTokenCreated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.AccessTokenCreatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	var secret calloutsv1.AccessTokenSecretV1
	if err := json.Unmarshal(e.Private, &secret); err != nil {
		return fmt.Errorf("read token secret: %w", err)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO access_tokens (id, resource_owner_id, created_by_id, metadata, token_hash,
			created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
		d.ID, d.ResourceOwnerID, d.CreatedByID, d.Metadata, secret.TokenHash, d.CreatedAt, e.Version)
	return err
}

func applyContactCreated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ContactCreatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO contacts (id, account_id, msisdn, metadata, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $5, $6)`,
		d.ID, d.AccountID, d.MSISDN, d.Metadata, d.CreatedAt, e.Version)
	return err
}

func applyContactUpdated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ContactUpdatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		UPDATE contacts SET msisdn = $2, metadata = $3, updated_at = $4, version = $5
		WHERE id = $1`,
		d.ID, d.MSISDN, d.Metadata, d.UpdatedAt, e.Version)
	return err
}

func applyAccessTokenUpdated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.AccessTokenUpdatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(
		ctx,
		`UPDATE access_tokens SET metadata = $2, updated_at = $3, version = $4 WHERE id = $1`,
		d.ID,
		d.Metadata,
		d.UpdatedAt,
		e.Version,
	)
	return err
}

// applyUser upserts the user as the event states it; the password hash and
// invitation digest come from the private data.
func applyUser(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d struct {
		calloutsv1.UserV1
		CreatedAt *time.Time `json:"created_at"`
		UpdatedAt *time.Time `json:"updated_at"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	var secret calloutsv1.UserSecretV1
	if err := json.Unmarshal(e.Private, &secret); err != nil {
		return fmt.Errorf("read user secret: %w", err)
	}
	at := d.UpdatedAt
	if d.CreatedAt != nil {
		at = d.CreatedAt
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO users (id, account_id, email, password_hash, metadata, invitation_token,
			invitation_created_at, invitation_sent_at, invitation_accepted_at, invitation_limit,
			invited_by_id, invitations_count, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)
		ON CONFLICT (id) DO UPDATE SET email = excluded.email,
			password_hash = excluded.password_hash, metadata = excluded.metadata,
			invitation_token = excluded.invitation_token,
			invitation_created_at = excluded.invitation_created_at,
			invitation_sent_at = excluded.invitation_sent_at,
			invitation_accepted_at = excluded.invitation_accepted_at,
			invitation_limit = excluded.invitation_limit, invited_by_id = excluded.invited_by_id,
			invitations_count = excluded.invitations_count, updated_at = excluded.updated_at,
			version = excluded.version`,
		d.ID, d.AccountID, d.Email, secret.PasswordHash, d.Metadata, secret.InvitationToken,
		d.InvitationCreatedAt, d.InvitationSentAt, d.InvitationAcceptedAt, d.InvitationLimit,
		d.InvitedByID, d.InvitationsCount, at, e.Version)
	return err
}

// deleteRow removes the row of the event's stream from table.
func deleteRow(ctx context.Context, tx pgx.Tx, table string, e eventstore.Event) error {
	_, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE id = $1::bigint", e.StreamID)
	return err
}
