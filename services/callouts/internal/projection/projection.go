// Package projection keeps the callouts service's read tables in step with
// its event log. The command side applies each new event in the same
// transaction that appends it, and a rebuild applies the whole log again:
// both go through Apply, so a rebuilt table answers exactly like the live one.
package projection

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
)

// Apply writes the effect of e on the read tables in tx. Unknown event types
// are ignored, so older binaries survive newer events.
func Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var err error
	switch e.Type {
	case calloutsv1.AccountCreated:
		err = applyAccountCreated(ctx, tx, e)
	case calloutsv1.AccessTokenCreated:
		err = applyAccessTokenCreated(ctx, tx, e)
	case calloutsv1.ContactCreated:
		err = applyContactCreated(ctx, tx, e)
	case calloutsv1.ContactUpdated:
		err = applyContactUpdated(ctx, tx, e)
	case calloutsv1.ContactDeleted:
		err = applyContactDeleted(ctx, tx, e)
	}
	if err != nil {
		return fmt.Errorf("project %s %s: %w", e.Type, e.StreamID, err)
	}
	return nil
}

func applyAccountCreated(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.AccountCreatedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	perms := 0
	for _, p := range d.Permissions {
		if p == "super_admin" {
			perms |= 1
		}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO accounts (id, metadata, settings, permissions, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $5, $6)`,
		d.ID, d.Metadata, d.Settings, perms, d.CreatedAt, e.Version)
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

func applyContactDeleted(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var d calloutsv1.ContactDeletedV1
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM contacts WHERE id = $1`, d.ID)
	return err
}
