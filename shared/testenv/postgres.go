package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgTimeout bounds each administrative statement.
const pgTimeout = 30 * time.Second

// Postgres returns a connection URL to a new, empty database that only this
// call uses. The database is dropped when t ends, with its connections.
func Postgres(t testing.TB) string {
	t.Helper()
	shared.requireMain(t)

	admin, err := shared.postgres()
	if err != nil {
		if errors.Is(err, errConfigured) {
			t.Fatal(err)
		}

		unavailable(t, "PostgreSQL", err)
	}

	name := "test_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()

	err = adminExec(ctx, admin, "CREATE DATABASE "+name+" TEMPLATE template0")
	if err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}

	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
		defer cancel()

		err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		if err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})

	return withDatabase(admin, name)
}

// errConfigured marks a failure of a server the environment named
// explicitly, which fails tests instead of skipping them.
var errConfigured = errors.New("configured server failed")

// postgres returns the admin URL of the process's server, finding or
// starting it on first use.
func (e *environment) postgres() (string, error) {
	e.pgOnce.Do(func() {
		e.pgURL, e.pgErr = e.resolvePostgres()
	})

	return e.pgURL, e.pgErr
}

// resolvePostgres picks the server: the environment's, a container's or a
// local cluster's.
func (e *environment) resolvePostgres() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		if err := adminExec(ctx, u, "SELECT 1"); err != nil {
			return "", fmt.Errorf("%w: TEST_DATABASE_URL is set, but: %v", errConfigured, err)
		}

		return u, nil
	}

	u, stop, containerErr := startContainer(ctx)
	if containerErr == nil {
		e.onStop(stop)
		return u, nil
	}

	u, stop, localErr := startLocalCluster(ctx)
	if localErr == nil {
		e.onStop(stop)
		return u, nil
	}

	return "", fmt.Errorf("TEST_DATABASE_URL is unset; %v; local cluster: %w", containerErr,
		localErr)
}

// adminExec runs one statement on a fresh connection to url.
func adminExec(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns admin with its database replaced by name. It accepts
// both URLs and keyword/value connection strings.
func withDatabase(admin, name string) string {
	u, err := url.Parse(admin)
	if err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		u.RawPath = ""

		q := u.Query()
		if q.Has("dbname") {
			q.Set("dbname", name)
			u.RawQuery = q.Encode()
		}

		return u.String()
	}

	// In a keyword/value string the last setting of a keyword wins.
	return strings.TrimSpace(admin) + " dbname=" + name
}
