// Package testenv gives integration tests real infrastructure: a fresh
// PostgreSQL database per call and a NATS server with JetStream, started once
// per test process when the environment provides none.
//
// A package using it calls Main from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// PostgreSQL comes from TEST_DATABASE_URL when set; otherwise from a
// container when built with the testcontainers tag and a Docker engine
// answers; otherwise from a throwaway cluster of the machine's PostgreSQL
// server binaries. NATS comes from TEST_NATS_URL when set, otherwise from an
// embedded server. When no PostgreSQL can be had, tests are skipped, except
// when the CI variable is set: then they fail, since CI must not pass by
// skipping.
package testenv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// teardownTimeout bounds how long Main waits for the shared servers to stop.
const teardownTimeout = 30 * time.Second

// shared holds the servers of one test process. It is package state on
// purpose: go test runs each package as one process, the servers are costly
// to start, and they must be stopped after the last test, which only Main
// can do.
var shared = &environment{}

// environment is the process-wide set of test servers.
type environment struct {
	mu          sync.Mutex
	mainRunning bool
	stops       []func(context.Context)

	pgOnce sync.Once
	pgURL  string
	pgErr  error

	natsOnce sync.Once
	natsURL  string
	natsErr  error
}

// Main runs the tests of a package, then runs teardown in order, then
// stops the servers this package started, and exits with the tests' code.
// Call it from TestMain.
func Main(m *testing.M, teardown ...func()) {
	shared.mu.Lock()
	shared.mainRunning = true
	shared.mu.Unlock()

	code := m.Run()

	for _, f := range teardown {
		f()
	}

	shared.stopAll()
	os.Exit(code)
}

// requireMain fails t unless Main is running, because without it the
// servers started for the tests would outlive them.
func (e *environment) requireMain(t testing.TB) {
	t.Helper()

	e.mu.Lock()
	running := e.mainRunning
	e.mu.Unlock()

	if !running {
		t.Fatal("testenv: add `func TestMain(m *testing.M) { testenv.Main(m) }` " +
			"to this package's tests")
	}
}

// onStop registers a function that stops a server when the tests are done.
func (e *environment) onStop(stop func(context.Context)) {
	e.mu.Lock()
	defer e.mu.Unlock()

	e.stops = append(e.stops, stop)
}

// stopAll stops the servers in reverse order of starting.
func (e *environment) stopAll() {
	ctx, cancel := context.WithTimeout(context.Background(), teardownTimeout)
	defer cancel()

	e.mu.Lock()
	stops := e.stops
	e.stops = nil
	e.mu.Unlock()

	for i := len(stops) - 1; i >= 0; i-- {
		stops[i](ctx)
	}
}

// unavailable skips t because a server cannot be had, or fails it on CI.
func unavailable(t testing.TB, what string, err error) {
	t.Helper()

	msg := fmt.Sprintf("testenv: no %s available: %v", what, err)
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this fails instead of skipping)")
	}

	t.Skip(msg)
}
