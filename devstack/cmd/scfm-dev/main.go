// Command scfm-dev runs the whole system on one machine for development:
// a local PostgreSQL, an embedded NATS and the four services, with data in
// ./.data. DATABASE_URL and NATS_URL point it at existing servers instead.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"scfm/devstack/internal/devrun"
	"scfm/devstack/stack"
	"scfm/shared/svc"
)

// usage is printed for -h, --help or any argument: the supervisor takes
// none.
const usage = `scfm-dev runs the whole system on this machine (make run does this).

It starts a local PostgreSQL cluster under ./.data (unless DATABASE_URL is
set), an embedded NATS server with JetStream (unless NATS_URL is set), the
gateway, callouts, telephony (with the provider simulator) and batches
services, applies the migrations, and prints the API URL and the
super-admin token (kept in .data/gateway-url and .data/admin-token).
Ctrl-C stops everything; the data stays in ./.data for the next run.

SCFM_DEV_PPROF_ADDR (e.g. 127.0.0.1:6070) serves Go's /debug/pprof/ for this
process, which holds the embedded NATS server.
`

func main() {
	if len(os.Args) > 1 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "scfm-dev")

	root, err := stack.FindRoot(".")
	if err != nil {
		fail(err)
	}

	// After the first Ctrl-C starts the orderly shutdown, a second one
	// ends the process at once.
	context.AfterFunc(ctx, stop)
	go svc.ServePprof(ctx, os.Getenv("SCFM_DEV_PPROF_ADDR"), log)

	err = devrun.Run(ctx, devrun.Config{
		Root:        root,
		DatabaseURL: os.Getenv("DATABASE_URL"),
		NATSURL:     os.Getenv("NATS_URL"),
		Stdout:      os.Stdout,
		ServiceLog:  os.Stderr,
		Logger:      log,
	})
	if err != nil {
		fail(err)
	}
}

// fail prints err as plain text, since build and migration errors span
// several lines, and exits with status 1.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "scfm-dev: %v\n", err)
	os.Exit(1)
}
