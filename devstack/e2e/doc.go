// Package e2e holds black-box tests of the REST API. They build and start
// the whole system once per test run (gateway, callouts, telephony and
// batches on a fresh PostgreSQL database and NATS prefix) and talk to it
// only over HTTP, the way an SCFM client would. Each test creates its own
// accounts, so the tests run in parallel without seeing each other's data.
package e2e
