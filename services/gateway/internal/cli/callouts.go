package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"scfm/gateway/internal/apiclient"
)

// calloutsCommand groups the callout commands.
func (a *app) calloutsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "callouts", Short: "Create, fill, run and watch callouts"}
	cmd.AddCommand(a.createCalloutCommand())
	for _, event := range []string{"start", "pause", "resume", "stop"} {
		cmd.AddCommand(a.calloutEventCommand(event))
	}
	cmd.AddCommand(a.populateCommand(), a.runCommand(), a.watchCommand())

	return cmd
}

// createCalloutCommand is `scfm callouts create`.
func (a *app) createCalloutCommand() *cobra.Command {
	var (
		flow     string
		metadata []string
	)

	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a callout and print its id",
		Long: `Create a callout and print its id. With CallFlowLogic::PlayMessage the call
says the callout's metadata message (or plays its audio_url), e.g.

  scfm callouts create --call-flow-logic CallFlowLogic::PlayMessage \
    --metadata "message=Flood warning for your area"`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			meta, err := parsePairs("metadata", metadata)
			if err != nil {
				return err
			}

			c, err := a.client()
			if err != nil {
				return err
			}

			callout, err := c.CreateCallout(cmd.Context(), flow, meta)
			if err != nil {
				return err
			}

			fmt.Fprintln(a.env.Stdout, callout.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&flow, "call-flow-logic", "CallFlowLogic::PlayMessage",
		"call flow logic of the callout's calls")
	cmd.Flags().StringArrayVar(&metadata, "metadata", nil,
		"metadata key=value (repeatable; dots nest keys)")

	return cmd
}

// calloutEventCommand is `scfm callouts start|pause|resume|stop ID`.
func (a *app) calloutEventCommand(event string) *cobra.Command {
	return &cobra.Command{
		Use:   event + " ID",
		Short: eventShort(event),
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("callout", args[0])
			if err != nil {
				return err
			}

			c, err := a.client()
			if err != nil {
				return err
			}

			callout, err := c.CalloutEvent(cmd.Context(), id, event)
			var refused *apiclient.APIError
			if errors.As(err, &refused) && len(refused.Errors["event"]) > 0 {
				// The API only says the event does not apply; say why.
				if now, cerr := c.Callout(cmd.Context(), id); cerr == nil {
					return fmt.Errorf("callout %d is %s: %s does not apply (%s)",
						id, now.Status, event, strings.ToLower(eventShort(event)))
				}
			}
			if err != nil {
				return err
			}

			fmt.Fprintf(a.env.Stdout, "callout %d: %s\n", callout.ID, callout.Status)
			return nil
		},
	}
}

// eventShort describes a callout event in one line.
func eventShort(event string) string {
	switch event {
	case "start":
		return "Start an initialized callout"
	case "pause":
		return "Pause a running callout"
	case "resume":
		return "Resume a paused or stopped callout"
	}

	return "Stop a running or paused callout"
}
