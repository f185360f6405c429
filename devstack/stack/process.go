package stack

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Restart backoff for services that exit on their own.
const (
	backoffFirst = time.Second
	backoffMax   = 30 * time.Second

	// backoffReset is how long a service must run before a crash counts as
	// a first crash again.
	backoffReset = time.Minute
)

// process is one service child process, which can be stopped, killed and
// started again, and restarted after a crash when autoRestart is set.
type process struct {
	name        string
	bin         string
	env         []string
	readyURL    string
	sink        *logSink
	tail        *logTail
	log         *slog.Logger
	autoRestart bool

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited; nil before a start
	down    bool          // the current process is meant to stop
	closed  bool          // the stack is stopping: never start again
	crashes int
	timer   *time.Timer // a pending restart after a crash
}

// start starts the service unless it is running.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()

	return p.startLocked()
}

// startLocked starts the service; p.mu is held.
func (p *process) startLocked() error {
	if p.closed {
		return fmt.Errorf("start %s: stack is stopping", p.name)
	}

	if p.running() {
		return nil
	}

	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}

	stdout := &lineWriter{prefix: "[" + p.name + "] ", sink: p.sink, tail: p.tail}
	stderr := &lineWriter{prefix: "[" + p.name + "] ", sink: p.sink, tail: p.tail}

	cmd := exec.Command(p.bin, "serve")
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = childSysProcAttr()
	cmd.WaitDelay = 5 * time.Second

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}

	done := make(chan struct{})
	p.cmd, p.done, p.down = cmd, done, false
	go p.wait(cmd, done, time.Now(), stdout, stderr)

	return nil
}

// pid is the id of the running process, 0 when none runs.
func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()

	if !p.running() || p.cmd.Process == nil {
		return 0
	}

	return p.cmd.Process.Pid
}

// running reports whether a started process has not exited; p.mu is held.
func (p *process) running() bool {
	if p.done == nil {
		return false
	}

	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// wait reaps the process and decides what its exit means.
func (p *process) wait(
	cmd *exec.Cmd, done chan struct{}, began time.Time, stdout, stderr *lineWriter,
) {
	err := cmd.Wait()
	stdout.flush()
	stderr.flush()
	close(done)

	p.mu.Lock()
	defer p.mu.Unlock()

	if p.down || p.closed || p.cmd != cmd {
		return
	}

	if !p.autoRestart {
		p.log.Error("service exited", "service", p.name, "err", exitText(err))
		return
	}

	if time.Since(began) > backoffReset {
		p.crashes = 0
	}

	delay := min(backoffFirst<<p.crashes, backoffMax)
	p.crashes++
	p.log.Warn("service exited, restarting", "service", p.name, "err", exitText(err),
		"delay", delay)
	p.timer = time.AfterFunc(delay, p.restartAfterCrash)
}

// restartAfterCrash is the timer callback that brings a crashed service
// back, trying again later if it cannot even be started.
func (p *process) restartAfterCrash() {
	p.mu.Lock()
	defer p.mu.Unlock()

	p.timer = nil
	if p.closed || p.down || p.running() {
		return
	}

	if err := p.startLocked(); err != nil {
		p.log.Error("restart service", "service", p.name, "err", err)
		p.timer = time.AfterFunc(backoffMax, p.restartAfterCrash)
	}
}

// exitText describes how a process ended.
func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}

	return err.Error()
}

// stop sends SIGTERM to the service's process group and waits for it to
// exit; after grace, or when ctx ends, it sends SIGKILL. The service stays
// down until start is called. With final set it never starts again.
func (p *process) stop(ctx context.Context, grace time.Duration, final bool) {
	cmd, done := p.markDown(final)
	if done == nil {
		return
	}

	signalGroup(cmd, syscall.SIGTERM)

	timer := time.NewTimer(grace)
	defer timer.Stop()

	select {
	case <-done:
		return
	case <-timer.C:
	case <-ctx.Done():
	}

	p.log.WarnContext(ctx, "service did not stop in time, killing it", "service", p.name)
	signalGroup(cmd, syscall.SIGKILL)
	<-done
}

// kill sends SIGKILL to the service's process group and waits for it; the
// service stays down until start is called.
func (p *process) kill() {
	cmd, done := p.markDown(false)
	if done == nil {
		return
	}

	signalGroup(cmd, syscall.SIGKILL)
	<-done
}

// markDown records that the current process is meant to end, cancels any
// pending restart, and returns the process if it is running.
func (p *process) markDown(final bool) (*exec.Cmd, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()

	p.down = true
	p.closed = p.closed || final
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}

	if !p.running() {
		return nil, nil
	}

	return p.cmd, p.done
}

// exited returns a channel closed when the current process has exited.
func (p *process) exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()

	return p.done
}

// signalGroup signals the process group led by cmd's process.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) {
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
