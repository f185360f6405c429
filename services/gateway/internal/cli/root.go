// Package cli is the scfm command-line tool: it imports contacts, creates
// and drives callouts through batch operations, watches them, tails the
// event stream, and runs the end-to-end demo. Results a script needs go to
// standard output; progress and explanations go to standard error.
package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"scfm/gateway/internal/apiclient"
)

// Env is what the tool reads from and writes to outside its arguments, so
// that tests can run it in-process.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer

	// Getenv reads an environment variable.
	Getenv func(string) string

	// Dir is the working directory, where ./.data is looked for.
	Dir string

	// StderrTTY is true when standard error is a terminal: progress is then
	// drawn as bars instead of plain lines.
	StderrTTY bool

	// StdoutTTY is true when standard output is a terminal: watch then
	// redraws its table in place instead of printing it again.
	StdoutTTY bool
}

// app holds the global flags and the environment of one invocation.
type app struct {
	env   Env
	url   string
	token string
}

// rootHelp is the long help of scfm, with the exit codes scripts rely on.
const rootHelp = `scfm talks to an SCFM API: it imports contacts, creates callouts, fills them
from contact filters, calls everyone through batch operations with retries,
watches progress, and tails the event stream.

The API URL comes from --url, else SCFM_URL, else ./.data/gateway-url (which
make run writes); the token from --token, else SCFM_TOKEN, else
./.data/admin-token.

Results go to standard output (an id, a count, JSON lines); progress and
messages go to standard error.

Exit codes:
  0  success
  1  the API refused the request (its errors are printed), or bad usage
  2  the API (or NATS) cannot be reached, or answers that it is unavailable
  3  scfm demo: an invariant check failed
  130 interrupted`

// Execute runs the tool with args (without the program name) and returns
// its exit code.
func Execute(ctx context.Context, args []string, env Env) int {
	a := &app{env: env}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)

	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}

	a.printError(err)

	return exitCode(err)
}

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "scfm",
		Short:         "Command-line client of the SCFM call-out API",
		Long:          rootHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	flags := root.PersistentFlags()
	flags.StringVar(&a.url, "url", "", "API URL (env SCFM_URL; default from ./.data/gateway-url)")
	flags.StringVar(&a.token, "token", "",
		"access token (env SCFM_TOKEN; default from ./.data/admin-token)")

	root.AddCommand(a.contactsCommand(), a.calloutsCommand(), a.eventsCommand(),
		a.demoCommand())

	return root
}

// client returns an API client for the global flags.
func (a *app) client() (*apiclient.Client, error) {
	url, err := a.apiURL()
	if err != nil {
		return nil, err
	}

	token, err := a.apiToken()
	if err != nil {
		return nil, err
	}

	c, err := apiclient.New(apiclient.Config{BaseURL: url, Token: token})
	if err != nil {
		return nil, usageError{err}
	}

	return c, nil
}
