package command_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"scfm/shared/batchops"
)

// populateStepRows is the step size the benchmark populates with.
const populateStepRows = 20_000

// BenchmarkPopulate populates a callout from every contact of an account
// through the real handler, in steps of populateStepRows, and compares the
// rate with a plain COPY of as many participation rows into a table with
// the same columns and indexes (copy_rows/s). Run it once per size, e.g.
//
//	go test ./internal/command -run '^$' -bench BenchmarkPopulate -benchtime 1x
func BenchmarkPopulate(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) { benchPopulate(b, n) })
	}
}

func benchPopulate(b *testing.B, n int) {
	tb := setup(b)
	seedContacts(b, tb.ctx, tb.pool, 1, n)
	_, err := tb.pool.Exec(tb.ctx, `ANALYZE contacts`)
	require.NoError(b, err)

	var populate, plain time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		k := tb.callout(b, 1)
		op := int64(i + 1)
		b.StartTimer()

		start := time.Now()
		var added int
		for after, done := int64(0), false; !done; {
			s := population(op, k, after, populateStepRows, nil)
			res := tb.step(b, batchops.StepID(op, 1, after), 1, s)
			after, done, added = res.Last, res.Done, added+res.Applied
		}
		populate += time.Since(start)

		b.StopTimer()
		require.Equal(b, n, added)
		plain += copyParticipations(b, tb.ctx, tb.pool, k, n)
		b.StartTimer()
	}

	rows := float64(n * b.N)
	b.ReportMetric(rows/populate.Seconds(), "populate_rows/s")
	b.ReportMetric(rows/plain.Seconds(), "copy_rows/s")
	b.ReportMetric(plain.Seconds()/populate.Seconds(), "populate/copy")
}

// seededNumber is the number of the i-th seeded contact.
func seededNumber(i int) string { return fmt.Sprintf("+25266%07d", i) }

// seedContacts COPYs n contacts of account acct, numbered with
// seededNumber from 0, straight into the read table.
func seedContacts(t testing.TB, ctx context.Context, pool *pgxpool.Pool, acct int64, n int) {
	t.Helper()

	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"contacts"},
		[]string{"account_id", "msisdn", "metadata", "created_at", "updated_at", "version"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			md := fmt.Sprintf(`{"i":%d,"gender":"%c"}`, i, "fm"[i%2])
			return []any{acct, seededNumber(i - 1), md, at, at, int64(1)}, nil
		}))
	require.NoError(t, err)
}

// copyParticipations COPYs n participation rows of callout k, one per
// seeded contact, into a fresh table with the columns and indexes of
// callout_participations, and returns how long the COPY took.
func copyParticipations(t testing.TB, ctx context.Context, pool *pgxpool.Pool, k int64, n int) time.Duration {
	t.Helper()

	_, err := pool.Exec(ctx, `
		DROP TABLE IF EXISTS copy_scratch;
		CREATE TABLE copy_scratch (LIKE callout_participations INCLUDING ALL)`)
	require.NoError(t, err)
	var first int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT min(id) FROM contacts WHERE msisdn = $1`,
		seededNumber(0)).Scan(&first))

	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	start := time.Now()
	_, err = pool.CopyFrom(ctx, pgx.Identifier{"copy_scratch"},
		[]string{
			"id", "account_id", "callout_id", "contact_id", "callout_population_id", "msisdn", "metadata",
			"created_at", "updated_at", "version",
		},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			id := int64(i)
			return []any{
				id, int64(1), k, first + id - 1, int64(1), seededNumber(i - 1), "{}", at, at, int64(1),
			}, nil
		}))
	elapsed := time.Since(start)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `DROP TABLE copy_scratch`)
	require.NoError(t, err)
	return elapsed
}
