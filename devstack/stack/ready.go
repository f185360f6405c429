package stack

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"scfm/shared/svc"
)

// readyPoll is the interval between readiness checks.
const readyPoll = 200 * time.Millisecond

// startAll starts every service and waits until all are ready.
func (s *Stack) startAll(ctx context.Context) error {
	sink := &logSink{out: s.opts.LogWriter}

	var procs []*process
	for _, name := range Services() {
		p := &process{
			name:        name,
			bin:         s.bin(name),
			env:         s.serviceEnv(name),
			readyURL:    s.OpsURL(name) + "/readyz",
			sink:        sink,
			tail:        &logTail{},
			log:         s.log,
			autoRestart: s.opts.AutoRestart,
		}
		s.procs[name] = p
		procs = append(procs, p)

		if err := p.start(); err != nil {
			return err
		}
	}

	began := time.Now()
	if err := s.waitReady(ctx, procs); err != nil {
		return err
	}

	s.log.InfoContext(ctx, "services ready", "gateway_url", s.GatewayURL(),
		"duration", time.Since(began))
	return nil
}

// waitReady polls each service's /readyz until all answer 200. It fails
// when the timeout passes, or at once when a service exits and will not be
// restarted; the error carries the failing services' last log lines.
func (s *Stack) waitReady(ctx context.Context, procs []*process) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.ReadyTimeout)
	defer cancel()

	client := &http.Client{Timeout: 2 * time.Second}
	pending := procs
	for {
		pending = notReady(ctx, client, pending)
		if len(pending) == 0 {
			return nil
		}

		if p := exitedFor(pending); p != nil && !s.opts.AutoRestart {
			return fmt.Errorf("service %s exited while starting; last log lines:\n%s",
				p.name, p.tail.String())
		}

		select {
		case <-ctx.Done():
			return notReadyError(pending, s.opts.ReadyTimeout)
		case <-time.After(readyPoll):
		}
	}
}

// notReady returns the services whose /readyz does not answer 200.
func notReady(ctx context.Context, client *http.Client, procs []*process) []*process {
	var out []*process
	for _, p := range procs {
		if !isReady(ctx, client, p.readyURL, p.pid()) {
			out = append(out, p)
		}
	}

	return out
}

// isReady reports whether url answers 200 from the process pid, so that
// another program that holds the port (another make run, say) never passes
// for the service.
func isReady(ctx context.Context, client *http.Client, url string, pid int) bool {
	if pid == 0 {
		return false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}

	resp, err := client.Do(req)
	if err != nil {
		return false
	}

	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK && resp.Header.Get(svc.HeaderProcessID) == strconv.Itoa(pid)
}

// exitedFor returns a service whose process has exited, or nil.
func exitedFor(procs []*process) *process {
	for _, p := range procs {
		select {
		case <-p.exited():
			return p
		default:
		}
	}

	return nil
}

// notReadyError describes the services that never became ready.
func notReadyError(pending []*process, timeout time.Duration) error {
	var b strings.Builder
	for _, p := range pending {
		fmt.Fprintf(&b, "\n--- %s (%s), last log lines:\n%s", p.name, p.readyURL,
			p.tail.String())
	}

	return fmt.Errorf("services not ready after %s:%s", timeout, b.String())
}
