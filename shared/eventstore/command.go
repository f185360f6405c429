package eventstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scfm/shared/reply"
)

// Unrecorded is the command id of a command that recognises its own
// repeats in its decision (a provider callback is recorded once by its
// own key, and answered alike every time): Execute decides it every time
// and keeps no answer for it, which spares two statements and a row that
// would be kept forever for each of the several callbacks of every call.
const Unrecorded = ""

// maxAttempts bounds how often Execute decides a command again after a
// conflict with a concurrent writer.
const maxAttempts = 8

// Decide runs one attempt of a command inside tx: it reads what it needs,
// updates projections and returns the answer and the events to append.
// It must have no effect outside tx, because a conflicting attempt is
// rolled back and run again.
type Decide func(ctx context.Context, tx pgx.Tx) (reply.Reply, []Event, error)

// Execute runs a command exactly once per commandID. In one transaction it
// decides the command, records its answer beside the command id and appends
// its events, so a redelivered command changes nothing and gets the stored
// answer. The events go last, right before the commit: appends hold the
// schema's append lock until commit, and nothing else should run under it.
// Conflicts with concurrent writers are retried with a fresh transaction.
func Execute(ctx context.Context, pool *pgxpool.Pool, commandID string, decide Decide) (reply.Reply, error) {
	r, _, err := ExecuteFresh(ctx, pool, commandID, decide)
	return r, err
}

// ExecuteFresh is Execute that also tells whether this call decided the
// command (fresh) or found the answer of an earlier execution.
func ExecuteFresh(
	ctx context.Context,
	pool *pgxpool.Pool,
	commandID string,
	decide Decide,
) (reply.Reply, bool, error) {
	var lastErr error
	for attempt := range maxAttempts {
		r, fresh, err := executeOnce(ctx, pool, commandID, decide)
		if err == nil || !IsRetryable(err) {
			return r, fresh, err
		}
		lastErr = err
		// Let the writer that won go ahead before trying again.
		select {
		case <-ctx.Done():
			return reply.Reply{}, false, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * time.Duration(1+rand.IntN(5)) * time.Millisecond):
		}
	}
	return reply.Reply{}, false, fmt.Errorf("execute command %s: %w", commandID, lastErr)
}

func executeOnce(
	ctx context.Context,
	pool *pgxpool.Pool,
	commandID string,
	decide Decide,
) (reply.Reply, bool, error) {
	var out reply.Reply
	fresh := false
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var events []Event
		var err error
		out, fresh, events, err = decideOnce(ctx, tx, commandID, decide)
		if err != nil {
			return err
		}
		return Append(ctx, tx, events...)
	})
	if errors.Is(err, errNotRecorded) {
		return out, true, nil
	}
	return out, fresh && err == nil, err
}

// decideOnce is one command's part of a transaction: its stored answer if
// it ran before (fresh false), else its decision, with the answer recorded
// and the events to append. A server-error answer is not an answer: it
// comes with errNotRecorded, so the caller rolls its effects back and a
// redelivery can still succeed. An empty commandID (Unrecorded) is decided
// every time and its answer is not kept.
func decideOnce(
	ctx context.Context, tx pgx.Tx, commandID string, decide Decide,
) (reply.Reply, bool, []Event, error) {
	if commandID != Unrecorded {
		stored, found, err := LookupAnswer(ctx, tx, commandID)
		if err != nil || found {
			return stored, false, nil, err
		}
	}
	r, events, err := decide(ctx, tx)
	if err != nil {
		return r, true, nil, err
	}
	if r.Status >= 500 {
		return r, true, nil, errNotRecorded
	}
	if commandID == Unrecorded {
		return r, true, events, nil
	}
	if err := RecordAnswer(ctx, tx, commandID, r); err != nil {
		return r, true, nil, err
	}
	return r, true, events, nil
}

var errNotRecorded = errors.New("answer not recorded")

// LookupAnswer returns the stored answer of commandID, if it was executed.
func LookupAnswer(ctx context.Context, q Querier, commandID string) (reply.Reply, bool, error) {
	r := reply.Reply{Total: -1}
	err := q.QueryRow(ctx,
		`SELECT status, location, body FROM processed_commands WHERE command_id = $1`,
		commandID).Scan(&r.Status, &r.Location, &r.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return reply.Reply{}, false, nil
	}
	if err != nil {
		return reply.Reply{}, false, fmt.Errorf("look up command %s: %w", commandID, err)
	}
	return r, true, nil
}

// RecordAnswer stores the answer of commandID in tx. A concurrent execution
// of the same command makes one of the two transactions fail with a unique
// violation, which Execute retries into a lookup of the winner's answer.
func RecordAnswer(ctx context.Context, tx pgx.Tx, commandID string, r reply.Reply) error {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	_, err := tx.Exec(ctx,
		`INSERT INTO processed_commands (command_id, status, location, body) VALUES ($1, $2, $3, $4)`,
		commandID, r.Status, r.Location, body)
	if err != nil {
		return fmt.Errorf("record command %s: %w", commandID, err)
	}
	return nil
}
