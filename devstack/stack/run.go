package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// oneShotTimeout bounds a migrate or seed-admin run.
const oneShotTimeout = 2 * time.Minute

// tokenPattern is the shape of a super-admin token.
var tokenPattern = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// migrate applies each service's migrations, stopping at the first error.
func (s *Stack) migrate(ctx context.Context) error {
	for _, name := range migrating() {
		began := time.Now()
		if _, err := s.runOnce(ctx, name, "migrate"); err != nil {
			return err
		}

		s.log.InfoContext(ctx, "migrations applied", "service", name,
			"duration", time.Since(began))
	}

	return nil
}

// adminToken returns the token from AdminTokenFile, or seeds a super-admin
// and returns (and, with AdminTokenFile, saves) the printed token.
func (s *Stack) adminToken(ctx context.Context) (string, error) {
	file := s.opts.AdminTokenFile
	if file != "" {
		data, err := os.ReadFile(file)
		if err == nil {
			return strings.TrimSpace(string(data)), nil
		}

		if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("read admin token: %w", err)
		}
	}

	out, err := s.runOnce(ctx, "callouts", "seed-admin")
	if err != nil {
		return "", err
	}

	token := lastLine(out)
	if !tokenPattern.MatchString(token) {
		return "", errors.New("seed admin: callouts seed-admin printed no token " +
			"(64 hex characters) as its last line")
	}

	if file != "" {
		if err := writeSecret(file, token); err != nil {
			return "", err
		}

		s.log.InfoContext(ctx, "super-admin seeded", "token_file", file)
	}

	return token, nil
}

// runOnce runs `<service> <subcommand>` with the service's environment and
// returns its standard output; its standard error goes to the log writer.
func (s *Stack) runOnce(ctx context.Context, name, sub string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, oneShotTimeout)
	defer cancel()

	sink := &logSink{out: s.opts.LogWriter}
	stderr := &lineWriter{prefix: "[" + name + " " + sub + "] ", sink: sink, tail: &logTail{}}

	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, s.bin(name), sub)
	cmd.Env = s.serviceEnv(name)
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	cmd.WaitDelay = 5 * time.Second

	err := cmd.Run()
	stderr.flush()
	if err != nil {
		return "", fmt.Errorf("run %s %s: %w\n%s", name, sub, err, stderr.tail.String())
	}

	return stdout.String(), nil
}

// lastLine returns the last non-empty line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// writeSecret writes a one-line secret readable by its owner only.
func writeSecret(path, secret string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}

	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}

	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}

	return nil
}
