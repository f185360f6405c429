package query

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/readmodel"
)

// Resource answers the lookups and listings of one table.
type Resource = readmodel.Resource

// TargetAccount returns the account a request acts on: the account named by
// the account_id scope when a super admin names one (found is false if it
// does not exist), else the caller's own. Ordinary accounts cannot act on
// another account; their account_id is ignored.
func TargetAccount(
	ctx context.Context,
	db eventstore.Querier,
	req natsbus.Request,
	named int64,
) (int64, bool, error) {
	if !req.SuperAdmin || named == 0 || named == req.AccountID {
		return req.AccountID, true, nil
	}
	var exists bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)`, named).Scan(&exists)
	if err != nil {
		return 0, false, fmt.Errorf("check account %d: %w", named, err)
	}
	return named, exists, nil
}

// targetAccount scopes rows through column to TargetAccount.
func targetAccount(db eventstore.Querier, column string) readmodel.Scope {
	return func(ctx context.Context, req natsbus.Request, r filter.Request, b *filter.Builder) (bool, error) {
		id, found, err := TargetAccount(ctx, db, req, r.Scope["account_id"])
		if err != nil || !found {
			return false, err
		}
		b.Where(column + " = " + b.Arg(id))
		return true, nil
	}
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
