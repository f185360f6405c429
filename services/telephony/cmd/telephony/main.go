// Command telephony runs the telephony service: phone calls, dialing through Twilio or Somleng, and provider callbacks.
// Subcommands: serve (default), migrate, simulator (a Twilio-compatible
// provider simulator, for trials and load tests).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"scfm/shared/svc"
	"scfm/telephony/internal/app"
	"scfm/telephony/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "telephony: invalid configuration:\n%v\n", err)
		os.Exit(2)
	}
	log := svc.NewLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel, cfg.Service)

	switch sub := svc.Subcommand(os.Args); sub {
	case "serve":
		err = app.Run(ctx, cfg, log)
	case "migrate":
		err = app.Migrate(ctx, cfg, log)
	case "simulator":
		err = app.RunSimulator(ctx, cfg, log)
	default:
		err = fmt.Errorf("unknown subcommand %q (want serve, migrate or simulator)", sub)
	}
	if err != nil {
		log.Error("telephony failed", "err", err)
		os.Exit(1)
	}
}
