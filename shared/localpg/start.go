package localpg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// logFile is the server log inside the data directory.
const logFile = "postgresql.log"

// errPortTaken marks a start that failed because the port was in use.
var errPortTaken = errors.New("port in use")

// pgCtlStart starts the server on c.port and waits until it is ready. On
// failure the error carries the new part of the server log.
func (c *Cluster) pgCtlStart(ctx context.Context, noFsync bool) error {
	logPath := filepath.Join(c.dir, logFile)
	offset := fileSize(logPath)

	settings := []string{
		"-p", strconv.Itoa(c.port),
		"-k", shellQuote(c.sockDir),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=200",
	}
	if noFsync {
		settings = append(settings, "-c", "fsync=off", "-c", "synchronous_commit=off",
			"-c", "full_page_writes=off")
	}

	_, err := c.r.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", c.dir,
		"-l", logPath, "-o", strings.Join(settings, " "))
	if err == nil {
		return nil
	}

	tail := readFrom(logPath, offset)
	if strings.Contains(tail, "could not bind") || strings.Contains(tail, "already in use") {
		return fmt.Errorf("start postgres on port %d: %w: %s", c.port, errPortTaken, tail)
	}

	return fmt.Errorf("start postgres in %s: %w; server log: %s", c.dir, err, tail)
}

// shellQuote quotes s for the shell that pg_ctl hands the -o options to.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fileSize returns the size of path, or 0 if it cannot be read.
func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}

	return info.Size()
}

// readFrom returns at most the last 4 KiB written to path after offset.
func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()

	if size := fileSize(path); size-offset > 4096 {
		offset = size - 4096
	}

	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}

	data, _ := io.ReadAll(f)
	return strings.TrimSpace(string(data))
}
