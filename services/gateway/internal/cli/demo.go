package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"scfm/gateway/internal/apiclient"
)

// demoOptions tunes the demo.
type demoOptions struct {
	contacts      string
	filters       []string
	message       string
	ownAccount    bool
	callsPerSec   int
	maxConcurrent int
	run           runOptions
}

// demoCommand is `scfm demo`.
func (a *app) demoCommand() *cobra.Command {
	var opts demoOptions

	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a whole callout against the simulator and check the outcome",
		Long: `Run the whole job on a running system (make run), against the built-in
provider simulator: create a demo account (with a super-admin token; or use
the token's own account with --own-account), import a contact file, create
a PlayMessage callout, fill it from a metadata filter, start it, call
everyone with retries, and print the summary.

Then check that every participation is finished or out of attempts, that
nobody had two calls in flight at once, and that the counts add up. A failed
check prints what is wrong and exits with status 3.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.run.check(); err != nil {
				return err
			}

			filter, err := parsePairs("filter", opts.filters)
			if err != nil {
				return err
			}
			if err := checkContactFilter(filter); err != nil {
				return err
			}

			c, err := a.client()
			if err != nil {
				return err
			}

			return a.demo(cmd.Context(), c, opts, filter)
		},
	}

	f := cmd.Flags()
	f.StringVar(&opts.contacts, "contacts", "examples/contacts.csv", "CSV file of contacts")
	// Every row of the example file has a language: the default reaches
	// everybody in it, through a metadata filter as a campaign would.
	f.StringArrayVar(&opts.filters, "filter", []string{
		"metadata.language=km", "metadata.language=so", "metadata.language=en", "metadata.language=ar",
	}, "contact filter of the callout's population (repeatable; a key repeated means any of its values)")
	f.StringVar(&opts.message, "message",
		"Flood warning: the river is rising. Move to higher ground tonight.",
		"what the calls say")
	f.BoolVar(&opts.ownAccount, "own-account", false,
		"use the token's own account instead of creating a demo account")
	f.IntVar(&opts.callsPerSec, "calls-per-second", 100, "dialer pacing of the demo account")
	f.IntVar(&opts.maxConcurrent, "max-concurrent-calls", 500,
		"calls in flight at most for the demo account")
	a.runFlags(cmd, &opts.run)
	_ = f.Set("retry-busy", "true")
	f.Lookup("retry-busy").DefValue = "true"

	return cmd
}

// demo runs the demo's steps and its checks.
func (a *app) demo(
	ctx context.Context, admin *apiclient.Client, opts demoOptions, filter map[string]any,
) error {
	a.step("account")
	c, fresh, err := a.demoAccount(ctx, admin, opts)
	if err != nil {
		return err
	}

	a.step("import " + opts.contacts)
	imp, err := a.importContacts(ctx, c, opts.contacts)
	if err != nil {
		return err
	}
	a.printImport(imp)

	a.step("callout")
	callout, err := c.CreateCallout(ctx, "CallFlowLogic::PlayMessage", map[string]any{
		"message": opts.message, "created_by": "scfm demo",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "callout %d created (CallFlowLogic::PlayMessage)\n", callout.ID)

	a.step(fmt.Sprintf("populate callout %d", callout.ID))
	populated, err := a.populate(ctx, c, callout.ID, filter)
	if err != nil {
		return err
	}

	a.step(fmt.Sprintf("start and run callout %d", callout.ID))
	if _, err := c.CalloutEvent(ctx, callout.ID, "start"); err != nil {
		return err
	}

	began := time.Now()
	report, err := a.runCallout(ctx, c, callout.ID, opts.run)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "run took %s\n", time.Since(began).Round(time.Millisecond))

	a.step("summary")
	if err := a.printRun(ctx, c, report); err != nil {
		return err
	}

	a.step("checks")
	return a.checkDemo(ctx, c, demoFacts{
		fresh: fresh, imported: imp, filter: filter, populated: populated,
		run: report, opts: opts.run,
	})
}

// step announces a step of the demo.
func (a *app) step(name string) {
	fmt.Fprintf(a.env.Stderr, "\n== %s\n", name)
}
