// Package envconf reads service configuration from environment variables.
// Each name is looked up with the service prefix first and then plain, so
// CALLOUTS_DATABASE_URL overrides DATABASE_URL for the callouts service only.
package envconf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Reader reads typed values and collects every parse problem, so a
// misconfigured service reports all of them at once.
type Reader struct {
	prefix string
	lookup func(string) (string, bool)
	errs   []error
}

// New returns a reader for prefix (e.g. "CALLOUTS") over lookup, usually
// os.LookupEnv.
func New(prefix string, lookup func(string) (string, bool)) *Reader {
	return &Reader{prefix: prefix, lookup: lookup}
}

// Name returns the prefixed variable name of name, as shown in messages.
func (r *Reader) Name(name string) string { return r.prefix + "_" + name }

func (r *Reader) raw(name string) (string, string, bool) {
	if v, ok := r.lookup(r.Name(name)); ok && v != "" {
		return v, r.Name(name), true
	}
	if v, ok := r.lookup(name); ok && v != "" {
		return v, name, true
	}
	return "", "", false
}

// String returns the value of name, or def when unset or empty.
func (r *Reader) String(name, def string) string {
	if v, _, ok := r.raw(name); ok {
		return v
	}
	return def
}

// Int returns the integer value of name, or def.
func (r *Reader) Int(name string, def int) int {
	v, key, ok := r.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not an integer", key, v))
		return def
	}
	return n
}

// Duration returns the duration value of name (e.g. "30s"), or def.
func (r *Reader) Duration(name string, def time.Duration) time.Duration {
	v, key, ok := r.raw(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s: %q is not a duration such as 30s", key, v))
		return def
	}
	return d
}

// List returns the comma-separated values of name, trimmed, blanks dropped.
func (r *Reader) List(name string) []string {
	v, _, ok := r.raw(name)
	if !ok {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Err returns every parse problem met so far, joined, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }
