package eventstore_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"scfm/shared/eventstore"
	"scfm/shared/pgtest"
	"scfm/shared/reply"
	"scfm/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func thing(version int64) eventstore.Event {
	return eventstore.New("thing", "1", version, "thing.changed", map[string]int64{"v": version}, eventstore.Metadata{})
}

func appendOne(ctx context.Context, tx pgx.Tx, version int64) error {
	return eventstore.Append(ctx, tx, thing(version))
}

func TestConcurrentAppendAtSameVersionOneWins(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, "es", nil)
	ctx := context.Background()

	// Two writers both read version 0 and append version 1; the second
	// blocks on the first's transaction and then conflicts.
	const writers = 8
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return appendOne(ctx, tx, 1) })
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, eventstore.ErrVersionConflict):
				conflicts.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()

	require.Equal(t, int32(1), wins.Load())
	require.Equal(t, int32(writers-1), conflicts.Load())
	events, err := eventstore.ReadFrom(ctx, pool, 0, 100)
	require.NoError(t, err)
	require.Len(t, events, 1)
}

func TestExecuteRedeliveredCommandHasOneEffectAndSameAnswer(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, "es", nil)
	ctx := context.Background()

	var decided atomic.Int32
	decide := func(ctx context.Context, tx pgx.Tx) (reply.Reply, []eventstore.Event, error) {
		n := decided.Add(1)
		var version int64
		err := tx.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&version)
		if err != nil {
			return reply.Reply{}, nil, err
		}
		return reply.Created("/things/1", map[string]int32{"attempt": n}), []eventstore.Event{thing(version + 1)}, nil
	}

	// The same command delivered concurrently and then again later.
	var wg sync.WaitGroup
	answers := make([]reply.Reply, 6)
	for i := range 5 {
		wg.Go(func() {
			r, err := eventstore.Execute(ctx, pool, "cmd-1", decide)
			require.NoError(t, err)
			answers[i] = r
		})
	}
	wg.Wait()
	r, err := eventstore.Execute(ctx, pool, "cmd-1", decide)
	require.NoError(t, err)
	answers[5] = r

	events, err := eventstore.ReadFrom(ctx, pool, 0, 100)
	require.NoError(t, err)
	require.Len(t, events, 1, "one effect")
	for _, a := range answers {
		require.Equal(t, 201, a.Status)
		require.Equal(t, "/things/1", a.Location)
		require.JSONEq(t, string(answers[0].Body), string(a.Body), "same answer")
	}

	// A different command is a different effect.
	_, err = eventstore.Execute(ctx, pool, "cmd-2", decide)
	require.NoError(t, err)
	events, err = eventstore.ReadFrom(ctx, pool, 0, 100)
	require.NoError(t, err)
	require.Len(t, events, 2)
}

func TestExecuteDoesNotRecordServerErrors(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, "es", nil)
	ctx := context.Background()

	fail := true
	decide := func(ctx context.Context, tx pgx.Tx) (reply.Reply, []eventstore.Event, error) {
		if fail {
			if err := appendOne(ctx, tx, 1); err != nil {
				return reply.Reply{}, nil, err
			}
			return reply.Unavailable(), nil, nil
		}
		return reply.NoContent(), []eventstore.Event{thing(1)}, nil
	}
	r, err := eventstore.Execute(ctx, pool, "cmd", decide)
	require.NoError(t, err)
	require.Equal(t, 503, r.Status)

	fail = false
	r, err = eventstore.Execute(ctx, pool, "cmd", decide)
	require.NoError(t, err)
	require.Equal(t, 204, r.Status)

	events, err := eventstore.ReadFrom(ctx, pool, 0, 100)
	require.NoError(t, err)
	require.Len(t, events, 1, "the failed attempt left nothing behind")
}

func TestUnrecordedCommandIsDecidedEveryTimeAndKeepsNoAnswer(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, "es", nil)
	ctx := context.Background()

	// The decision finds its own repeat: it appends only while no event
	// exists, and answers alike either way.
	var decided atomic.Int32
	decide := func(ctx context.Context, tx pgx.Tx) (reply.Reply, []eventstore.Event, error) {
		decided.Add(1)
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
			return reply.Reply{}, nil, err
		}
		if n > 0 {
			return reply.NoContent(), nil, nil
		}
		return reply.NoContent(), []eventstore.Event{thing(1)}, nil
	}
	b := eventstore.NewBatcher(pool, 4)
	t.Cleanup(b.Close)
	for range 3 {
		r, err := eventstore.Execute(ctx, pool, eventstore.Unrecorded, decide)
		require.NoError(t, err)
		require.Equal(t, 204, r.Status)
		r, _, err = b.Execute(ctx, eventstore.Unrecorded, decide)
		require.NoError(t, err)
		require.Equal(t, 204, r.Status)
	}

	require.Equal(t, int32(6), decided.Load(), "decided on every delivery")
	events, err := eventstore.ReadFrom(ctx, pool, 0, 100)
	require.NoError(t, err)
	require.Len(t, events, 1)
	var kept int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM processed_commands`).Scan(&kept))
	require.Zero(t, kept, "no answer kept")
}

func TestPrivateDataRoundTrips(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, "es", nil)
	ctx := context.Background()

	e := eventstore.New("token", "7", 1, "token.created", map[string]int{"id": 7},
		eventstore.Metadata{AccountID: 3, CommandID: "c", CorrelationID: "r"})
	e.Private = []byte(`{"hash":"abc"}`)
	require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return eventstore.Append(ctx, tx, e)
	}))

	got, err := eventstore.ReadFrom(ctx, pool, 0, 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, e.ID, got[0].ID)
	require.JSONEq(t, `{"hash":"abc"}`, string(got[0].Private))
	require.Equal(t, e.Metadata, got[0].Metadata)
	require.Positive(t, got[0].Position)
}

func TestBatcherRunsConcurrentCommandsOnceEach(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, "es", nil)
	ctx := context.Background()
	b := eventstore.NewBatcher(pool, 16)
	t.Cleanup(b.Close)
	// Like the services' handlers, decisions read state that earlier
	// commands of the same transaction already projected.
	_, err := pool.Exec(ctx, `CREATE TABLE versions (stream text PRIMARY KEY, version bigint NOT NULL)`)
	require.NoError(t, err)

	// 40 commands, each delivered twice at once, half of them on one
	// stream (so versions conflict inside batches) and half on their own.
	var wg sync.WaitGroup
	answers := make([]reply.Reply, 80)
	for i := range 80 {
		wg.Go(func() {
			id := i % 40
			decide := func(ctx context.Context, tx pgx.Tx) (reply.Reply, []eventstore.Event, error) {
				stream := "shared"
				if id%2 == 1 {
					stream = "own-" + strconv.Itoa(id)
				}
				var version int64
				if err := tx.QueryRow(ctx, `INSERT INTO versions VALUES ($1, 1)
					ON CONFLICT (stream) DO UPDATE SET version = versions.version + 1
					RETURNING version - 1`, stream).Scan(&version); err != nil {
					return reply.Reply{}, nil, err
				}
				ev := eventstore.New("thing", stream, version+1, "thing.changed", map[string]int{"id": id},
					eventstore.Metadata{})
				return reply.Created("/things/"+strconv.Itoa(id), map[string]int{"id": id}), []eventstore.Event{ev}, nil
			}
			r, _, err := b.Execute(ctx, "cmd-"+strconv.Itoa(id), decide)
			if err != nil {
				t.Errorf("command %d: %v", id, err)
				return
			}
			answers[i] = r
		})
	}
	wg.Wait()

	require.False(t, t.Failed())
	events, err := eventstore.ReadFrom(ctx, pool, 0, 1000)
	require.NoError(t, err)
	require.Len(t, events, 40, "each command once")
	for i, a := range answers {
		require.Equal(t, "/things/"+strconv.Itoa(i%40), a.Location)
		require.JSONEq(t, string(answers[i%40].Body), string(a.Body), "a repeat gets the same answer")
	}
	var shared []int64
	for _, e := range events {
		if e.StreamID == "shared" {
			shared = append(shared, e.Version)
		}
	}
	require.Len(t, shared, 20)
	for i, v := range shared {
		require.Equal(t, int64(i+1), v, "versions of one stream stay gapless and ordered")
	}
}

// Commands that fail inside a batch (an error from the database, a server
// error answer) leave no trace, and the commands around them keep theirs.
func TestBatcherUndoesFailedCommandsOnly(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, "es", nil)
	ctx := context.Background()
	b := eventstore.NewBatcher(pool, 16)
	t.Cleanup(b.Close)
	_, err := pool.Exec(ctx, `CREATE TABLE things (id int PRIMARY KEY)`)
	require.NoError(t, err)

	// Every third command fails in the database after writing, every
	// third answers 500 after writing; the rest write and succeed.
	var wg sync.WaitGroup
	for round := range 5 {
		for i := range 30 {
			wg.Go(func() {
				id := round*30 + i
				decide := func(ctx context.Context, tx pgx.Tx) (reply.Reply, []eventstore.Event, error) {
					if _, err := tx.Exec(ctx, `INSERT INTO things VALUES ($1)`, id); err != nil {
						return reply.Reply{}, nil, err
					}
					switch id % 3 {
					case 1:
						_, err := tx.Exec(ctx, `SELECT 1 / 0`)
						return reply.Reply{}, nil, err
					case 2:
						return reply.Reply{Status: 500}, nil, nil
					}
					ev := eventstore.New("thing", strconv.Itoa(id), 1, "thing.created", map[string]int{"id": id},
						eventstore.Metadata{})
					return reply.Created("/things/"+strconv.Itoa(id), nil), []eventstore.Event{ev}, nil
				}
				r, _, err := b.Execute(ctx, "cmd-"+strconv.Itoa(id), decide)
				switch id % 3 {
				case 0:
					if err != nil || r.Status != 201 {
						t.Errorf("command %d: %v %d", id, err, r.Status)
					}
				case 1:
					if err == nil {
						t.Errorf("command %d: no error", id)
					}
				case 2:
					if err != nil || r.Status != 500 {
						t.Errorf("command %d: %v %d", id, err, r.Status)
					}
				}
			})
		}
		wg.Wait()
	}
	require.False(t, t.Failed())

	rows, err := pool.Query(ctx, `SELECT id FROM things ORDER BY id`)
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	require.Len(t, ids, 50)
	for _, id := range ids {
		require.Zero(t, id%3, "only the commands that succeeded left rows")
	}
	events, err := eventstore.ReadFrom(ctx, pool, 0, 1000)
	require.NoError(t, err)
	require.Len(t, events, 50)
}
