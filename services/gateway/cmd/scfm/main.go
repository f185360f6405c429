// Command scfm is the command-line client of the SCFM API: contact
// imports, callouts driven by batch operations, live summaries, the event
// stream and the end-to-end demo. Run scfm --help for the commands and the
// exit codes scripts can rely on.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"scfm/gateway/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)

	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}

	code := cli.Execute(ctx, os.Args[1:], cli.Env{
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Getenv:    os.Getenv,
		Dir:       dir,
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
	})
	stop()
	os.Exit(code)
}
