package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// Size of the benchmark's callout.
const (
	coBenchParticipations = 200_000
	coBenchFirstCallID    = 1_000_000_000_000 // far above the ids the tests report
)

// coBenchListing is the retry selector's first page: who to call (again).
const coBenchListing = "/api/callout_participations" +
	"?q[no_phone_calls_or_last_attempt]=failed,errored"

// The two statements the callouts service runs for coBenchListing: the
// count, then the page. They mirror the participation listing of its query
// package (FROM, columns and conditions of the participations resource,
// paged by the generic listing) and must follow it when it changes.
const (
	coBenchFrom  = "callout_participations p JOIN callouts pk ON pk.id = p.callout_id"
	coBenchWhere = "p.account_id = $1 AND " +
		"(p.last_phone_call_status IS NULL OR p.last_phone_call_status = ANY($2::text[]))"
	coBenchCount = "SELECT count(*) FROM " + coBenchFrom + " WHERE " + coBenchWhere
	coBenchPage  = "SELECT coalesce(json_agg(p), '[]') FROM (SELECT p.id, p.callout_id, " +
		"p.contact_id, p.callout_population_id, p.msisdn, " +
		"coalesce(p.call_flow_logic, pk.call_flow_logic) AS call_flow_logic, p.metadata, " +
		"api_time(p.created_at) AS created_at, api_time(p.updated_at) AS updated_at FROM " +
		coBenchFrom + " WHERE " + coBenchWhere + " ORDER BY p.id LIMIT $3 OFFSET $4) p"
)

// BenchmarkRetrySelectorFirstPage measures the first page of the retry
// selector on one callout of 200,000 participations with 400,000 phone
// calls in their history, and logs the query plans of its two statements.
//
// The participations, their contacts and the call history are written
// straight into the callouts service's tables: through the API the set-up
// alone would take hours. The rows are consistent with what the service
// would have projected (each participation's call count and latest call),
// but no events record them, so they would not survive a rebuild of the
// read tables.
func BenchmarkRetrySelectorFirstPage(b *testing.B) {
	a := newCaller(b)
	k := a.coNewCallout(b, "metadata[name]=benchmark")

	ctx := b.Context()
	db := coBenchConnect(b)
	want := coBenchSeed(b, ctx, db, a.ID, idOf(b, k))

	// The answer is right before it is measured.
	r := a.get(b, coBenchListing)
	require.Equal(b, http.StatusOK, r.Status, "%s", r)
	require.Equal(b, strconv.FormatInt(want, 10), r.Header.Get("Total"))
	require.Len(b, array(b, r), 25)
	b.Logf("summary: %s", jsonText(b, a.coSummary(b, idOf(b, k))))

	coBenchExplain(b, ctx, db, a.ID)

	// Warm up past the point where prepared statements settle on a plan.
	for range 10 {
		a.get(b, coBenchListing)
	}

	base, _ := gateway(b)
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		r, err := exchange(ctx, base, http.MethodGet, coBenchListing, "", nil, withBasic(a.Token))
		took = append(took, time.Since(start))
		if err != nil || r.Status != http.StatusOK {
			b.Fatalf("GET %s: %v %s", coBenchListing, err, r)
		}
	}

	slices.Sort(took)
	pct := func(p float64) time.Duration { return took[int(p*float64(len(took)-1))] }
	b.ReportMetric(float64(pct(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.9).Microseconds())/1000, "p90-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.Logf("%d requests: min %s, p50 %s, p90 %s, p99 %s, max %s", len(took),
		took[0], pct(0.5), pct(0.9), pct(0.99), took[len(took)-1])
}

// coBenchConnect connects to the system's database inside the callouts
// service's schema.
func coBenchConnect(b *testing.B) *pgx.Conn {
	b.Helper()

	cfg, err := pgx.ParseConfig(coStackSetting(b, "DatabaseURL"))
	require.NoError(b, err)
	cfg.RuntimeParams["search_path"] = "callouts,public"
	cfg.RuntimeParams["application_name"] = "e2e-benchmark"

	db, err := pgx.ConnectConfig(b.Context(), cfg)
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close(context.Background()) })

	return db
}

// coBenchSeed gives callout k of account the benchmark's participations
// and call history, and returns how many participations the retry
// selector finds.
//
// Participation n (counting from 0) has n%4 = 0: no call; 1: one call; 2:
// two calls; 3: five calls: 400,000 calls in all. Earlier calls failed; the
// latest one ended in one of five statuses, in turn.
func coBenchSeed(b *testing.B, ctx context.Context, db *pgx.Conn, account, k int64) int64 {
	b.Helper()

	started := time.Now()
	steps := []struct {
		name string
		sql  string
		args []any
	}{
		{
			name: "contacts",
			sql: `INSERT INTO contacts (account_id, msisdn, metadata, created_at, updated_at,
					version)
				SELECT $1, '+2526' || lpad(g::text, 8, '0'), '{}', t, t, 1
				FROM generate_series(1, $2::int) g, LATERAL (
					SELECT now() - interval '2 days' + g * interval '1 millisecond' AS t) x`,
			args: []any{account, coBenchParticipations},
		},
		{
			name: "participations",
			sql: `INSERT INTO callout_participations (account_id, callout_id, contact_id, msisdn,
					metadata, created_at, updated_at, version)
				SELECT c.account_id, $2, c.id, c.msisdn, '{}', c.created_at, c.created_at, 1
				FROM contacts c WHERE c.account_id = $1 ORDER BY c.id`,
			args: []any{account, k},
		},
		{
			name: "call history",
			sql: `WITH parts AS (
					SELECT p.id, p.contact_id, row_number() OVER (ORDER BY p.id) - 1 AS n
					FROM callout_participations p WHERE p.callout_id = $1
				), planned AS (
					SELECT id, contact_id, n, (ARRAY[0, 1, 2, 5])[n % 4 + 1] AS calls FROM parts
				)
				INSERT INTO call_history (phone_call_id, participation_id, contact_id, status,
					created_at, version)
				SELECT $2 + row_number() OVER (ORDER BY planned.id, g), planned.id,
					planned.contact_id,
					CASE WHEN g = planned.calls THEN (ARRAY[
						'completed', 'failed', 'errored', 'busy', 'not_answered'
					])[(n / 4) % 5 + 1] ELSE 'failed' END,
					now() - interval '1 day' + g * interval '1 hour', 4
				FROM planned, generate_series(1, planned.calls) g`,
			args: []any{k, coBenchFirstCallID},
		},
		{
			// What the service's projection keeps for each participation.
			name: "call history summary",
			sql: `UPDATE callout_participations p SET
					phone_calls_count = s.calls, last_phone_call_id = s.last_id,
					last_phone_call_status = s.last_status
				FROM (
					SELECT h.participation_id, count(*) AS calls,
						(array_agg(h.phone_call_id
							ORDER BY h.created_at DESC, h.phone_call_id DESC))[1] AS last_id,
						(array_agg(h.status
							ORDER BY h.created_at DESC, h.phone_call_id DESC))[1] AS last_status
					FROM call_history h JOIN callout_participations q ON q.id = h.participation_id
					WHERE q.callout_id = $1 GROUP BY h.participation_id
				) s
				WHERE p.id = s.participation_id`,
			args: []any{k},
		},
	}
	for _, s := range steps {
		tag, err := db.Exec(ctx, s.sql, s.args...)
		require.NoError(b, err, "seed %s", s.name)
		b.Logf("seeded %s: %d rows", s.name, tag.RowsAffected())
	}

	for _, table := range []string{"contacts", "callout_participations", "call_history"} {
		_, err := db.Exec(ctx, "VACUUM ANALYZE "+table)
		require.NoError(b, err, "vacuum %s", table)
	}
	b.Logf("seeding took %s", time.Since(started).Round(time.Millisecond))

	var calls, want int64
	require.NoError(b, db.QueryRow(ctx, `SELECT count(*) FROM call_history h
		JOIN callout_participations p ON p.id = h.participation_id
		WHERE p.callout_id = $1`, k).Scan(&calls))
	require.Equal(b, int64(2*coBenchParticipations), calls)
	require.NoError(b, db.QueryRow(ctx, `SELECT count(*) FROM callout_participations
		WHERE callout_id = $1
			AND (phone_calls_count = 0 OR last_phone_call_status IN ('failed', 'errored'))`,
		k).Scan(&want))

	return want
}

// coBenchExplain logs the plans of the listing's two statements, as a
// first execution plans them (with the values known) and as a prepared
// statement does once it has settled, which is what the service's
// connections run.
func coBenchExplain(b *testing.B, ctx context.Context, db *pgx.Conn, account int64) {
	b.Helper()

	statuses := []string{"failed", "errored"}
	statements := []struct {
		name string
		sql  string
		args []any
	}{
		{name: "count", sql: coBenchCount, args: []any{account, statuses}},
		{name: "page", sql: coBenchPage, args: []any{account, statuses, 25, 0}},
	}
	for _, s := range statements {
		b.Logf("%s statement:\n%s\n\nEXPLAIN ANALYZE, values known:\n%s", s.name, s.sql,
			coBenchPlan(b, ctx, db, "EXPLAIN (ANALYZE, BUFFERS) "+s.sql, s.args...))
		b.Logf("%s statement alone, without EXPLAIN's instrumentation: median of 21 runs %s",
			s.name, coBenchMedian(b, ctx, db, s.sql, s.args...))
		_, err := db.Exec(ctx, "SET max_parallel_workers_per_gather = 0")
		require.NoError(b, err)
		b.Logf("%s statement alone without parallel workers: median of 21 runs %s",
			s.name, coBenchMedian(b, ctx, db, s.sql, s.args...))
		_, err = db.Exec(ctx, "RESET max_parallel_workers_per_gather")
		require.NoError(b, err)

		// Six executions make PostgreSQL consider the generic plan.
		params := "bigint, text[]"
		if len(s.args) == 4 {
			params += ", int, int"
		}
		name := "co_bench_" + s.name
		_, err = db.Exec(ctx, "PREPARE "+name+" ("+params+") AS "+s.sql)
		require.NoError(b, err)
		execute := "EXECUTE " + name + "(" + coBenchLiterals(account, len(s.args)) + ")"
		for range 6 {
			_, err := db.Exec(ctx, execute)
			require.NoError(b, err)
		}
		b.Logf("EXPLAIN ANALYZE, prepared and settled:\n%s",
			coBenchPlan(b, ctx, db, "EXPLAIN (ANALYZE, BUFFERS) "+execute))
	}
}

// coBenchMedian runs a statement 21 times and returns its median time.
func coBenchMedian(b *testing.B, ctx context.Context, db *pgx.Conn, sql string, args ...any,
) time.Duration {
	b.Helper()

	took := make([]time.Duration, 21)
	for i := range took {
		start := time.Now()
		rows, err := db.Query(ctx, sql, args...)
		require.NoError(b, err)
		rows.Close()
		require.NoError(b, rows.Err())
		took[i] = time.Since(start)
	}
	slices.Sort(took)

	return took[len(took)/2]
}

// coBenchLiterals returns the EXECUTE arguments of the benchmark's
// statements.
func coBenchLiterals(account int64, n int) string {
	lits := []string{strconv.FormatInt(account, 10), "'{failed,errored}'"}
	if n == 4 {
		lits = append(lits, "25", "0")
	}

	return strings.Join(lits, ", ")
}

// coBenchPlan runs an EXPLAIN and returns its lines.
func coBenchPlan(b *testing.B, ctx context.Context, db *pgx.Conn, sql string, args ...any) string {
	b.Helper()

	rows, err := db.Query(ctx, sql, args...)
	require.NoError(b, err, "%s", sql)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(b, err, "%s", sql)

	return fmt.Sprintf("  %s", strings.Join(lines, "\n  "))
}
