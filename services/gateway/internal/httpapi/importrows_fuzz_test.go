package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzCSVRows checks that any input either is refused as a file or reads
// as rows whose numbers grow and whose metadata is a JSON object.
func FuzzCSVRows(f *testing.F) {
	for _, seed := range []string{
		"msisdn,name\n252662345678,Alice\n",
		"\xEF\xBB\xBFMSISDN;x\r\n\"a,\"\"b\"\"\r\nc\",d\r\n",
		"msisdn,\"a\nb\"\n\"\"\"\",x\ry\n",
		"msisdn\n\"open",
		",,\n\n msisdn ,\x00\n1,\xff\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rows, err := newCSVRows(strings.NewReader(text))
		if err != nil {
			if !errors.As(err, new(fileError)) {
				t.Fatalf("not a file error: %v", err)
			}
			return
		}
		last := int64(0)
		for {
			r, err := readChunk(rows)
			for _, row := range r {
				if row.Row <= last {
					t.Fatalf("row %d after row %d", row.Row, last)
				}
				last = row.Row
				var md map[string]any
				if row.Problem == "" && json.Unmarshal(row.Metadata, &md) != nil {
					t.Fatalf("row %d metadata %q is not an object", row.Row, row.Metadata)
				}
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if errors.As(err, new(fileError)) {
				return // e.g. a quote never closed
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
