// Command callouts runs the callouts service: accounts, tokens, users,
// contacts, callouts and participations. Subcommands: serve (default),
// migrate, seed-admin (creates the super-admin account if there is none and
// prints a new token for it).
package main

import (
	"context"
	"fmt"
	"log/slog"

	"scfm/callouts/internal/app"
	"scfm/callouts/internal/config"
	"scfm/shared/svc"
)

func main() {
	svc.Main("callouts", config.Load, func(c config.Config) svc.Config { return c.Config },
		map[string]svc.Command[config.Config]{
			"serve": app.Run, "migrate": app.Migrate, "seed-admin": seedAdmin,
		})
}

// seedAdmin prints the new super-admin token on standard output.
func seedAdmin(ctx context.Context, cfg config.Config, _ *slog.Logger) error {
	token, err := app.SeedSuperAdmin(ctx, cfg)
	if err == nil {
		fmt.Println(token)
	}
	return err
}
