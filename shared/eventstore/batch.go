package eventstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/shared/reply"
)

// Batcher executes commands that arrive together in one transaction: each
// in a savepoint of its own, their events appended at the end under one
// hold of the append lock, and one commit for all. Appends of a schema are
// serialised, so under load this multiplies the commands per second; a
// lone command runs as Execute would. Commands in a batch see each other's
// effects, exactly as if they had run one after another. One batch runs
// at a time: with batches side by side, ids taken in one order were often
// committed in the other, and a reader of the event stream that had seen a
// higher id took a just-created participation for a deleted one.
type Batcher struct {
	pool *pgxpool.Pool
	max  int
	jobs chan *job
	stop chan struct{}
	done chan struct{}
}

type job struct {
	ctx       context.Context
	commandID string
	decide    Decide
	out       chan result
}

type result struct {
	reply reply.Reply
	fresh bool
	err   error
}

// NewBatcher starts a batcher of at most max commands per transaction. Stop
// it with Close.
func NewBatcher(pool *pgxpool.Pool, max int) *Batcher {
	b := &Batcher{
		pool: pool, max: max, jobs: make(chan *job, max),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	go b.loop()
	return b
}

// Close stops the batcher once its current batch is done. Commands handed
// to it later fail with ErrBatcherClosed (or their context's error), so
// their messages are delivered again.
func (b *Batcher) Close() {
	close(b.stop)
	<-b.done
}

// ErrBatcherClosed reports a command handed to a stopped batcher.
var ErrBatcherClosed = errors.New("eventstore: batcher closed")

// Execute runs a command exactly once per commandID, batched with the
// commands that arrive at the same time; see ExecuteFresh.
func (b *Batcher) Execute(ctx context.Context, commandID string, decide Decide) (reply.Reply, bool, error) {
	j := &job{ctx: ctx, commandID: commandID, decide: decide, out: make(chan result, 1)}
	select {
	case b.jobs <- j:
	case <-ctx.Done():
		return reply.Reply{}, false, ctx.Err()
	case <-b.stop:
		return reply.Reply{}, false, ErrBatcherClosed
	}
	select {
	case r := <-j.out:
		return r.reply, r.fresh, r.err
	case <-ctx.Done():
		return reply.Reply{}, false, ctx.Err()
	case <-b.done:
		return reply.Reply{}, false, ErrBatcherClosed
	}
}

func (b *Batcher) loop() {
	defer close(b.done)
	for {
		var first *job
		select {
		case first = <-b.jobs:
		case <-b.stop:
			return
		}
		batch := []*job{first}
	drain:
		for len(batch) < b.max {
			select {
			case j := <-b.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		b.run(batch)
	}
}

// run executes a batch; commands that fail inside it (a conflict, a
// failed savepoint, a failed commit) run again on their own.
func (b *Batcher) run(batch []*job) {
	if len(batch) == 1 {
		j := batch[0]
		r, fresh, err := ExecuteFresh(j.ctx, b.pool, j.commandID, j.decide)
		j.out <- result{r, fresh, err}
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make([]*result, len(batch))
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		var events []Event
		sp := savepoints{tx: tx}
		for i, j := range batch {
			results[i] = nil
			if j.ctx.Err() != nil {
				continue
			}
			r, evs, err := sp.run(ctx, j)
			if err != nil {
				return err
			}
			if r != nil {
				results[i] = r
				events = append(events, evs...)
			}
		}
		// The last command's savepoint is released by the commit.
		return Append(ctx, tx, events...)
	})
	for i, j := range batch {
		if err == nil && results[i] != nil {
			j.out <- *results[i]
			continue
		}
		go func() {
			r, fresh, err := ExecuteFresh(j.ctx, b.pool, j.commandID, j.decide)
			j.out <- result{r, fresh, err}
		}()
	}
}

// savepoints runs the commands of a batch one after another, each in a
// savepoint of its own. The savepoint of a command that succeeded is
// released in the same round trip that opens the next one's, so a command
// costs one statement more than it would alone, not two.
type savepoints struct {
	tx   pgx.Tx
	open bool // a succeeded command's savepoint is still to be released
}

// run looks up or decides one command. A nil result means the command must
// run again on its own; an error means the transaction is unusable.
func (s *savepoints) run(ctx context.Context, j *job) (*result, []Event, error) {
	open := "SAVEPOINT batch_command"
	if s.open {
		open = "RELEASE SAVEPOINT batch_command; SAVEPOINT batch_command"
	}
	if _, err := s.tx.Exec(ctx, open); err != nil {
		return nil, nil, err
	}
	s.open = false

	r, fresh, events, err := decideOnce(ctx, s.tx, j.commandID, j.decide)
	switch {
	case errors.Is(err, errNotRecorded):
		// Not an answer: nothing of it stays, and it is not recorded.
		return &result{reply: r, fresh: true}, nil, s.undo(ctx)
	case err != nil:
		return nil, nil, s.undo(ctx)
	}
	s.open = true
	return &result{reply: r, fresh: fresh}, events, nil
}

// undo rolls the current command back to its savepoint.
func (s *savepoints) undo(ctx context.Context) error {
	_, err := s.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT batch_command; RELEASE SAVEPOINT batch_command")
	return err
}
