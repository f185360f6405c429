package stack

import (
	"os"
	"strconv"
	"strings"
)

// commonKeys are the settings every service gets from the stack. A service
// reads <SERVICE>_<KEY> before <KEY>, so the prefixed forms are removed from
// the inherited environment lest a developer's shell override the stack.
var commonKeys = []string{
	"DATABASE_URL", "NATS_URL", "NATS_PREFIX", "LOG_FORMAT", "LOG_LEVEL", "HTTP_ADDR",
	"PUBLIC_BASE_URL", "SIMULATOR_ADDR", "SIMULATOR_URL", "ALLOW_PRIVATE_PROVIDER_URLS",
}

// serviceEnv returns the environment of one service: the inherited one,
// cleaned, plus the stack's settings.
func (s *Stack) serviceEnv(name string) []string {
	env := cleanEnv(os.Environ())
	env = append(env,
		"DATABASE_URL="+s.opts.DatabaseURL,
		"NATS_URL="+s.opts.NATSURL,
		"NATS_PREFIX="+s.opts.Prefix,
		"LOG_FORMAT=text",
		"LOG_LEVEL="+s.opts.LogLevel,
		"GATEWAY_PUBLIC_BASE_URL="+s.GatewayURL(),
		"TELEPHONY_PUBLIC_BASE_URL="+s.GatewayURL(),
		"TELEPHONY_SIMULATOR_ADDR=127.0.0.1:"+strconv.Itoa(s.ports[simulatorPort]),
		"TELEPHONY_SIMULATOR_URL="+s.SimulatorURL(),
		// Local stacks point accounts at providers on this machine.
		"TELEPHONY_ALLOW_PRIVATE_PROVIDER_URLS=true",
		// The built-in simulator keeps its calls in memory: after a restart
		// of telephony the calls it was ringing are gone, and a fetch after
		// a minute of silence finds that out (instead of after ten).
		"TELEPHONY_STALE_AFTER=1m",
	)

	if port, ok := s.ports[name]; ok {
		env = append(env, envName(name)+"_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port))
	}

	return append(env, s.opts.Env...)
}

// cleanEnv drops the variables the stack sets, in plain and prefixed form.
func cleanEnv(in []string) []string {
	drop := map[string]bool{}
	for _, key := range commonKeys {
		drop[key] = true
		for _, name := range Services() {
			drop[envName(name)+"_"+key] = true
		}
	}

	var out []string
	for _, kv := range in {
		key, _, _ := strings.Cut(kv, "=")
		if !drop[key] {
			out = append(out, kv)
		}
	}

	return out
}

// envName returns a service's environment prefix, e.g. CALLOUTS.
func envName(service string) string {
	return strings.ToUpper(service)
}
