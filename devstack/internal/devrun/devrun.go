// Package devrun is the development supervisor behind `make run`: it runs
// PostgreSQL, NATS and the four services on one machine, keeping data under
// ./.data between runs.
package devrun

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"scfm/devstack/stack"
	"scfm/shared/localpg"
	"scfm/shared/natsembed"
)

// preferredGatewayPort is used for the API when it is free.
const preferredGatewayPort = 3000

// shutdownTimeout bounds stopping the services and the servers.
const shutdownTimeout = 45 * time.Second

// databaseName is the database the services use in a local cluster.
const databaseName = "scfm"

// Config configures a development run.
type Config struct {
	// Root is the repository root; data goes to Root/.data.
	Root string

	// DatabaseURL points at an existing PostgreSQL database. Empty means a
	// local cluster in .data/pg with database scfm.
	DatabaseURL string

	// NATSURL points at an existing NATS server with JetStream. Empty means
	// an embedded server storing in .data/nats.
	NATSURL string

	// Stdout receives the connection details once the services are ready.
	Stdout io.Writer

	// ServiceLog receives the services' output, prefixed with their names.
	ServiceLog io.Writer

	// Logger receives the supervisor's own messages.
	Logger *slog.Logger
}

// Run starts everything, prints how to reach the API, and runs until ctx
// ends; then it stops the services, NATS and PostgreSQL, in that order.
func Run(ctx context.Context, cfg Config) error {
	dataDir := filepath.Join(cfg.Root, ".data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dataDir, err)
	}

	// The directory holds the admin token: keep it private even if it was
	// created some other way.
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return fmt.Errorf("chmod %s: %w", dataDir, err)
	}

	// One supervisor per data directory: a second would stop the first
	// one's PostgreSQL as a leftover.
	unlock, err := lockDataDir(dataDir)
	if err != nil {
		return err
	}
	defer unlock()

	// Cleanups run in reverse order with a context of their own, since ctx
	// is already cancelled by the time they run.
	var cleanups []func(context.Context)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()

		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i](ctx)
		}
	}()

	dbURL, err := database(ctx, cfg, dataDir, &cleanups)
	if err != nil {
		return err
	}

	natsURL, err := natsServer(ctx, cfg, dataDir, &cleanups)
	if err != nil {
		return err
	}

	s, err := startServices(ctx, cfg, dataDir, dbURL, natsURL)
	if err != nil && ctx.Err() != nil {
		cfg.Logger.Info("interrupted while starting")
		return nil
	}

	if err != nil {
		return err
	}

	cleanups = append(cleanups, s.Stop)
	urlFile := filepath.Join(dataDir, "gateway-url")
	if err := os.WriteFile(urlFile, []byte(s.GatewayURL()+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", urlFile, err)
	}
	cleanups = append(cleanups, func(context.Context) { _ = os.Remove(urlFile) })

	// scfm events tail reads the event streams from this NATS.
	natsFile := filepath.Join(dataDir, "nats-url")
	if err := os.WriteFile(natsFile, []byte(natsURL+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", natsFile, err)
	}
	cleanups = append(cleanups, func(context.Context) { _ = os.Remove(natsFile) })
	printWelcome(cfg.Stdout, s)

	<-ctx.Done()
	cfg.Logger.Info("shutting down")
	return nil
}

// database returns the database URL, starting the local cluster when no
// URL was given.
func database(
	ctx context.Context, cfg Config, dataDir string, cleanups *[]func(context.Context),
) (string, error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, nil
	}

	if err := localpg.PrepareParent(dataDir); err != nil {
		return "", err
	}

	cluster, err := localpg.Start(ctx, localpg.Options{
		Dir:    filepath.Join(dataDir, "pg"),
		Logger: cfg.Logger,
	})
	if err != nil {
		return "", fmt.Errorf("start local postgres (or set DATABASE_URL): %w", err)
	}

	*cleanups = append(*cleanups, func(ctx context.Context) {
		if err := cluster.Stop(ctx); err != nil {
			cfg.Logger.Error("stop postgres", "err", err)
		}
	})

	if err := localpg.EnsureDatabase(ctx, cluster.AdminURL(), databaseName); err != nil {
		return "", err
	}

	return cluster.URL(databaseName), nil
}

// natsServer returns the NATS URL, starting the embedded server when no URL
// was given.
func natsServer(
	ctx context.Context, cfg Config, dataDir string, cleanups *[]func(context.Context),
) (string, error) {
	if cfg.NATSURL != "" {
		return cfg.NATSURL, nil
	}

	srv, err := natsembed.Start(ctx, natsembed.Options{
		StoreDir: filepath.Join(dataDir, "nats"),
		Logger:   cfg.Logger,
	})
	if err != nil {
		return "", fmt.Errorf("start embedded nats (or set NATS_URL): %w", err)
	}

	*cleanups = append(*cleanups, func(context.Context) {
		srv.Shutdown()
		cfg.Logger.Info("nats stopped")
	})

	cfg.Logger.Info("nats started", "url", srv.ClientURL())
	return srv.ClientURL(), nil
}

// startServices builds and starts the services with automatic restarts.
func startServices(
	ctx context.Context, cfg Config, dataDir, dbURL, natsURL string,
) (*stack.Stack, error) {
	return stack.Start(ctx, stack.Options{
		Root:                 cfg.Root,
		BinDir:               filepath.Join(dataDir, "bin"),
		DatabaseURL:          dbURL,
		NATSURL:              natsURL,
		PreferredGatewayPort: preferredGatewayPort,
		AdminTokenFile:       filepath.Join(dataDir, "admin-token"),
		AutoRestart:          true,
		Logger:               cfg.Logger,
		LogWriter:            cfg.ServiceLog,
	})
}

// printWelcome tells the developer where the API is and how to call it.
func printWelcome(w io.Writer, s *stack.Stack) {
	url, token := s.GatewayURL(), s.AdminToken()
	fmt.Fprintf(w, "\nscfm is running.\n"+
		"  API:         %s   (also in .data/gateway-url)\n"+
		"  Admin token: %s   (also in .data/admin-token)\n"+
		"  Try:         curl -s %s/api/contacts -u %s:\n"+
		"Press Ctrl-C to stop (data stays in .data).\n\n", url, token, url, token)
}
