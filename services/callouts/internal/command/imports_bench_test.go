package command_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"scfm/callouts/internal/command"
	"scfm/callouts/internal/postgres"
	"scfm/shared/callflow"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/pgtest"
)

// BenchmarkImportContactChunks applies 1,000,000 rows, in chunks of
// calloutsv1.ImportChunkRows, through the chunk command as the service
// runs it (group commit included), first as new contacts and then again as
// updates, and reports the rows per second of each and the heap the
// handler peaked at. Run it with
//
//	go test ./internal/command -run '^$' -bench ImportContactChunks -benchtime 1x
func BenchmarkImportContactChunks(b *testing.B) {
	const rows = 1_000_000
	pool, _ := pgtest.Pool(b, postgres.Schema, postgres.Migrations())
	ctx := context.Background()
	cmds := command.New(pool, time.Now, callflow.NewRegistry(nil))
	batcher := eventstore.NewBatcher(pool, 16)
	b.Cleanup(batcher.Close)
	cmds.UseBatcher(batcher)
	_, err := cmds.SeedSuperAdmin(ctx)
	require.NoError(b, err)

	run := func() time.Duration {
		r, err := cmds.CreateContactImport(ctx, natsbus.Request{ID: uuid.NewString(), AccountID: 1,
			Data: []byte(`{}`)})
		require.NoError(b, err)
		var imp struct{ ID int64 }
		require.NoError(b, json.Unmarshal(r.Body, &imp))

		start := time.Now()
		chunk := make([]calloutsv1.ImportRow, 0, calloutsv1.ImportChunkRows)
		for n, i := 1, 0; i < rows; n++ {
			chunk = chunk[:0]
			for ; i < rows && len(chunk) < calloutsv1.ImportChunkRows; i++ {
				chunk = append(chunk, calloutsv1.ImportRow{
					Row: int64(i + 1), MSISDN: fmt.Sprintf("25266%07d", i),
					Metadata: json.RawMessage(
						fmt.Sprintf(`{"name":"Person %d","ward":"ward %d"}`, i, i%97)),
				})
			}
			payload := calloutsv1.ContactImportChunk{ImportID: imp.ID, Chunk: n, Rows: chunk}
			data, err := json.Marshal(payload)
			require.NoError(b, err)
			r, err := cmds.ImportContactChunk(ctx, natsbus.Request{
				ID: calloutsv1.ContactImportChunkID(imp.ID, n), AccountID: 1, Data: data,
			})
			require.NoError(b, err)
			require.Equal(b, 200, r.Status, "%s", r.Body)
		}
		return time.Since(start)
	}

	var created, updated time.Duration
	done, peaked := make(chan struct{}), make(chan uint64)
	go func() {
		var m runtime.MemStats
		var peak uint64
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				peaked <- peak
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	for b.Loop() {
		created = run()
		updated = run()
	}
	close(done)
	peak := <-peaked

	b.ReportMetric(rows/created.Seconds(), "created_rows/s")
	b.ReportMetric(rows/updated.Seconds(), "updated_rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MiB")
}
