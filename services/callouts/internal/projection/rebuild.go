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
				return recountTallies(ctx, tx)
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

// recountTallies counts the callout tallies again from the rebuilt rows.
// Triggers keep them while events are applied; counting afresh at the end
// also repairs tallies that drifted for any reason.
func recountTallies(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
		DELETE FROM callout_tallies;
		INSERT INTO callout_tallies (callout_id, kind, status, n)
		SELECT callout_id, 'participation', coalesce(last_phone_call_status, 'none'), count(*)
		FROM callout_participations GROUP BY 1, 3;
		INSERT INTO callout_tallies (callout_id, kind, status, n)
		SELECT callout_id, 'call', status, count(*)
		FROM call_history WHERE callout_id IS NOT NULL GROUP BY 1, 3`)
	if err != nil {
		return fmt.Errorf("recount callout tallies: %w", err)
	}
	return nil
}
