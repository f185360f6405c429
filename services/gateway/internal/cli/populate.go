package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"scfm/gateway/internal/apiclient"
)

// populateCommand is `scfm callouts populate ID --filter ...`.
func (a *app) populateCommand() *cobra.Command {
	var (
		filters []string
		all     bool
	)

	cmd := &cobra.Command{
		Use:   "populate ID",
		Short: "Add the contacts a filter selects to a callout; print how many",
		Long: `Add the account's contacts that a filter selects to a callout, through a
callout population batch operation, and print how many participations it
created. Contacts already in the callout are skipped.

Filters use the keys of the contacts listing: metadata.KEY=VALUE (dots nest
deeper keys), msisdn=..., created_at_after=2026-01-01, ...; a key given twice
matches either value. --all-contacts selects every contact instead.

  scfm callouts populate 3 --filter metadata.district=Kampot --filter metadata.language=km`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("callout", args[0])
			if err != nil {
				return err
			}

			filter, err := parsePairs("filter", filters)
			if err != nil {
				return err
			}
			if len(filter) == 0 && !all {
				return usageError{errors.New("give at least one --filter, or --all-contacts")}
			}
			if err := checkContactFilter(filter); err != nil {
				return err
			}

			c, err := a.client()
			if err != nil {
				return err
			}

			n, err := a.populate(cmd.Context(), c, id, filter)
			if err != nil {
				return err
			}

			fmt.Fprintln(a.env.Stdout, n)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "contact filter key=value (repeatable)")
	cmd.Flags().BoolVar(&all, "all-contacts", false, "add every contact of the account")

	return cmd
}

// populate runs a callout population and returns how many participations
// it created.
func (a *app) populate(
	ctx context.Context, c *apiclient.Client, calloutID int64, filter map[string]any,
) (int64, error) {
	op, err := a.runBatch(ctx, c, batchSpec{
		calloutID:  calloutID,
		typ:        apiclient.CalloutPopulation,
		parameters: map[string]any{"contact_filter_params": filter},
		label:      fmt.Sprintf("populate callout %d", calloutID),
	})
	if err != nil {
		return 0, err
	}

	n, err := batchResults(ctx, c, op, "callout_participations")
	if err != nil {
		return 0, err
	}

	fmt.Fprintf(a.env.Stderr, "callout %d: %d participations added (batch operation %d)\n",
		calloutID, n, op.ID)

	return n, nil
}

// contactFilterKeys are the top-level keys of a contact filter. The API
// ignores any other key, so a misspelt one would select every contact.
var contactFilterKeys = []string{
	"metadata", "msisdn",
	"created_at_before", "created_at_or_before", "created_at_after", "created_at_or_after",
	"updated_at_before", "updated_at_or_before", "updated_at_after", "updated_at_or_after",
}

// checkContactFilter refuses a filter with a key contacts cannot be
// filtered by, or metadata without a key under it.
func checkContactFilter(filter map[string]any) error {
	for key, v := range filter {
		if !slices.Contains(contactFilterKeys, key) {
			return usageError{fmt.Errorf("--filter %s: contacts have no such filter; "+
				"use metadata.KEY=VALUE, msisdn=..., or one of %s", key,
				strings.Join(contactFilterKeys[2:], ", "))}
		}
		if _, nested := v.(map[string]any); key == "metadata" && !nested {
			return usageError{errors.New("--filter metadata needs a key: metadata.KEY=VALUE")}
		}
	}

	return nil
}
