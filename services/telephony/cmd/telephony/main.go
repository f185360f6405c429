// Command telephony runs the telephony service: phone calls, dialling
// through Twilio, Somleng or the simulator, and provider callbacks.
// Subcommands: serve (default), migrate, simulator (the Twilio-compatible
// provider simulator on its own, for trials and load tests).
package main

import (
	"scfm/shared/svc"
	"scfm/telephony/internal/app"
	"scfm/telephony/internal/config"
)

func main() {
	svc.Main("telephony", config.Load, func(c config.Config) svc.Config { return c.Config },
		map[string]svc.Command[config.Config]{
			"serve": app.Run, "migrate": app.Migrate, "simulator": app.RunSimulator,
		})
}
