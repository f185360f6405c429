package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"scfm/gateway/internal/apiclient"
)

// watchCommand is `scfm callouts watch ID`.
func (a *app) watchCommand() *cobra.Command {
	var every, settle time.Duration

	cmd := &cobra.Command{
		Use:   "watch ID",
		Short: "Show a callout's live summary until its calls are done",
		Long: `Show a callout's summary (participations by the status of their last call,
calls by status, participations reached) and keep it current until no call
of the callout is in flight and none of its batch operations is queued or
running, and this has lasted --settle (so that the short pauses between the
steps of a run do not end the watch). On a terminal the table is redrawn in
place; otherwise it is printed again whenever it changes.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("callout", args[0])
			if err != nil {
				return err
			}
			if every <= 0 || settle < 0 {
				return usageError{errors.New("--every must be positive, --settle not negative")}
			}

			c, err := a.client()
			if err != nil {
				return err
			}

			return a.watch(cmd.Context(), c, id, every, settle)
		},
	}
	cmd.Flags().DurationVar(&every, "every", time.Second, "how often to refresh")
	cmd.Flags().DurationVar(&settle, "settle", 3*time.Second,
		"how long the callout must stay quiet before the watch ends")

	return cmd
}

// watch refreshes a callout's summary until it has been quiet for settle.
func (a *app) watch(
	ctx context.Context, c *apiclient.Client, id int64, every, settle time.Duration,
) error {
	var (
		drawn int
		last  string
		since time.Time
	)
	for {
		s, err := c.Summary(ctx, id)
		if err != nil {
			return err
		}

		active, err := activeBatches(ctx, c, id)
		if err != nil {
			return err
		}

		var b bytes.Buffer
		writeSummary(&b, s)
		if active > 0 {
			fmt.Fprintf(&b, "batch operations queued or running: %d\n", active)
		}

		text := b.String()
		switch {
		case a.env.StdoutTTY:
			// Move up over the previous table and clear to the end.
			if drawn > 0 {
				fmt.Fprintf(a.env.Stdout, "\x1b[%dA\x1b[J", drawn)
			}
			fmt.Fprint(a.env.Stdout, text)
			drawn = strings.Count(text, "\n")
		case text != last:
			fmt.Fprintf(a.env.Stdout, "%s\n%s", time.Now().Format(time.TimeOnly), text)
		}
		last = text

		switch {
		case s.PhoneCalls.InFlight > 0 || active > 0:
			since = time.Time{}
		case since.IsZero():
			since = time.Now()
		}
		if !since.IsZero() && time.Since(since) >= settle {
			return nil
		}

		if err := apiclient.Sleep(ctx, every); err != nil {
			return err
		}
	}
}

// activeBatches counts the callout's batch operations that are queued or
// running; a server without batch operations has none.
func activeBatches(ctx context.Context, c *apiclient.Client, id int64) (int64, error) {
	n, err := c.Count(ctx, "/api/callouts/"+strconv.FormatInt(id, 10)+"/batch_operations",
		url.Values{"q[status]": {apiclient.BatchQueued + "," + apiclient.BatchRunning}})

	var refused *apiclient.APIError
	if errors.As(err, &refused) && refused.NotFound() {
		return 0, nil
	}

	return n, err
}
