// Command batches runs the batches service: batch operations that populate
// callouts and create, queue and fetch calls. Subcommands: serve (default),
// migrate.
package main

import (
	"scfm/batches/internal/app"
	"scfm/batches/internal/config"
	"scfm/shared/svc"
)

func main() {
	svc.Main("batches", config.Load, func(c config.Config) svc.Config { return c.Config },
		map[string]svc.Command[config.Config]{"serve": app.Run, "migrate": app.Migrate})
}
