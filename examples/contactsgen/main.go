// Command contactsgen writes a CSV file of made-up contacts in Cambodia
// (+855) and Somalia (+252), as an organisation might export them from a
// spreadsheet: mobile numbers typed in many ways, district, language and
// gender columns, and a few rows an import must reject (blank, too short,
// letters, a number mangled into scientific notation, a duplicate) or that
// lack a country code. The same flags always give the same file; this is
// how examples/contacts.csv is made:
//
//	go run ./examples/contactsgen -o examples/contacts.csv
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	n := flag.Int("n", 10_000, "data rows to write")
	seed := flag.Uint64("seed", 2026, "seed of the random source")
	out := flag.String("o", "-", "output file (- for standard output)")
	flag.Parse()

	if err := run(*n, *seed, *out); err != nil {
		fmt.Fprintf(os.Stderr, "contactsgen: %v\n", err)
		os.Exit(1)
	}
}

// run writes the rows to the named file.
func run(n int, seed uint64, out string) error {
	if n < 0 {
		return fmt.Errorf("-n %d is negative", n)
	}

	if out == "-" {
		return write(os.Stdout, Generate(n, seed))
	}

	f, err := os.Create(out)
	if err != nil {
		return err
	}

	if err := write(f, Generate(n, seed)); err != nil {
		_ = f.Close()
		return err
	}

	return f.Close()
}

// write writes rows as CSV.
func write(w io.Writer, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}

	return nil
}
