// Command gateway serves the REST API: it authenticates requests and turns
// them into commands and queries for the services over NATS. Subcommands:
// serve (default), migrate (accepted and does nothing: the gateway owns no
// tables, so every service can be migrated the same way).
package main

import (
	"context"
	"log/slog"

	"scfm/gateway/internal/app"
	"scfm/gateway/internal/config"
	"scfm/shared/svc"
)

func main() {
	svc.Main("gateway", config.Load, func(c config.Config) svc.Config { return c.Config },
		map[string]svc.Command[config.Config]{
			"serve":   app.Run,
			"migrate": func(context.Context, config.Config, *slog.Logger) error { return nil },
		})
}
