package command

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// lockAccountContacts takes the account's contacts lock until tx ends: shared by
// every command that adds participations (they may run side by side),
// exclusive for a contact's deletion. Participations keep no foreign key to
// their contact, so this lock is what stops a participation being added
// for a contact deleted at the same moment. Take it before any row lock.
func lockAccountContacts(ctx context.Context, tx pgx.Tx, accountID int64, exclusive bool) error {
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	_, err := tx.Exec(ctx, `SELECT `+fn+`(hashtextextended('contacts.' || $1::bigint::text, 0))`, accountID)
	if err != nil {
		return fmt.Errorf("lock contacts of account %d: %w", accountID, err)
	}
	return nil
}
