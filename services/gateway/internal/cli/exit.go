package cli

import (
	"context"
	"errors"
	"fmt"

	"scfm/gateway/internal/apiclient"
)

// Exit codes, documented in scfm --help and docs/cli.md.
const (
	// ExitOK means the command did what it was asked.
	ExitOK = 0
	// ExitError means the API refused a request, or the command line was
	// wrong.
	ExitError = 1
	// ExitUnavailable means the API or NATS could not be reached, or
	// answered that it is unavailable.
	ExitUnavailable = 2
	// ExitCheckFailed means an invariant of the demo did not hold.
	ExitCheckFailed = 3
	// ExitInterrupted means the command was stopped by a signal.
	ExitInterrupted = 130
)

// usageError is a mistake on the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// unavailableError is a dependency other than the API (NATS) that cannot
// be reached.
type unavailableError struct{ err error }

func (e unavailableError) Error() string { return e.err.Error() }
func (e unavailableError) Unwrap() error { return e.err }

// checkError reports failed invariants of the demo.
type checkError struct{ failed int }

func (e checkError) Error() string {
	return fmt.Sprintf("%d invariant check(s) failed", e.failed)
}

// exitCode maps an error to the exit code scripts see.
func exitCode(err error) int {
	var (
		unavailable *apiclient.UnavailableError
		other       unavailableError
		check       checkError
	)

	switch {
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &check):
		return ExitCheckFailed
	case errors.As(err, &unavailable), errors.As(err, &other):
		return ExitUnavailable
	}

	return ExitError
}

// printError writes err to standard error, with a hint for usage errors.
func (a *app) printError(err error) {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(a.env.Stderr, "scfm: interrupted")
		return
	}

	fmt.Fprintf(a.env.Stderr, "scfm: %v\n", err)

	var usage usageError
	if errors.As(err, &usage) {
		fmt.Fprintln(a.env.Stderr, "Run 'scfm --help' or 'scfm <command> --help' for usage.")
	}
}
