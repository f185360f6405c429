package svc

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Command is one subcommand of a service binary.
type Command[C any] func(ctx context.Context, cfg C, log *slog.Logger) error

// Main is the whole of a service's main function: it stops on SIGINT or
// SIGTERM, loads and validates the configuration (exit 2 with every
// problem listed), builds the logger and runs the subcommand named by the
// first argument ("serve" when none; exit 1 on failure).
func Main[C any](
	service string, load func(func(string) (string, bool)) (C, error), common func(C) Config,
	commands map[string]Command[C],
) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := load(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: invalid configuration:\n%v\n", service, err)
		os.Exit(2)
	}
	c := common(cfg)
	log := NewLogger(os.Stderr, c.LogFormat, c.LogLevel, service)

	sub := Subcommand(os.Args)
	run, ok := commands[sub]
	if !ok {
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(
			os.Stderr,
			"%s: unknown subcommand %q (want %s)\n",
			service,
			sub,
			strings.Join(names, ", "),
		)
		os.Exit(2)
	}
	if err := run(ctx, cfg, log); err != nil {
		log.Error(service+" failed", "err", err)
		stop()
		os.Exit(1)
	}
}
