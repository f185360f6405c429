// Command gateway serves the REST API: it authenticates requests and turns
// them into commands and queries for the services over NATS.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"scfm/gateway/internal/app"
	"scfm/gateway/internal/config"
	"scfm/shared/svc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gateway: invalid configuration:\n%v\n", err)
		os.Exit(2)
	}
	log := svc.NewLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel, cfg.Service)

	switch sub := svc.Subcommand(os.Args); sub {
	case "serve":
		err = app.Run(ctx, cfg, log)
	case "migrate":
		// The gateway owns no tables; accept the subcommand so every
		// service can be migrated the same way.
	default:
		err = fmt.Errorf("unknown subcommand %q (want serve)", sub)
	}
	if err != nil {
		log.Error("gateway failed", "err", err)
		os.Exit(1)
	}
}
