package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Files that make run keeps in ./.data.
const (
	dataDir       = ".data"
	urlFile       = "gateway-url"
	tokenFile     = "admin-token"
	natsURLFile   = "nats-url"
	natsPrefixEnv = "NATS_PREFIX"
)

// apiURL returns the API URL: the flag, else SCFM_URL, else the URL that
// make run wrote.
func (a *app) apiURL() (string, error) {
	return a.setting(a.url, "SCFM_URL", urlFile,
		"no API URL: pass --url, set SCFM_URL, or run scfm where make run keeps .data")
}

// apiToken returns the access token: the flag, else SCFM_TOKEN, else the
// super-admin token that make run keeps.
func (a *app) apiToken() (string, error) {
	return a.setting(a.token, "SCFM_TOKEN", tokenFile,
		"no access token: pass --token, set SCFM_TOKEN, or run scfm where make run keeps .data")
}

// natsURL returns the NATS URL: the flag, else NATS_URL, else the URL that
// make run wrote.
func (a *app) natsURL(flag string) (string, error) {
	return a.setting(flag, "NATS_URL", natsURLFile,
		"no NATS URL: pass --nats, set NATS_URL, or run scfm where make run keeps .data")
}

// setting returns flag when set, else the environment variable, else the
// first line of the file in ./.data; missing everywhere is a usage error.
func (a *app) setting(flag, envName, file, missing string) (string, error) {
	if v := strings.TrimSpace(flag); v != "" {
		return v, nil
	}

	if v := strings.TrimSpace(a.getenv(envName)); v != "" {
		return v, nil
	}

	path := filepath.Join(a.env.Dir, dataDir, file)
	b, err := os.ReadFile(path)
	if err == nil {
		if v := strings.TrimSpace(firstLine(string(b))); v != "" {
			return v, nil
		}
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", usageError{fmt.Errorf("read %s: %w", path, err)}
	}

	return "", usageError{errors.New(missing)}
}

// getenv reads an environment variable through the Env.
func (a *app) getenv(name string) string {
	if a.env.Getenv == nil {
		return ""
	}

	return a.env.Getenv(name)
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
