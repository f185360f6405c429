package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"scfm/devstack/stack"
	"scfm/shared/testenv"
)

func TestMain(m *testing.M) {
	testenv.Main(m, stopSystem)
}

// Budgets of starting and stopping the system under test.
const (
	startTimeout = 5 * time.Minute
	stopTimeout  = time.Minute
)

// system is the running system all tests of this package share. It is
// package state because it outlives every single test: it starts with the
// first test that needs it and stops after the last one, in TestMain.
var system struct {
	once    sync.Once
	owner   *processTB
	stack   *stack.Stack
	logs    *logTail
	gateway string
	admin   string
	err     error
	skip    bool
}

// gateway returns the base URL of the running system and its super-admin
// token, starting the system on first use. It skips t when the machine has
// no PostgreSQL to offer (as testenv does) and fails it when the system
// does not start.
func gateway(t testing.TB) (baseURL, adminToken string) {
	t.Helper()

	system.once.Do(startSystem)
	if system.skip {
		t.Skip(system.err)
	}
	if system.err != nil {
		t.Fatalf("start the system under test: %v", system.err)
	}

	return system.gateway, system.admin
}

// startSystem starts the stack on its own database and NATS prefix.
func startSystem() {
	system.owner = &processTB{}
	system.logs = newLogTail(400)

	defer func() {
		if p := recover(); p != nil {
			f, ok := p.(setupFailure)
			if !ok {
				f = setupFailure{msg: fmt.Sprint(p)}
			}
			system.err, system.skip = f, f.skip
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	s, err := stack.Start(ctx, stack.Options{
		DatabaseURL: testenv.Postgres(system.owner),
		NATSURL:     testenv.NATS(system.owner),
		Prefix:      testenv.Prefix(system.owner),
		LogLevel:    "warn",
		LogWriter:   system.logs,
	})
	if err != nil {
		system.err = err
		return
	}

	system.stack = s
	system.gateway, system.admin = s.GatewayURL(), s.AdminToken()
}

// stopSystem stops the services, then drops their database, then deletes
// the binaries.
func stopSystem() {
	if system.stack != nil {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		system.stack.Stop(ctx)
		cancel()
	}

	if system.owner != nil {
		system.owner.runCleanups()
	}

	stack.RemoveSharedBuild()
}

// dumpServiceLogs writes the services' latest warnings and errors into the
// log of t when t has failed, to help tell a product fault from a test
// fault.
func dumpServiceLogs(t testing.TB) {
	t.Helper()

	if t.Failed() && system.logs != nil {
		t.Logf("latest service output (warnings and errors of all tests):\n%s",
			system.logs.String())
	}
}

// setupFailure carries a fatal error or a skip of the shared set-up out of
// the testenv helpers.
type setupFailure struct {
	msg  string
	skip bool
}

func (f setupFailure) Error() string { return f.msg }

// processTB is the testing.TB the shared system's database and NATS server
// are requested with. Unlike a test's own, its cleanups run when the whole
// package is done, since the system outlives every single test. Fatal and
// Skip panic with a setupFailure that startSystem turns into an error.
//
// The embedded interface is nil: testenv calls only the methods defined
// here, and any other would panic and be reported as a set-up failure.
type processTB struct {
	testing.TB

	mu       sync.Mutex
	cleanups []func()
}

func (p *processTB) Helper()      {}
func (p *processTB) Name() string { return "e2e" }

func (p *processTB) Cleanup(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()

	p.cleanups = append(p.cleanups, f)
}

func (p *processTB) Log(args ...any) { fmt.Fprintln(os.Stderr, args...) }

func (p *processTB) Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func (p *processTB) Error(args ...any)                 { p.Log(args...) }
func (p *processTB) Errorf(format string, args ...any) { p.Logf(format, args...) }

func (p *processTB) Fatal(args ...any) {
	panic(setupFailure{msg: fmt.Sprint(args...)})
}

func (p *processTB) Fatalf(format string, args ...any) {
	panic(setupFailure{msg: fmt.Sprintf(format, args...)})
}

func (p *processTB) FailNow()         { panic(setupFailure{msg: "set-up failed"}) }
func (p *processTB) Skip(args ...any) { panic(setupFailure{msg: fmt.Sprint(args...), skip: true}) }

func (p *processTB) Skipf(format string, args ...any) {
	panic(setupFailure{msg: fmt.Sprintf(format, args...), skip: true})
}

// runCleanups runs the registered cleanups, last first.
func (p *processTB) runCleanups() {
	p.mu.Lock()
	cleanups := p.cleanups
	p.cleanups = nil
	p.mu.Unlock()

	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
}

// logTail keeps the last lines written to it.
type logTail struct {
	mu      sync.Mutex
	max     int
	lines   []string
	partial bytes.Buffer
}

func newLogTail(maxLines int) *logTail { return &logTail{max: maxLines} }

// Write implements io.Writer.
func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.partial.Write(p)
	for {
		line, err := l.partial.ReadString('\n')
		if err != nil {
			// An unfinished line waits for the rest of it.
			rest := line
			l.partial.Reset()
			l.partial.WriteString(rest)
			break
		}
		l.lines = append(l.lines, strings.TrimRight(line, "\n"))
		if len(l.lines) > l.max {
			l.lines = l.lines[len(l.lines)-l.max:]
		}
	}

	return len(p), nil
}

// String returns the kept lines.
func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()

	return strings.Join(l.lines, "\n")
}
