package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// ciBenchRows is the size of the benchmark's file.
const ciBenchRows = 1_000_000

// ciBenchCSV writes the benchmark's file: a header and ciBenchRows rows of
// distinct Somali numbers with two metadata columns, about 40 MB.
func ciBenchCSV(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := bw.WriteString("msisdn,name,ward\n"); err != nil {
		return err
	}
	for i := range ciBenchRows {
		if _, err := fmt.Fprintf(bw, "25266%07d,Person %d,ward %d\n", i, i, i%97); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// BenchmarkContactImportMillionRows uploads a CSV file of a million new
// contacts through the gateway as it is generated (the client never holds
// it whole), then the same file again (a million updates), and reports the
// rows per second of both, the peak resident memory of the gateway and the
// callouts service meanwhile, and beside them the rate of a plain COPY of
// the same rows into a contacts-like table of the same database.
//
// Run it with: go test ./devstack/e2e -run '^$' -bench ContactImport -benchtime 1x
func BenchmarkContactImportMillionRows(b *testing.B) {
	a := newCaller(b)
	base, _ := gateway(b)
	client := &http.Client{} // no timeout: the upload takes a while

	upload := func() (map[string]any, time.Duration) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(ciBenchCSV(pw)) }()
		req, err := http.NewRequestWithContext(b.Context(), http.MethodPost,
			base+"/api/contact_imports?filename=million.csv", pr)
		require.NoError(b, err)
		req.Header.Set("Content-Type", "text/csv")
		req.SetBasicAuth(a.Token, "")

		start := time.Now()
		resp, err := client.Do(req)
		require.NoError(b, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(b, err)
		took := time.Since(start)
		r := response{Status: resp.StatusCode, Header: resp.Header, Body: body}
		return ciImported(b, r), took
	}

	peak := ciWatchMemory(b, "gateway", "callouts")
	var created, updated time.Duration
	for b.Loop() {
		imp, took := upload()
		require.Equal(b, fmt.Sprintf("completed rows=%d created=%[1]d updated=0 rejected=0", ciBenchRows),
			ciCounts(b, imp))
		created = took
		b.StopTimer()
		imp, took = upload()
		require.Equal(b, fmt.Sprintf("completed rows=%d created=0 updated=%[1]d rejected=0", ciBenchRows),
			ciCounts(b, imp))
		updated = took
		a = newCaller(b) // the next round creates again
		b.StartTimer()
	}
	mem := peak()

	copied := ciBenchCopy(b)
	b.ReportMetric(ciBenchRows/created.Seconds(), "created_rows/s")
	b.ReportMetric(ciBenchRows/updated.Seconds(), "updated_rows/s")
	b.ReportMetric(ciBenchRows/copied.Seconds(), "copy_rows/s")
	b.ReportMetric(float64(mem["gateway"])/(1<<20), "gateway_peak_rss_MiB")
	b.ReportMetric(float64(mem["callouts"])/(1<<20), "callouts_peak_rss_MiB")
	b.Logf("created %d rows in %s, updated them in %s, COPY of the same rows took %s; "+
		"peak RSS gateway %.1f MiB, callouts %.1f MiB", ciBenchRows, created.Round(time.Millisecond),
		updated.Round(time.Millisecond), copied.Round(time.Millisecond),
		float64(mem["gateway"])/(1<<20), float64(mem["callouts"])/(1<<20))
}

// ciWatchMemory samples the resident memory the named services report on
// their metrics endpoints until the returned function is called, which
// gives each one's peak.
func ciWatchMemory(b *testing.B, services ...string) func() map[string]int64 {
	b.Helper()

	ctx, cancel := context.WithCancel(b.Context())
	var mu sync.Mutex
	peak := map[string]int64{}
	var wg sync.WaitGroup
	for _, name := range services {
		url := system.stack.OpsURL(name) + "/metrics"
		wg.Go(func() {
			for ctx.Err() == nil {
				if rss, err := ciResidentBytes(ctx, url); err == nil {
					mu.Lock()
					peak[name] = max(peak[name], rss)
					mu.Unlock()
				}
				select {
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
	return func() map[string]int64 {
		cancel()
		wg.Wait()
		return peak
	}
}

// ciResidentBytes reads process_resident_memory_bytes from a metrics page.
func ciResidentBytes(ctx context.Context, url string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return int64(f), err
		}
	}
	return 0, fmt.Errorf("%s has no resident memory", url)
}

// ciBenchCopy copies the benchmark's rows, as the import stores them
// (normalised number and metadata object), into a scratch table shaped
// like the contacts table, with the same keys and indexes, and returns how
// long the COPY took.
func ciBenchCopy(b *testing.B) time.Duration {
	b.Helper()

	ctx := b.Context()
	db := coBenchConnect(b)
	const table = "public.e2e_bench_contacts_copy"
	_, err := db.Exec(ctx, `DROP TABLE IF EXISTS `+table+`;
		CREATE TABLE `+table+` (
			id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
			account_id bigint NOT NULL, msisdn text NOT NULL, metadata jsonb NOT NULL DEFAULT '{}',
			created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, version bigint NOT NULL,
			last_import_id bigint, last_import_row bigint, UNIQUE (account_id, msisdn));
		CREATE INDEX ON `+table+` (account_id, id)`)
	require.NoError(b, err)
	b.Cleanup(func() { _, _ = db.Exec(context.Background(), `DROP TABLE IF EXISTS `+table) })

	now := time.Now()
	i := 0
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		if i == ciBenchRows {
			return nil, nil
		}
		md := fmt.Sprintf(`{"name":"Person %d","ward":"ward %d"}`, i, i%97)
		row := []any{int64(1), fmt.Sprintf("+25266%07d", i), md, now, now, int64(1), int64(1), int64(i + 1)}
		i++
		return row, nil
	})
	start := time.Now()
	n, err := db.CopyFrom(ctx, pgx.Identifier{"public", "e2e_bench_contacts_copy"},
		[]string{"account_id", "msisdn", "metadata", "created_at", "updated_at", "version",
			"last_import_id", "last_import_row"}, rows)
	took := time.Since(start)
	require.NoError(b, err)
	require.Equal(b, int64(ciBenchRows), n)
	return took
}
