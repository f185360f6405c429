package command

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// SweepImportsEvery is how often the service looks for imports whose upload
// broke off. Such an import waits at most staleImportAfter plus this long
// before it shows as failed.
const SweepImportsEvery = time.Minute

// SweepStaleImports fails every running import that has received nothing
// for staleImportAfter, account by account, and returns how many accounts
// had one. Each account's imports are failed by a command of their own,
// which checks again under the imports' row locks, so a sweep that races
// another sweep, a late chunk or a new import of the account changes
// nothing twice.
func (h *Handlers) SweepStaleImports(ctx context.Context) (int, error) {
	rows, err := h.pool.Query(ctx, `
		SELECT DISTINCT account_id FROM contact_imports
		WHERE status = 'running' AND updated_at < $1`, h.clock().Add(-staleImportAfter))
	if err != nil {
		return 0, fmt.Errorf("find stale imports: %w", err)
	}
	accounts, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("find stale imports: %w", err)
	}

	for _, account := range accounts {
		req := natsbus.Request{ID: uuid.NewString(), AccountID: account}
		_, err := h.runAlone(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
			return reply.JSON(200, nil), failStaleImports(ctx, tx, rec, account, h.clock())
		})
		if err != nil {
			return 0, fmt.Errorf("fail stale imports of account %d: %w", account, err)
		}
	}
	return len(accounts), nil
}

// RunImportSweeper calls SweepStaleImports every SweepImportsEvery until ctx
// ends. A failed sweep is logged and tried again at the next tick.
func (h *Handlers) RunImportSweeper(ctx context.Context, log *slog.Logger) error {
	tick := time.NewTicker(SweepImportsEvery)
	defer tick.Stop()

	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		n, err := h.SweepStaleImports(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("stale import sweep failed; trying again", "err", err)
			continue
		}
		if n > 0 {
			log.Info("failed interrupted imports", "accounts", n)
		}
	}
}
