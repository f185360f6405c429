// Package localpg runs a PostgreSQL cluster from the server binaries
// installed on the machine: a throwaway one for tests or a persistent one
// for development. No container engine is needed.
package localpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// portAttempts is how many free ports Start tries when Options.Port is 0.
const portAttempts = 5

// socketDirPrefix starts the name of the socket directories Start creates.
const socketDirPrefix = "localpg-sock-"

// Options configures a cluster.
type Options struct {
	// Dir is the data directory. It is created if missing and initialised
	// unless it already holds a cluster. Required.
	Dir string

	// Port is the TCP port on 127.0.0.1. 0 picks a free port below 32768,
	// outside the range the kernel uses for outgoing connections.
	Port int

	// BinDir holds pg_ctl, initdb and postgres. Empty means FindBinDir.
	BinDir string

	// NoFsync turns fsync and synchronous commit off and skips initdb's
	// sync: much faster, but a machine crash can corrupt the cluster. For
	// throwaway test clusters only.
	NoFsync bool

	// ImmediateStop makes Stop use immediate mode, which skips the shutdown
	// checkpoint; the next start then runs crash recovery. For throwaway
	// test clusters only.
	ImmediateStop bool

	// Logger receives lifecycle messages. Nil discards them.
	Logger *slog.Logger
}

// Cluster is a running local PostgreSQL server.
type Cluster struct {
	r       *runner
	dir     string
	port    int
	sockDir string
	mode    string
	log     *slog.Logger

	mu      sync.Mutex
	stopped bool
}

// Start initialises the cluster if needed and starts the server, waiting
// until it accepts connections. A server still running in Dir from an
// earlier process is stopped first.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("start local postgres: Options.Dir is empty")
	}

	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", opts.Dir, err)
	}

	r, err := newRunner(opts.BinDir)
	if err != nil {
		return nil, err
	}

	c := &Cluster{r: r, dir: dir, mode: "fast", log: opts.Logger}
	if opts.ImmediateStop {
		c.mode = "immediate"
	}

	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}

	if err := c.prepare(ctx, opts.NoFsync); err != nil {
		return nil, err
	}

	if err := c.start(ctx, opts); err != nil {
		_ = os.RemoveAll(c.sockDir)
		return nil, err
	}

	return c, nil
}

// prepare creates and initialises the data directory and the socket
// directory, and clears what an earlier run left behind.
func (c *Cluster) prepare(ctx context.Context, noSync bool) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", c.dir, err)
	}

	if c.r.user != nil {
		if err := c.r.user.checkTraversable(c.dir); err != nil {
			return err
		}
	}

	if err := c.r.chown(c.dir); err != nil {
		return err
	}

	stopped, err := c.r.clearStale(ctx, c.dir, "fast")
	if err != nil {
		return err
	}

	if stopped {
		c.log.WarnContext(ctx, "stopped a server left running by an earlier run", "dir", c.dir)
	}

	if err := c.r.initCluster(ctx, c.dir, noSync); err != nil {
		return err
	}

	// The socket lives in a short path of its own: socket paths are limited
	// to about 100 bytes, and the default directory is not writable by us.
	c.sockDir, err = os.MkdirTemp("", socketDirPrefix+"*")
	if err != nil {
		return fmt.Errorf("create socket dir: %w", err)
	}

	return c.r.chown(c.sockDir)
}

// start runs pg_ctl start, retrying on another port when the chosen one is
// taken and the caller did not ask for a fixed port.
func (c *Cluster) start(ctx context.Context, opts Options) error {
	attempts := 1
	if opts.Port == 0 {
		attempts = portAttempts
	}

	var err error
	for range attempts {
		c.port = opts.Port
		if c.port == 0 {
			if c.port, err = freePort(); err != nil {
				return err
			}
		}

		began := time.Now()
		err = c.pgCtlStart(ctx, opts.NoFsync)
		if err == nil {
			c.log.InfoContext(ctx, "postgres started", "dir", c.dir, "port", c.port,
				"duration", time.Since(began))
			return nil
		}

		if ctx.Err() != nil || !errors.Is(err, errPortTaken) {
			return err
		}
	}

	return err
}

// Dir returns the absolute data directory.
func (c *Cluster) Dir() string {
	return c.dir
}

// Port returns the TCP port the server listens on at 127.0.0.1.
func (c *Cluster) Port() int {
	return c.port
}

// URL returns a connection URL for database dbname as user postgres.
func (c *Cluster) URL(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     "127.0.0.1:" + strconv.Itoa(c.port),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}

	return u.String()
}

// AdminURL returns a connection URL for the postgres database.
func (c *Cluster) AdminURL() string {
	return c.URL("postgres")
}

// Stop shuts the server down (fast mode, or immediate mode when
// Options.ImmediateStop was set) and waits for it. Calling Stop again after
// a successful stop does nothing.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.stopped {
		return nil
	}

	_, err := c.r.run(ctx, "pg_ctl", "stop", "-D", c.dir, "-m", c.mode, "-w", "-t", "60")
	if err != nil {
		if _, running := readPID(c.dir); running {
			return fmt.Errorf("stop postgres in %s: %w", c.dir, err)
		}
	}

	c.stopped = true
	_ = os.RemoveAll(c.sockDir)
	c.log.InfoContext(ctx, "postgres stopped", "dir", c.dir, "mode", c.mode)

	return nil
}
