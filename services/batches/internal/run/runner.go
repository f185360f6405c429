// Package run carries queued batch operations through their runs. A run is
// a sequence of steps sent as commands to the service that owns the rows;
// after each step the operation records how far it got, so a run stopped
// by a crash resumes where it was, and a step sent again keeps its command
// id and changes nothing the second time.
package run

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/batches/internal/owners"
)

// Config tunes the runner.
type Config struct {
	// Parallel caps the operations this process runs at once.
	Parallel int
	// Poll is how often the runner looks for queued operations when
	// nothing wakes it.
	Poll time.Duration
	// StepRows caps the rows of one step, per operation type.
	StepRows map[string]int
}

// Runner runs queued operations; several replicas may run side by side,
// each operation being run by one of them at a time.
type Runner struct {
	pool   *pgxpool.Pool
	owners owners.Owners
	cfg    Config
	now    func() time.Time
	log    *slog.Logger
	wake   chan struct{}

	mu      sync.Mutex
	running map[int64]bool
}

// New returns a runner.
func New(pool *pgxpool.Pool, own owners.Owners, cfg Config, now func() time.Time, log *slog.Logger) *Runner {
	return &Runner{
		pool: pool, owners: own, cfg: cfg, now: now, log: log,
		wake: make(chan struct{}, 1), running: map[int64]bool{},
	}
}

// Wake makes the runner look for queued operations now.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run looks for queued and running operations until ctx ends and runs
// each in its own goroutine, at most Parallel at a time.
func (r *Runner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		ids, err := r.pending(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("look for batch operations failed", "err", err)
		}
		for _, id := range ids {
			if !r.claim(id) {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer r.release(id)
				r.runOne(ctx, id)
			}()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-time.After(r.cfg.Poll):
		}
	}
}

// pending lists the operations waiting for a run or in one.
func (r *Runner) pending(ctx context.Context) ([]int64, error) {
	rows, err := r.pool.Query(ctx, `SELECT id FROM batch_operations
		WHERE status IN ('queued', 'running') ORDER BY id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("list pending batch operations: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// claim marks id as run by this process if it is not already and a slot
// is free.
func (r *Runner) claim(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[id] || len(r.running) >= r.cfg.Parallel {
		return false
	}
	r.running[id] = true
	return true
}

func (r *Runner) release(id int64) {
	r.mu.Lock()
	delete(r.running, id)
	r.mu.Unlock()
	r.Wake() // a slot is free: others may be waiting
}

// runOne runs operation id while holding its lock, so no other replica
// runs it at the same time.
func (r *Runner) runOne(ctx context.Context, id int64) {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return
	}
	defer conn.Release()
	var locked bool
	key := "batch_operation." + fmt.Sprint(id)
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, key).
		Scan(&locked); err != nil || !locked {
		return
	}
	defer func() {
		// A fresh context: the lock must go even when ctx has ended.
		unlock, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlock, `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, key); err != nil {
			conn.Conn().Close(unlock) // closing the session frees the lock
		}
	}()
	if err := r.drive(ctx, id); err != nil && ctx.Err() == nil && !errors.Is(err, errGone) {
		r.log.Warn("batch operation run interrupted", "batch_operation_id", id, "err", err)
	}
}
