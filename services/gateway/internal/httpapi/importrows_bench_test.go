package httpapi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"testing"
)

// BenchmarkCSVRows reads a file of a million rows, generated as it is
// read, into chunks the way an upload is read, and reports rows per
// second. Memory stays at a chunk: see the B/op.
func BenchmarkCSVRows(b *testing.B) {
	const rows = 1_000_000
	for b.Loop() {
		pr, pw := io.Pipe()
		go func() {
			w := bufio.NewWriter(pw)
			fmt.Fprintln(w, "msisdn,name,ward")
			for i := range rows {
				fmt.Fprintf(w, "25266%07d,\"Person, %d\",ward %d\n", i, i, i%97)
			}
			pw.CloseWithError(w.Flush())
		}()
		r, err := newCSVRows(pr)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			chunk, err := readChunk(r)
			n += len(chunk)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if n != rows {
			b.Fatalf("read %d rows", n)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
