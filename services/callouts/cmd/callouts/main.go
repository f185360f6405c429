// Command callouts runs the callouts service: accounts, tokens, contacts and
// callouts. Subcommands: serve (default), migrate, seed-admin.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"scfm/callouts/internal/app"
	"scfm/callouts/internal/config"
	"scfm/shared/svc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "callouts: invalid configuration:\n%v\n", err)
		os.Exit(2)
	}
	log := svc.NewLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel, cfg.Service)

	switch sub := svc.Subcommand(os.Args); sub {
	case "serve":
		err = app.Run(ctx, cfg, log)
	case "migrate":
		err = app.Migrate(ctx, cfg, log)
	case "seed-admin":
		var token string
		if token, err = app.SeedSuperAdmin(ctx, cfg); err == nil {
			fmt.Println(token)
		}
	default:
		err = fmt.Errorf("unknown subcommand %q (want serve, migrate or seed-admin)", sub)
	}
	if err != nil {
		log.Error("callouts failed", "err", err)
		os.Exit(1)
	}
}
