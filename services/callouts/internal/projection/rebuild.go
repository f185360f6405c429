package projection

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/shared/eventstore"
)

// Rebuild empties the read tables and applies the whole event log again in
// one transaction, so readers see either the old or the rebuilt tables. The
// call history mirrored from the telephony service is kept: it is not in
// this log, and each participation recounts it as it is replayed.
func Rebuild(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// The read tables Apply writes, children first.
		for _, t := range []string{
			"contact_import_errors", "contact_imports",
			"callout_participations", "callouts", "contacts", "users", "access_tokens", "accounts",
		} {
			if _, err := tx.Exec(ctx, "DELETE FROM "+t); err != nil {
				return fmt.Errorf("empty %s: %w", t, err)
			}
		}
		// A population event carries thousands of participations, so a page
		// is kept small enough to hold in memory when it has only those.
		var pos int64
		for {
			events, err := eventstore.ReadFrom(ctx, tx, pos, 100)
			if err != nil {
				return err
			}
			if len(events) == 0 {
				return nil
			}
			for _, e := range events {
				if err := Apply(ctx, tx, e); err != nil {
					return err
				}
			}
			pos = events[len(events)-1].Position
		}
	})
}
