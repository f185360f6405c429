package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"scfm/gateway/internal/apiclient"
)

// shownErrors is how many rejected rows an import prints.
const shownErrors = 5

// contactsCommand groups the contact commands.
func (a *app) contactsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "contacts", Short: "Work with contacts"}
	cmd.AddCommand(a.importCommand())

	return cmd
}

// importCommand is `scfm contacts import FILE.csv`.
func (a *app) importCommand() *cobra.Command {
	var errorsFile string

	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import contacts from a CSV file",
		Long: `Import contacts from a CSV file whose header row has an msisdn column; every
other column becomes contact metadata. Numbers already in the account are
updated, new ones created, and bad rows rejected with a reason.

Prints the import's summary (rows, created, updated, rejected) and its first
rejected rows; --errors writes every rejected row to a CSV file.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}

			// The report file is opened first: a path that cannot be
			// written fails before anything is imported, and a report left
			// from an earlier import never passes for this one's.
			var report *os.File
			if errorsFile != "" {
				if report, err = createReport(errorsFile, args[0]); err != nil {
					return err
				}
				defer func() { _ = report.Close() }()
			}

			imp, err := a.importContacts(cmd.Context(), c, args[0])
			if err != nil {
				if report != nil {
					_ = os.Remove(errorsFile)
				}
				return err
			}

			a.printImport(imp)

			return a.importErrors(cmd.Context(), c, imp, report)
		},
	}
	cmd.Flags().StringVar(&errorsFile, "errors", "", "write the rejected rows to this CSV file")

	return cmd
}

// importContacts uploads a file with a progress meter, then waits until
// the server has finished the import.
func (a *app) importContacts(
	ctx context.Context, c *apiclient.Client, file string,
) (apiclient.ContactImport, error) {
	var imp apiclient.ContactImport
	if _, err := os.Stat(file); err != nil {
		return imp, err
	}

	m := a.newMeter("upload "+filepath.Base(file), -1, true)
	imp, err := c.ImportContacts(ctx, file, m.Set)
	m.Done()
	if err != nil {
		return imp, err
	}

	for imp.Status == apiclient.ImportRunning {
		if err := apiclient.Sleep(ctx, 500*time.Millisecond); err != nil {
			return imp, err
		}

		if imp, err = c.ContactImport(ctx, imp.ID); err != nil {
			return imp, err
		}
	}

	if imp.Status == apiclient.ImportFailed {
		reason := "no reason given"
		if imp.Error != nil {
			reason = *imp.Error
		}

		return imp, fmt.Errorf("contact import %d failed: %s", imp.ID, reason)
	}

	return imp, nil
}

// printImport writes an import's summary to standard output.
func (a *app) printImport(imp apiclient.ContactImport) {
	w := a.env.Stdout
	fmt.Fprintf(w, "contact import %d: %s\n", imp.ID, imp.Status)
	fmt.Fprintf(w, "  rows      %8d\n", imp.Rows)
	fmt.Fprintf(w, "  created   %8d\n", imp.Created)
	fmt.Fprintf(w, "  updated   %8d\n", imp.Updated)
	fmt.Fprintf(w, "  rejected  %8d\n", imp.Rejected)
}

// importErrors prints the first rejected rows and, when report is set,
// writes all of them there as CSV (only the header when none was).
func (a *app) importErrors(
	ctx context.Context, c *apiclient.Client, imp apiclient.ContactImport, report *os.File,
) error {
	path := apiclient.ImportPath(imp.ID) + "/errors"
	if imp.Rejected > 0 {
		resp, err := c.Do(ctx, apiclient.Request{Path: path, Query: url.Values{
			"per_page": {strconv.Itoa(shownErrors)},
		}})
		if err != nil {
			return err
		}

		var first []apiclient.ImportError
		if err := resp.Decode(&first); err != nil {
			return err
		}

		fmt.Fprintf(a.env.Stdout, "first rejected rows (%d in all):\n", imp.Rejected)
		for _, e := range first {
			fmt.Fprintf(a.env.Stdout, "  row %-6d %-22q %s\n", e.Row, e.MSISDN, e.Reason)
		}
	}

	if report == nil {
		return nil
	}

	n, err := copyImportErrors(ctx, c, path, report)
	if cerr := report.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", report.Name(), cerr)
	}
	if err != nil {
		return err
	}

	fmt.Fprintf(a.env.Stderr, "wrote %d rejected rows to %s\n", n, report.Name())

	return nil
}

// createReport creates (or empties) the rejected-rows file, refusing the
// file being imported.
func createReport(file, imported string) (*os.File, error) {
	if in, err := os.Stat(imported); err == nil {
		if out, err := os.Stat(file); err == nil && os.SameFile(in, out) {
			return nil, usageError{fmt.Errorf("--errors %s is the file being imported", file)}
		}
	}

	f, err := os.Create(file)
	if err != nil {
		return nil, usageError{err}
	}

	return f, nil
}

// copyImportErrors writes the rejected rows as CSV to w.
func copyImportErrors(ctx context.Context, c *apiclient.Client, path string, w io.Writer) (int,
	error,
) {
	out := csv.NewWriter(w)
	if err := out.Write([]string{"row", "msisdn", "reason"}); err != nil {
		return 0, err
	}

	n := 0
	err := c.Each(ctx, path, nil, func(raw json.RawMessage) error {
		var e apiclient.ImportError
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decode rejected row: %w", err)
		}

		n++
		return out.Write([]string{strconv.FormatInt(e.Row, 10), inert(e.MSISDN), e.Reason})
	})
	if err != nil {
		return n, err
	}

	out.Flush()

	return n, out.Error()
}

// inert keeps a cell from being read as a formula by a spreadsheet: the
// numbers rejected are whatever a file held, "=HYPERLINK(…)" included.
func inert(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
