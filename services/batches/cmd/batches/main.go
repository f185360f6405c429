// Command batches runs the batches service: batch operations that populate callouts and create, queue and fetch calls.
// Subcommands: serve (default), migrate.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"scfm/batches/internal/app"
	"scfm/batches/internal/config"
	"scfm/shared/svc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "batches: invalid configuration:\n%v\n", err)
		os.Exit(2)
	}
	log := svc.NewLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel, cfg.Service)

	switch sub := svc.Subcommand(os.Args); sub {
	case "serve":
		err = app.Run(ctx, cfg, log)
	case "migrate":
		err = app.Migrate(ctx, cfg, log)
	default:
		err = fmt.Errorf("unknown subcommand %q (want serve or migrate)", sub)
	}
	if err != nil {
		log.Error("batches failed", "err", err)
		os.Exit(1)
	}
}
